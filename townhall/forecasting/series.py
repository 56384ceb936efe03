"""Demand series from the council's sources: one figure per period (day, week, month, quarter or year).

Two layouts are read:

- **figures**: a table of ready-made counts, one row per period, area and service (the demand source named in
  ``[forecasting]``, the demo's ``service_demand``). Two rows for the same period, area and service are refused; a
  borough total is only made for periods every reporting area has a figure for.
- **records**: one row per event (a referral, a call) with a date; rows are counted, or a field added up, per period
  of the frequency asked for (monthly by default). A last period the data stop part-way through is left out.

Periods are read from the values (``townhall.forecasting.periods``), so quarterly data stay quarterly and weekly data
weekly, and the frequency found is reported. Each series keeps its own first and last period. A period with no figure
inside that range is a gap: gaps are refused unless the user chooses how to fill them (never with 0 unless asked),
and every fill is stated in the series' notes. Series by small area hold small counts: before their history is
published, counts under the disclosure threshold are hidden and the rest rounded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.forecasting.periods import Frequency, frequency, parse_periods, period_label
from townhall.governance.disclosure import DisclosureRule, protect_count
from townhall.store import quote_identifier

if TYPE_CHECKING:
    from townhall.settings.forecasting import ForecastingSettings
    from townhall.workspace import Workspace

WHOLE_AREA = "All areas"
GAP_RULES = {"refuse": "", "zero": "filled with 0 (a missing period was taken to mean none)",
             "interpolate": "filled by a straight line between the periods either side",
             "previous": "filled with the figure of the period before"}


@dataclass(frozen=True)
class DemandSeries:
    """One series: what it counts (its group values), its frequency and its history, one row per period."""

    key: str  # short, URL-safe name, e.g. "housing-repairs--walshaw"
    groups: dict[str, str]  # group -> value, e.g. {"service": "Housing repairs", "area": "Walshaw"}
    history: pd.DataFrame  # columns period (Timestamp, the first day of the period) and value (float)
    source: str = ""
    frequency: Frequency = field(default_factory=lambda: frequency("monthly"))
    notes: tuple[str, ...] = ()  # what was done to the data on the way: gaps filled, an unfinished period left out

    @property
    def label(self) -> str:
        """The series named in plain English, e.g. "Housing repairs, Walshaw"."""
        return ", ".join(self.groups.values()) or (self.source or "All records")

    @property
    def length(self) -> int:
        """How many periods of history the series has."""
        return len(self.history)

    def describe_length(self) -> str:
        """The history's length in words, e.g. "42 months"."""
        return self.frequency.describe(self.length)

    def period_labels(self) -> list[str]:
        """Each period of the history as people write it ("March 2024", "2024 Q1")."""
        return [period_label(period) for period in self.periods()]

    def periods(self) -> pd.PeriodIndex:
        """The history's periods."""
        return pd.PeriodIndex(self.history["period"], freq=self.frequency.code)

    def has_small_counts(self, rule: DisclosureRule) -> bool:
        """Whether any period's count is under the disclosure threshold, so the history cannot be published as it is."""
        return bool((self.history["value"] < rule.threshold).any())

    def published_history(self, rule: DisclosureRule) -> list[int | None]:
        """The history as it may be published: hidden (None) under the threshold, others rounded."""
        return [protect_count(round(float(value)), rule) for value in self.history["value"]]


def series_key(values: Sequence[str]) -> str:
    """A short name for a series built from its group values: lower case, words joined by hyphens."""
    parts = [re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "blank" for value in values]
    return "--".join(parts) or "all"


