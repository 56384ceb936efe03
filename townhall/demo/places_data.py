"""Located data for the places analyses: residents' street reports (with planted duplicates) and service sites.

Street reports are what a council's "report a problem" form collects: a category, a time and a map pin. Several
residents often report the same fly-tip or pothole, so the true problem behind each report goes to
truth/street_reports_truth.csv for testing how well duplicates are grouped. Service locations (libraries, family
hubs, children's centres) feed the accessibility analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.formats import PERIOD_END
from townhall.demo.records import SourceTable
from townhall.demo.world import DemoWorld

STREET_REPORT_CATEGORIES = {
    "Fly-tipping": "Rubbish dumped on the pavement near {street}.",
    "Pothole": "Deep pothole in the road on {street}.",
    "Street light not working": "Street light out on {street}, very dark at night.",
    "Graffiti": "Graffiti sprayed on a wall on {street}.",
    "Blocked drain": "Drain blocked on {street}, water pooling after rain.",
}
METRES_PER_DEGREE_LATITUDE = 111_320.0
SERVICE_TYPES = (("Library", 4), ("Family hub", 3), ("Children's centre", 3))


def _offset(latitude: np.ndarray, longitude: np.ndarray, metres: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points moved ``metres`` in a random direction (a map pin dropped near the spot)."""
    angle = rng.random(len(metres)) * 2 * np.pi
    north = metres * np.sin(angle) / METRES_PER_DEGREE_LATITUDE
    east = metres * np.cos(angle) / (METRES_PER_DEGREE_LATITUDE * np.cos(np.radians(latitude)))
    return np.round(latitude + north, 6), np.round(longitude + east, 6)


def street_reports(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Reports of street problems over the last two years; a third of problems are reported by several residents
    within a few days and a few metres of each other. Truth: the problem behind each report."""
    rng = world.random("street reports")
    problems = world.scaled(150, minimum=40)
    units = world.units.loc[~world.units["is_business"]].reset_index(drop=True)
    spot = rng.integers(0, len(units), problems)
    categories = np.array(list(STREET_REPORT_CATEGORIES), dtype=object)
    category = categories[rng.integers(0, len(categories), problems)]
    first_day = PERIOD_END - np.timedelta64(730, "D") + rng.integers(0, 720, problems).astype("timedelta64[D]")
    reports_each = np.where(rng.random(problems) < 0.35, rng.integers(2, 7, problems), 1)
    problem_of_report = np.repeat(np.arange(problems), reports_each)
    count = problem_of_report.size
    first_of_problem = np.r_[0, np.cumsum(reports_each)[:-1]]
    is_first = np.zeros(count, dtype=bool)
    is_first[first_of_problem] = True
    # Later reports come within five days of the first and are pinned within 20 metres of the spot.
    delay_minutes = np.where(is_first, 0, rng.integers(30, 5 * 24 * 60, count))
    start_minutes = rng.integers(7 * 60, 21 * 60, problems)[problem_of_report]
    reported = (first_day[problem_of_report].astype("datetime64[m]")
                + (start_minutes + delay_minutes).astype("timedelta64[m]"))
    latitude, longitude = _offset(units["latitude"].to_numpy()[spot][problem_of_report],
                                  units["longitude"].to_numpy()[spot][problem_of_report],
                                  rng.random(count) * 20, rng)
    street = units["street"].to_numpy()[spot][problem_of_report]
    descriptions = np.array([STREET_REPORT_CATEGORIES[name].format(street=road)
                             for name, road in zip(category[problem_of_report], street, strict=True)], dtype=object)
    order = np.lexsort((problem_of_report, reported))
    report_id = np.array([f"SR{number:06d}" for number in range(1, count + 1)], dtype=object)
    frame = pd.DataFrame({
        "report_id": report_id,
        "reported_at": pd.Series(reported[order]).dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "category": category[problem_of_report][order],
        "latitude": latitude[order], "longitude": longitude[order],
        "description": descriptions[order],
    })
    truth = pd.DataFrame({"report_id": report_id, "problem_id": [f"PR{number:05d}" for number in
                                                                 problem_of_report[order] + 1]})
    table = SourceTable(
        name="street_reports", file_name="street_reports.csv", file_format="csv", owner="Highways and Environment",
        description="Residents' reports of street problems (fly-tipping, potholes, street lights) with a map pin.",
        frame=frame, record_id_column="report_id",
        errors=("the same problem is often reported by several residents",),
    )
    return table, truth


def service_locations(world: DemoWorld) -> pd.DataFrame:
    """Libraries, family hubs and children's centres, each at an address in a different small area."""
    rng = world.random("service locations")
    units = world.units.loc[~world.units["is_business"]].reset_index(drop=True)
    areas = rng.permutation(units["small_area"].unique())
    rows = []
    position = 0
    for service_type, how_many in SERVICE_TYPES:
        for number in range(how_many):
            area = areas[position % len(areas)]
            position += 1
            candidates = np.flatnonzero(units["small_area"].to_numpy() == area)
            site = units.iloc[candidates[rng.integers(0, len(candidates))]]
            rows.append({"name": f"{site['street']} {service_type}" if number else f"Ashbury Central {service_type}",
                         "type": service_type, "latitude": round(float(site["latitude"]), 6),
                         "longitude": round(float(site["longitude"]), 6), "postcode": site["postcode"]})
    frame = pd.DataFrame(rows)
    repeat = frame.groupby("name").cumcount()
    frame["name"] = frame["name"].where(repeat == 0, frame["name"] + " " + (repeat + 1).astype(str))
    return frame
