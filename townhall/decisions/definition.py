"""Risk model definitions: a short YAML file saying what a model is for, which units it ranks, what it predicts and
which features it may use, checked when loaded so that mistakes are caught with the file and field named.

A unit can be anything a council keeps a list of: a person or household (from the person index), a property (from
the address gazetteer), a business (from the business register in ``[decisions]``), or any registered source with an
id: an inspection, a referral, an application, an account. Two framings: every unit at each as-of date
(``framing: as_of_dates``, the default) or each case at its own date (``framing: case_date``), which ranks, say, the
inspections due in a period.

The feature language is described key by key in docs/risk-models.md; the worked definitions shipped with townhall
are in ``townhall/decisions/definitions/`` and the Chicago food-inspection example is in docs/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

BUILTIN_FOLDER = Path(__file__).parent / "definitions"
INDEX_UNITS = ("person", "household")  # from the person index
REGISTER_UNITS = ("property", "business")  # a default register from the workspace's settings
AS_OF_DATES = "as_of_dates"  # every unit at each as-of date
CASE_DATE = "case_date"  # each case at its own date
FRAMINGS = (AS_OF_DATES, CASE_DATE)
FEATURE_KINDS = ("count", "any", "sum", "mean", "max", "min", "latest", "years_since", "distinct_people_at_address",
                 "age_years", "case_field", "static")
NOT_LEAK_CHECKED = ("case_field", "static")  # values the definition declares known; the check cannot prove it
CONDITIONS = ("in", "not_in", "equals", "contains", "starts_with", "above", "below", "at_least", "at_most")
KNOWN_CHARACTERISTICS = {"ethnic_group": "Ethnic group", "sex": "Sex", "age_band": "Age band",
                         "area_deprivation": "Area deprivation"}
DEFAULT_TEST_PERIODS = 4  # the latest rolling test periods used, unless the definition says more
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FEATURE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
UNIT_WORDS = re.compile(r"^[a-z][a-z -]*[a-z]$")
IRREGULAR_PLURALS = {"person": "people", "property": "properties", "business": "businesses", "child": "children"}


class DefinitionError(TownhallError):
    """A model definition file is not valid: the message names the file and the field path."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        where = f" at '{path}'" if path else ""
        super().__init__(f"Model definition {file}{where}: {problem}")


