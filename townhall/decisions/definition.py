"""Risk model definitions: a short YAML file saying what a model is for, which units it ranks, what it predicts and
which features it may use, checked when loaded so that mistakes are caught with the file and field named.

The feature language is described key by key in docs/risk-models.md; the three worked definitions shipped with
townhall are in ``townhall/decisions/definitions/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

BUILTIN_FOLDER = Path(__file__).parent / "definitions"
UNITS = ("person", "household", "property", "business")
FEATURE_KINDS = ("count", "any", "sum", "mean", "max", "min", "latest", "years_since", "distinct_people_at_address",
                 "age_years")
CONDITIONS = ("in", "not_in", "equals", "contains", "starts_with", "above", "below", "at_least", "at_most")
PROTECTED_CHARACTERISTICS = ("ethnic_group", "sex", "age_band", "area_deprivation")
PROTECTED_LABELS = {"ethnic_group": "Ethnic group", "sex": "Sex", "age_band": "Age band",
                    "area_deprivation": "Area deprivation"}
DEFAULT_UNIT_REGISTERS = {
    "property": {"source": "address_gazetteer", "id": "UPRN", "area": "SMALL_AREA_CODE",
                 "where": {"CLASSIFICATION_CODE": {"starts_with": "R"}}},
    "business": {"source": "business_rates", "id": "Account Number", "uprn": "UPRN", "start": "Liability Start"},
}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FEATURE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DefinitionError(TownhallError):
    """A model definition file is not valid: the message names the file and the field path."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        where = f" at '{path}'" if path else ""
        super().__init__(f"Model definition {file}{where}: {problem}")


@dataclass(frozen=True)
class EventSpec:
    """Rows of one source that count as events, each dated by ``date``; ``where`` keeps only some rows.

    ``window_months`` (features and population rules) looks back from the as-of date; ``until`` names a field that
    ends the event's effect (e.g. a licence's expiry); ``field`` is the value read (divided by ``per`` if given);
    ``uprn``/``address``/``account`` say how rows reach a property or business when the defaults do not fit.
    ``on_date`` (outcomes only) dates every row of a source that records a fact for one known date, e.g. a bill.
    ``scope: household`` (person models) counts the records of everyone in the person's household.
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
    account: str | None = None
    per: str | None = None
    on_date: date | None = None
    scope: str = "own"

    def fields(self) -> list[str]:
        """Every source field this spec reads (for checking them against the catalogue)."""
        named = [self.date, self.until, self.field, self.uprn, self.address, self.account, self.per, *self.where]
        return [name for name in named if name]


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: its column name, plain-English description, kind (count, latest, …) and the events it reads."""

    name: str
    description: str
    kind: str
    events: tuple[EventSpec, ...] = ()
    categorical: bool = False

    @property
    def sources(self) -> list[str]:
        """The sources this feature reads."""
        return sorted({event.source for event in self.events})


@dataclass(frozen=True)
class OutcomeSpec:
    """What the model predicts: a unit is positive when any ``found_by`` event falls within ``window_months`` after
    the as-of date (or an outcome recorded for the model in risk_outcomes does)."""

    description: str
    window_months: int
    found_by: tuple[EventSpec, ...]
    note: str = ""


@dataclass(frozen=True)
class PopulationSpec:
    """Which units are ranked at each as-of date: those with a ``requires`` event in its look-back window, and none
    of the ``excludes`` events before the as-of date (still in force, when the event has an ``until`` field)."""

    requires: tuple[EventSpec, ...] = ()
    excludes: tuple[EventSpec, ...] = ()


@dataclass(frozen=True)
class UnitRegister:
    """Where the list of units comes from, for property and business models (people come from the person index)."""

    source: str
    id: str
    area: str | None = None
    uprn: str | None = None
    start: str | None = None
    where: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingSpec:
    """The as-of dates to learn from (first to last, every ``step_months``) and the "simpler wins" tolerance."""

    first_as_of: date
    last_as_of: date
    step_months: int = 3
    tolerance: float = 0.01

    def as_of_dates(self) -> list[date]:
        """Every as-of date from first to last, step_months apart."""
        dates = []
        current = pd.Timestamp(self.first_as_of)
        while current <= pd.Timestamp(self.last_as_of):
            dates.append(current.date())
            current = current + pd.DateOffset(months=self.step_months)
        return dates