def series_from_frame(frame: pd.DataFrame, *, date_column: str, where: str, value_column: str | None = None,
                      group_columns: Sequence[str] = (), group_names: Sequence[str] | None = None,
                      layout: str = "figures", frequency_name: str | None = None, fill_gaps: str = "refuse",
                      rows: Sequence[int] | None = None, source: str = "") -> list[DemandSeries]:
    """Series from a table. ``layout="figures"``: one row per period and group holding ``value_column``;
    ``layout="records"``: rows counted (or ``value_column`` added up) per period of ``frequency_name``. ``where``
    names the file or source in messages and ``rows`` gives each row's number there. Gaps follow ``fill_gaps``."""
    if fill_gaps not in GAP_RULES:
        raise TownhallError(f"Gaps can be filled by {', '.join(GAP_RULES)}; not '{fill_gaps}'.")
    missing = [column for column in [date_column, *group_columns, *([value_column] if value_column else [])]
               if column not in frame.columns]
    if missing:
        raise TownhallError(f"{where} has no column {', '.join(repr(name) for name in missing)}. Its columns are: "
                            f"{', '.join(map(str, frame.columns))}.")
    if frame.empty:
        raise TownhallError(f"{where} has no rows, so there is no series to read.")
    row_numbers = np.asarray(rows if rows is not None else np.arange(len(frame)) + 2)
    notes: list[str] = []
    if layout == "records":  # a record with no date at all cannot be counted in any period: left out, and said
        dated = ~frame[date_column].map(_blank).to_numpy(dtype=bool)
        if not dated.all():
            notes.append(f"{int((~dated).sum()):,} records with no '{date_column}' are left out.")
            frame, row_numbers = frame[dated].reset_index(drop=True), row_numbers[dated]
        if frame.empty:
            raise TownhallError(f"{where}: no record has a '{date_column}', so there is nothing to count.")
    parsed = parse_periods(frame[date_column], field=date_column, where=where, rows=row_numbers,
                           frequency_name=frequency_name or ("monthly" if layout == "records" else None))
    if parsed.frequency is None:
        raise TownhallError(f"{where}: '{date_column}' holds plain numbers, not dates or periods, so townhall cannot "
                            "tell how often the series runs. Give dates, months, quarters, weeks or years.")
    freq = parsed.frequency
    data = pd.DataFrame({"period": parsed.periods.to_numpy(), "_row": row_numbers})
    for number, column in enumerate(group_columns):
        data[f"g{number}"] = frame[column].astype("string").fillna("Not recorded").str.strip().to_numpy()
    values = _numbers(frame[value_column], value_column, where, row_numbers) if value_column else None
    notes.insert(0, f"{parsed.describe()} ({where}, '{date_column}').")
    groups = [f"g{number}" for number in range(len(group_columns))]
    names = list(group_names or group_columns)
    if layout == "records":
        data["value"] = values if values is not None else 1.0
        data = data[data["value"].notna()]
        unfinished = _unfinished_period(frame[date_column], parsed)
        if unfinished is not None:
            data = data[data["period"] != unfinished]
            notes.append(f"The data stop part-way through {period_label(unfinished)}, so that {freq.unit} is left "
                         "out rather than counted as if it were complete.")
        totals = data.groupby([*groups, "period"], sort=True)["value"].sum()
    else:
        data["value"] = values
        duplicated = data.duplicated([*groups, "period"], keep=False)
        if duplicated.any():
            clash = data[duplicated].sort_values([*groups, "period", "_row"])
            first = clash.iloc[0]
            same = clash[(clash[[*groups, "period"]] == first[[*groups, "period"]]).all(axis=1)]["_row"].tolist()
            what = ", ".join(str(first[group]) for group in groups)
            raise TownhallError(
                f"{where}: {int(duplicated.sum()):,} rows give a second figure for the same period"
                f"{' and ' + '/'.join(names) if names else ''}: for example rows {', '.join(map(str, same[:5]))} "
                f"all give {period_label(first['period'])}{' for ' + what if what else ''}. Keep one row per period"
                f"{' and ' + '/'.join(names) if names else ''}.")
        totals = data.set_index([*groups, "period"])["value"]
    return _split(totals, groups, names, freq, fill_gaps, source, tuple(notes), where)


def _blank(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value))  # type: ignore[arg-type]


