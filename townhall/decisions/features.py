"""Build the table a risk model learns from: one row per unit per as-of date (or per case at its own date), features
from events dated strictly before that date and fields of the case's own row declared known at the time, the outcome
found in the window after it (or on the case's own row), and protected characteristics for the bias audit.

DuckDB does the joins and windows. Every source row reaches a unit through a key: a person or household through the
person index, a property through its UPRN (or its address matched to the address gazetteer, through the gazetteer
service), a business through its account number (or its property), any other unit through the field its register
names as ``link``. ``check_for_leaks`` rebuilds the features on a copy of the data cut at the as-of date (rows dated
later removed, later dates blanked) and raises ``LeakError`` if any feature changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from townhall.decisions.dataset import AREA_CODE, AS_OF, OUTCOME, PROTECTED_COLUMNS, UNIT_ID, UnitDataset
from townhall.decisions.definition import (
    REGISTER_UNITS,
    EventSpec,
    FeatureSpec,
    ModelDefinition,
    ProtectedSpec,
    UnitRegister,
    resolve_units,
)
from townhall.errors import TownhallError
from townhall.identity.standardise import address_keys
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.catalogue.gazetteer import Gazetteer
    from townhall.workspace import Workspace

ZERO_WHEN_NONE = ("count", "any", "sum", "distinct_people_at_address")
ETHNIC_GROUPS = {
    "W": "White", "M": "Mixed or Multiple ethnic groups", "A": "Asian, Asian British or Asian Welsh",
    "B": "Black, Black British, Black Welsh, Caribbean or African", "O": "Other ethnic group",
}
ETHNIC_GROUP_CODES = {"CHNE": "A", "NOBT": None, "REFU": None, "OOTH": "O", "WROM": "W", "WIRT": "W"}
NOT_RECORDED = "Not recorded"
# Values that say nothing was recorded, whatever the system (compared in lower case).
NOT_RECORDED_WORDS = {"", "not recorded", "not stated", "not known", "unknown", "refused", "declined",
                      "prefer not to say", "not obtained", "information not yet obtained", "n/a", "na", "none"}
DEPRIVATION_QUINTILES = ("Most deprived 20%", "Second most deprived 20%", "Middle 20%", "Second least deprived 20%",
                         "Least deprived 20%")
AGE_BANDS = ((0, "0-4"), (5, "5-10"), (11, "11-15"), (16, "16-17"), (18, "18-24"), (25, "25-49"), (50, "50-64"),
             (65, "65 and over"))
FEATURE_TOLERANCE = 1e-9  # numbers rebuilt from the cut data may differ by rounding only

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
    """The result of a passed leak check: units (or cases) and features compared at one as-of date, and the features
    the check cannot prove because the definition declares them (fields of the case's own row, static sources)."""

    model: str
    as_of: date
    units: int
    features: list[str]
    not_checked: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """For training.json and the model card."""
        return {"as_of": self.as_of.isoformat(), "units": self.units, "features": self.features,
                "not_checked": self.not_checked}


@dataclass(frozen=True)
class CasePeriod:
    """The cases dated from ``first`` to ``last`` (both included), for models that rank each case at its own date."""

    first: date
    last: date


def build_dataset(workspace: Workspace, definition: ModelDefinition, as_of_dates: list[date] | None = None, *,
                  cases: CasePeriod | None = None) -> UnitDataset:
    """Units, features, outcomes and protected characteristics of a model at each as-of date, or (for a model that
    ranks each case at its own date) of the cases dated in ``cases``."""
    if definition.by_case and cases is None:
        raise TownhallError(f"Model '{definition.name}' ranks each case at its own date: give the period of cases.")
    if not definition.by_case and not as_of_dates:
        raise TownhallError("Give at least one as-of date to build a risk model's data for.")
    with _Builder.open(workspace, definition) as builder:
        frame = builder.frame(as_of_dates or [], cases=cases, with_outcome=True)
        protected = builder.protected(frame)
        warnings = list(dict.fromkeys(builder.warnings))
    categorical = [feature.name for feature in definition.features if feature.categorical]
    for feature in definition.features:
        if feature.categorical:
            continue
        numbers = pd.to_numeric(frame[feature.name], errors="coerce")
        if (numbers.isna() & frame[feature.name].notna()).any():  # text: a category, never silently blank numbers
            categorical.append(feature.name)
            warnings.append(f"The feature '{feature.name}' holds text (for example "
                            f"'{frame[feature.name][numbers.isna() & frame[feature.name].notna()].iloc[0]}'), so it "
                            "is used as a category. Say 'categorical: true' in the definition to make this explicit.")
        else:
            frame[feature.name] = numbers.astype("float64")
    categorical = [name for name in definition.feature_names if name in categorical]
    for column in categorical:
        frame[column] = frame[column].astype("category")
    return UnitDataset(model=definition.name, unit=definition.unit, frame=frame,
                       feature_columns=definition.feature_names, categorical_columns=categorical,
                       protected=protected, descriptions=definition.descriptions, warnings=warnings)


def check_for_leaks(workspace: Workspace, definition: ModelDefinition, as_of: date) -> LeakCheck:
    """Rebuild the features on the data as it stood at ``as_of`` and compare: raise LeakError naming any that differ.

    For a model ranking every unit at each as-of date the units are compared at ``as_of``; for one ranking each case
    at its own date, every case dated before ``as_of`` is (their features must not see anything dated after them)."""
    cases = CasePeriod(definition.training.first_as_of, as_of - timedelta(days=1)) if definition.by_case else None
    with _Builder.open(workspace, definition) as builder:
        full = builder.frame([as_of], cases=cases, with_outcome=False)
    with _Builder.open(workspace, definition, cut_at=as_of) as builder:
        cut = builder.frame([as_of], cases=cases, with_outcome=False)
    if set(full[UNIT_ID]) != set(cut[UNIT_ID]):
        raise LeakError(definition.name, ["the units included (population)"], as_of)
    merged = full.merge(cut, on=[UNIT_ID, AS_OF], suffixes=("", " (cut)"))
    changed = [name for name in definition.feature_names if not _same_values(merged[name], merged[f"{name} (cut)"])]
    if changed:
        raise LeakError(definition.name, changed, as_of)
    return LeakCheck(definition.name, as_of, len(full), definition.feature_names,
                     [feature.name for feature in definition.not_leak_checked])


def _same_values(left: pd.Series, right: pd.Series) -> bool:
    """Whether two columns hold the same values: numbers to within rounding, anything else exactly."""
    both_missing = left.isna() & right.isna()
    if pd.api.types.is_numeric_dtype(left) and pd.api.types.is_numeric_dtype(right):
        close = [math.isclose(a, b, rel_tol=FEATURE_TOLERANCE, abs_tol=FEATURE_TOLERANCE)
                 if not (pd.isna(a) or pd.isna(b)) else False for a, b in zip(left, right, strict=True)]
        return bool((pd.Series(close, index=left.index) | both_missing).all())
    return bool(((left.astype(object) == right.astype(object)) | both_missing).all())


def latest_data_date(workspace: Workspace, definition: ModelDefinition) -> date | None:
    """The latest date seen in the sources that record the outcome (an outcome window must end by then)."""
    with _Builder.open(workspace, definition) as builder:
        return builder.latest_outcome_date()


def ethnic_group(text: object, *, census_groups: bool = True) -> str:
    """The ONS 2021 broad ethnic group of a recorded value (a full ONS label or a DfE code such as "WBRI"); a value
    that is neither is kept as recorded ("Hispanic"), and one that says nothing was recorded is "Not recorded"."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return NOT_RECORDED
    value = str(text).strip()
    if value.lower() in NOT_RECORDED_WORDS:
        return NOT_RECORDED
    if not census_groups:
        return value
    for group in ETHNIC_GROUPS.values():
        if value.lower().startswith(group.lower().split(",")[0].split(" or ")[0]):
            return group
    if len(value) == 4 and value.isalpha() and value.isupper() and value[0] in "WMABOCNR":
        letter = ETHNIC_GROUP_CODES.get(value, value[0])
        return ETHNIC_GROUPS.get(letter, NOT_RECORDED) if letter else NOT_RECORDED
    return value


def sex(text: object) -> str:
    """"Female" or "Male" from the usual ways systems write them, another recorded value as it is, or "Not
    recorded"."""
    value = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text).strip()
    if value.lower() in NOT_RECORDED_WORDS or value.lower() == "u":
        return NOT_RECORDED
    return {"f": "Female", "female": "Female", "m": "Male", "male": "Male"}.get(value.lower(), value)


