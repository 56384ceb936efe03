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

Whatever the data, two records at the same house (UPRN, or house and street) with the same surname (or one a typo
of the other) are relatives, not one person, when their forenames are clearly different or their dates of birth are
more than two keystrokes apart, unless a personal code (NHS number, pupil number: the same or one keystroke apart)
says otherwise. EM on a council's data can learn "same household" as readily as "same person", so this household
rule is not left to the model.

Otherwise each check is used only where the data show that field to be reliable: where the trained model found that
true matches almost never differ in it (``reliable_fields``: the m-probability of "differs" under
``RELIABLE_IF_DIFFERS``). On council data a date of birth or forename that differs is a relative; on a file whose
dates of birth were retyped, the same difference is a typo that the model has already weighed, and splitting on it
would lose people.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from townhall.store.analytics import scratch_connection

BIRTH_YEARS_APART = 5
DIFFERENT_FORENAMES = 0.7
# Surnames this similar (Jaro-Winkler) are one surname with a typo, for the household rule.
SAME_SURNAME = 0.92
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
    born_apart = f"abs(l.birth_year - r.birth_year) > {BIRTH_YEARS_APART}"
    born_differently = ("(l.birth_year <> r.birth_year and damerau_levenshtein(l.date_of_birth, r.date_of_birth) > 1 "
                        "and l.date_of_birth_swapped is distinct from r.date_of_birth)")
    other_forename = ("(length(l.first_name) > 1 and length(r.first_name) > 1 "
                      "and l.first_name_group is distinct from r.first_name_group "
                      "and coalesce(l.first_name <> r.surname, true) "
                      f"and jaro_winkler_similarity(l.first_name, r.first_name) < {DIFFERENT_FORENAMES})")
    same_home = ("(l.uprn = r.uprn or l.house_street = r.house_street) "
                 f"and jaro_winkler_similarity(l.surname, r.surname) >= {SAME_SURNAME} "
                 "and not coalesce(damerau_levenshtein(l.nhs_number, r.nhs_number) <= 1, false) "
                 "and not coalesce(damerau_levenshtein(l.other_id, r.other_id) <= 1, false)")
    # At home, a date of birth counts as another person's only when more than two keystrokes from it (1918 typed
    # for 1981 is one), as a parent's or a child's always is.
    born_elsewhere = ("(damerau_levenshtein(l.date_of_birth, r.date_of_birth) > 2 "
                      "and l.date_of_birth_swapped is distinct from r.date_of_birth)")
    checks = [f"({same_home} and ({born_elsewhere} or {other_forename}))"]
    if "date_of_birth" in reliable:
        checks += [born_apart, born_differently]
    if "forename" in reliable:
        checks.append(other_forename)
    connection = scratch_connection()
    try:
        columns = ["unique_id", "first_name", "surname", "first_name_group", "birth_year", "date_of_birth",
                   "date_of_birth_swapped", "uprn", "house_street", "nhs_number", "other_id"]
        members = clusters.merge(records[[column for column in columns if column in records]], on="unique_id")
        for column in columns:
            if column not in members:
                members[column] = pd.Series(pd.NA, index=members.index, dtype="str")
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
