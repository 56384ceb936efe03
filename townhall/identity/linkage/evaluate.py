"""How good the linkage is, where the true answer is known (the demo council's ``truth/`` folder).

Pairwise figures count pairs of records: precision is the share of pairs put in the same person that truly are the
same person; recall is the share of true same-person pairs that were put together. Cluster figures count people:
the share of true people whose records all landed in one person and nobody else's did. Only records that took part
in linkage and have a true person are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from townhall.errors import TownhallError
from townhall.identity.linkage.run import LinkageJob, LinkageSummary, Progress, link_people
from townhall.store.analytics import scratch_connection

if TYPE_CHECKING:
    from townhall.workspace import Workspace

THRESHOLDS_SHOWN = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


@dataclass(frozen=True)
class LinkageAccuracy:
    """Pairwise and cluster-level accuracy of one clustering against the truth."""

    threshold: float
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    people_exactly_right: float  # share of true people whose records form exactly one predicted person

    @property
    def precision(self) -> float:
        """Share of predicted same-person pairs that are right."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true same-person pairs that were found."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def read_truth(truth_folder: Path) -> pd.DataFrame:
    """The true person of every record: unique_id ('<source>:<record id>') and person (records of nobody dropped)."""
    path = truth_folder / "record_links.csv"
    if not path.exists():
        raise TownhallError(f"There is no ground truth to evaluate against: {path} does not exist. Evaluation "
                            "works on the demo council, whose truth/ folder records who every record is about.")
    truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    truth = truth.loc[truth["person_id"].ne("-1") & truth["person_id"].ne("")]
    return pd.DataFrame({"unique_id": truth["source"] + ":" + truth["record_id"], "person": truth["person_id"],
                         "household": truth["household_id"]})


def accuracy(clusters: pd.DataFrame, truth: pd.DataFrame, threshold: float) -> LinkageAccuracy:
    """Compare a clustering (unique_id, cluster) with the truth (unique_id, person), counting pairs in DuckDB."""
    connection = scratch_connection()
    try:
        connection.register("clusters", clusters[["unique_id", "cluster"]])
        connection.register("truth", truth[["unique_id", "person"]])
        row = connection.execute("""
            with joined as (select c.cluster, t.person from clusters c join truth t using (unique_id)),
            both_ as (select count(*) as n from joined group by cluster, person),
            predicted as (select count(*) as n from joined group by cluster),
            true_ as (select count(*) as n from joined group by person),
            exact as (select person, count(distinct cluster) as clusters, min(cluster) as cluster
                      from joined group by person),
            cluster_people as (select cluster, count(distinct person) as people from joined group by cluster)
            select (select count(*) from joined),
                   (select coalesce(sum(n * (n - 1) / 2), 0) from true_),
                   (select coalesce(sum(n * (n - 1) / 2), 0) from predicted),
                   (select coalesce(sum(n * (n - 1) / 2), 0) from both_),
                   (select avg(case when e.clusters = 1 and p.people = 1 then 1.0 else 0.0 end)
                      from exact e join cluster_people p using (cluster))
        """).fetchall()[0]
    finally:
        connection.close()
    return LinkageAccuracy(threshold=threshold, records=int(row[0]), true_pairs=int(row[1]),
                           predicted_pairs=int(row[2]), correct_pairs=int(row[3]),
                           people_exactly_right=float(row[4] or 0.0))


def truth_folder_of(workspace: Workspace) -> Path:
    """The demo's ground-truth folder, as recorded in townhall.toml; a plain error for a real council."""
    folder = workspace.config.extra.get("demo", {}).get("truth_folder")
    if not folder:
        raise TownhallError("This workspace has no ground truth to evaluate linkage against: only the demo council "
                            "knows who every record is really about. Run 'townhall link' without --evaluate.")
    return workspace.path / folder


def link_and_evaluate(workspace: Workspace, *, threshold: float | None = None,
                      progress: Progress | None = None) -> tuple[LinkageSummary, list[LinkageAccuracy]]:
    """Link as ``link_people`` does, then measure accuracy against the truth at the chosen and other thresholds."""
    truth = read_truth(truth_folder_of(workspace))
    measured: list[LinkageAccuracy] = []

    def measure(job: LinkageJob, edges: pd.DataFrame) -> None:
        for shown in sorted({*THRESHOLDS_SHOWN, job.threshold}):
            measured.append(accuracy(job.cluster(edges, shown), truth, shown))

    summary = link_people(workspace, threshold=threshold, progress=progress, job_callback=measure)
    return summary, measured
