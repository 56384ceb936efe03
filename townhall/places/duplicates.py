"""Duplicate reports: residents often report the same fly-tip or pothole several times, so group reports of the same
category made within a distance (e.g. 50 metres) and a time window (e.g. 7 days) of each other into one problem.

Grouping is deterministic: two reports are linked when they are close in place and time and share a category, and a
problem is every report reachable through such links (connected components). A chain of reports can therefore span
more than the window when each report is close to the one before it: the problem table shows the first and last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from townhall.errors import TownhallError
from townhall.identity.index import opted_out_record_ids
from townhall.places.defaults import DEFAULT_DISTANCE_METRES, DEFAULT_WINDOW_DAYS
from townhall.places.geography import LATITUDE_NAMES, LONGITUDE_NAMES
from townhall.places.locations import local_metres
from townhall.workspace import Workspace

TIME_FIELDS = ("reported_at", "reported", "received", "date", "created")
CATEGORY_FIELDS = ("category", "type", "problem")
ID_FIELDS = ("report_id", "id", "reference")


@dataclass
class DuplicateReports:
    """Reports with the problem each belongs to, and one row per problem."""

    reports: pd.DataFrame  # the reports as given, plus problem_id and reports_of_problem
    problems: pd.DataFrame  # problem_id, category, reports, first_reported, last_reported, latitude, longitude
    distance_metres: float
    window_days: float

    @property
    def duplicates(self) -> int:
        """How many reports repeat a problem already reported."""
        return len(self.reports) - len(self.problems)

    def describe(self) -> str:
        """One sentence for the page or the command line."""
        return (f"{len(self.reports):,} reports are {len(self.problems):,} problems: reports of the same category "
                f"within {self.distance_metres:,.0f} metres and {self.window_days:g} days of each other are grouped.")


def group_duplicate_reports(frame: pd.DataFrame, *, distance_metres: float = DEFAULT_DISTANCE_METRES,
                            window_days: float = DEFAULT_WINDOW_DAYS, latitude: str = "latitude",
                            longitude: str = "longitude", reported_at: str = "reported_at",
                            category: str | None = "category") -> DuplicateReports:
    """Group reports of the same problem; ``category=None`` groups across categories. Reports without a position or
    time are each their own problem."""
    if distance_metres <= 0 or window_days < 0:
        raise TownhallError("The distance must be more than 0 metres and the time window 0 days or more.")
    missing = [name for name in (latitude, longitude, reported_at, category) if name and name not in frame.columns]
    if missing:
        raise TownhallError(f"The reports have no {', '.join(repr(name) for name in missing)} column. Name the "
                            "columns holding the latitude, longitude, report time and category.")
    reports = frame.reset_index(drop=True).copy()
    times = pd.to_datetime(reports[reported_at], errors="coerce", dayfirst=False)
    lat = pd.to_numeric(reports[latitude], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(reports[longitude], errors="coerce").to_numpy(dtype=float)
    usable = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon) & times.notna().to_numpy())
    count = len(reports)
    left = np.empty(0, dtype=np.int64)
    right = np.empty(0, dtype=np.int64)
    if usable.size > 1:
        points = local_metres(lat[usable], lon[usable], float(np.nanmean(lat[usable])))
        pairs = cKDTree(points).query_pairs(r=distance_metres, output_type="ndarray")
        if len(pairs):
            first, second = usable[pairs[:, 0]], usable[pairs[:, 1]]
            seconds = times.to_numpy(dtype="datetime64[s]").astype(np.int64)
            keep = np.abs(seconds[first] - seconds[second]) <= window_days * 86_400
            if category:
                labels = reports[category].astype(str).str.strip().str.lower().to_numpy()
                keep &= labels[first] == labels[second]
            left, right = first[keep], second[keep]
    graph = coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(count, count))
    _, component = connected_components(graph, directed=False)
    # Number problems by their first report (then row order), so the same reports always give the same ids.
    order_key = pd.DataFrame({"component": component, "time": times, "row": np.arange(count)})
    first_rows = order_key.sort_values(["time", "row"], na_position="last").drop_duplicates("component")
    number = {component_id: rank for rank, component_id in enumerate(first_rows["component"], start=1)}
    width = max(5, len(str(len(number))))
    reports["problem_id"] = [f"P{number[value]:0{width}d}" for value in component]
    reports["reports_of_problem"] = reports.groupby("problem_id")["problem_id"].transform("size")
    working = pd.DataFrame({"problem_id": reports["problem_id"], "time": times, "latitude": lat, "longitude": lon,
                            "category": reports[category].astype(str) if category else ""})
    problems = working.groupby("problem_id", sort=True).agg(
        category=("category", "first"), reports=("problem_id", "size"), first_reported=("time", "min"),
        last_reported=("time", "max"), latitude=("latitude", "mean"), longitude=("longitude", "mean"),
    ).reset_index()
    problems["latitude"] = problems["latitude"].round(6)
    problems["longitude"] = problems["longitude"].round(6)
    if not category:
        problems = problems.drop(columns=["category"])
    problems = problems.sort_values(["reports", "first_reported", "problem_id"], ascending=[False, True, True],
                                    kind="stable").reset_index(drop=True)
    return DuplicateReports(reports=reports, problems=problems, distance_metres=float(distance_metres),
                            window_days=float(window_days))


def _pick(columns: list[str], candidates: tuple[str, ...], given: str | None) -> str | None:
    if given:
        if given not in columns:
            raise TownhallError(f"There is no column '{given}'. The columns are: {', '.join(columns)}.")
        return given
    lowered = {column.lower(): column for column in columns}
    return next((lowered[name.lower()] for name in candidates if name.lower() in lowered), None)


def duplicate_reports(workspace: Workspace, source: str, *, distance_metres: float = DEFAULT_DISTANCE_METRES,
                      window_days: float = DEFAULT_WINDOW_DAYS, latitude: str | None = None,
                      longitude: str | None = None, reported_at: str | None = None, category: str | None = None,
                      record_id: str | None = None) -> DuplicateReports:
    """Group the duplicate reports in a registered source (columns found by name unless given); reports from people
    who opted out are left out."""
    table = workspace.catalogue.table_name(source)
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"select * from {table} order by _row_number").df()
    columns = [column for column in frame.columns if column != "_row_number"]
    found = {
        "latitude": _pick(columns, LATITUDE_NAMES, latitude), "longitude": _pick(columns, LONGITUDE_NAMES, longitude),
        "reported_at": _pick(columns, TIME_FIELDS, reported_at),
    }
    absent = [key.replace("_", " ") for key, value in found.items() if value is None]
    if absent:
        raise TownhallError(f"The source '{source}' has no column townhall recognises as the {', '.join(absent)}. "
                            "Name it with --latitude, --longitude or --reported-at.")
    id_column = _pick(columns, ID_FIELDS, record_id)
    if id_column is not None:
        excluded = opted_out_record_ids(workspace, source)
        if excluded:
            frame = frame.loc[~frame[id_column].astype(str).isin(excluded)]
    return group_duplicate_reports(frame.drop(columns=["_row_number"]), distance_metres=distance_metres,
                                   window_days=window_days, latitude=found["latitude"],
                                   longitude=found["longitude"], reported_at=found["reported_at"],
                                   category=_pick(columns, CATEGORY_FIELDS, category))