def _numbers(column: pd.Series, name: str, where: str, rows: np.ndarray) -> pd.Series:
    """A column as numbers; empty cells become missing, anything else unreadable is refused with its rows."""
    numbers = pd.to_numeric(column, errors="coerce").astype(float)
    text = column.astype("string").str.strip()
    wrong = numbers.isna() & text.notna() & (text != "")
    if wrong.any():
        positions = np.flatnonzero(wrong.to_numpy(dtype=bool))
        shown = ", ".join(f"'{column.iloc[position]}' (row {rows[position]})" for position in positions[:5])
        raise TownhallError(f"{where}: {len(positions):,} value{'s' if len(positions) != 1 else ''} of '{name}' "
                            f"{'are' if len(positions) != 1 else 'is'} not a number: {shown}. Correct them or "
                            "leave them empty.")
    return numbers.reset_index(drop=True)


def _unfinished_period(dates: pd.Series, parsed: object) -> pd.Period | None:
    """For dated records: the last period when the latest date falls before its last day (the data stop part-way).
    Labels of whole periods (months, quarters, years) say nothing about where in the period the data stop."""
    if parsed.form != "dates":  # type: ignore[attr-defined]
        return None
    stamps = pd.Series([_as_date(value) for value in dates], dtype="datetime64[ns]")
    periods = parsed.periods  # type: ignore[attr-defined]
    if stamps.isna().all():
        return None
    last = max(periods)
    if last.freqstr.startswith("D"):
        return None
    latest = stamps.max().normalize()
    return last if latest < last.end_time.normalize() else None


def _as_date(value: object) -> pd.Timestamp | None:
    from townhall.forecasting.periods import _label

    found = _label(value)
    return found[1] if found is not None and found[0] == "date" else None


def _split(totals: pd.Series, groups: list[str], names: list[str], freq: Frequency, fill_gaps: str, source: str,
           notes: tuple[str, ...], where: str) -> list[DemandSeries]:
    """One series per group, over its own first to last period, with its gaps refused or filled as asked."""
    made = []
    grouped = totals.groupby(level=list(range(len(groups))), sort=True) if groups else [((), totals)]
    for values, part in grouped:
        values = values if isinstance(values, tuple) else (values,)
        history = part.droplevel(list(range(len(groups)))) if groups else part
        history = history.sort_index()
        label = ", ".join(str(value) for value in values) or source or where
        filled, series_notes = fill_series(history, freq, fill_gaps, label)
        made.append(DemandSeries(
            key=series_key([str(value) for value in values]), groups=dict(zip(names, map(str, values), strict=True)),
            history=pd.DataFrame({"period": pd.PeriodIndex(filled.index, freq=freq.code).start_time.normalize(),
                                  "value": filled.to_numpy(dtype=float)}),
            source=source, frequency=freq, notes=notes + tuple(series_notes)))
    return made


def fill_series(history: pd.Series, freq: Frequency, fill_gaps: str, label: str) -> tuple[pd.Series, list[str]]:
    """Every period from the first to the last figure; a period with no figure is refused or filled by the rule."""
    history = history[history.notna()]
    index = pd.period_range(history.index.min(), history.index.max(), freq=freq.code)
    complete = history.reindex(index)
    gaps = complete.index[complete.isna()]
    if len(gaps) == 0:
        return complete, []
    listed = ", ".join(period_label(period) for period in gaps[:5]) + (f" and {len(gaps) - 5:,} more"
                                                                        if len(gaps) > 5 else "")
    if fill_gaps == "refuse":
        raise TownhallError(
            f"{label} has no figure for {freq.describe(len(gaps))} inside its range ({listed}). townhall will not "
            "guess: fill them in the data, or choose how to fill them: 'zero' (only if nothing recorded means none "
            "happened), 'interpolate' or 'previous' (the --fill option, or [forecasting] fill_gaps in townhall.toml).")
    if fill_gaps == "zero":
        filled = complete.fillna(0.0)
    elif fill_gaps == "interpolate":
        filled = complete.interpolate(method="linear")
    else:
        filled = complete.ffill()
    return filled, [f"{label}: {freq.describe(len(gaps))} with no figure ({listed}) {GAP_RULES[fill_gaps]}."]


