"""Split people that connected-components clustering chained together although their records contradict each other.

Clustering joins every pair above the threshold, so one record without a date of birth ("Matthew Campbell" on a
council-tax account) can join a father and his son of the same name into one person. A reviewer would never accept
a person whose records were born twenty years apart, or who is "Leah" in one record and "Emily" in another on the
same birthday (twins). So, inside each cluster that holds such a contradiction, the records are joined again
strongest link first, and a link is skipped when it would put two contradicting records in one person.

Two records contradict each other when their years of birth are more than ``BIRTH_YEARS_APART`` apart; when both
have a full date of birth in different years that is neither one mistyped character nor day and month swapped
(brothers and sisters with one forename); or when their forenames are clearly different: neither is an initial,
they are not nickname variants, they are not a swapped forename and surname, and they are not similar spellings
(Jaro-Winkler under ``DIFFERENT_FORENAMES``).
A reviewer's "same person" decision overrides all of these.

Each check is used only where the data show that field to be reliable: where the trained model found that true
matches almost never differ in it (``reliable_fields``: the m-probability of "differs" under ``RELIABLE_IF_DIFFERS``).
On council data a date of birth or forename that differs is a relative; on a file whose dates of birth were
retyped, the same difference is a typo that the model has already weighed, and splitting on it would lose people.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from townhall.store.analytics import scratch_connection

BIRTH_YEARS_APART = 5
DIFFERENT_FORENAMES = 0.7
# A field is reliable when at most this share of true matches differ in it (the trained model's m-probability).
RELIABLE_IF_DIFFERS = 0.02
_DIFFERENT_LEVELS = {
    "date_of_birth": ("All other comparisons", "Born within three years of each other"),
    "forename": ("All other comparisons", "Different forename, same surname (a relative?)"),
}


def reliable_fields(settings: dict[str, Any]) -> set[str]:
    """The comparisons ('date_of_birth', 'forename') whose 'differs' levels the trained model found in under
    ``RELIABLE_IF_DIFFERS`` of true matches: a difference there is a contradiction, not a typo."""
    reliable = set()
    for comparison in settings.get("comparisons", []):
        levels = _DIFFERENT_LEVELS.get(comparison.get("output_column_name"))
        if not levels:
            continue
        differs = sum(level.get("m_probability") or 0.0 for level in comparison["comparison_levels"]
                      if level.get("label_for_charts") in levels)
        if differs <= RELIABLE_IF_DIFFERS:
            reliable.add(comparison["output_column_name"])
    return reliable


def contradicting_pairs(records: pd.DataFrame, clusters: pd.DataFrame,
                        reliable: set[str] | frozenset[str] = frozenset({"date_of_birth", "forename"}),
                        ) -> pd.DataFrame:
    """Pairs of records in the same cluster that cannot be the same person (unique_id_l < unique_id_r), judged on
    the ``reliable`` fields only."""
    checks = []
    if "date_of_birth" in reliable:
        checks += [f"abs(l.birth_year - r.birth_year) > {BIRTH_YEARS_APART}",
                   "(l.birth_year <> r.birth_year and damerau_levenshtein(l.date_of_birth, r.date_of_birth) > 1 "
                   "and l.date_of_birth_swapped is distinct from r.date_of_birth)"]
    if "forename" in reliable:
        checks.append("(length(l.first_name) > 1 and length(r.first_name) > 1 "
                      "and l.first_name_group is distinct from r.first_name_group "
                      "and coalesce(l.first_name <> r.surname, true) "
                      f"and jaro_winkler_similarity(l.first_name, r.first_name) < {DIFFERENT_FORENAMES})")
    if not checks:
        return pd.DataFrame({"unique_id_l": pd.Series(dtype="str"), "unique_id_r": pd.Series(dtype="str")})
    connection = scratch_connection()
    try:
        members = clusters.merge(records[["unique_id", "first_name", "surname", "first_name_group", "birth_year",
                                          "date_of_birth", "date_of_birth_swapped"]],
                                 on="unique_id")
        connection.register("members", members)
        return connection.execute(f"""
            with sized as (select *, count(*) over (partition by cluster) as size from members)
            select l.unique_id as unique_id_l, r.unique_id as unique_id_r
            from sized l join sized r on l.cluster = r.cluster and l.unique_id < r.unique_id
            where l.size > 1 and ({" or ".join(checks)})
        """).df()
    finally:
        connection.close()


class _Groups:
    """Union-find over records, refusing unions that would put a contradicting pair together."""

    def __init__(self, ids: list[str], cannot: set[tuple[str, str]]) -> None:
        self.parent = {unique_id: unique_id for unique_id in ids}
        self.members = {unique_id: {unique_id} for unique_id in ids}
        self.cannot = cannot

    def find(self, unique_id: str) -> str:
        root = unique_id
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[unique_id] != root:
            self.parent[unique_id], unique_id = root, self.parent[unique_id]
        return root

    def join(self, left: str, right: str) -> None:
        first, second = self.find(left), self.find(right)
        if first == second:
            return
        for one in self.members[first]:
            for other in self.members[second]:
                if (min(one, other), max(one, other)) in self.cannot:
                    return
        if len(self.members[first]) < len(self.members[second]):
            first, second = second, first
        self.parent[second] = first
        self.members[first] |= self.members.pop(second)


def split_contradicting_clusters(clusters: pd.DataFrame, edges: pd.DataFrame, records: pd.DataFrame,
                                 threshold: float,
                                 reliable: set[str] | frozenset[str] = frozenset({"date_of_birth", "forename"}),
                                 ) -> pd.DataFrame:
    """Re-join the records of clusters holding a contradiction, strongest link first, never joining a
    contradicting pair; other clusters are returned unchanged. Forced links (probability 1) are never refused."""
    cannot = contradicting_pairs(records, clusters, reliable)
    if cannot.empty:
        return clusters
    forced = edges.loc[edges["match_probability"] >= 1.0]
    forced_pairs = set(zip(forced[["unique_id_l", "unique_id_r"]].min(axis=1),
                           forced[["unique_id_l", "unique_id_r"]].max(axis=1), strict=True))
    cannot_pairs = set(zip(cannot["unique_id_l"], cannot["unique_id_r"], strict=True)) - forced_pairs
    cluster_of = clusters.set_index("unique_id")["cluster"]
    affected = set(cluster_of.loc[cannot["unique_id_l"]])
    inside = clusters.loc[clusters["cluster"].isin(affected), "unique_id"]
    ids = set(inside)
    strong = edges.loc[(edges["match_probability"] >= threshold) & edges["unique_id_l"].isin(ids)
                       & edges["unique_id_r"].isin(ids)]
    # Strongest first; equal scores in record-id order, so the same scores always give the same people.
    strong = strong.sort_values(["match_probability", "unique_id_l", "unique_id_r"], ascending=[False, True, True])
    groups = _Groups(sorted(ids), cannot_pairs)
    for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
        groups.join(left, right)
    new_cluster = {unique_id: min(groups.members[groups.find(unique_id)]) for unique_id in ids}
    result = clusters.copy()
    is_inside = result["unique_id"].isin(ids)
    result.loc[is_inside, "cluster"] = result.loc[is_inside, "unique_id"].map(new_cluster)
    return result
