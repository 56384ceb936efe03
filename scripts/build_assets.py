"""Build the web app's front-end assets into townhall/web/static/ (build output, never committed).

Run after `npm ci` (the Makefile's `make assets` does both). It compiles GOV.UK Frontend's Sass once with a system
font stack (the GDS Transport font is licensed for GOV.UK only), copies GOV.UK Frontend's ES-module script and images,
axe-core for the accessibility tests, Leaflet for maps, and townhall's own small stylesheet, start-up module and
icon. Everything is served from this machine: no CDN.

The new folder is built beside the old one and swapped in at the end, so a failed build leaves the last good one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
FRONTEND_SOURCE = ROOT / "townhall" / "web" / "frontend"
STATIC = ROOT / "townhall" / "web" / "static"
GOVUK_DIST = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
LEAFLET_DIST = NODE_MODULES / "leaflet" / "dist"
SASS = NODE_MODULES / ".bin" / ("sass.cmd" if sys.platform == "win32" else "sass")

# Our own files, copied as they are: source name -> path under static/.
OWN_FILES = {
    "townhall.css": "townhall/townhall.css",
    "init.js": "townhall/init.js",
    "favicon.svg": "townhall/favicon.svg",
    "map.js": "townhall/map.js",
}


def fail(message: str) -> None:
    """Stop with a plain message and a non-zero exit."""
    print(f"build_assets: {message}", file=sys.stderr)
    raise SystemExit(1)


def package_version(name: str) -> str:
    """The installed version of an npm package, for the build record."""
    return json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))["version"]


def compile_govuk_css(target: Path) -> None:
    """Compile GOV.UK Frontend's Sass with Arial instead of GDS Transport, minified, without source maps."""
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(SASS), f"--load-path={NODE_MODULES}", "--style=compressed", "--no-source-map", "--quiet-deps",
        str(FRONTEND_SOURCE / "govuk-frontend.scss"), str(target),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"Sass could not compile GOV.UK Frontend:\n{result.stderr}")
    css = target.read_text(encoding="utf-8")
    if "GDS Transport" in css or "@font-face" in css:
        fail("the compiled CSS still refers to the GDS Transport font; check townhall/web/frontend/govuk-frontend.scss")


def build(staging: Path) -> None:
    """Write every asset into ``staging``."""
    compile_govuk_css(staging / "govuk" / "govuk-frontend.min.css")
    shutil.copy2(GOVUK_DIST / "govuk-frontend.min.js", staging / "govuk" / "govuk-frontend.min.js")
    shutil.copy2(GOVUK_DIST / "govuk-frontend.min.js.map", staging / "govuk" / "govuk-frontend.min.js.map")
    # Images and manifest only: the fonts are GDS Transport, which a council service must not use.
    shutil.copytree(GOVUK_DIST / "assets", staging / "govuk" / "assets", ignore=shutil.ignore_patterns("fonts"))
    (staging / "vendor").mkdir(parents=True, exist_ok=True)
    shutil.copy2(AXE, staging / "vendor" / "axe.min.js")
    # Leaflet draws the interactive maps from GeoJSON the app serves; no tile server, so it works offline.
    leaflet = staging / "vendor" / "leaflet"
    leaflet.mkdir()
    for name in ("leaflet.js", "leaflet.js.map", "leaflet.css"):
        shutil.copy2(LEAFLET_DIST / name, leaflet / name)
    shutil.copytree(LEAFLET_DIST / "images", leaflet / "images")
    for source_name, target_name in OWN_FILES.items():
        target = staging / target_name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(FRONTEND_SOURCE / source_name, target)
    record = {name: package_version(name) for name in ("govuk-frontend", "axe-core", "leaflet", "sass")}
    (staging / "build.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    """Check that npm packages are installed, build into a staging folder, then swap it in."""
    for needed in (GOVUK_DIST, AXE, LEAFLET_DIST, SASS):
        if not needed.exists():
            fail(f"{needed.relative_to(ROOT)} is missing: run 'npm ci' in {ROOT} first (or 'make assets').")
    staging = STATIC.with_name("static.building")
    previous = STATIC.with_name("static.previous")
    for folder in (staging, previous):
        shutil.rmtree(folder, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        build(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if STATIC.exists():
        STATIC.rename(previous)
    staging.rename(STATIC)
    shutil.rmtree(previous, ignore_errors=True)
    versions = json.loads((STATIC / "build.json").read_text(encoding="utf-8"))
    print("Built web assets in " + str(STATIC.relative_to(ROOT)) + " ("
          + ", ".join(f"{name} {version}" for name, version in versions.items()) + ").")


if __name__ == "__main__":
    main()