# --- from the workspace --------------------------------------------------------------------------------------------

def _source_columns(workspace: Workspace, source: str) -> list[str]:
    table = workspace.catalogue.table_name(source)
    with workspace.analytics.connect(read_only=True) as connection:
        return [row[0] for row in connection.execute(f"DESCRIBE {table}").fetchall() if row[0] != "_row_number"]


def _opted_out_filter(workspace: Workspace, source: str) -> tuple[str, list[str]]:
    from townhall.identity import index_exists

    if not index_exists(workspace):
        return "", []
    return "WHERE _row_number NOT IN (SELECT row_number FROM identity.opted_out WHERE source = ?)", [source]


def record_series(workspace: Workspace, source: str, date_field: str, *, group_fields: Sequence[str] = (),
                  sum_field: str | None = None, frequency_name: str = "monthly",
                  fill_gaps: str | None = None) -> list[DemandSeries]:
    """Series from any source of records: rows counted (or ``sum_field`` added up) per period of ``date_field``,
    for each value of the ``group_fields``. Records of people who opted out are left out."""
    fields = [date_field, *group_fields, *([sum_field] if sum_field else [])]
    columns = _source_columns(workspace, source)
    missing = [name for name in fields if name not in columns]
    if missing:
        raise TownhallError(f"The source '{source}' has no field called {', '.join(repr(f) for f in missing)}. "
                            f"Its fields are: {', '.join(sorted(columns))}.")
    table = workspace.catalogue.table_name(source)
    where, parameters = _opted_out_filter(workspace, source)
    selected = ", ".join(quote_identifier(name) for name in dict.fromkeys(fields))
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"SELECT _row_number, {selected} FROM {table} {where} ORDER BY _row_number",
                                   parameters).df()
    return series_from_frame(frame.drop(columns="_row_number"), date_column=date_field, where=f"source '{source}'",
                             value_column=sum_field, group_columns=list(group_fields), layout="records",
                             frequency_name=frequency_name, fill_gaps=fill_gaps or _fill_rule(workspace),
                             rows=frame["_row_number"].tolist(), source=source)


def _fill_rule(workspace: Workspace) -> str:
    return workspace.settings.forecasting.fill_gaps


def demand_source(workspace: Workspace, source: str | None = None) -> str:
    """The demand source to read: ``source`` when given, else [forecasting] demand_source; a plain message when
    none is set or it is not registered."""
    from townhall.forecasting.sources import configured_source

    return configured_source(workspace, source, "demand_source", "demand source",
                             "a source with one row per period, area and service")


def demand_figures(workspace: Workspace, source: str | None = None) -> tuple[pd.DataFrame, list[int], str]:
    """The demand source's rows with the columns renamed to date, area, area_name, service and value (those set),
    each row's number in the source, and the source's name. Columns missing from the source are named with the
    setting to change."""
    settings: ForecastingSettings = workspace.settings.forecasting
    name = demand_source(workspace, source)
    mapping = {role: column for role, column in settings.demand_columns.model_dump().items() if column}
    columns = _source_columns(workspace, name)
    absent = {role: column for role, column in mapping.items() if column not in columns}
    if absent:
        named = "; ".join(f"demand_columns.{role} = '{column}'" for role, column in absent.items())
        raise TownhallError(f"The demand source '{name}' has no column for {named}. Its columns are: "
                            f"{', '.join(columns)}. Set the right names in townhall.toml [forecasting].")
    table = workspace.catalogue.table_name(name)
    where, parameters = _opted_out_filter(workspace, name)
    selected = ", ".join(f"{quote_identifier(column)} AS {role}" for role, column in mapping.items())
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"SELECT _row_number, {selected} FROM {table} {where} ORDER BY _row_number",
                                   parameters).df()
    return frame.drop(columns="_row_number"), frame["_row_number"].tolist(), name


