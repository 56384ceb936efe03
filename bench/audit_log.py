"""Benchmark: how fast the audit log appends entries and verifies its chain (SQLite application database)."""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from townhall.workspace import Workspace


def main() -> None:
    """Append N entries one by one (each its own transaction, as in real use), then verify the whole chain."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=5_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(Path(folder) / "secrets"))
        workspace = Workspace.create(Path(folder) / "bench", "Benchmark")
        started = time.perf_counter()
        for number in range(arguments.entries):
            workspace.audit.record("bench", "person.viewed", f"P{number:07d}", purpose="benchmark")
        appended = time.perf_counter() - started
        started = time.perf_counter()
        result = workspace.audit.verify()
        verified = time.perf_counter() - started
        workspace.close()
    peak_megabytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"audit log: appended {arguments.entries:,} entries in {appended:.2f} s "
          f"({arguments.entries / appended:,.0f} entries/s, {1000 * appended / arguments.entries:.2f} ms each)")
    print(f"audit log: verified {result.entries_checked:,} entries in {verified:.2f} s "
          f"({result.entries_checked / verified:,.0f} entries/s); intact={result.intact}")
    print(f"peak memory: {peak_megabytes:,.0f} MB")


if __name__ == "__main__":
    main()
