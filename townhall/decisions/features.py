"""Build the table a risk model learns from: one row per unit per as-of date, features from events dated strictly
before that date, the outcome found in the window after it, and protected characteristics for the bias audit.

DuckDB does the joins and windows. ``check_for_leaks`` rebuilds the features on a copy of the data cut at the
as-of date (rows dated later removed, later dates blanked) and raises ``LeakError`` if any feature changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from townhall.decisions.dataset import AREA_CODE, AS_OF, OUTCOME, PROTECTED_COLUMNS, UNIT_ID, UnitDataset
from townhall.decisions.definition import DEFAULT_UNIT_REGISTERS, EventSpec, FeatureSpec, ModelDefinition
from townhall.errors import TownhallError
from townhall.identity.standardise import address_keys

if TYPE_CHECKING:
    from townhall.workspace import Workspace

GAZETTEER = DEFAULT_UNIT_REGISTERS["property"]
ZERO_WHEN_NONE = ("count", "any", "sum", "distinct_people_at_address")
ETHNIC_GROUPS = {
    "W": "White", "M": "Mixed or Multiple ethnic groups", "A": "Asian, Asian British or Asian Welsh",
    "B": "Black, Black British, Black Welsh, Caribbean or African", "O": "Other ethnic group",
}
ETHNIC_GROUP_CODES = {"CHNE": "A", "NOBT": None, "REFU": None, "OOTH": "O", "WROM": "W", "WIRT": "W"}
NOT_RECORDED = "Not recorded"
DEPRIVATION_QUINTILES = ("Most deprived 20%", "Second most deprived 20%", "Middle 20%", "Second least deprived 20%",
                         "Least deprived 20%")
AGE_BANDS = ((0, "0-4"), (5, "5-10"), (11, "11-15"), (16, "16-17"), (18, "18-24"), (25, "25-49"), (50, "50-64"),
             (65, "65 and over"))


# Address keys of the last gazetteer seen, by a fingerprint of its addresses: parsing them is the slow part of a
# property model's build, and a leak check builds twice.
_GAZETTEER_KEYS: dict[tuple[Any, ...], pd.DataFrame] = {}


class LeakError(TownhallError):
    """A feature changes when the data after the as-of date is removed: it uses information from the future."""

    def __init__(self, model: str, features: list[str], as_of: date) -> None:
        self.model = model
        self.features = features
        self.as_of = as_of
        super().__init__(f"Model '{model}' leaks information from after the as-of date {as_of.isoformat()}: "
                         f"{', '.join(features)} changed when later data was removed. Fix the feature(s) before "
                         "training.")


@dataclass
class LeakCheck:
    """The result of a passed leak check: units and features compared at one as-of date."""

    model: str
    as_of: date
    units: int
    features: list[str]


def build_dataset(workspace: Workspace, definition: ModelDefinition, as_of_dates: list[date]) -> UnitDataset:
    """Units, features, outcomes and protected characteristics of a model at each as-of date."""
    if not as_of_dates:
        raise TownhallError("Give at least one as-of date to build a risk model's data for.")
    with _Builder.open(workspace, definition) as builder:
        frame = builder.frame(as_of_dates, with_outcome=True)
        protected = builder.protected(frame)
        warnings = list(builder.warnings)
    categorical = [feature.name for feature in definition.features if feature.categorical]
    for column in categorical:
        frame[column] = frame[column].astype("category")
    return UnitDataset(model=definition.name, unit=definition.unit, frame=frame,
                       feature_columns=definition.feature_names, categorical_columns=categorical,
                       protected=protected, descriptions=definition.descriptions, warnings=warnings)


def check_for_leaks(workspace: Workspace, definition: ModelDefinition, as_of: date) -> LeakCheck:
    """Rebuild the features on the data as it stood at ``as_of`` and compare: raise LeakError naming any that differ."""
    with _Builder.open(workspace, definition) as builder:
        full = builder.frame([as_of], with_outcome=False)
    with _Builder.open(workspace, definition, cut_at=as_of) as builder:
        cut = builder.frame([as_of], with_outcome=False)
    if set(full[UNIT_ID]) != set(cut[UNIT_ID]):
        raise LeakError(definition.name, ["the units included (population)"], as_of)
    merged = full.merge(cut, on=[UNIT_ID, AS_OF], suffixes=("", " (cut)"))
    changed = []
    for name in definition.feature_names:
        left, right = merged[name], merged[f"{name} (cut)"]
        same = (left.astype(object) == right.astype(object)) | (left.isna() & right.isna())
        if not bool(same.all()):
            changed.append(name)
    if changed:
        raise LeakError(definition.name, changed, as_of)
    return LeakCheck(definition.name, as_of, len(full), definition.feature_names)


def latest_data_date(workspace: Workspace, definition: ModelDefinition) -> date | None:
    """The latest date seen in the sources that record the outcome (an outcome window must end by then)."""
    with _Builder.open(workspace, definition) as builder:
        return builder.latest_outcome_date()


def ethnic_group(text: object) -> str:
    """The ONS 2021 broad ethnic group of a recorded value (a full ONS label or a DfE code such as "WBRI")."""
    if text is None or pd.isna(text):
        return NOT_RECORDED
    value = str(text).strip()
    for group in ETHNIC_GROUPS.values():
        if value.lower().startswith(group.lower().split(",")[0].split(" or ")[0]):
            return group
    code = value.upper()
    if len(code) == 4 and code.isalpha():
        letter = ETHNIC_GROUP_CODES.get(code, code[0])
        return ETHNIC_GROUPS.get(letter, NOT_RECORDED) if letter else NOT_RECORDED
    return NOT_RECORDED


def sex(text: object) -> str:
    """"Female", "Male" or "Not recorded" from the usual ways systems write sex or gender."""
    value = "" if text is None or pd.isna(text) else str(text).strip().lower()
    return {"f": "Female", "female": "Female", "m": "Male", "male": "Male"}.get(value, NOT_RECORDED)


def age_band(age: float | None) -> str:
    """The age band used in bias audits (e.g. "11-15"), or "Not recorded"."""
    if age is None or pd.isna(age) or age < 0:
        return NOT_RECORDED
    label = AGE_BANDS[0][1]
    for lowest, name in AGE_BANDS:
        if age >= lowest:
            label = name
    return label


def quote(name: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A DuckDB literal for a text, number or boolean value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def condition_sql(column: str, condition: dict[str, Any]) -> str:
    """SQL for one where-condition on a column (e.g. {"in": [...]}, {"above": 15000})."""
    operator, operand = next(iter(condition.items()))
    text = f"cast({column} as varchar)"
    if operator == "in":
        return f"{text} in ({', '.join(literal(item) for item in operand)})"
    if operator == "not_in":
        return f"({column} is null or {text} not in ({', '.join(literal(item) for item in operand)}))"
    if operator == "equals":
        return f"{column} = {literal(operand)}" if isinstance(operand, bool) else f"{text} = {literal(operand)}"
    if operator == "contains":
        return f"contains(lower({text}), lower({literal(operand)}))"
    if operator == "starts_with":
        return f"starts_with({text}, {literal(operand)})"
    comparison = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<="}[operator]
    return f"try_cast({column} as double) {comparison} {operand}"


class _Builder:
    """One DuckDB connection with temporary tables for a definition; with ``cut_at``, every source is seen as it
    stood on that date."""

    def __init__(self, workspace: Workspace, definition: ModelDefinition, connection: duckdb.DuckDBPyConnection,
                 cut_at: date | None) -> None:
        self.workspace = workspace
        self.definition = definition
        self.connection = connection
        self.cut_at = cut_at
        self.warnings: list[str] = []
        self.tables: dict[str, str] = {}
        self.columns = self._source_columns()
        self.has_index = self._exists("identity", "records")
        self.has_gazetteer = GAZETTEER["source"] in self.columns
        self.counter = 0
        self.address_tables: dict[tuple[str, str], str] = {}

    @classmethod
    @contextmanager
    def open(cls, workspace: Workspace, definition: ModelDefinition,
             cut_at: date | None = None) -> Iterator[_Builder]:
        from townhall.decisions.definition import check_against_workspace

        with workspace.analytics.connect(read_only=True) as connection:
            builder = cls(workspace, definition, connection, cut_at)
            check_against_workspace(workspace, definition, builder.columns)
            builder.prepare()
            yield builder

    # --- set-up -------------------------------------------------------------------------------------------------

    def _exists(self, schema: str, table: str) -> bool:
        return bool(self.connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table]).fetchall()[0][0])

    def _has_table(self, name: str) -> bool:
        return bool(self.connection.execute("select count(*) from duckdb_tables() where temporary and table_name = ?",
                                            [name]).fetchall()[0][0])

    def _source_columns(self) -> dict[str, dict[str, str]]:
        rows = self.connection.execute("select table_name, column_name, data_type from duckdb_columns() "
                                       "where schema_name = 'sources' and database_name = current_database()"
                                       ).fetchall()
        columns: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            columns.setdefault(table, {})[column] = kind.upper()
        return columns

    def run(self, sql: str, parameters: list[Any] | None = None) -> None:
        self.connection.execute(sql, parameters or []).fetchall()

    def prepare(self) -> None:
        """Temporary tables: each source (cut at the as-of date when checking for leaks), gazetteer address keys and
        the index records placed at a UPRN."""
        used = {event.source for _, event in self.definition.all_event_specs()}
        if self.definition.units is not None:
            used.add(self.definition.units.source)
        if self.has_gazetteer:
            used.add(GAZETTEER["source"])
        for source in sorted(used):
            self.tables[source] = self._source_table(source)
        if self.has_gazetteer and self.definition.unit in ("property", "business"):
            self._gazetteer_keys()
        if self.has_index:
            self._record_places()

    def _source_table(self, source: str) -> str:
        """The source's rows, without opted-out people's records; when cut, only rows dated before the cut with
        later dates blanked (they were not known yet)."""
        name = f"source_{len(self.tables)}"
        table = f"sources.{quote(source)}"
        conditions = []
        if self._exists("identity", "opted_out"):
            conditions.append(f"_row_number not in (select row_number from identity.opted_out where source = "
                              f"{literal(source)})")
        columns = self.columns[source]
        selected = [quote(column) for column in columns]
        if self.cut_at is not None:
            cut = f"date {literal(self.cut_at.isoformat())}"
            dated = sorted({event.date for _, event in self.definition.all_event_specs()
                            if event.source == source and event.date in columns})
            register = self.definition.units
            if register is not None and register.source == source and register.start:
                dated.append(register.start)
            if dated:
                first_date = f"least({', '.join(f'cast({quote(column)} as date)' for column in dated)})"
                conditions.append(f"({first_date} < {cut} or {first_date} is null)")
            selected = [f"case when cast({quote(column)} as date) >= {cut} then null else {quote(column)} end "
                        f"as {quote(column)}" if kind.startswith(("DATE", "TIMESTAMP")) else quote(column)
                        for column, kind in columns.items()]
        where = f" where {' and '.join(conditions)}" if conditions else ""
        self.run(f"create temp table {name} as select {', '.join(selected)} from {table}{where}")
        return name

    def _gazetteer_keys(self) -> None:
        """UPRN by address key ("flat|house|street|postcode") and by street part alone when that is unique."""
        columns = self.columns[GAZETTEER["source"]]
        parts = ["SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_TEXT", "STREET_DESCRIPTOR", "TOWN_NAME",
                 "POSTCODE_LOCATOR"]
        if not all(part in columns for part in parts):
            self.run("create temp table gazetteer_keys (uprn varchar, full_key varchar, street_key varchar)")
            return
        table = self.tables[GAZETTEER["source"]]
        address = ("concat_ws(', ', SAO_TEXT, PAO_TEXT, concat_ws(' ', concat(cast(PAO_START_NUMBER as varchar), "
                   "PAO_START_SUFFIX), STREET_DESCRIPTOR), concat_ws(' ', TOWN_NAME, POSTCODE_LOCATOR))")
        fingerprint = tuple(self.connection.execute(
            f"select count(*), sum(hash(UPRN, {address})) from {table}").fetchall()[0])
        gazetteer = _GAZETTEER_KEYS.get(fingerprint)
        if gazetteer is None:
            gazetteer = self.connection.execute(f"select cast(UPRN as varchar) as uprn, {address} as address "
                                                f"from {table}").df()
            gazetteer["full_key"] = address_keys(gazetteer["address"])
            gazetteer["street_key"] = gazetteer["full_key"].str.rsplit("|", n=1).str[0]
            gazetteer = gazetteer[["uprn", "full_key", "street_key"]]
            _GAZETTEER_KEYS.clear()
            _GAZETTEER_KEYS[fingerprint] = gazetteer
        self.connection.register("gazetteer_frame", gazetteer)
        self.run("create temp table gazetteer_keys as select * from gazetteer_frame")
        self.connection.unregister("gazetteer_frame")

    def _match_uprn(self, key_column: str) -> str:
        """SQL for the UPRN matching an address key column: the whole key, else the street part when unique."""
        return (f"coalesce((select min(uprn) from gazetteer_keys g where g.full_key = {key_column}), "
                f"(select min(uprn) from gazetteer_keys g where g.street_key = "
                f"regexp_replace({key_column}, '\\|[^|]*$', '') having count(distinct uprn) = 1))")

    def _record_places(self) -> None:
        """Index records (source, row, person, household, record date) with the UPRN of the address on the record."""
        match = self._match_uprn("r.address_key") if self._has_table("gazetteer_keys") else "null"
        cut = f" where r.record_date < date {literal(self.cut_at.isoformat())}" if self.cut_at else ""
        self.run(f"""create temp table record_places as
            select r.source, r.row_number, r.person_id, r.household_id, r.record_date,
                   coalesce(cast(r.uprn as varchar), {match}) as uprn
            from identity.records r{cut}""")

    # --- units --------------------------------------------------------------------------------------------------

    def units_sql(self) -> str:
        """SQL giving (unit_id, area_code, start_date) for every unit the model could rank."""
        unit = self.definition.unit
        area = self._area_for_uprn("{uprn}")
        if unit in ("person", "household"):
            if not self.has_index:
                raise TownhallError(f"Model '{self.definition.name}' ranks {unit}s, which needs the person index: "
                                    "run `townhall link` first.")
            key = "person_id" if unit == "person" else "household_id"
            table = "identity.persons" if unit == "person" else "identity.households"
            area_sql = f"coalesce({area.format(uprn='u.uprn')}, {self._area_for_postcode('u.postcode')})"
            if unit == "person":
                area_sql = (f"coalesce({area.format(uprn='u.uprn')}, (select {area.format(uprn='h.uprn')} from "
                            f"identity.households h where h.household_id = u.household_id), "
                            f"{self._area_for_postcode('u.postcode')})")
            return f"""select u.{key} as unit_id, {area_sql} as area_code,
                              (select min(record_date) from record_places p where p.{key} = u.{key}) as start_date
                       from {table} u"""
        register = self.definition.units
        assert register is not None
        table = self.tables[register.source]
        where = " and ".join(condition_sql(quote(field), condition) for field, condition in register.where.items())
        if register.area:
            area_sql = f"cast({quote(register.area)} as varchar)"
        elif register.uprn:
            area_sql = area.format(uprn=f"cast(register.{quote(register.uprn)} as varchar)")
        else:
            area_sql = "null"
        start = f"cast({quote(register.start)} as date)" if register.start else "null::date"
        return f"""select distinct cast({quote(register.id)} as varchar) as unit_id, {area_sql} as area_code,
                          {start} as start_date
                   from {table} register
                   where {quote(register.id)} is not null{' and ' + where if where else ''}"""

    def _area_for_postcode(self, postcode: str) -> str:
        """SQL for the small area most of a postcode's gazetteer addresses are in (when a unit has no UPRN)."""
        if not self.has_gazetteer or "POSTCODE_LOCATOR" not in self.columns[GAZETTEER["source"]]:
            return "null"
        table = self.tables[GAZETTEER["source"]]
        return (f"(select mode(cast({GAZETTEER['area']} as varchar)) from {table} g "
                f"where g.POSTCODE_LOCATOR = {postcode})")

    def _area_for_uprn(self, uprn: str) -> str:
        if not self.has_gazetteer:
            return "null"
        table = self.tables[GAZETTEER["source"]]
        return (f"(select min(cast({GAZETTEER['area']} as varchar)) from {table} g "
                f"where cast(g.UPRN as varchar) = {uprn})")

    # --- events -------------------------------------------------------------------------------------------------

    def events(self, event: EventSpec, value: str | None = None) -> str:
        """A temporary table of (unit_id, event_date, value, until_date) for one event spec; returns its name."""
        self.counter += 1
        name = f"events_{self.counter}"
        table = self.tables[event.source]
        columns = self.columns[event.source]
        if value is None and event.field:
            value = f"s.{quote(event.field)}"
            if event.per:
                value = f"try_cast({value} as double) / nullif(try_cast(s.{quote(event.per)} as double), 0)"
        until = f"cast(s.{quote(event.until)} as date)" if event.until else "null::date"
        if event.on_date is not None:
            event_date = f"date {literal(event.on_date.isoformat())}"
            conditions = ["true"]
        else:
            event_date = f"cast(s.{quote(event.date)} as date)"
            conditions = [f"s.{quote(event.date)} is not null"]
        conditions += [condition_sql(f"s.{quote(field)}", condition) for field, condition in event.where.items()]
        unit_sql, joins = self._link(event, columns)
        self.run(f"""create temp table {name} as
            select {unit_sql} as unit_id, {event_date} as event_date, {value or 'null'} as value,
                   {until} as until_date
            from {table} s {joins} where {' and '.join(conditions)}""")
        self.run(f"delete from {name} where unit_id is null")
        return name

    def _link(self, event: EventSpec, columns: dict[str, str]) -> tuple[str, str]:
        """How rows of a source reach the model's unit: SQL for the unit id and any joins needed."""
        unit = self.definition.unit
        source = literal(event.source)
        if unit in ("person", "household"):
            key = "person_id" if unit == "person" else "household_id"
            joins = f"join record_places p on p.source = {source} and p.row_number = s._row_number"
            if event.scope == "household":
                return "m.person_id", f"{joins} join identity.persons m on m.household_id = p.household_id"
            return f"p.{key}", joins
        uprn = self._row_uprn(event, columns)
        register = self.definition.units
        assert register is not None
        if unit == "property":
            return uprn, ""
        account = event.account or register.id
        if event.source == register.source or account in columns:  # other sources keyed by account number too
            return f"cast(s.{quote(account)} as varchar)", ""
        registered = self.tables[register.source]
        return ("b.unit_id", f"join (select cast({quote(register.id)} as varchar) as unit_id, "
                             f"cast({quote(register.uprn or 'UPRN')} as varchar) as uprn from {registered}) b "
                             f"on b.uprn = {uprn}")

    def _row_uprn(self, event: EventSpec, columns: dict[str, str]) -> str:
        """SQL for the UPRN of a source row: its own UPRN field, else its index record's address, else its address."""
        candidates = []
        uprn_field = event.uprn or next((column for column in columns if column.lower() == "uprn"), None)
        if uprn_field:
            candidates.append(f"nullif(trim(cast(s.{quote(uprn_field)} as varchar)), '')")
        if self.has_index:
            candidates.append(f"(select min(p.uprn) from record_places p where p.source = {literal(event.source)} "
                              "and p.row_number = s._row_number)")
        if event.address and self.has_gazetteer:
            candidates.append(self._address_uprn(event, columns))
        return f"coalesce({', '.join(candidates)})" if candidates else "null"

    def _address_uprn(self, event: EventSpec, columns: dict[str, str]) -> str:
        """A temporary lookup from the source's address text (with postcode if it has one) to UPRN."""
        postcode = next((column for column in columns if column.lower() == "postcode"), None)
        text = (f"concat_ws(' ', {quote(event.address)}, {quote(postcode)})" if postcode and postcode != event.address
                else quote(event.address))
        name = f"addresses_{len(self.address_tables)}"
        row_text = text.replace(quote(event.address), f"s.{quote(event.address)}")
        if postcode and postcode != event.address:
            row_text = row_text.replace(f", {quote(postcode)})", f", s.{quote(postcode)})")
        lookup = f"(select a.uprn from {name} a where a.address = {row_text})"
        if (event.source, text) in self.address_tables:
            return self.address_tables[(event.source, text)]
        self.address_tables[(event.source, text)] = lookup
        addresses = self.connection.execute(
            f"select distinct {text} as address from {self.tables[event.source]} where {quote(event.address)} "
            "is not null").df()
        addresses["address_key"] = address_keys(addresses["address"])
        self.connection.register(f"{name}_frame", addresses)
        self.run(f"create temp table {name} as select f.address, {self._match_uprn('f.address_key')} as uprn "
                 f"from {name}_frame f")
        self.connection.unregister(f"{name}_frame")
        return lookup

    # --- the frame ----------------------------------------------------------------------------------------------

    def frame(self, as_of_dates: list[date], *, with_outcome: bool) -> pd.DataFrame:
        """The dataset frame: units in the population at each as-of date, their features and (optionally) outcome."""
        dates = sorted(set(as_of_dates))
        self.connection.register("as_of_frame", pd.DataFrame({"as_of": pd.to_datetime(dates)}))
        self.run("create or replace temp table as_of_dates as select cast(as_of as date) as as_of from as_of_frame")
        self.connection.unregister("as_of_frame")
        self.run(f"create or replace temp table units as {self.units_sql()}")
        self.run("""create or replace temp table unit_rows as
            select u.unit_id, d.as_of, u.area_code from units u cross join as_of_dates d
            where u.start_date is null or u.start_date < d.as_of""")
        self._apply_population()
        selected = ["r.unit_id", "r.as_of", "r.area_code"]
        joins = []
        for number, feature in enumerate(self.definition.features):
            table = self._feature(feature)
            alias = f"f{number}"
            joins.append(f"left join {table} {alias} on {alias}.unit_id = r.unit_id and {alias}.as_of = r.as_of")
            value = f"{alias}.value"
            if feature.kind in ZERO_WHEN_NONE:
                value = f"coalesce({value}, 0)"
            selected.append(f"{value} as {quote(feature.name)}")
        if with_outcome:
            selected.append(f"{self._outcome()} as outcome")
        frame = self.connection.execute(
            f"select {', '.join(selected)} from unit_rows r {' '.join(joins)} order by r.as_of, r.unit_id").df()
        frame[AS_OF] = pd.to_datetime(frame[AS_OF]).astype("datetime64[ns]")
        frame[OUTCOME] = (frame["outcome"].astype("boolean") if with_outcome
                          else pd.Series(pd.NA, index=frame.index, dtype="boolean"))
        for feature in self.definition.features:
            if not feature.categorical:
                frame[feature.name] = pd.to_numeric(frame[feature.name], errors="coerce").astype("float64")
        return frame[[UNIT_ID, AS_OF, OUTCOME, AREA_CODE, *self.definition.feature_names]]

    def _apply_population(self) -> None:
        """Keep units with every required event in its look-back window and without an excluding event in force."""
        for event in self.definition.population.requires:
            table = self.events(event)
            self.run(f"""delete from unit_rows r where not exists (select 1 from {table} e
                         where e.unit_id = r.unit_id and e.event_date < r.as_of
                         and e.event_date >= r.as_of - interval {event.window_months} month)""")
        for event in self.definition.population.excludes:
            table = self.events(event)
            self.run(f"""delete from unit_rows r where exists (select 1 from {table} e
                         where e.unit_id = r.unit_id and e.event_date < r.as_of
                         and (e.until_date is null or e.until_date >= r.as_of))""")

    def _window(self, event: EventSpec) -> str:
        lower = (f" and e.event_date >= r.as_of - interval {event.window_months} month" if event.window_months
                 else "")
        in_force = " and (e.until_date is null or e.until_date >= r.as_of)" if event.until else ""
        return f"e.event_date < r.as_of{lower}{in_force}"

    def _feature(self, feature: FeatureSpec) -> str:
        """A temporary table of (unit_id, as_of, value) for one feature."""
        name = f"feature_{feature.name}"
        if feature.kind == "age_years":
            sql = """select r.unit_id, r.as_of, date_diff('day', p.date_of_birth, r.as_of) / 365.25 as value
                     from unit_rows r join identity.persons p on p.person_id = r.unit_id"""
        elif feature.kind == "distinct_people_at_address":
            sources = ", ".join(literal(event.source) for event in feature.events)
            months = feature.events[0].window_months
            key = "uprn" if self.definition.unit == "property" else "household_id"
            sql = f"""select r.unit_id, r.as_of, count(distinct p.person_id) as value
                      from unit_rows r join record_places p on p.{key} = r.unit_id
                      where p.source in ({sources}) and p.record_date < r.as_of
                        and p.record_date >= r.as_of - interval {months} month
                      group by r.unit_id, r.as_of"""
        else:
            event = feature.events[0]
            value = None
            if event.map is not None and event.field:
                cases = " ".join(f"when cast(s.{quote(event.field)} as varchar) = {literal(key)} then {number}"
                                 for key, number in event.map.items())
                value = f"case {cases} else null end"
            events = self.events(event, value)
            aggregate = {
                "count": "count(*)", "any": "1", "sum": "sum(try_cast(e.value as double))",
                "mean": "avg(try_cast(e.value as double))", "max": "max(try_cast(e.value as double))",
                "min": "min(try_cast(e.value as double))", "latest": "arg_max(e.value, e.event_date)",
                "years_since": "date_diff('day', max(e.event_date), r.as_of) / 365.25",
            }[feature.kind]
            sql = f"""select r.unit_id, r.as_of, {aggregate} as value
                      from unit_rows r join {events} e on e.unit_id = r.unit_id and {self._window(event)}
                      group by r.unit_id, r.as_of"""
        self.run(f"create or replace temp table {quote(name)} as {sql}")
        return quote(name)

    # --- outcome ------------------------------------------------------------------------------------------------

    def latest_outcome_date(self) -> date | None:
        """The latest date in any source the outcome reads (all rows, not only those that show the outcome)."""
        parts = []
        for event in self.definition.outcome.found_by:
            dated = [event.date] if event.date else sorted(
                {other.date for _, other in self.definition.all_event_specs()
                 if other.source == event.source and other.date in self.columns[event.source]})
            parts += [f"select max(cast({quote(name)} as date)) as latest from {self.tables[event.source]}"
                      for name in dated]
            if event.on_date is not None:
                parts.append(f"select date {literal(event.on_date.isoformat())} as latest")
        latest = self.connection.execute(f"select max(latest) from ({' union all '.join(parts)})").fetchall()[0][0]
        return latest

    def _outcome(self) -> str:
        """SQL for each unit row's outcome: true/false once the window is over, null while it is still open."""
        tables = [self.events(event) for event in self.definition.outcome.found_by]
        recorded = self._recorded_outcomes()
        union = " union all ".join([f"select unit_id, event_date from {table}" for table in tables] + [
            "select unit_id, outcome_date as event_date from recorded_outcomes where outcome"])
        self.run(f"create or replace temp table outcome_events as {union}")
        months = self.definition.outcome.window_months
        latest = self.latest_outcome_date()
        if recorded:
            latest_recorded = self.connection.execute(
                "select max(outcome_date) from recorded_outcomes").fetchall()[0][0]
            latest = max(value for value in (latest, latest_recorded) if value is not None)
        end = f"r.as_of + interval {months} month"
        found = (f"exists (select 1 from outcome_events o where o.unit_id = r.unit_id and o.event_date >= r.as_of "
                 f"and o.event_date < {end})")
        if latest is None:
            return "null::boolean"
        return f"case when {end} > date {literal(pd.Timestamp(latest).date().isoformat())} then null else {found} end"

    def _recorded_outcomes(self) -> int:
        """Outcomes recorded for this model in risk_outcomes (inspection results fed back), as a temporary table."""
        from sqlalchemy import select

        from townhall.store.state import RiskOutcomeRecord

        with self.workspace.state.session() as session:
            rows = session.execute(select(RiskOutcomeRecord.unit_id, RiskOutcomeRecord.outcome,
                                          RiskOutcomeRecord.outcome_date)
                                   .where(RiskOutcomeRecord.model == self.definition.name)).all()
        frame = pd.DataFrame([tuple(row) for row in rows], columns=["unit_id", "outcome", "outcome_date"])
        frame = frame.astype({"unit_id": "string", "outcome": "bool"})
        frame["outcome_date"] = pd.to_datetime(frame["outcome_date"])
        self.connection.register("recorded_frame", frame)
        self.run("create or replace temp table recorded_outcomes as select cast(unit_id as varchar) as unit_id, "
                 "outcome, cast(outcome_date as date) as outcome_date from recorded_frame")
        self.connection.unregister("recorded_frame")
        return len(frame)

    # --- protected characteristics ------------------------------------------------------------------------------

    def protected(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Long table of each unit row's protected characteristics ("Not recorded" when unknown)."""
        parts = []
        keys = frame[[UNIT_ID, AS_OF]]
        for key, event in self.definition.protected.items():
            if key in ("ethnic_group", "sex"):
                assert event is not None
                table = self.events(event)
                values = self.connection.execute(
                    f"""select r.unit_id, r.as_of, arg_max(e.value, e.event_date) as value
                        from unit_rows r join {table} e on e.unit_id = r.unit_id and e.event_date < r.as_of
                        group by all""").df()
                mapper = ethnic_group if key == "ethnic_group" else sex
                groups = {value: mapper(value) for value in values["value"].dropna().unique()}
                values["group_value"] = values["value"].map(groups).fillna(NOT_RECORDED)
                label = "Ethnic group" if key == "ethnic_group" else "Sex"
            elif key == "age_band":
                values = self.connection.execute(
                    """select r.unit_id, r.as_of, date_diff('day', p.date_of_birth, r.as_of) / 365.25 as age
                       from unit_rows r join identity.persons p on p.person_id = r.unit_id""").df()
                values["group_value"] = pd.cut(values["age"], bins=[lowest for lowest, _ in AGE_BANDS] + [200],
                                               labels=[name for _, name in AGE_BANDS], right=False
                                               ).astype(object).fillna(NOT_RECORDED)
                label = "Age band"
            else:
                values = self._deprivation()
                if values is None:
                    continue
                label = "Area deprivation"
            values[AS_OF] = pd.to_datetime(values[AS_OF]).astype("datetime64[ns]")
            merged = keys.merge(values[[UNIT_ID, AS_OF, "group_value"]], on=[UNIT_ID, AS_OF], how="left")
            merged["group_value"] = merged["group_value"].fillna(NOT_RECORDED)
            merged["characteristic"] = label
            parts.append(merged[list(PROTECTED_COLUMNS)])
        if not parts:
            return pd.DataFrame(columns=list(PROTECTED_COLUMNS))
        return pd.concat(parts, ignore_index=True)

    def _deprivation(self) -> pd.DataFrame | None:
        """Deprivation quintile of each unit row's small area, from places.indicators (imd_decile)."""
        if not self._exists("places", "indicators"):
            self.warnings.append("Area deprivation was not audited: no area indicators are loaded (load the IMD "
                                 "deciles with `townhall places load indicators FILE`).")
            return None
        values = self.connection.execute(
            """select r.unit_id, r.as_of, arg_max(try_cast(i.value as double), i.period) as decile
               from unit_rows r join places.indicators i on i.area_code = r.area_code
               where i.indicator = 'imd_decile' group by all""").df()
        if values.empty:
            self.warnings.append("Area deprivation was not audited: places.indicators has no 'imd_decile' values for "
                                 "these units' small areas.")
            return None
        values["group_value"] = values["decile"].map(
            lambda decile: NOT_RECORDED if pd.isna(decile) else DEPRIVATION_QUINTILES[min(4, (int(decile) - 1) // 2)])
        return values