def as_recorded(text: object) -> str:
    """A recorded value as a group name: the value itself, or "Not recorded" when it says nothing."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return NOT_RECORDED
    value = str(text).strip()
    if isinstance(text, float) and value.endswith(".0"):
        value = value[:-2]
    return NOT_RECORDED if value.lower() in NOT_RECORDED_WORDS else value


def group_of(spec: ProtectedSpec, value: object) -> str:
    """The group a recorded value belongs to for one characteristic: the definition's ``map`` first, then the
    census mapping (ethnic group, sex), else the value as recorded."""
    if spec.map is not None and value is not None and not (not isinstance(value, str) and pd.isna(value)):
        text = str(value).strip()
        if text in spec.map:
            return spec.map[text]
    if spec.kind == "ethnic_group":
        return ethnic_group(value, census_groups=spec.census_groups)
    if spec.kind == "sex":
        return sex(value)
    return as_recorded(value)


def age_band(age: float | None) -> str:
    """The age band used in bias audits (e.g. "11-15"), or "Not recorded"."""
    if age is None or pd.isna(age) or age < 0:
        return NOT_RECORDED
    label = AGE_BANDS[0][1]
    for lowest, name in AGE_BANDS:
        if age >= lowest:
            label = name
    return label


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
    if operator == "starts_with_any":  # the gazetteer's residential classes
        return "(" + " or ".join(f"starts_with({text}, {literal(item)})" for item in operand) + ")"
    comparison = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<="}[operator]
    return f"try_cast({column} as double) {comparison} {operand}"


def _uprn_text(sql: str) -> str:
    """A UPRN as text without spaces or leading zeros: the form the person index and the gazetteer service use."""
    return f"nullif(ltrim(trim(cast({sql} as varchar)), '0'), '')"


def _quoted(name: str) -> str:
    return quote_identifier(name)


class _Builder:
    """One DuckDB connection with temporary tables for a definition; with ``cut_at``, every source is seen as it
    stood on that date."""

    def __init__(self, workspace: Workspace, definition: ModelDefinition, connection: duckdb.DuckDBPyConnection,
                 cut_at: date | None, gazetteer: Gazetteer | None) -> None:
        self.workspace = workspace
        self.definition = definition
        self.connection = connection
        self.cut_at = cut_at
        self.gazetteer = gazetteer
        self.warnings: list[str] = []
        self.tables: dict[str, str] = {}
        self.columns = self._source_columns()
        self.register: UnitRegister | None = resolve_units(workspace, definition)
        if self.register is not None and definition.units is None:
            self.register = self._in_source_capitals(self.register)
        self.has_index = self._exists("identity", "records")
        self.counter = 0
        self.address_tables: dict[tuple[str, str], str] = {}

    @classmethod
    @contextmanager
    def open(cls, workspace: Workspace, definition: ModelDefinition,
             cut_at: date | None = None) -> Iterator[_Builder]:
        from townhall.catalogue.gazetteer import find_gazetteer
        from townhall.decisions.definition import check_against_workspace

        gazetteer = find_gazetteer(workspace)  # read before this connection opens: the catalogue opens its own
        with workspace.analytics.connect(read_only=True) as connection:
            builder = cls(workspace, definition, connection, cut_at, gazetteer)
            check_against_workspace(workspace, builder.definition_with_register(), builder.columns)
            builder.prepare()
            yield builder

    def definition_with_register(self) -> ModelDefinition:
        """The definition with its register resolved (so the check sees the fields the build will read)."""
        from dataclasses import replace

        return replace(self.definition, units=self.register) if self.register is not None else self.definition

    def _in_source_capitals(self, register: UnitRegister) -> UnitRegister:
        """A default register's fields as the source spells them (settings match ignoring capitals)."""
        from dataclasses import replace

        names = {column.lower(): column for column in self.columns.get(register.source, {})}
        if not names:
            return register  # not registered: the check says so

        def spelt(name: str | None) -> str | None:
            return names.get(name.lower()) if name else None

        where = {spelt(key): condition for key, condition in register.where.items() if spelt(key)}
        if register.where and not where:
            self.warnings.append(f"'{register.source}' has no column '{next(iter(register.where))}', so every row "
                                 f"is ranked, not only homes: set [gazetteer] columns.classification in "
                                 "townhall.toml if it has one under another name.")
        if register.start and not spelt(register.start):
            self.warnings.append(f"'{register.source}' has no column '{register.start}', so every account is ranked "
                                 "at every as-of date, even before it began: set [decisions] business_register.start "
                                 "in townhall.toml if it has one under another name.")
        return replace(register, id=spelt(register.id) or register.id, area=spelt(register.area),
                       uprn=spelt(register.uprn), start=spelt(register.start), where=where)

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

    @property
    def unit(self) -> str:
        return self.definition.unit

    @property
    def linked_by_field(self) -> bool:
        """Whether rows reach units through a field the register names (any unit but people, households and
        properties; businesses too, when a source holds the account number)."""
        return self.unit not in ("person", "household", "property")

    def prepare(self) -> None:
        """Temporary tables: each source (cut at the as-of date when checking for leaks), gazetteer address keys and
        the index records placed at a UPRN."""
        used = {event.source for _, event in self.definition.all_event_specs()}
        if self.register is not None:
            used.add(self.register.source)
        if self.gazetteer is not None:
            used.add(self.gazetteer.source)
        for source in sorted(used):
            if source in self.columns:
                self.tables[source] = self._source_table(source)
        needs_addresses = self.unit in ("property", "business") or any(
            feature.kind == "distinct_people_at_address" for feature in self.definition.features)
        if needs_addresses:
            self._gazetteer_keys()
        if self.has_index:
            self._record_places()
        self._warn_without_gazetteer()

    def _warn_without_gazetteer(self) -> None:
        """Say loudly what cannot be done without the gazetteer, rather than leave features or areas empty."""
        if self.gazetteer is not None:
            return
        source = self.workspace.settings.gazetteer.source
        places = self.unit in ("person", "household", "property") or (
            self.unit == "business" and self.register is not None and self.register.uprn)
        if places and (self.register is None or not self.register.area):
            self.warnings.append(
                f"No address gazetteer is registered as '{source}', so the {self.definition.unit_noun} have no small "
                "area: area deprivation cannot be audited. Register the council's LLPG or AddressBase extract, or "
                "set [gazetteer] source in townhall.toml.")
        if self.has_index and (self.unit == "property" or any(
                feature.kind == "distinct_people_at_address" for feature in self.definition.features)):
            self.warnings.append(
                f"No address gazetteer is registered as '{source}', so index records that carry an address but no "
                "UPRN cannot be placed at a property: features counting records at an address undercount.")

    def _source_table(self, source: str) -> str:
        """The source's rows, without opted-out people's records; when cut, only rows dated before the cut with
        later dates blanked (they were not known yet)."""
        name = f"source_{len(self.tables)}"
        table = f"sources.{_quoted(source)}"
        conditions = []
        if self._exists("identity", "opted_out"):
            conditions.append(f"_row_number not in (select row_number from identity.opted_out where source = "
                              f"{literal(source)})")
        columns = self.columns[source]
        selected = [_quoted(column) for column in columns]
        if self.cut_at is not None:
            cut = f"date {literal(self.cut_at.isoformat())}"
            dated = sorted({event.date for _, event in self.definition.all_event_specs()
                            if event.source == source and event.date in columns})
            register = self.register
            if register is not None and register.source == source:
                dated += [name for name in (register.start, register.date) if name and name not in dated]
            if dated:
                first_date = f"least({', '.join(f'cast({_quoted(column)} as date)' for column in dated)})"
                conditions.append(f"({first_date} < {cut} or {first_date} is null)")
            selected = [f"case when cast({_quoted(column)} as date) >= {cut} then null else {_quoted(column)} end "
                        f"as {_quoted(column)}" if kind.startswith(("DATE", "TIMESTAMP")) else _quoted(column)
                        for column, kind in columns.items()]
        where = f" where {' and '.join(conditions)}" if conditions else ""
        self.run(f"create temp table {name} as select {', '.join(selected)} from {table}{where}")
        return name

    def _gazetteer_keys(self) -> None:
        """UPRN by address key ("flat|house|street|postcode") and by street part alone when that is unique."""
        gazetteer = self.gazetteer
        if gazetteer is None or gazetteer.source not in self.tables or not gazetteer.has("uprn", "street"):
            if gazetteer is not None:
                self.warnings.append(
                    f"The address gazetteer '{gazetteer.source}' has no street column, so addresses cannot be "
                    "matched to its UPRNs: set [gazetteer] columns in townhall.toml.")
            self.run("create temp table gazetteer_keys (uprn varchar, full_key varchar, street_key varchar)")
            return
        table = self.tables[gazetteer.source]
        uprn = _uprn_text(_quoted(gazetteer.columns["uprn"]))
        address = gazetteer.address_sql()
        fingerprint = tuple(self.connection.execute(
            f"select count(*), sum(hash({uprn}, {address})) from {table}").fetchall()[0])
        keys = _GAZETTEER_KEYS.get(fingerprint)
        if keys is None:
            keys = self.connection.execute(f"select {uprn} as uprn, {address} as address from {table}").df()
            keys["full_key"] = address_keys(keys["address"])
            keys["street_key"] = keys["full_key"].str.rsplit("|", n=1).str[0]
            keys = keys[["uprn", "full_key", "street_key"]]
            _GAZETTEER_KEYS.clear()
            _GAZETTEER_KEYS[fingerprint] = keys
        self.connection.register("gazetteer_frame", keys)
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
        """SQL giving (unit_id, key, area_code, start_date, case_date) for every unit (or case) the model could rank;
        ``key`` is what the rows of other sources carry to reach it."""
        if self.unit in ("person", "household"):
            return self._index_units_sql()
        register = self.register
        assert register is not None
        table = self.tables[register.source]
        where = " and ".join(condition_sql(_quoted(name), condition) for name, condition in register.where.items())
        unit_id = (_uprn_text(_quoted(register.id)) if self.unit == "property"
                   else f"trim(cast({_quoted(register.id)} as varchar))")
        key = f"trim(cast({_quoted(register.link_field)} as varchar))" if self.linked_by_field else unit_id
        if register.area:
            area_sql = f"cast({_quoted(register.area)} as varchar)"
        elif self.unit == "property":
            area_sql = self._area_for_uprn(unit_id)
        elif register.uprn:
            area_sql = self._area_for_uprn(_uprn_text(f"register.{_quoted(register.uprn)}"))
        else:
            area_sql = "null"
        start = f"cast({_quoted(register.start)} as date)" if register.start else "null::date"
        case_date = f"cast({_quoted(register.date)} as date)" if register.date else "null::date"
        rows = f"""select {unit_id} as unit_id, {key} as key, {area_sql} as area_code, {start} as start_date,
                          {case_date} as case_date
                   from {table} register where {_quoted(register.id)} is not null{' and ' + where if where else ''}"""
        if self.definition.by_case:
            self._refuse_shared_case_ids(rows, register)
            return rows
        return f"""select unit_id, min(key) as key, min(area_code) as area_code, min(start_date) as start_date,
                          null::date as case_date from ({rows}) group by unit_id"""

    def _refuse_shared_case_ids(self, rows: str, register: UnitRegister) -> None:
        shared = self.connection.execute(
            f"select unit_id, count(*) from ({rows}) group by unit_id having count(*) > 1 order by 2 desc, 1 "
            "limit 3").fetchall()
        if shared:
            examples = ", ".join(f"'{unit_id}' ({count} rows)" for unit_id, count in shared)
            raise TownhallError(
                f"Each case needs its own id, but rows of '{register.source}' share ids in '{register.id}' (for "
                f"example {examples}). Give the field that is unique to each case as 'units: id', or remove the "
                "duplicate rows.")

    def _index_units_sql(self) -> str:
        if not self.has_index:
            raise TownhallError(f"Model '{self.definition.name}' ranks {self.unit_noun()}, which needs the person "
                                "index: run `townhall link` first.")
        key = "person_id" if self.unit == "person" else "household_id"
        table = "identity.persons" if self.unit == "person" else "identity.households"
        area = self._area_for_uprn("{uprn}")
        area_sql = f"coalesce({area.format(uprn='u.uprn')}, {self._area_for_postcode('u.postcode')})"
        if self.unit == "person":
            area_sql = (f"coalesce({area.format(uprn='u.uprn')}, (select {area.format(uprn='h.uprn')} from "
                        f"identity.households h where h.household_id = u.household_id), "
                        f"{self._area_for_postcode('u.postcode')})")
        return f"""select u.{key} as unit_id, u.{key} as key, {area_sql} as area_code,
                          (select min(record_date) from record_places p where p.{key} = u.{key}) as start_date,
                          null::date as case_date
                   from {table} u"""

    def unit_noun(self) -> str:
        return self.definition.unit_noun

    def _area_for_postcode(self, postcode: str) -> str:
        """SQL for the small area most of a postcode's gazetteer addresses are in (when a unit has no UPRN)."""
        gazetteer = self.gazetteer
        if gazetteer is None or not gazetteer.has("postcode", "small_area") or gazetteer.source not in self.tables:
            return "null"
        area = gazetteer.sql("small_area", needed_for="the small area of a unit", alias="g")
        postcode_key = gazetteer.postcode_key_sql(alias="g", needed_for="the small area of a unit")
        return (f"(select mode({area}) from {self.tables[gazetteer.source]} g "
                f"where {postcode_key} = replace(upper({postcode}), ' ', ''))")

    def _area_for_uprn(self, uprn: str) -> str:
        gazetteer = self.gazetteer
        if gazetteer is None or not gazetteer.has("uprn", "small_area") or gazetteer.source not in self.tables:
            return "null"
        area = gazetteer.sql("small_area", needed_for="the small area of a unit", alias="g")
        return (f"(select min({area}) from {self.tables[gazetteer.source]} g "
                f"where {gazetteer.uprn_sql(alias='g', needed_for='the small area of a unit')} = {uprn})")

    # --- events -------------------------------------------------------------------------------------------------

    def events(self, event: EventSpec, value: str | None = None) -> str:
        """A temporary table of (key, event_date, value, until_date, row_number) for one event spec; returns its
        name. ``key`` is the unit's key (see units_sql)."""
        self.counter += 1
        name = f"events_{self.counter}"
        table = self.tables[event.source]
        columns = self.columns[event.source]
        if value is None and event.field:
            value = f"s.{_quoted(event.field)}"
            if event.per:
                value = f"try_cast({value} as double) / nullif(try_cast(s.{_quoted(event.per)} as double), 0)"
        until = f"cast(s.{_quoted(event.until)} as date)" if event.until else "null::date"
        if event.on_date is not None:
            event_date, conditions = f"date {literal(event.on_date.isoformat())}", ["true"]
        elif not event.date:  # an undated (static) source
            event_date, conditions = "null::date", ["true"]
        else:
            event_date = f"cast(s.{_quoted(event.date)} as date)"
            conditions = [f"s.{_quoted(event.date)} is not null"]
        conditions += [condition_sql(f"s.{_quoted(name)}", condition) for name, condition in event.where.items()]
        key_sql, joins = self._link(event, columns)
        self.run(f"""create temp table {name} as
            select {key_sql} as key, {event_date} as event_date, {value or 'null'} as value,
                   {until} as until_date, s._row_number as row_number
            from {table} s {joins} where {' and '.join(conditions)}""")
        self.run(f"delete from {name} where key is null")
        return name

    def _link(self, event: EventSpec, columns: dict[str, str]) -> tuple[str, str]:
        """How rows of a source reach the model's units: SQL for the unit's key and any joins needed."""
        unit = self.unit
        source = literal(event.source)
        if unit in ("person", "household"):
            key = "person_id" if unit == "person" else "household_id"
            joins = f"join record_places p on p.source = {source} and p.row_number = s._row_number"
            if event.scope == "household":
                return "m.person_id", f"{joins} join identity.persons m on m.household_id = p.household_id"
            return f"p.{key}", joins
        register = self.register
        assert register is not None
        if unit == "property":
            return self._row_uprn(event, columns), ""
        linked_by = event.link or register.link_field
        if event.source == register.source or linked_by in columns:  # other sources keyed the same way
            return f"trim(cast(s.{_quoted(linked_by)} as varchar))", ""
        if unit not in REGISTER_UNITS or not register.uprn:
            raise TownhallError(f"Rows of '{event.source}' cannot reach a {unit}: it has no field '{linked_by}'. Give "
                                "the field holding the same value with 'link:'.")
        registered = self.tables[register.source]
        return ("b.key", f"join (select trim(cast({_quoted(register.id)} as varchar)) as key, "
                         f"{_uprn_text(_quoted(register.uprn))} as uprn from {registered}) b "
                         f"on b.uprn = {self._row_uprn(event, columns)}")

    def _row_uprn(self, event: EventSpec, columns: dict[str, str]) -> str:
        """SQL for the UPRN of a source row: its own UPRN field, else its index record's address, else its address."""
        candidates = []
        uprn_field = event.uprn or next((column for column in columns if column.lower() == "uprn"), None)
        if uprn_field:
            candidates.append(_uprn_text(f"s.{_quoted(uprn_field)}"))
        if self.has_index:
            candidates.append(f"(select min(p.uprn) from record_places p where p.source = {literal(event.source)} "
                              "and p.row_number = s._row_number)")
        if event.address:
            candidates.append(self._address_uprn(event, columns))
        return f"coalesce({', '.join(candidates)})" if candidates else "null"

    def _address_uprn(self, event: EventSpec, columns: dict[str, str]) -> str:
        """A temporary lookup from the source's address text (with postcode if it has one) to UPRN."""
        from townhall.catalogue.gazetteer import GazetteerError

        if self.gazetteer is None or not self._has_table("gazetteer_keys"):
            source = self.workspace.settings.gazetteer.source
            raise GazetteerError(
                f"Model '{self.definition.name}' matches the addresses in '{event.source}' ({event.address}) to the "
                f"address gazetteer, but none is registered as '{source}'. Register the council's LLPG or "
                "AddressBase extract with 'townhall sources add FILE --name "
                f"{source}', or set [gazetteer] source in townhall.toml.")
        postcode = next((column for column in columns if column.lower() == "postcode"), None)
        text = (f"concat_ws(' ', {_quoted(event.address)}, {_quoted(postcode)})"
                if postcode and postcode != event.address else _quoted(event.address))
        name = f"addresses_{len(self.address_tables)}"
        row_text = text.replace(_quoted(event.address), f"s.{_quoted(event.address)}")
        if postcode and postcode != event.address:
            row_text = row_text.replace(f", {_quoted(postcode)})", f", s.{_quoted(postcode)})")
        lookup = f"(select a.uprn from {name} a where a.address = {row_text})"
        if (event.source, text) in self.address_tables:
            return self.address_tables[(event.source, text)]
        self.address_tables[(event.source, text)] = lookup
        addresses = self.connection.execute(
            f"select distinct {text} as address from {self.tables[event.source]} where {_quoted(event.address)} "
            "is not null").df()
        addresses["address_key"] = address_keys(addresses["address"])
        self.connection.register(f"{name}_frame", addresses)
        self.run(f"create temp table {name} as select f.address, {self._match_uprn('f.address_key')} as uprn "
                 f"from {name}_frame f")
        self.connection.unregister(f"{name}_frame")
        return lookup

    # --- the frame ----------------------------------------------------------------------------------------------

    def frame(self, as_of_dates: list[date], *, cases: CasePeriod | None = None,
              with_outcome: bool) -> pd.DataFrame:
        """The dataset frame: units in the population at each as-of date (or the cases dated in ``cases``), their
        features and (optionally) outcome."""
        self.run(f"create or replace temp table units as {self.units_sql()}")
        if self.definition.by_case:
            assert cases is not None
            self.run(f"""create or replace temp table unit_rows as
                select unit_id, key, case_date as as_of, area_code from units
                where case_date between date {literal(cases.first.isoformat())}
                                    and date {literal(cases.last.isoformat())}""")
        else:
            dates = sorted(set(as_of_dates))
            self.connection.register("as_of_frame", pd.DataFrame({"as_of": pd.to_datetime(dates)}))
            self.run("create or replace temp table as_of_dates as select cast(as_of as date) as as_of "
                     "from as_of_frame")
            self.connection.unregister("as_of_frame")
            self.run("""create or replace temp table unit_rows as
                select u.unit_id, u.key, d.as_of, u.area_code from units u cross join as_of_dates d
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
            selected.append(f"{value} as {_quoted(feature.name)}")
        if with_outcome:
            selected.append(f"{self._outcome()} as outcome")
        frame = self.connection.execute(
            f"select {', '.join(selected)} from unit_rows r {' '.join(joins)} order by r.as_of, r.unit_id").df()
        frame[AS_OF] = pd.to_datetime(frame[AS_OF]).astype("datetime64[ns]")
        frame[OUTCOME] = (frame["outcome"].astype("boolean") if with_outcome
                          else pd.Series(pd.NA, index=frame.index, dtype="boolean"))
        return frame[[UNIT_ID, AS_OF, OUTCOME, AREA_CODE, *self.definition.feature_names]]

    def _apply_population(self) -> None:
        """Keep units with every required event in its look-back window and without an excluding event in force."""
        for event in self.definition.population.requires:
            table = self.events(event)
            self.run(f"""delete from unit_rows r where not exists (select 1 from {table} e
                         where e.key = r.key and e.event_date < r.as_of
                         and e.event_date >= r.as_of - interval {event.window_months} month)""")
        for event in self.definition.population.excludes:
            table = self.events(event)
            self.run(f"""delete from unit_rows r where exists (select 1 from {table} e
                         where e.key = r.key and e.event_date < r.as_of
                         and (e.until_date is null or e.until_date >= r.as_of))""")

    def _window(self, event: EventSpec) -> str:
        lower = (f" and e.event_date >= r.as_of - interval {event.window_months} month" if event.window_months
                 else "")
        in_force = " and (e.until_date is null or e.until_date >= r.as_of)" if event.until else ""
        return f"e.event_date < r.as_of{lower}{in_force}"

    def _mapped(self, field_sql: str, mapping: dict[str, float] | None) -> str:
        if mapping is None:
            return field_sql
        cases = " ".join(f"when cast({field_sql} as varchar) = {literal(key)} then {number}"
                         for key, number in mapping.items())
        return f"case {cases} else null end"

    def _register_value(self, field_name: str) -> str:
        """SQL selecting (unit_id, as_of, value) of a field of each unit row's own register row (the latest row of
        the unit in the register when it has several)."""
        register = self.register
        assert register is not None
        table = self.tables[register.source]
        unit_id = (_uprn_text(f"s.{_quoted(register.id)}") if self.unit == "property"
                   else f"trim(cast(s.{_quoted(register.id)} as varchar))")
        return f"""select r.unit_id, r.as_of, arg_max(s.{_quoted(field_name)}, s._row_number) as value
                   from unit_rows r join {table} s on {unit_id} = r.unit_id group by r.unit_id, r.as_of"""

    def _feature(self, feature: FeatureSpec) -> str:
        """A temporary table of (unit_id, as_of, value) for one feature."""
        name = f"feature_{feature.name}"
        if feature.kind == "age_years":
            sql = """select r.unit_id, r.as_of, date_diff('day', p.date_of_birth, r.as_of) / 365.25 as value
                     from unit_rows r join identity.persons p on p.person_id = r.unit_id"""
        elif feature.kind == "case_field":
            assert feature.case_field is not None
            sql = (f"select unit_id, as_of, {self._mapped('value', feature.map)} as value "
                   f"from ({self._register_value(feature.case_field)})")
        elif feature.kind == "distinct_people_at_address":
            sources = ", ".join(literal(event.source) for event in feature.events)
            months = feature.events[0].window_months
            key = "uprn" if self.unit == "property" else "household_id"
            sql = f"""select r.unit_id, r.as_of, count(distinct p.person_id) as value
                      from unit_rows r join record_places p on p.{key} = r.key
                      where p.source in ({sources}) and p.record_date < r.as_of
                        and p.record_date >= r.as_of - interval {months} month
                      group by r.unit_id, r.as_of"""
        else:
            event = feature.events[0]
            value = self._mapped(f"s.{_quoted(event.field)}", event.map) if event.map is not None and event.field \
                else None
            events = self.events(event, value)
            aggregate = {
                "count": "count(*)", "any": "1", "sum": "sum(try_cast(e.value as double))",
                "mean": "avg(try_cast(e.value as double))", "max": "max(try_cast(e.value as double))",
                "min": "min(try_cast(e.value as double))", "latest": "arg_max(e.value, e.event_date)",
                "years_since": "date_diff('day', max(e.event_date), r.as_of) / 365.25",
                "static": "arg_max(e.value, e.row_number)",
            }[feature.kind]
            window = "true" if feature.kind == "static" else self._window(event)
            sql = f"""select r.unit_id, r.as_of, {aggregate} as value
                      from unit_rows r join {events} e on e.key = r.key and {window}
                      group by r.unit_id, r.as_of"""
        self.run(f"create or replace temp table {_quoted(name)} as {sql}")
        return _quoted(name)

    # --- outcome ------------------------------------------------------------------------------------------------

    def latest_outcome_date(self) -> date | None:
        """The latest date in any source the outcome reads (all rows, not only those that show the outcome); for an
        outcome read from the case's own row, the latest case date."""
        parts = []
        for event in self.definition.outcome.found_by:
            dated = [event.date] if event.date else sorted(
                {other.date for _, other in self.definition.all_event_specs()
                 if other.source == event.source and other.date in self.columns[event.source]})
            parts += [f"select max(cast({_quoted(name)} as date)) as latest from {self.tables[event.source]}"
                      for name in dated]
            if event.on_date is not None:
                parts.append(f"select date {literal(event.on_date.isoformat())} as latest")
        register = self.register
        if self.definition.outcome.on_the_case and register is not None and register.date:
            parts.append(f"select max(cast({_quoted(register.date)} as date)) as latest "
                         f"from {self.tables[register.source]}")
        if not parts:
            return None
        return self.connection.execute(f"select max(latest) from ({' union all '.join(parts)})").fetchall()[0][0]

    def _outcome(self) -> str:
        """SQL for each unit row's outcome: true/false once known, null while its window is still open (or, for an
        outcome read from the case's own row, while that row does not record it yet)."""
        outcome = self.definition.outcome
        recorded = self._recorded_outcomes()
        months = outcome.window_months
        end = f"r.as_of + interval {months} month"
        recorded_window = f" and x.outcome_date < {end}" if months else ""
        recorded_found = (f"exists (select 1 from recorded_outcomes x where x.unit_id = r.unit_id and x.outcome "
                          f"and x.outcome_date >= r.as_of{recorded_window})")
        positive = [recorded_found]
        unknown = []
        if outcome.found_by:
            tables = [self.events(event) for event in outcome.found_by]
            union = " union all ".join(f"select key, event_date from {table}" for table in tables)
            self.run(f"create or replace temp table outcome_events as {union}")
            positive.append(f"exists (select 1 from outcome_events o where o.key = r.key and o.event_date >= r.as_of "
                            f"and o.event_date < {end})")
            latest = self.latest_outcome_date()
            if recorded:
                latest_recorded = self.connection.execute(
                    "select max(outcome_date) from recorded_outcomes").fetchall()[0][0]
                latest = max(value for value in (latest, latest_recorded) if value is not None)
            if latest is None:
                return "null::boolean"
            unknown.append(f"{end} > date {literal(pd.Timestamp(latest).date().isoformat())}")
        if outcome.on_the_case:
            register = self.register
            assert register is not None
            table = self.tables[register.source]
            unit_id = f"trim(cast(c.{_quoted(register.id)} as varchar))"
            met = " and ".join(condition_sql(f"c.{_quoted(name)}", condition)
                               for name, condition in outcome.on_the_case.items())
            missing = " or ".join(f"c.{_quoted(name)} is null" for name in outcome.on_the_case)
            self.run(f"""create or replace temp table case_outcomes as
                select {unit_id} as unit_id, bool_or({met}) as met, bool_and({missing}) as missing
                from {table} c group by all""")
            positive.append("coalesce((select c.met from case_outcomes c where c.unit_id = r.unit_id), false)")
            unknown.append("coalesce((select c.missing from case_outcomes c where c.unit_id = r.unit_id), true) "
                           "and not exists (select 1 from recorded_outcomes x where x.unit_id = r.unit_id)")
        still_open = " or ".join(f"({condition})" for condition in unknown) or "false"
        return f"case when {still_open} then null else ({' or '.join(positive)}) end"

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
        if self.cut_at is not None:
            frame = frame[frame["outcome_date"] < pd.Timestamp(self.cut_at)]
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
        for spec in self.definition.protected.values():
            if spec.kind == "age_band":
                values = self.connection.execute(
                    """select r.unit_id, r.as_of, date_diff('day', p.date_of_birth, r.as_of) / 365.25 as age
                       from unit_rows r join identity.persons p on p.person_id = r.unit_id""").df()
                values["group_value"] = pd.cut(values["age"], bins=[lowest for lowest, _ in AGE_BANDS] + [200],
                                               labels=[name for _, name in AGE_BANDS], right=False
                                               ).astype(object).fillna(NOT_RECORDED)
            elif spec.kind == "area_deprivation":
                values = self._deprivation()
                if values is None:
                    continue
            else:
                values = self._recorded_values(spec)
                groups = {value: group_of(spec, value) for value in values["value"].dropna().unique()}
                values["group_value"] = values["value"].map(groups).fillna(NOT_RECORDED)
            values[AS_OF] = pd.to_datetime(values[AS_OF]).astype("datetime64[ns]")
            merged = keys.merge(values[[UNIT_ID, AS_OF, "group_value"]], on=[UNIT_ID, AS_OF], how="left")
            merged["group_value"] = merged["group_value"].fillna(NOT_RECORDED)
            merged["characteristic"] = spec.label
            parts.append(merged[list(PROTECTED_COLUMNS)])
        if not parts:
            return pd.DataFrame(columns=list(PROTECTED_COLUMNS))
        return pd.concat(parts, ignore_index=True)

    def _recorded_values(self, spec: ProtectedSpec) -> pd.DataFrame:
        """Each unit row's recorded value: the latest dated before the as-of date, the last row of an undated
        source, or the field on the case's own row."""
        if spec.case_field is not None:
            return self.connection.execute(self._register_value(spec.case_field)).df()
        event = spec.event
        assert event is not None
        table = self.events(event)
        if event.date:
            order, window = "e.event_date", "e.event_date < r.as_of"
        else:
            order, window = "e.row_number", "true"
        return self.connection.execute(
            f"""select r.unit_id, r.as_of, arg_max(e.value, {order}) as value
                from unit_rows r join {table} e on e.key = r.key and {window} group by all""").df()

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