def unit_noun(unit: str) -> str:
    """The plural a message uses for a unit: "people", "properties", "inspections", "referrals"."""
    words = unit.strip().split(" ")
    last = words[-1]
    if last in IRREGULAR_PLURALS:
        plural = IRREGULAR_PLURALS[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        plural = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        plural = last + "es"
    else:
        plural = last + "s"
    return " ".join([*words[:-1], plural])


@dataclass(frozen=True)
class EventSpec:
    """Rows of one source that count as events, each dated by ``date``; ``where`` keeps only some rows.

    ``window_months`` (features and population rules) looks back from the as-of date; ``until`` names a field that
    ends the event's effect (e.g. a licence's expiry); ``field`` is the value read (divided by ``per`` if given);
    ``uprn``/``address``/``link`` say how rows reach a unit when the defaults do not fit. ``on_date`` (outcomes only)
    dates every row of a source that records a fact for one known date, e.g. a bill. ``scope: household`` (person
    models) counts the records of everyone in the person's household. ``static`` marks an undated source (a
    ``static`` feature or a protected characteristic): its value is the unit's last row, not leak-checked.
    """

    source: str
    date: str
    where: dict[str, dict[str, Any]] = field(default_factory=dict)
    window_months: int | None = None
    until: str | None = None
    field: str | None = None
    map: dict[str, float] | None = None
    uprn: str | None = None
    address: str | None = None
    link: str | None = None
    per: str | None = None
    on_date: date | None = None
    scope: str = "own"
    static: bool = False

    def fields(self) -> list[str]:
        """Every source field this spec reads (for checking them against the catalogue)."""
        named = [self.date, self.until, self.field, self.uprn, self.address, self.link, self.per, *self.where]
        return [name for name in named if name]


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: its column name, plain-English description, kind (count, latest, …) and the events it reads.

    ``case_field`` features read a field of the case's own row (the unit register's row), which the definition
    declares known at the time (``known_at_the_time: true``); ``static`` ones read an undated source. Neither can be
    leak-checked, and the model card says so."""

    name: str
    description: str
    kind: str
    events: tuple[EventSpec, ...] = ()
    categorical: bool = False
    case_field: str | None = None
    map: dict[str, float] | None = None

    @property
    def sources(self) -> list[str]:
        """The sources this feature reads."""
        return sorted({event.source for event in self.events})

    @property
    def leak_checked(self) -> bool:
        """Whether the leak check can prove this feature uses nothing from after the as-of date."""
        return self.kind not in NOT_LEAK_CHECKED


@dataclass(frozen=True)
class OutcomeSpec:
    """What the model predicts: a unit is positive when any ``found_by`` event falls within ``window_months`` after
    the as-of date, or (``on_the_case``) when the case's own row meets the conditions, or an outcome recorded for the
    model in risk_outcomes says so."""

    description: str
    window_months: int
    found_by: tuple[EventSpec, ...] = ()
    on_the_case: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class PopulationSpec:
    """Which units are ranked at each as-of date: those with a ``requires`` event in its look-back window, and none
    of the ``excludes`` events before the as-of date (still in force, when the event has an ``until`` field)."""

    requires: tuple[EventSpec, ...] = ()
    excludes: tuple[EventSpec, ...] = ()


@dataclass(frozen=True)
class UnitRegister:
    """Where the list of units comes from (people and households come from the person index instead).

    ``id`` names each unit; ``date`` is a case's own date (``framing: case_date``); ``link`` is the field other rows
    share with the unit (an establishment's licence number for an inspection), so earlier inspections of the same
    establishment, or any source with that field, reach it; ``area`` is its small area; ``uprn`` its property;
    ``start`` when it began (a unit is ranked only at as-of dates after it); ``where`` keeps some rows only."""

    source: str
    id: str
    date: str | None = None
    link: str | None = None
    area: str | None = None
    uprn: str | None = None
    start: str | None = None
    where: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def link_field(self) -> str:
        """The field that links other rows to a unit: ``link``, else the id itself."""
        return self.link or self.id

    def fields(self) -> list[str]:
        """Every field of the register this names."""
        named = [self.id, self.date, self.link, self.area, self.uprn, self.start, *self.where]
        return [name for name in named if name]


@dataclass(frozen=True)
class ProtectedSpec:
    """A characteristic the bias audit compares groups by, and where its values come from.

    ``kind`` is "ethnic_group" and "sex" (recorded values mapped to census groups where they can be, others kept as
    recorded), "age_band" (from the person index), "area_deprivation" (from the small area) or "recorded" (any other
    field, kept as recorded). ``map`` turns recorded values into the groups shown (it wins over the census mapping);
    ``census_groups: false`` keeps ethnic group values as recorded."""

    label: str
    kind: str
    event: EventSpec | None = None
    case_field: str | None = None
    map: dict[str, str] | None = None
    census_groups: bool = True


@dataclass(frozen=True)
class TrainingSpec:
    """The as-of dates (or case dates) to learn from, how they are split into test periods, and the "simpler wins"
    tolerance.

    Rolling: from ``first_as_of`` to ``last_as_of`` every ``step_months``; each later period is tested by a model
    trained on the ones before it, the latest ``test_periods`` of them (None: all). Explicit: one ``train`` window
    and one ``test`` window (``first_as_of`` is then the train window's start, ``last_as_of`` the test window's end).
    """

    first_as_of: date
    last_as_of: date
    step_months: int = 3
    tolerance: float = 0.01
    train_window: tuple[date, date] | None = None
    test_window: tuple[date, date] | None = None
    test_periods: int | None = DEFAULT_TEST_PERIODS

    @property
    def explicit(self) -> bool:
        """Whether the definition names its train and test windows."""
        return self.test_window is not None

    def as_of_dates(self) -> list[date]:
        """Every as-of date learnt from and tested on: first to last step_months apart (within each window when
        the windows are explicit)."""
        if self.train_window is not None and self.test_window is not None:
            return sorted(set(_dates_between(*self.train_window, self.step_months))
                          | set(_dates_between(*self.test_window, self.step_months)))
        return _dates_between(self.first_as_of, self.last_as_of, self.step_months)


def _dates_between(first: date, last: date, step_months: int) -> list[date]:
    dates = []
    current = pd.Timestamp(first)
    while current <= pd.Timestamp(last):
        dates.append(current.date())
        current = current + pd.DateOffset(months=step_months)
    return dates


@dataclass(frozen=True)
class BandSpec:
    """Score bands as multiples of the base rate: "high" at or above ``high`` × base rate, "medium" at ``medium``."""

    high: float = 3.0
    medium: float = 1.5


@dataclass(frozen=True)
class ModelDefinition:
    """A risk model as an analyst wrote it: purpose, unit, framing, outcome, features, protected characteristics,
    training period, bands and limitations. Made by ``load_definition``; ``text`` is the YAML as written."""

    name: str
    title: str
    unit: str
    purpose: str
    team: str
    capacity: int
    owner: str
    review_date: date
    outcome: OutcomeSpec
    features: tuple[FeatureSpec, ...]
    protected: dict[str, ProtectedSpec]
    training: TrainingSpec
    bands: BandSpec = BandSpec()
    limitations: tuple[str, ...] = ()
    population: PopulationSpec = PopulationSpec()
    units: UnitRegister | None = None  # None: the person index, or the default register for property and business
    framing: str = AS_OF_DATES
    file: str = ""
    text: str = ""

    @property
    def feature_names(self) -> list[str]:
        """The feature column names, in the order written."""
        return [feature.name for feature in self.features]

    @property
    def descriptions(self) -> dict[str, str]:
        """Each feature's plain-English description."""
        return {feature.name: feature.description for feature in self.features}

    @property
    def unit_noun(self) -> str:
        """What the model ranks, in the plural ("properties", "inspections")."""
        return unit_noun(self.unit)

    @property
    def by_case(self) -> bool:
        """Whether each case is ranked at its own date (``framing: case_date``)."""
        return self.framing == CASE_DATE

    @property
    def not_leak_checked(self) -> list[FeatureSpec]:
        """Features the leak check cannot prove (case fields declared known at the time, static sources)."""
        return [feature for feature in self.features if not feature.leak_checked]

    def protected_labels(self) -> list[str]:
        """The protected characteristics audited, as shown to people (e.g. "Ethnic group")."""
        return [spec.label for spec in self.protected.values()]

    def all_event_specs(self) -> list[tuple[str, EventSpec]]:
        """Every event spec with its path in the file (for checks against the workspace)."""
        specs = [(f"features.{feature.name}.{feature.kind}", event) for feature in self.features
                 for event in feature.events]
        specs += [(f"outcome.found_by[{index}]", event) for index, event in enumerate(self.outcome.found_by)]
        specs += [(f"population.requires[{index}]", event) for index, event in enumerate(self.population.requires)]
        specs += [(f"population.excludes[{index}]", event) for index, event in enumerate(self.population.excludes)]
        specs += [(f"protected.{key}", spec.event) for key, spec in self.protected.items() if spec.event is not None]
        return specs


def builtin_definitions() -> dict[str, Path]:
    """The worked model definitions shipped with townhall, by name (hidden-hmos, business-rates, …)."""
    return {path.stem: path for path in sorted(BUILTIN_FOLDER.glob("*.yaml"))}


def load_definition(name_or_path: str | Path, workspace: Workspace | None = None) -> ModelDefinition:
    """Read and check a model definition: a built-in name or a YAML file path. With a workspace, also check that
    every source and field it names is registered there."""
    builtin = builtin_definitions()
    path = builtin[str(name_or_path)] if str(name_or_path) in builtin else Path(name_or_path)
    if not path.is_file():
        names = ", ".join(builtin)
        raise TownhallError(f"No model definition called '{name_or_path}': give a YAML file path or one of {names}.")
    text = path.read_text(encoding="utf-8")
    definition = parse_definition(text, file=str(path))
    if workspace is not None:
        check_against_workspace(workspace, definition)
    return definition


def parse_definition(text: str, *, file: str = "definition.yaml") -> ModelDefinition:
    """Check the YAML text of a model definition and turn it into a ModelDefinition."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise DefinitionError(file, "", f"it is not valid YAML ({error}).") from error
    reader = _Reader(file)
    data = reader.mapping(raw, "")
    reader.only_keys(data, "", required=("name", "title", "unit", "purpose", "team", "capacity", "owner",
                                         "review_date", "outcome", "features", "training"),
                     optional=("protected", "bands", "limitations", "population", "units", "framing"))
    name = reader.text(data["name"], "name")
    if not SLUG.match(name):
        raise DefinitionError(file, "name", f"'{name}' should be lower-case words joined by hyphens, e.g. hidden-hmos.")
    unit = reader.text(data["unit"], "unit")
    if not UNIT_WORDS.match(unit):
        raise DefinitionError(file, "unit", f"'{unit}' should be what the model ranks in lower-case words: person, "
                              "household, property, business, or what your register holds (inspection, referral, "
                              "application, account…).")
    framing = reader.text(data.get("framing", AS_OF_DATES), "framing")
    if framing not in FRAMINGS:
        raise DefinitionError(file, "framing", f"'{framing}' is not a framing townhall knows: use as_of_dates (every "
                              "unit at each as-of date) or case_date (each case at its own date).")
    units = reader.units(data.get("units"), unit, framing)
    features = reader.features(data["features"], unit, units)
    outcome = reader.outcome(data["outcome"], framing)
    training = reader.training(data["training"])
    return ModelDefinition(
        name=name, title=reader.text(data["title"], "title"), unit=unit,
        purpose=reader.text(data["purpose"], "purpose"), team=reader.text(data["team"], "team"),
        capacity=reader.positive_integer(data["capacity"], "capacity"), owner=reader.text(data["owner"], "owner"),
        review_date=reader.date(data["review_date"], "review_date"), outcome=outcome, features=features,
        protected=reader.protected(data.get("protected", {}), unit, units), training=training,
        bands=reader.bands(data.get("bands", {})),
        limitations=tuple(reader.text(item, f"limitations[{index}]")
                          for index, item in enumerate(reader.sequence(data.get("limitations", []), "limitations"))),
        population=reader.population(data.get("population", {})), units=units, framing=framing, file=file,
        text=text)


def default_register(workspace: Workspace, unit: str) -> UnitRegister | None:
    """The register a property or business model ranks when its definition names none: the address gazetteer's homes
    (``[gazetteer]``) or the business register (``[decisions] business_register``)."""
    if unit == "property":
        settings = workspace.settings.gazetteer
        columns = settings.columns
        classes = [code for code in settings.residential_classes if code]
        where = {columns.classification: {"starts_with_any": classes}} if columns.classification and classes else {}
        return UnitRegister(source=settings.source, id=columns.uprn, area=columns.small_area or None, where=where)
    if unit == "business":
        register = workspace.settings.decisions.business_register
        return UnitRegister(source=register.source, id=register.account, uprn=register.uprn or None,
                            start=register.start or None)
    return None


def resolve_units(workspace: Workspace, definition: ModelDefinition) -> UnitRegister | None:
    """The register the model's units come from: its own ``units``, else the default for its unit (None for people
    and households, who come from the person index)."""
    if definition.units is not None:
        return definition.units
    return default_register(workspace, definition.unit)


def check_against_workspace(workspace: Workspace, definition: ModelDefinition,
                            columns: dict[str, dict[str, str]] | None = None) -> None:
    """Check that every source and field the definition names exists in the workspace, and that dates are dates.

    ``columns`` (source table -> column -> DuckDB type) saves reading them again when the caller has them."""
    columns = _source_columns(workspace) if columns is None else columns
    register = resolve_units(workspace, definition)
    specs: list[tuple[str, str, list[str], list[str]]] = [
        (path, event.source, event.fields(), [name for name in (event.date, event.until) if name])
        for path, event in definition.all_event_specs()]
    if register is not None:
        named = [*register.fields(), *definition.outcome.on_the_case,
                 *(feature.case_field for feature in definition.features if feature.case_field),
                 *(spec.case_field for spec in definition.protected.values() if spec.case_field)]
        specs.insert(0, ("units", register.source, named,
                         [name for name in (register.start, register.date) if name]))
    for path, source, fields, date_fields in specs:
        _check_source(definition, columns, path, source, fields, date_fields)
    if register is not None and definition.unit not in (*INDEX_UNITS, *REGISTER_UNITS):
        _check_links(definition, register, columns)


def _check_source(definition: ModelDefinition, columns: dict[str, dict[str, str]], path: str, source: str,
                  fields: list[str], date_fields: list[str]) -> None:
    if source not in columns:
        known = ", ".join(sorted(columns)) or "none yet"
        raise DefinitionError(definition.file, f"{path}.source" if path != "units" else "units.source",
                              f"no source called '{source}' is registered in this workspace (registered: {known}).")
    for name in fields:
        if name not in columns[source]:
            raise DefinitionError(definition.file, path, f"source '{source}' has no field '{name}' (its fields: "
                                  f"{', '.join(sorted(columns[source]))}).")
    for name in date_fields:
        kind = columns[source][name].upper()
        if not (kind.startswith("DATE") or kind.startswith("TIMESTAMP")):
            raise DefinitionError(definition.file, f"{path}.date" if path != "units" else "units",
                                  f"field '{name}' of '{source}' holds {kind.lower()}, not dates, so it cannot "
                                  "place events before or after the as-of date.")


def _check_links(definition: ModelDefinition, register: UnitRegister, columns: dict[str, dict[str, str]]) -> None:
    """Every event source must hold the field that links its rows to a unit (the register's ``link``, or its own)."""
    for path, event in definition.all_event_specs():
        linked_by = event.link or register.link_field
        if linked_by not in columns.get(event.source, {}):
            raise DefinitionError(
                definition.file, path,
                f"rows of '{event.source}' cannot reach a {definition.unit}: it has no field '{linked_by}'. Give the "
                f"field that holds the same value as the register's '{register.link_field}' with 'link:'.")


def _source_columns(workspace: Workspace) -> dict[str, dict[str, str]]:
    """Registered source tables and their columns with DuckDB types."""
    if not workspace.analytics.table_exists("catalogue", "sources"):
        return {}
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'sources'").fetchall()
    columns: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, {})[column] = kind
    return columns


