"""Duplicate reports: reports of the same problem (same category, close in place and time) become one problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from townhall.errors import TownhallError
from townhall.places.duplicates import group_duplicate_reports

METRES_NORTH = 1 / 111_320  # degrees of latitude in one metre


def _reports(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Hand-made reports: (id, time, category, metres north of a fixed point)."""
    return pd.DataFrame([{"report_id": report_id, "reported_at": time, "category": category,
                          "latitude": 53.4 + metres * METRES_NORTH, "longitude": -2.2}
                         for report_id, time, category, metres in rows])


def test_the_planted_duplicate_street_reports_are_recovered(linked_demo_folder: Path) -> None:
    demo_data = linked_demo_folder / "demo-data"
    reports = pd.read_csv(demo_data / "sources" / "street_reports.csv", dtype={"report_id": str})
    truth = pd.read_csv(demo_data / "truth" / "street_reports_truth.csv").set_index("report_id")
    result = group_duplicate_reports(reports)
    found = result.reports.set_index("report_id")["problem_id"]
    score = adjusted_rand_score(truth.loc[found.index, "problem_id"], found)
    assert score >= 0.9, f"adjusted Rand index {score:.3f}"
    assert len(result.problems) == pytest.approx(truth["problem_id"].nunique(), rel=0.05)
    assert result.duplicates == len(reports) - len(result.problems) > 0
    assert result.problems["reports"].sum() == len(reports)


def test_reports_group_only_when_close_in_place_and_time_and_of_the_same_category() -> None:
    reports = _reports([
        ("A", "2026-03-01 09:00", "Fly-tipping", 0),
        ("B", "2026-03-02 18:00", "Fly-tipping", 40),      # 40 m and a day later: the same fly-tip
        ("C", "2026-03-02 10:00", "Pothole", 10),          # close, but a different problem
        ("D", "2026-03-12 10:00", "Fly-tipping", 5),       # same spot, ten days later: a new fly-tip
        ("E", "2026-03-01 12:00", "Fly-tipping", 400),     # same day, 400 m away
        ("F", "2026-03-01 13:00", "fly-tipping ", 20),     # category written differently
    ])
    result = group_duplicate_reports(reports, distance_metres=50, window_days=7)
    problem = dict(zip(result.reports["report_id"], result.reports["problem_id"], strict=True))
    assert problem["A"] == problem["B"] == problem["F"]
    assert len({problem["A"], problem["C"], problem["D"], problem["E"]}) == 4
    biggest = result.problems.iloc[0]
    assert biggest["reports"] == 3 and biggest["first_reported"] == pd.Timestamp("2026-03-01 09:00")
    assert biggest["last_reported"] == pd.Timestamp("2026-03-02 18:00")
    assert biggest["latitude"] == pytest.approx(53.4 + 20 * METRES_NORTH, abs=1e-6)


def test_problem_numbers_follow_the_first_report_so_the_same_reports_give_the_same_problems() -> None:
    reports = _reports([("X", "2026-05-02 10:00", "Graffiti", 0), ("Y", "2026-05-01 10:00", "Graffiti", 500),
                        ("Z", "2026-05-02 11:00", "Graffiti", 10)])
    first = group_duplicate_reports(reports)
    shuffled = group_duplicate_reports(reports.iloc[[2, 0, 1]])
    assert first.reports.set_index("report_id")["problem_id"].to_dict() == {"Y": "P00001", "X": "P00002",
                                                                            "Z": "P00002"}
    assert shuffled.reports.set_index("report_id")["problem_id"].to_dict() == \
        first.reports.set_index("report_id")["problem_id"].to_dict()


def test_a_chain_of_close_reports_is_one_problem_even_beyond_the_window() -> None:
    reports = _reports([("1", "2026-01-01 09:00", "Pothole", 0), ("2", "2026-01-06 09:00", "Pothole", 30),
                        ("3", "2026-01-11 09:00", "Pothole", 60)])
    result = group_duplicate_reports(reports, distance_metres=50, window_days=7)
    assert len(result.problems) == 1 and result.problems.iloc[0]["reports"] == 3


def test_reports_without_a_position_stand_alone_and_missing_columns_are_named() -> None:
    reports = _reports([("1", "2026-01-01 09:00", "Pothole", 0), ("2", "2026-01-01 10:00", "Pothole", 0)])
    reports.loc[1, "latitude"] = None
    assert len(group_duplicate_reports(reports).problems) == 2
    with pytest.raises(TownhallError, match="'category'"):
        group_duplicate_reports(reports.drop(columns=["category"]))