@dataclass(frozen=True)
class BandSpec:
    """Score bands as multiples of the base rate: "high" at or above ``high`` × base rate, "medium" at ``medium``."""

    high: float = 3.0
    medium: float = 1.5


@dataclass(frozen=True)
class ModelDefinition:
    """A risk model as an analyst wrote it: purpose, unit, outcome, features, protected characteristics, training
    period, bands and limitations. Made by ``load_definition``; ``text`` is the YAML as written."""

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
    protected: dict[str, EventSpec | None]
    training: TrainingSpec
    bands: BandSpec = BandSpec()
    limitations: tuple[str, ...] = ()
    population: PopulationSpec = PopulationSpec()
    units: UnitRegister | None = None
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

    def protected_labels(self) -> list[str]:
        """The protected characteristics audited, as shown to people (e.g. "Ethnic group")."""
        return [PROTECTED_LABELS[key] for key in self.protected]

    def all_event_specs(self) -> list[tuple[str, EventSpec]]:
        """Every event spec with its path in the file (for checks against the workspace)."""
        specs = [(f"features.{feature.name}.{feature.kind}", event) for feature in self.features
                 for event in feature.events]
        specs += [(f"outcome.found_by[{index}]", event) for index, event in enumerate(self.outcome.found_by)]
        specs += [(f"population.requires[{index}]", event) for index, event in enumerate(self.population.requires)]
        specs += [(f"population.excludes[{index}]", event) for index, event in enumerate(self.population.excludes)]
        specs += [(f"protected.{key}", event) for key, event in self.protected.items() if event is not None]
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
                     optional=("protected", "bands", "limitations", "population", "units"))
    name = reader.text(data["name"], "name")
    if not SLUG.match(name):
        raise DefinitionError(file, "name", f"'{name}' should be lower-case words joined by hyphens, e.g. hidden-hmos.")
    unit = reader.text(data["unit"], "unit")
    if unit not in UNITS:
        raise DefinitionError(file, "unit", f"'{unit}' is not a unit townhall knows; use one of {', '.join(UNITS)}.")
    features = reader.features(data["features"], unit)
    outcome = reader.outcome(data["outcome"])
    training = reader.training(data["training"])
    definition = ModelDefinition(
        name=name, title=reader.text(data["title"], "title"), unit=unit,
        purpose=reader.text(data["purpose"], "purpose"), team=reader.text(data["team"], "team"),
        capacity=reader.positive_integer(data["capacity"], "capacity"), owner=reader.text(data["owner"], "owner"),
        review_date=reader.date(data["review_date"], "review_date"), outcome=outcome, features=features,
        protected=reader.protected(data.get("protected", {}), unit), training=training,
        bands=reader.bands(data.get("bands", {})),
        limitations=tuple(reader.text(item, f"limitations[{index}]")
                          for index, item in enumerate(reader.sequence(data.get("limitations", []), "limitations"))),
        population=reader.population(data.get("population", {})),
        units=reader.units(data.get("units"), unit), file=file, text=text)
    return definition


