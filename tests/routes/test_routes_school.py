"""School transport: minibus routes that keep ride limits, wheelchair spaces and escorts, against taxis priced by
hand."""

from __future__ import annotations

import pandas as pd
import pytest

from townhall.errors import InputFileError
from townhall.routes import check_pupils, compare_school_transport
from townhall.settings.routes import SchoolTransportSettings

from .conftest import DEPOT, configure


def _pupils(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {"pickup_address": "1 High Street", "school": "Brook School", "school_latitude": 53.40,
            "school_longitude": -2.18, "bell_time": "08:50", "max_ride_minutes": "45", "wheelchair": "N",
            "needs_escort": "N"}
    return pd.DataFrame([{**base, **row} for row in rows])


def test_minibuses_keep_ride_limits_wheelchair_spaces_and_escorts(workspace) -> None:
    configured = configure(workspace, routes={"depot": DEPOT, "school": {
        "minibus": {"seats": 4, "wheelchair_spaces": 1}}})
    rows = [{"pupil_ref": f"P{number}", "home_latitude": 53.40 + 0.004 * number, "home_longitude": -2.20}
            for number in range(6)]
    rows[0]["wheelchair"] = rows[1]["wheelchair"] = "Y"
    rows[2]["needs_escort"] = "yes"
    pupils = check_pupils(_pupils(rows), configured.settings.routes.school, origin="test")
    report = compare_school_transport(configured, pupils=pupils, iterations=500)
    school = report.schools[0]
    assert school.pupils == 6 and school.by_taxi_anyway == 0 and not school.late
    assert school.minibuses >= 2  # two wheelchairs, one space a minibus
    assert school.longest_ride_minutes <= 45
    assert sum(run["pupils"] for run in school.runs) == 6
    assert any(run["vehicle"].startswith("Minibus with passenger assistant") for run in school.runs)
    assert report.totals()["best_day"] <= min(school.minibus_cost, school.taxi_cost)
    configured.close()


def test_a_taxi_is_priced_per_journey_and_mile_both_ways(workspace) -> None:
    configured = configure(workspace, routes={"depot": DEPOT, "straight_line_factor": 1.0, "school": {
        "taxi": {"cost_per_mile": 2.0, "cost_per_journey": 5.0, "escort_cost_per_day": 60.0}}})
    # One pupil 0.01 degrees of latitude (1,112 metres) north of school.
    pupils = check_pupils(_pupils([{"pupil_ref": "P1", "home_latitude": 53.41, "home_longitude": -2.18,
                                    "needs_escort": "Y"}]), configured.settings.routes.school, origin="test")
    report = compare_school_transport(configured, pupils=pupils, iterations=100)
    miles = 1111.95 / 1609.344
    assert report.schools[0].taxi_cost == pytest.approx(2 * (5.0 + 2.0 * miles) + 60.0, rel=1e-3)
    configured.close()


def test_pupils_rows_that_cannot_be_used_are_named_and_left_out() -> None:
    rows = _pupils([{"pupil_ref": "P1", "home_latitude": 53.41, "home_longitude": -2.18},
                    {"pupil_ref": "P2", "home_latitude": "north", "home_longitude": -2.18},
                    {"pupil_ref": "P3", "home_latitude": 53.41, "home_longitude": -2.18, "bell_time": "ten to nine",
                     "max_ride_minutes": ""}])
    checked = check_pupils(rows, SchoolTransportSettings(), origin="the pupils file")
    assert checked.frame["pupil"].tolist() == ["P1"]
    text = " ".join(checked.problems)
    assert "field 'home_latitude'" in text and "rows: 3" in text and "field 'bell_time'" in text
    assert "1 pupil(s) have no ride limit" in text
    with pytest.raises(InputFileError, match="no column 'school'"):
        check_pupils(rows.drop(columns=["school"]), SchoolTransportSettings(), origin="the pupils file")