def characteristic_label(key: str) -> str:
    """How a protected characteristic is shown: the known ones by name, others from the key ("facility_type" ->
    "Facility type"; a key already written as words is kept)."""
    if key in KNOWN_CHARACTERISTICS:
        return KNOWN_CHARACTERISTICS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


class _Reader:
    """Reads one definition file, raising DefinitionError with the file and field path on the first problem."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> DefinitionError:
        return DefinitionError(self.file, path, problem)

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected a set of 'key: value' lines here.")
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "expected a list ('- ' items) here.")
        return value

    def only_keys(self, data: dict[str, Any], path: str, *, required: tuple[str, ...] = (),
                  optional: tuple[str, ...] = ()) -> None:
        prefix = f"{path}." if path else ""
        for key in data:
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                raise self.fail(f"{prefix}{key}",
                                f"'{key}' is not a key townhall understands here (allowed: {allowed}).")
        for key in required:
            if key not in data:
                raise self.fail(f"{prefix}{key}", f"'{key}' is missing and is required.")

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "expected some text here.")
        return value.strip()

    def optional_text(self, data: dict[str, Any], key: str, path: str) -> str | None:
        return self.text(data[key], f"{path}.{key}") if data.get(key) is not None else None

    def positive_integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(path, f"expected a whole number above zero, not '{value}'.")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, not '{value}'.")
        return float(value)

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, not '{value}'.")
        return value

    def date(self, value: Any, path: str) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError as error:
            raise self.fail(path, f"expected a date written as YYYY-MM-DD, not '{value}'.") from error

    def condition(self, value: Any, path: str) -> dict[str, Any]:
        """A where-condition: a list (one of these values), a single value, or {in|contains|above|…: value}."""
        if isinstance(value, list):
            return {"in": [str(item) for item in value]}
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in CONDITIONS:
                raise self.fail(path, f"a condition has one of {', '.join(CONDITIONS)}, e.g. {{above: 15000}}.")
            operator, operand = next(iter(value.items()))
            if operator in ("in", "not_in"):
                return {operator: [str(item) for item in self.sequence(operand, f"{path}.{operator}")]}
            if operator in ("above", "below", "at_least", "at_most"):
                return {operator: self.number(operand, f"{path}.{operator}")}
            return {operator: str(operand)}
        if value is None:
            raise self.fail(path, "expected a value to match.")
        return {"equals": value if isinstance(value, bool) else str(value)}

    def conditions(self, value: Any, path: str) -> dict[str, dict[str, Any]]:
        return {str(key): self.condition(condition, f"{path}.{key}")
                for key, condition in self.mapping(value or {}, path).items()}

    def value_map(self, value: Any, path: str) -> dict[str, float]:
        return {str(key): self.number(number, f"{path}.{key}")
                for key, number in self.mapping(value, path).items()}

    def event(self, value: Any, path: str, *, needs_field: bool = False, window: str = "optional",
              allowed_extra: tuple[str, ...] = (), undated: bool = False) -> EventSpec:
        data = self.mapping(value, path)
        if "on_date" in data and "on_date" in allowed_extra:
            data = {**data, "date": ""}
        if "source" in data and "date" not in data and not undated:
            source = data.get("source")
            raise self.fail(f"{path}.date", f"source '{source}' is used with no date, so it could use information "
                            "from after the as-of date; give the field that dates each row, or, if the source has "
                            "no dates and its values never change, make it a 'static' feature (it is then not "
                            "leak-checked, and the model card says so).")
        optional = ("where", "until", "map", "uprn", "address", "link", "per", "scope", *allowed_extra)
        if window != "forbidden":
            optional += ("window_months",)
        required = ("source",) + (("date",) if not undated else ()) + (("field",) if needs_field else ())
        if undated:
            if "date" in data and path.startswith("features"):
                raise self.fail(f"{path}.date", "a static feature reads a source with no dates; for a dated source "
                                "use latest instead.")
            optional = (*(key for key in optional if key not in ("until", "window_months")), "date")
        self.only_keys(data, path, required=required + (("window_months",) if window == "required" else ()),
                       optional=tuple(key for key in optional if key not in required))
        on_date = self.date(data["on_date"], f"{path}.on_date") if "on_date" in data else None
        scope = str(data.get("scope", "own"))
        if scope not in ("own", "household"):
            raise self.fail(f"{path}.scope", f"scope is 'own' or 'household', not '{scope}'.")
        dated = data.get("date")
        return EventSpec(
            source=self.text(data["source"], f"{path}.source"),
            date="" if on_date or not dated else self.text(dated, f"{path}.date"), on_date=on_date,
            per=self.optional_text(data, "per", path), scope=scope,
            where=self.conditions(data.get("where"), f"{path}.where"),
            window_months=(self.positive_integer(data["window_months"], f"{path}.window_months")
                           if "window_months" in data else None),
            until=self.optional_text(data, "until", path), field=self.optional_text(data, "field", path),
            map=self.value_map(data["map"], f"{path}.map") if "map" in data else None,
            uprn=self.optional_text(data, "uprn", path), address=self.optional_text(data, "address", path),
            link=self.optional_text(data, "link", path), static=undated and not dated)

    def features(self, value: Any, unit: str, units: UnitRegister | None) -> tuple[FeatureSpec, ...]:
        items = self.sequence(value, "features")
        if not items:
            raise self.fail("features", "a model needs at least one feature.")
        features: list[FeatureSpec] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            path = f"features[{index}]"
            data = self.mapping(item, path)
            name = self.text(data.get("name"), f"{path}.name")
            if not FEATURE_NAME.match(name):
                raise self.fail(f"{path}.name", f"'{name}' should be lower-case letters, digits and underscores.")
            if name in seen:
                raise self.fail(f"{path}.name", f"two features are called '{name}'.")
            seen.add(name)
            features.append(self.feature(data, f"features.{name}", name, unit, units))
        return tuple(features)

    def feature(self, data: dict[str, Any], path: str, name: str, unit: str,
                units: UnitRegister | None) -> FeatureSpec:
        kinds = [key for key in data if key in FEATURE_KINDS]
        if len(kinds) != 1:
            raise self.fail(path, f"give exactly one of {', '.join(FEATURE_KINDS)}.")
        kind = kinds[0]
        optional: tuple[str, ...] = ("categorical",)
        if kind == "case_field":
            optional += ("known_at_the_time", "map")
        self.only_keys(data, path, required=("name", "description", kind), optional=optional)
        spec = data[kind]
        categorical = self.boolean(data["categorical"], f"{path}.categorical") if "categorical" in data else False
        description = self.text(data["description"], f"{path}.description")
        if kind == "case_field":
            return self.case_field_feature(data, path, name, description, unit, units)
        events: tuple[EventSpec, ...]
        if kind == "age_years":
            if unit != "person":
                raise self.fail(f"{path}.age_years", "age_years is only for person models.")
            events = ()
        elif kind == "distinct_people_at_address":
            if unit not in ("property", "household"):
                raise self.fail(f"{path}.{kind}", f"{kind} is only for property and household models.")
            block = self.mapping(spec, f"{path}.{kind}")
            self.only_keys(block, f"{path}.{kind}", required=("sources", "window_months"))
            sources = [self.text(source, f"{path}.{kind}.sources[{number}]")
                       for number, source in enumerate(self.sequence(block["sources"], f"{path}.{kind}.sources"))]
            months = self.positive_integer(block["window_months"], f"{path}.{kind}.window_months")
            events = tuple(EventSpec(source=source, date="", window_months=months) for source in sources)
        else:
            needs_field = kind in ("sum", "mean", "max", "min", "latest", "static")
            event = self.event(spec, f"{path}.{kind}", needs_field=needs_field,
                               window="forbidden" if kind == "static" else "optional", undated=kind == "static")
            if event.scope == "household" and unit != "person":
                raise self.fail(f"{path}.{kind}.scope", "scope: household is only for person models.")
            if kind in ("latest", "static") and event.map is None and "categorical" not in data:
                categorical = True  # text unless mapped, or declared a number with 'categorical: false'
            events = (event,)
        return FeatureSpec(name=name, description=description, kind=kind, events=events, categorical=categorical)

    def case_field_feature(self, data: dict[str, Any], path: str, name: str, description: str, unit: str,
                           units: UnitRegister | None) -> FeatureSpec:
        """A field of the case's own row: allowed only when the definition declares it known at the time."""
        if units is None and unit in INDEX_UNITS:
            raise self.fail(f"{path}.case_field", f"{unit} models have no register row of their own: read the field "
                            "from a dated source with latest instead.")
        if data.get("known_at_the_time") is not True:
            raise self.fail(f"{path}.known_at_the_time", "a field of the case's own row can be a feature only if it "
                            "was known before the case's date (an inspection's type is; what it found is not). If "
                            "it was, say so with 'known_at_the_time: true': the leak check cannot prove it, and the "
                            "model card lists it as declared.")
        mapping = self.value_map(data["map"], f"{path}.map") if "map" in data else None
        categorical = self.boolean(data["categorical"], f"{path}.categorical") if "categorical" in data else False
        return FeatureSpec(name=name, description=description, kind="case_field", categorical=categorical,
                           case_field=self.text(data["case_field"], f"{path}.case_field"), map=mapping)

    def outcome(self, value: Any, framing: str) -> OutcomeSpec:
        data = self.mapping(value, "outcome")
        self.only_keys(data, "outcome", required=("description",),
                       optional=("window_months", "found_by", "on_the_case", "note"))
        if "found_by" not in data and "on_the_case" not in data:
            raise self.fail("outcome.found_by", "say which events show the outcome was found (found_by), or, for a "
                            "case, which values of its own row do (on_the_case).")
        found: list[Any] = self.sequence(data["found_by"], "outcome.found_by") if "found_by" in data else []
        if "found_by" in data and not found:
            raise self.fail("outcome.found_by", "say which events show the outcome was found.")
        on_the_case = self.conditions(data.get("on_the_case"), "outcome.on_the_case")
        if "on_the_case" in data and not on_the_case:
            raise self.fail("outcome.on_the_case", "give the field and the values that show the outcome, e.g. "
                            "{criticalCount: {above: 0}}.")
        if on_the_case and framing != CASE_DATE:
            raise self.fail("outcome.on_the_case", "only a model that ranks each case at its own date "
                            "(framing: case_date) can read the outcome from the case's own row.")
        if found and "window_months" not in data:
            raise self.fail("outcome.window_months", "'window_months' is missing and is required: how many months "
                            "after the as-of date an event in found_by counts.")
        return OutcomeSpec(
            description=self.text(data["description"], "outcome.description"),
            window_months=self.positive_integer(data["window_months"], "outcome.window_months")
            if "window_months" in data else 0,
            found_by=tuple(self.event(item, f"outcome.found_by[{index}]", window="forbidden",
                                      allowed_extra=("on_date",))
                           for index, item in enumerate(found)),
            on_the_case=on_the_case, note=self.optional_text(data, "note", "outcome") or "")

    def population(self, value: Any) -> PopulationSpec:
        data = self.mapping(value or {}, "population")
        self.only_keys(data, "population", optional=("requires", "excludes"))
        requires = tuple(self.event(item, f"population.requires[{index}]", window="required")
                         for index, item in enumerate(self.sequence(data.get("requires", []), "population.requires")))
        excludes = tuple(self.event(item, f"population.excludes[{index}]", window="forbidden")
                         for index, item in enumerate(self.sequence(data.get("excludes", []), "population.excludes")))
        return PopulationSpec(requires=requires, excludes=excludes)

    def protected(self, value: Any, unit: str, units: UnitRegister | None) -> dict[str, ProtectedSpec]:
        data = self.mapping(value or {}, "protected")
        protected: dict[str, ProtectedSpec] = {}
        labels: set[str] = set()
        for key, spec in data.items():
            path = f"protected.{key}"
            label = characteristic_label(str(key))
            if label in labels:
                raise self.fail(path, f"two characteristics are called '{label}'.")
            labels.add(label)
            if key == "age_band":
                if unit != "person":
                    raise self.fail(path, "age band is for people only (it comes from the person index).")
                if spec is not True:
                    raise self.fail(path, "write 'age_band: true' (age comes from the person index).")
                protected[key] = ProtectedSpec(label, "age_band")
            elif key == "area_deprivation":
                if spec is not True:
                    raise self.fail(path, "write 'area_deprivation: true'.")
                protected[key] = ProtectedSpec(label, "area_deprivation")
            else:
                protected[key] = self.recorded_characteristic(spec, path, label, str(key), units)
        return protected

    def recorded_characteristic(self, spec: Any, path: str, label: str, key: str,
                                units: UnitRegister | None) -> ProtectedSpec:
        """A characteristic recorded in a source ({source, field, date}) or on the case's row ({case_field})."""
        block = self.mapping(spec, path)
        kind = key if key in ("ethnic_group", "sex") else "recorded"
        extra = ("map", "census_groups") if kind == "ethnic_group" else ("map",)
        groups = {str(name): self.text(group, f"{path}.map.{name}")
                  for name, group in self.mapping(block["map"], f"{path}.map").items()} if "map" in block else None
        census = self.boolean(block["census_groups"], f"{path}.census_groups") if "census_groups" in block else True
        rest = {name: item for name, item in block.items() if name not in extra}
        if "case_field" in rest:
            self.only_keys(rest, path, required=("case_field",), optional=extra)
            if units is None:
                raise self.fail(f"{path}.case_field", "only a model with a register of its own (units) has a case "
                                "row to read this from; give {source, field, date} instead.")
            return ProtectedSpec(label, kind, case_field=self.text(rest["case_field"], f"{path}.case_field"),
                                 map=groups, census_groups=census)
        event = self.event(rest, path, needs_field=True, window="forbidden", undated=True)
        return ProtectedSpec(label, kind, event=event, map=groups, census_groups=census)

    def window(self, value: Any, path: str) -> tuple[date, date]:
        data = self.mapping(value, path)
        self.only_keys(data, path, required=("from", "to"))
        start, end = self.date(data["from"], f"{path}.from"), self.date(data["to"], f"{path}.to")
        if end < start:
            raise self.fail(f"{path}.to", "the window ends before it starts.")
        return start, end

    def training(self, value: Any) -> TrainingSpec:
        data = self.mapping(value, "training")
        explicit = "train" in data or "test" in data
        if explicit:
            self.only_keys(data, "training", required=("train", "test"), optional=("step_months", "tolerance"))
        else:
            self.only_keys(data, "training", required=("first_as_of", "last_as_of"),
                           optional=("step_months", "tolerance", "test_periods"))
        tolerance = self.number(data.get("tolerance", 0.01), "training.tolerance")
        if not 0 <= tolerance < 0.5:
            raise self.fail("training.tolerance", "expected an AUC difference between 0 and 0.5, e.g. 0.01.")
        step = self.positive_integer(data.get("step_months", 3), "training.step_months")
        if explicit:
            train = self.window(data["train"], "training.train")
            test = self.window(data["test"], "training.test")
            if test[0] <= train[1]:
                raise self.fail("training.test.from", f"the test window starts on {test[0].isoformat()}, before the "
                                f"train window ends ({train[1].isoformat()}): a model must be tested on a later "
                                "period than it learnt from.")
            return TrainingSpec(train[0], test[1], step, tolerance, train_window=train, test_window=test,
                                test_periods=1)
        first = self.date(data["first_as_of"], "training.first_as_of")
        last = self.date(data["last_as_of"], "training.last_as_of")
        if last < first:
            raise self.fail("training.last_as_of", "the last as-of date is before the first.")
        periods: int | None = DEFAULT_TEST_PERIODS
        if "test_periods" in data:
            periods = None if data["test_periods"] == "all" else self.positive_integer(
                data["test_periods"], "training.test_periods")
        return TrainingSpec(first, last, step, tolerance, test_periods=periods)

    def bands(self, value: Any) -> BandSpec:
        data = self.mapping(value or {}, "bands")
        self.only_keys(data, "bands", optional=("high", "medium"))
        high = self.number(data.get("high", 3.0), "bands.high")
        medium = self.number(data.get("medium", 1.5), "bands.medium")
        if not 0 < medium < high:
            raise self.fail("bands", "medium must be above zero and below high (multiples of the base rate).")
        return BandSpec(high, medium)

    def units(self, value: Any, unit: str, framing: str) -> UnitRegister | None:
        if unit in INDEX_UNITS:
            if value is not None:
                raise self.fail("units", f"{unit} models take their units from the person index; remove 'units'.")
            if framing == CASE_DATE:
                raise self.fail("framing", f"{unit} models rank every {unit} at each as-of date; to rank cases (a "
                                "referral, an assessment) at their own dates, make the case the unit and give its "
                                "register under 'units'.")
            return None
        if value is None:
            if unit in REGISTER_UNITS and framing == AS_OF_DATES:
                return None  # the default register, from the workspace's settings
            raise self.fail("units", f"say where the {unit_noun(unit)} come from: 'units: {{source: …, id: …"
                            + (", date: …" if framing == CASE_DATE else "") + "}'.")
        data = self.mapping(value, "units")
        self.only_keys(data, "units", required=("source", "id") + (("date",) if framing == CASE_DATE else ()),
                       optional=("date", "link", "area", "uprn", "start", "where"))
        named = {key: self.optional_text(data, key, "units") for key in ("date", "link", "area", "uprn", "start")}
        if named["date"] and framing != CASE_DATE:
            raise self.fail("units.date", "a case's own date is for models that rank each case at its own date: add "
                            "'framing: case_date', or remove 'date'.")
        return replace(UnitRegister(source=self.text(data["source"], "units.source"),
                                    id=self.text(data["id"], "units.id"),
                                    where=self.conditions(data.get("where"), "units.where")), **named)