def check_against_workspace(workspace: Workspace, definition: ModelDefinition,
                            columns: dict[str, dict[str, str]] | None = None) -> None:
    """Check that every source and field the definition names exists in the workspace, and that dates are dates.

    ``columns`` (source table -> column -> DuckDB type) saves reading them again when the caller has them."""
    columns = _source_columns(workspace) if columns is None else columns
    specs: list[tuple[str, str, list[str], list[str]]] = [
        (path, event.source, event.fields(), [name for name in (event.date, event.until) if name])
        for path, event in definition.all_event_specs()]
    if definition.units is not None:
        register = definition.units
        named = [register.id, register.area, register.uprn, register.start, *register.where]
        specs.append(("units", register.source, [name for name in named if name],
                      [register.start] if register.start else []))
    for path, source, fields, date_fields in specs:
        if source not in columns:
            known = ", ".join(sorted(columns)) or "none yet"
            raise DefinitionError(definition.file, f"{path}.source",
                                  f"no source called '{source}' is registered in this workspace (registered: {known}).")
        for name in fields:
            if name not in columns[source]:
                raise DefinitionError(definition.file, f"{path}",
                                      f"source '{source}' has no field '{name}' (its fields: "
                                      f"{', '.join(sorted(columns[source]))}).")
        for name in date_fields:
            kind = columns[source][name].upper()
            if not (kind.startswith("DATE") or kind.startswith("TIMESTAMP")):
                raise DefinitionError(definition.file, f"{path}.date",
                                      f"field '{name}' of '{source}' holds {kind.lower()}, not dates, so it cannot "
                                      "place events before or after the as-of date.")


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

    def positive_integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(path, f"expected a whole number above zero, not '{value}'.")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, not '{value}'.")
        return float(value)

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

    def event(self, value: Any, path: str, *, needs_field: bool = False, window: str = "optional",
              allowed_extra: tuple[str, ...] = ()) -> EventSpec:
        data = self.mapping(value, path)
        if "on_date" in data and "on_date" in allowed_extra:
            data = {**data, "date": ""}
        if "source" in data and "date" not in data:
            source = data.get("source")
            raise self.fail(f"{path}.date", f"source '{source}' is used with no date, so it could use information "
                            "from after the as-of date; give the field that dates each row.")
        optional = ("where", "until", "map", "uprn", "address", "account", "per", "scope", *allowed_extra)
        if window != "forbidden":
            optional += ("window_months",)
        required = ("source", "date") + (("field",) if needs_field else ())
        self.only_keys(data, path, required=required + (("window_months",) if window == "required" else ()),
                       optional=tuple(key for key in optional if key not in required))
        where = {str(key): self.condition(condition, f"{path}.where.{key}")
                 for key, condition in self.mapping(data.get("where", {}) or {}, f"{path}.where").items()}
        mapping = None
        if "map" in data:
            mapping = {str(key): self.number(number, f"{path}.map.{key}")
                       for key, number in self.mapping(data["map"], f"{path}.map").items()}
        on_date = self.date(data["on_date"], f"{path}.on_date") if "on_date" in data else None
        scope = str(data.get("scope", "own"))
        if scope not in ("own", "household"):
            raise self.fail(f"{path}.scope", f"scope is 'own' or 'household', not '{scope}'.")
        return EventSpec(
            source=self.text(data["source"], f"{path}.source"),
            date="" if on_date else self.text(data["date"], f"{path}.date"), on_date=on_date,
            per=self.text(data["per"], f"{path}.per") if "per" in data else None, scope=scope,
            where=where, window_months=(self.positive_integer(data["window_months"], f"{path}.window_months")
                                        if "window_months" in data else None),
            until=self.text(data["until"], f"{path}.until") if "until" in data else None,
            field=self.text(data["field"], f"{path}.field") if "field" in data else None, map=mapping,
            uprn=self.text(data["uprn"], f"{path}.uprn") if "uprn" in data else None,
            address=self.text(data["address"], f"{path}.address") if "address" in data else None,
            account=self.text(data["account"], f"{path}.account") if "account" in data else None)

    def features(self, value: Any, unit: str) -> tuple[FeatureSpec, ...]:
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
            path = f"features.{name}"
            kinds = [key for key in data if key in FEATURE_KINDS]
            if len(kinds) != 1:
                raise self.fail(path, f"give exactly one of {', '.join(FEATURE_KINDS)}.")
            kind = kinds[0]
            self.only_keys(data, path, required=("name", "description", kind), optional=("categorical",))
            spec = data[kind]
            categorical = bool(data.get("categorical", False))
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
                events = tuple(EventSpec(source=source, date="", window_months=months)
                               for source in sources)
            else:
                needs_field = kind in ("sum", "mean", "max", "min", "latest")
                event = self.event(spec, f"{path}.{kind}", needs_field=needs_field)
                if event.scope == "household" and unit != "person":
                    raise self.fail(f"{path}.{kind}.scope", "scope: household is only for person models.")
                if kind == "latest" and event.map is None and "categorical" not in data:
                    categorical = True  # text unless mapped, or declared a number with 'categorical: false'
                events = (event,)
            features.append(FeatureSpec(name=name, description=self.text(data["description"], f"{path}.description"),
                                        kind=kind, events=events, categorical=categorical))
        return tuple(features)

    def outcome(self, value: Any) -> OutcomeSpec:
        data = self.mapping(value, "outcome")
        self.only_keys(data, "outcome", required=("description", "window_months", "found_by"), optional=("note",))
        found = self.sequence(data["found_by"], "outcome.found_by")
        if not found:
            raise self.fail("outcome.found_by", "say which events show the outcome was found.")
        return OutcomeSpec(
            description=self.text(data["description"], "outcome.description"),
            window_months=self.positive_integer(data["window_months"], "outcome.window_months"),
            found_by=tuple(self.event(item, f"outcome.found_by[{index}]", window="forbidden",
                                      allowed_extra=("on_date",))
                           for index, item in enumerate(found)),
            note=self.text(data["note"], "outcome.note") if "note" in data else "")

    def population(self, value: Any) -> PopulationSpec:
        data = self.mapping(value or {}, "population")
        self.only_keys(data, "population", optional=("requires", "excludes"))
        requires = tuple(self.event(item, f"population.requires[{index}]", window="required")
                         for index, item in enumerate(self.sequence(data.get("requires", []), "population.requires")))
        excludes = tuple(self.event(item, f"population.excludes[{index}]", window="forbidden")
                         for index, item in enumerate(self.sequence(data.get("excludes", []), "population.excludes")))
        return PopulationSpec(requires=requires, excludes=excludes)

    def protected(self, value: Any, unit: str) -> dict[str, EventSpec | None]:
        data = self.mapping(value or {}, "protected")
        self.only_keys(data, "protected", optional=PROTECTED_CHARACTERISTICS)
        protected: dict[str, EventSpec | None] = {}
        for key, spec in data.items():
            path = f"protected.{key}"
            if key in ("ethnic_group", "sex"):
                if unit != "person":
                    raise self.fail(path, f"{PROTECTED_LABELS[key].lower()} is recorded for people only.")
                protected[key] = self.event(spec, path, needs_field=True, window="forbidden")
            elif key == "age_band":
                if unit != "person":
                    raise self.fail(path, "age band is for people only.")
                if spec is not True:
                    raise self.fail(path, "write 'age_band: true' (age comes from the person index).")
                protected[key] = None
            else:
                if spec is not True:
                    raise self.fail(path, "write 'area_deprivation: true'.")
                protected[key] = None
        return protected

    def training(self, value: Any) -> TrainingSpec:
        data = self.mapping(value, "training")
        self.only_keys(data, "training", required=("first_as_of", "last_as_of"), optional=("step_months", "tolerance"))
        first = self.date(data["first_as_of"], "training.first_as_of")
        last = self.date(data["last_as_of"], "training.last_as_of")
        if last < first:
            raise self.fail("training.last_as_of", "the last as-of date is before the first.")
        tolerance = self.number(data.get("tolerance", 0.01), "training.tolerance")
        if not 0 <= tolerance < 0.5:
            raise self.fail("training.tolerance", "expected an AUC difference between 0 and 0.5, e.g. 0.01.")
        return TrainingSpec(first, last, self.positive_integer(data.get("step_months", 3), "training.step_months"),
                            tolerance)

    def bands(self, value: Any) -> BandSpec:
        data = self.mapping(value or {}, "bands")
        self.only_keys(data, "bands", optional=("high", "medium"))
        high = self.number(data.get("high", 3.0), "bands.high")
        medium = self.number(data.get("medium", 1.5), "bands.medium")
        if not 0 < medium < high:
            raise self.fail("bands", "medium must be above zero and below high (multiples of the base rate).")
        return BandSpec(high, medium)

    def units(self, value: Any, unit: str) -> UnitRegister | None:
        if unit not in DEFAULT_UNIT_REGISTERS:
            if value is not None:
                raise self.fail("units", f"{unit} models take their units from the person index; remove 'units'.")
            return None
        data = dict(DEFAULT_UNIT_REGISTERS[unit])
        data.update(self.mapping(value or {}, "units"))
        self.only_keys(data, "units", required=("source", "id"), optional=("area", "uprn", "start", "where"))
        where = {str(key): self.condition(condition, f"units.where.{key}")
                 for key, condition in self.mapping(data.get("where") or {}, "units.where").items()}
        optional = {key: self.text(data[key], f"units.{key}") for key in ("area", "uprn", "start") if data.get(key)}
        return UnitRegister(source=self.text(data["source"], "units.source"), id=self.text(data["id"], "units.id"),
                            where=where, **optional)
