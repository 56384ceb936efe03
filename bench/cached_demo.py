"""A linked demo council kept under the system temporary folder, so a benchmark runs on a fresh checkout.

    from cached_demo import linked_demo, copy_of
    folder = linked_demo(20_000)            # built and linked the first time (minutes), reused after (instant)
    copy = copy_of(folder, scratch / "w")   # the stores and settings only, for a benchmark that writes

The cache is ``<tempdir>/townhall-bench/ashbury-<residents>-seed<seed>``; its keys live in
``<tempdir>/townhall-bench/secrets``. A half-built cache (a build that was stopped) is built again. Delete the folder
to force a fresh build.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "townhall-bench"
DEFAULT_RESIDENTS = 20_000
DEFAULT_SEED = 2026
_FINISHED = ".linked"  # written last: a folder without it was not finished


def use_cache_secrets() -> None:
    """Keep the cached workspaces' keys beside them (not in the developer's own secrets folder)."""
    os.environ["TOWNHALL_SECRETS_DIR"] = str(CACHE / "secrets")


def linked_demo(residents: int = DEFAULT_RESIDENTS, seed: int = DEFAULT_SEED) -> Path:
    """The folder of a linked demo council of this size, building and linking it first if the cache lacks it."""
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_people
    from townhall.workspace import Workspace

    use_cache_secrets()
    folder = CACHE / f"ashbury-{residents}-seed{seed}"
    if (folder / _FINISHED).exists():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"building a linked demo of {residents:,} residents in {folder} (once; later runs reuse it)", flush=True)
    started = time.perf_counter()
    build_demo_workspace(folder, residents=residents, seed=seed)
    with Workspace.open(folder) as workspace:
        link_people(workspace)
    (folder / _FINISHED).write_text(f"built in {time.perf_counter() - started:.0f} s\n", encoding="utf-8")
    return folder


def copy_of(folder: Path, target: Path) -> Path:
    """A copy of a workspace's settings and stores (not its source files), for a benchmark that writes to it."""
    target.mkdir(parents=True)
    for name in ("townhall.toml", "warehouse.duckdb", "app.db"):
        if (folder / name).exists():
            shutil.copy2(folder / name, target / name)
    for name in ("outputs", "models", "sources"):
        (target / name).mkdir(exist_ok=True)
    return target
