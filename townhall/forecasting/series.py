"""Monthly demand series from the council's sources: requests, referrals or claims counted (or summed) by month.

Any registered source with a date field can give series: one for the whole borough, or one per value of one or more
group fields (service, ward). Months with nothing recorded count as 0, so every series is a complete run of months.
Series by small area hold small counts: before their history is published, counts under the disclosure threshold are
hidden and the rest rounded, and their forecasts are shown rounded too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from townhall.errors import TownhallError
from townhall.governance.disclosure import DisclosureRule, protect_count
from townhall.store import quote_identifier

if TYPE_CHECKING:
    from townhall.workspace import Workspace

SERVICE_DEMAND_SOURCE = "service_demand"
WHOLE_AREA = "All wards"


@dataclass(frozen=True)
class DemandSeries:
    """One monthly series: what it counts (its group values) and its history, one row per month."""

    key: str  # short, URL-safe name, e.g. "housing-repairs--walshaw"
    groups: dict[str, str]  # group field -> value, e.g. {"service": "Housing repairs", "ward_name": "Walshaw"}
    history: pd.DataFrame  # columns month (Timestamp, first day of the month) and value (float)
    source: str = ""

    @property
    def label(self) -> str:
        """The series named in plain English, e.g. "Housing repairs, Walshaw"."""
        return ", ".join(self.groups.values()) or (self.source or "All records")

    @property
    def months(self) -> int:
        """How many months of history the series has."""
        return len(self.history)

    def has_small_counts(self, rule: DisclosureRule) -> bool:
        """Whether any month's count is under the disclosure threshold, so the history cannot be published as it is."""
        return bool((self.history["value"] < rule.threshold).any())

    def published_history(self, rule: DisclosureRule) -> list[int | None]:
        """The history as it may be published: hidden (None) under the threshold, others rounded."""
        return [protect_count(round(float(value)), rule) for value in self.history["value"]]


def series_key(values: Sequence[str]) -> str:
    """A short name for a series built from its group values: lower case, words joined by hyphens."""
    parts = [re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "blank" for value in values]
    return "--".join(parts) or "all"


_MONTH_EXPRESSION = ("date_trunc('month', coalesce(try_cast({field} AS date), try_cast({field} || '-01' AS date), "
                     "try_strptime(CAST({field} AS varchar), '%d/%m/%Y')::date))")


def monthly_series(workspace: Workspace, source: str, date_field: str, *, group_fields: Sequence[str] = (),
                   sum_field: str | None = None) -> list[DemandSeries]:
    """Monthly series from any source: rows counted (or ``sum_field`` added up) per month and per group.

    Months are read from ``date_field`` (a date, "2024-03" or 31/03/2024); rows without a readable date are left
    out. Records of people who opted out are left out too.
    """
    from townhall.identity import index_exists

    table = workspace.catalogue.table_name(source)
    fields = [date_field, *group_fields, *([sum_field] if sum_field else [])]
    has_index = index_exists(workspace)
    with workspace.analytics.connect(read_only=True) as connection:
        columns = {row[0] for row in connection.execute(f"DESCRIBE {table}").fetchall()}
        missing = [field for field in fields if field not in columns]
        if missing:
            known = ", ".join(sorted(column for column in columns if column != "_row_number"))
            raise TownhallError(f"The source '{source}' has no field called {', '.join(repr(f) for f in missing)}. "
                                f"Its fields are: {known}.")
        month = _MONTH_EXPRESSION.format(field=quote_identifier(date_field))
        groups = [f"coalesce(CAST({quote_identifier(field)} AS varchar), 'Not recorded')" for field in group_fields]
        measure = f"sum(coalesce(try_cast({quote_identifier(sum_field)} AS double), 0))" if sum_field else "count(*)"
        opted_out, parameters = "", []
        if has_index:
            opted_out = "AND _row_number NOT IN (SELECT row_number FROM identity.opted_out WHERE source = ?)"
            parameters = [source]
        selected = ", ".join([f"{month} AS month", *[f"{group} AS g{number}" for number, group in enumerate(groups)]])
        grouped = ", ".join(["1", *[str(number + 2) for number in range(len(groups))]])
        frame = connection.execute(
            f"SELECT {selected}, {measure} AS value FROM {table} WHERE {month} IS NOT NULL {opted_out} "
            f"GROUP BY {grouped} ORDER BY {grouped}", parameters).df()
    if frame.empty:
        raise TownhallError(f"No rows of '{source}' have a date townhall can read in '{date_field}', so there is "
                            "nothing to count by month.")
    return _complete_series(frame, source, list(group_fields))


def _complete_series(frame: pd.DataFrame, source: str, group_fields: list[str]) -> list[DemandSeries]:
    """One series per group, every month from the first to the last in the data (missing months count as 0)."""
    frame["month"] = pd.to_datetime(frame["month"])
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    group_columns = [f"g{number}" for number in range(len(group_fields))]
    series = []
    grouped = frame.groupby(group_columns, sort=True) if group_columns else [((), frame)]
    for values, rows in grouped:
        values = values if isinstance(values, tuple) else (values,)
        history = (rows.set_index("month")["value"].astype(float).reindex(months, fill_value=0.0)
                   .rename_axis("month").reset_index())
        series.append(DemandSeries(key=series_key([str(value) for value in values]),
                                   groups=dict(zip(group_fields, [str(value) for value in values], strict=True)),
                                   history=history, source=source))
    return series


def service_demand_series(workspace: Workspace, source: str = SERVICE_DEMAND_SOURCE, *,
                          by_ward: bool = True) -> list[DemandSeries]:
    """The demand series in a source laid out like the demo's service_demand (month, ward_name, service, requests):
    each service for the whole borough and, with ``by_ward``, each service in each ward."""
    borough = monthly_series(workspace, source, "month", group_fields=["service"], sum_field="requests")
    series = [DemandSeries(key=item.key, groups={**item.groups, "area": WHOLE_AREA}, history=item.history,
                           source=source) for item in borough]
    if by_ward:
        series += monthly_series(workspace, source, "month", group_fields=["service", "ward_name"],
                                 sum_field="requests")
    return series


def find_series(series: Sequence[DemandSeries], key: str) -> DemandSeries:
    """The series with this key; raises TownhallError naming a few that exist."""
    for item in series:
        if item.key == key:
            return item
    examples = ", ".join(item.key for item in list(series)[:5])
    raise TownhallError(f"There is no demand series called '{key}'. Series include: {examples}.")
