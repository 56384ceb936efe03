"""The linked demo council the risk benchmarks run on, built once and cached under the system's temporary folder, so
each benchmark runs on a fresh checkout without a prebuilt workspace.

    from risk_workspace import linked_demo_copy
    with linked_demo_copy(10_000) as folder: ...      # a throwaway copy of the cached, linked demo

The cache is built in a folder beside its final name and renamed into place when complete, so an interrupted build is
never mistaken for a finished one; delete the folder to rebuild.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "townhall-bench-cache"


def cached_linked_demo(residents: int, seed: int = 7) -> Path:
    """The path of a built and linked demo council of ``residents`` (built the first time, a few minutes at 10,000)."""
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_people
    from townhall.workspace import Workspace

    folder = CACHE / f"linked-demo-{residents}-seed{seed}"
    if (folder / "ashbury" / "townhall.toml").is_file():
        return folder / "ashbury"
    building = CACHE / f".linked-demo-{residents}-seed{seed}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    started = time.perf_counter()
    previous = os.environ.get("TOWNHALL_SECRETS_DIR")
    os.environ["TOWNHALL_SECRETS_DIR"] = str(building / "secrets")
    try:
        build_demo_workspace(building / "ashbury", residents=residents, seed=seed)
        with Workspace.open(building / "ashbury") as built:
            link_people(built)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        if previous is None:
            os.environ.pop("TOWNHALL_SECRETS_DIR", None)
        else:
            os.environ["TOWNHALL_SECRETS_DIR"] = previous
    building.rename(folder)
    print(f"built and linked a {residents:,}-resident demo in {time.perf_counter() - started:.0f} s (cached in "
          f"{folder})")
    return folder / "ashbury"


@contextmanager
def workspace_copy(source: Path) -> Iterator[Path]:
    """A throwaway copy of a workspace (the original is never written to), with its own secrets folder."""
    with tempfile.TemporaryDirectory(prefix="townhall-risk-bench-") as scratch:
        copy = Path(scratch) / "workspace"
        started = time.perf_counter()
        shutil.copytree(source, copy)
        os.environ["TOWNHALL_SECRETS_DIR"] = str(Path(scratch) / "secrets")
        print(f"copied {source} in {time.perf_counter() - started:.1f} s")
        yield copy