def demand_series(workspace: Workspace, *, by_area: bool = True, source: str | None = None,
                  fill_gaps: str | None = None) -> list[DemandSeries]:
    """The demand source's series (``[forecasting]`` names it and its columns): each service for the whole borough
    and, with ``by_area``, each service in each area."""
    frame, rows, name = demand_figures(workspace, source)
    rule = fill_gaps or _fill_rule(workspace)
    where = f"demand source '{name}'"
    services = ["service"] if "service" in frame.columns else []
    area = "area_name" if "area_name" in frame.columns else ("area" if "area" in frame.columns else None)
    series: list[DemandSeries] = []
    if area is not None:
        by_area_series = series_from_frame(frame, date_column="date", value_column="value", where=where,
                                           group_columns=[*services, "area"], group_names=[*services, "area"],
                                           fill_gaps=rule, rows=rows, source=name)
        names = (frame.drop_duplicates("area").set_index("area")[area].astype(str).to_dict())
        named = []
        for item in by_area_series:
            shown = names.get(item.groups["area"], item.groups["area"])
            parts = [item.groups["service"], shown] if services else [shown]
            named.append(DemandSeries(key=series_key(parts), groups={**item.groups, "area": shown},
                                      history=item.history, source=name, frequency=item.frequency, notes=item.notes))
        by_area_series = named
        series += _borough_totals(frame, services, where, rule, rows, name)
        if by_area:
            series += by_area_series
    else:
        series += series_from_frame(frame, date_column="date", value_column="value", where=where,
                                    group_columns=services, fill_gaps=rule, rows=rows, source=name)
    return series


def _borough_totals(frame: pd.DataFrame, services: list[str], where: str, rule: str, rows: list[int],
                    source: str) -> list[DemandSeries]:
    """Each service added up over the areas, for the periods every area reporting around them has a figure for;
    a period some area lacks (between its first and last figure) is a gap of the total, refused or filled by rule."""
    parsed = parse_periods(frame["date"], field="date", where=where, rows=rows)
    freq = parsed.frequency
    if freq is None:
        raise TownhallError(f"{where}: the periods are plain numbers, not dates or periods.")
    data = pd.DataFrame({"period": parsed.periods.to_numpy(), "area": frame["area"].astype(str).to_numpy(),
                         "value": _numbers(frame["value"], "value", where, np.asarray(rows)).to_numpy(),
                         "service": frame["service"].astype(str).to_numpy() if services else ""})
    made = []
    for service, part in data.groupby("service", sort=True):
        grid = part.pivot_table(index="period", columns="area", values="value", aggfunc="sum", dropna=False)
        grid = grid.reindex(pd.period_range(grid.index.min(), grid.index.max(), freq=freq.code))
        inside = grid.ffill().notna() & grid.bfill().notna()  # between an area's first and last figure
        incomplete = (grid.isna() & inside).any(axis=1)
        total = grid.sum(axis=1, min_count=1).where(~incomplete)
        label = f"{service}, {WHOLE_AREA}" if services else WHOLE_AREA
        filled, notes = fill_series(total, freq, rule, label)
        made.append(DemandSeries(
            key=series_key([service] if services else ["all"]),
            groups={**({"service": str(service)} if services else {}), "area": WHOLE_AREA},
            history=pd.DataFrame({"period": filled.index.start_time.normalize(), "value": filled.to_numpy(float)}),
            source=source, frequency=freq,
            notes=(f"{parsed.describe()} ({where}).", "The borough total adds up the areas; a period is only totalled "
                   "when every area reporting before and after it has a figure for it.", *notes)))
    return made


def find_series(series: Sequence[DemandSeries], key: str) -> DemandSeries:
    """The series with this key; raises TownhallError naming a few that exist."""
    for item in series:
        if item.key == key:
            return item
    examples = ", ".join(item.key for item in list(series)[:5])
    raise TownhallError(f"There is no demand series called '{key}'. Series include: {examples}.")
