"""Splitting people that clustering chained together although their records contradict each other."""

from __future__ import annotations

import pandas as pd

from townhall.identity.linkage.conflicts import contradicting_pairs, split_contradicting_clusters


def _records(*rows: tuple[str, str, str, int | None] | tuple[str, str, str, int | None, str]) -> pd.DataFrame:
    """Records as (unique id, forename, surname, year of birth[, date of birth])."""
    frame = pd.DataFrame([(*row, None)[:5] for row in rows],
                         columns=["unique_id", "first_name", "surname", "birth_year", "date_of_birth"])
    frame["first_name_group"] = frame["first_name"]
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    born = pd.to_datetime(frame["date_of_birth"])
    frame["date_of_birth_swapped"] = born.dt.strftime("%Y-%d-%m").where(born.dt.day <= 12)
    return frame


def _edges(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])


def test_a_record_without_a_birth_date_no_longer_joins_a_father_and_son_of_the_same_name() -> None:
    records = _records(("a:father", "matthew", "campbell", 1981), ("b:no_date", "matthew", "campbell", None),
                       ("c:son", "matthew", "campbell", 2008), ("d:son_again", "matthew", "campbell", 2008))
    chained = pd.DataFrame({"unique_id": records["unique_id"], "cluster": "a:father"})
    edges = _edges(("a:father", "b:no_date", 0.93), ("b:no_date", "c:son", 0.99), ("c:son", "d:son_again", 0.9999))
    result = split_contradicting_clusters(chained, edges, records, 0.9).set_index("unique_id")["cluster"]
    # Strongest links first: the son's two records, then the undated record joins the son; the father stays apart.
    assert result["c:son"] == result["d:son_again"] == result["b:no_date"]
    assert result["a:father"] != result["c:son"]


def test_twins_with_different_forenames_are_two_people_but_nicknames_and_initials_are_not() -> None:
    records = _records(("a:1", "leah", "morris", 2004), ("b:2", "emily", "morris", 2004),
                       ("c:3", "l", "morris", 2004), ("d:4", "lea", "morris", 2004))
    together = pd.DataFrame({"unique_id": records["unique_id"], "cluster": "a:1"})
    pairs = set(map(tuple, contradicting_pairs(records, together).to_numpy()))
    assert ("a:1", "b:2") in pairs and ("b:2", "d:4") in pairs
    assert ("a:1", "c:3") not in pairs and ("a:1", "d:4") not in pairs


def test_a_reviewers_same_person_decision_is_never_undone() -> None:
    records = _records(("a:1", "leah", "morris", 2004), ("b:2", "emily", "morris", 2004))
    together = pd.DataFrame({"unique_id": records["unique_id"], "cluster": "a:1"})
    forced = _edges(("a:1", "b:2", 1.0))
    result = split_contradicting_clusters(together, forced, records, 0.9)
    assert result["cluster"].nunique() == 1


def test_clusters_without_contradictions_are_left_exactly_as_they_were() -> None:
    records = _records(("a:1", "ann", "lee", 1980), ("b:2", "anne", "lee", 1980), ("c:3", "bob", "ray", 1970))
    clusters = pd.DataFrame({"unique_id": ["a:1", "b:2", "c:3"], "cluster": ["a:1", "a:1", "c:3"]})
    result = split_contradicting_clusters(clusters, _edges(("a:1", "b:2", 0.95)), records, 0.9)
    pd.testing.assert_frame_equal(result, clusters)


def test_brothers_and_sisters_with_one_forename_are_apart_but_a_swapped_or_mistyped_date_is_not() -> None:
    records = _records(("a:1", "emily", "fletcher", 2006, "2006-05-11"),
                       ("b:2", "emily", "fletcher", 2007, "2007-08-23"),
                       ("c:3", "emily", "fletcher", 2006, "2006-11-05"),
                       ("d:4", "emily", "fletcher", 2008, "2006-05-11"))
    records.loc[3, "date_of_birth"] = "2008-05-11"  # the year mistyped by one character
    together = pd.DataFrame({"unique_id": records["unique_id"], "cluster": "a:1"})
    pairs = set(map(tuple, contradicting_pairs(records, together).to_numpy()))
    assert ("a:1", "b:2") in pairs
    assert ("a:1", "c:3") not in pairs  # day and month swapped
    assert ("a:1", "d:4") not in pairs  # one character different
