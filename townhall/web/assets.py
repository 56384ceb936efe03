"""Where the built front-end assets live, and a clear stop when they were never built."""

from __future__ import annotations

from pathlib import Path

from townhall.errors import TownhallError

STATIC_FOLDER = Path(__file__).resolve().parent / "static"
GOVUK_ASSETS_FOLDER = STATIC_FOLDER / "govuk" / "assets"
AXE_SCRIPT = STATIC_FOLDER / "vendor" / "axe.min.js"

# The files every page needs; if one is missing the pages would render unstyled, so the app refuses to start.
REQUIRED_FILES = (
    STATIC_FOLDER / "govuk" / "govuk-frontend.min.css",
    STATIC_FOLDER / "govuk" / "govuk-frontend.min.js",
    STATIC_FOLDER / "townhall" / "townhall.css",
    STATIC_FOLDER / "townhall" / "init.js",
    GOVUK_ASSETS_FOLDER / "manifest.json",
)


class AssetsNotBuiltError(TownhallError):
    """The web app's styles and scripts have not been built from the npm packages."""


def missing_assets() -> list[Path]:
    """The required asset files that are not there (empty when the build has run)."""
    return [path for path in REQUIRED_FILES if not path.is_file()]


def check_assets_built() -> None:
    """Stop with a plain instruction when the front-end assets are missing, rather than serve unstyled pages."""
    missing = missing_assets()
    if missing:
        raise AssetsNotBuiltError(
            "The web app's styles and scripts have not been built (missing "
            f"{missing[0]}). Run 'make assets' in the townhall folder "
            "(it runs 'npm ci' and 'python scripts/build_assets.py'), then start the web app again."
        )
