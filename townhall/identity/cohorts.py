"""Cohorts: the households that meet a set of criteria across the council's linked sources, from a small rule file.

A rule file (YAML) is a plain, saved, reviewable statement of who is in a cohort, such as the Troubled Families
criteria in ``cohort_rules/troubled-families.yaml`` beside this module. Each criterion names a source, the field
holding each record's date (counted when it falls in the window before the "as of" date), which household members
count (anyone, children, adults) and conditions on the source's fields. The file is never run as SQL: field names
are checked against the catalogue and quoted, and every value is bound as a query parameter.

Criteria are evaluated by following the person index's pointers (``identity.records``) from each source row to its
person and household, so opted-out people (absent from the index) are never counted. Counts for publication pass
disclosure control; the household list is for people whose role lets them see individual cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from townhall.catalogue.gazetteer import find_gazetteer
from townhall.errors import InputFileError, TownhallError
from townhall.governance.disclosure import DisclosureRule, ProtectedTable, protect_count, protect_table
from townhall.identity.index import SCHEMA, IndexNotBuiltError, index_exists, index_status
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.catalogue import FieldProfile
    from townhall.workspace import Workspace

SHIPPED_RULES_FOLDER = Path(__file__).resolve().parent / "cohort_rules"  # worked examples shipped with townhall
WORKSPACE_RULES_FOLDER = "cohorts"  # a workspace's own rule files: <workspace>/cohorts/*.yaml
RULE_FILE_SUFFIXES = (".yaml", ".yml")
NOT_PLACED = "Not placed in a ward"
ADULT_AGE = 18

NUMERIC_TYPES = ("integer", "decimal")
DATE_TYPES = ("date", "datetime")
MEMBER_WORDS = {"any": "any member", "child": f"a child (under {ADULT_AGE})",
                "adult": f"an adult ({ADULT_AGE} or over)"}
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,62}")


# --- the rule language -----------------------------------------------------------------------------------------------

class _RuleModel(BaseModel):
    """Every part of a rule file: unknown keys are mistakes, named in the error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and value is not None


class Condition(_RuleModel):
    """One test on a source field (or on the average of several numeric fields), or ``any_of`` a list of tests.

    Tests: ``equals`` and ``in`` (text compared ignoring capitals and spaces at the ends), ``below``, ``above``,
    ``at_least`` and ``at_most`` for numbers, ``is`` true or false for yes/no fields. Several tests on one field must
    all hold.
    """

    field: str | None = None
    average_of: list[str] | None = None
    any_of: list[Condition] | None = None
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    below: float | None = None
    above: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    is_: bool | None = Field(default=None, alias="is")

    @property
    def tests(self) -> dict[str, Any]:
        """The tests given, by their rule-file name."""
        given = {"equals": self.equals, "in": self.in_, "below": self.below, "above": self.above,
                 "at_least": self.at_least, "at_most": self.at_most, "is": self.is_}
        return {name: value for name, value in given.items() if value is not None}

    @model_validator(mode="after")
    def _one_subject_with_tests(self) -> Condition:
        subjects = [name for name, value in (("field", self.field), ("average_of", self.average_of),
                                             ("any_of", self.any_of)) if value is not None]
        if len(subjects) != 1:
            raise ValueError("each condition needs exactly one of 'field', 'average_of' or 'any_of' "
                             f"(this one has {', '.join(subjects) if subjects else 'none of them'})")
        if self.any_of is not None:
            if self.tests:
                raise ValueError("'any_of' holds a list of conditions; put tests such as 'equals' inside them")
            if not self.any_of:
                raise ValueError("'any_of' needs at least one condition")
            return self
        if not self.tests:
            raise ValueError("a condition needs a test: equals, in, below, above, at_least, at_most or is")
        if self.average_of is not None:
            if len(self.average_of) < 2:
                raise ValueError("average_of: needs a list of at least two numeric fields")
            if {"equals", "in", "is"} & set(self.tests):
                raise ValueError("an average can only be tested with below, above, at_least or at_most")
        if self.equals is not None and not _is_scalar(self.equals):
            raise ValueError("equals: needs one value (text, a number, true or false), not a list")
        if self.in_ is not None and (not self.in_ or not all(_is_scalar(value) for value in self.in_)):
            raise ValueError("in: needs a list of one or more values, e.g. in: [Subject, Suspect]")
        return self


class SourceCheck(_RuleModel):
    """Where a criterion looks: one source, the field(s) giving each record's date, and conditions on its fields.

    The date is one of: ``date`` (the record counts when this date is in the window), ``from`` and optionally ``to``
    (a period such as a benefit claim, counted when it overlaps the window; an empty ``to`` means still open), or
    ``academic_year`` (a field holding e.g. "2024/25", the year from 1 September to 31 August). With none of them,
    records count whatever their date.
    """

    source: str
    date: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    academic_year: str | None = None
    where: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind_of_date(self) -> SourceCheck:
        kinds = [name for name, value in (("date", self.date), ("from", self.from_),
                                          ("academic_year", self.academic_year)) if value is not None]
        if len(kinds) > 1:
            raise ValueError(f"give only one of 'date', 'from' (with 'to') or 'academic_year', not "
                             f"{' and '.join(kinds)}")
        if self.to is not None and self.from_ is None:
            raise ValueError("to: needs 'from' as well: together they give the period a record covers")
        return self


class Criterion(SourceCheck):
    """One criterion: a key and label, which members count, and a source to look in (or ``sources``, any of which)."""

    key: str
    label: str
    description: str = ""
    members: Literal["any", "child", "adult"] = "any"
    window_months: int | None = Field(default=None, ge=1, le=240)
    source: str | None = None  # type: ignore[assignment]  # either this or ``sources``
    sources: list[SourceCheck] | None = None

    @model_validator(mode="after")
    def _source_or_sources(self) -> Criterion:
        if not _KEY_PATTERN.fullmatch(self.key):
            raise ValueError(f"key: '{self.key}' should be lower case letters, digits and underscores, starting "
                             "with a letter (e.g. crime_asb)")
        if (self.source is None) == (self.sources is None):
            raise ValueError("each criterion needs either 'source' (one source) or 'sources' (a list, any of which "
                             "counts), not both or neither")
        if self.sources is not None:
            if not self.sources:
                raise ValueError("'sources' needs at least one source")
            stray = [name for name, value in (("date", self.date), ("from", self.from_), ("to", self.to),
                                              ("academic_year", self.academic_year)) if value is not None]
            if stray or self.where:
                raise ValueError("with 'sources', give the dates and 'where' inside each source, not beside 'sources' "
                                 f"(found {', '.join([*stray, *(['where'] if self.where else [])])})")
        return self

    def checks(self) -> list[SourceCheck]:
        """The source checks this criterion is met by (any one is enough)."""
        if self.sources is not None:
            return list(self.sources)
        return [SourceCheck(source=self.source or "", date=self.date, from_=self.from_, to=self.to,
                            academic_year=self.academic_year, where=list(self.where))]


class CohortRules(_RuleModel):
    """A cohort definition: a name, the look-back window, the criteria and how many a household must meet."""

    name: str
    description: str = ""
    window_months: int = Field(default=12, ge=1, le=240)
    minimum_criteria: int = Field(default=1, ge=1)
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CohortRules:
        keys = [criterion.key for criterion in self.criteria]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"criteria: each criterion needs its own key; repeated: {', '.join(repeated)}")
        if self.minimum_criteria > len(self.criteria):
            raise ValueError(f"minimum_criteria: it is {self.minimum_criteria} but there are only "
                             f"{len(self.criteria)} criteria, so no household could meet it")
        return self

    def criterion(self, key: str) -> Criterion:
        """One criterion by its key."""
        for criterion in self.criteria:
            if criterion.key == key:
                return criterion
        raise KeyError(key)


# --- reading rule files ----------------------------------------------------------------------------------------------

# The keys allowed in each part of a rule file, in the order the documentation explains them.
_KNOWN_KEYS: dict[type[BaseModel], tuple[str, ...]] = {
    CohortRules: ("name", "description", "window_months", "minimum_criteria", "criteria"),
    Criterion: ("key", "label", "description", "members", "window_months", "source", "sources", "date", "from", "to",
                "academic_year", "where"),
    SourceCheck: ("source", "date", "from", "to", "academic_year", "where"),
    Condition: ("field", "average_of", "any_of", "equals", "in", "below", "above", "at_least", "at_most", "is"),
}
_TYPE_MESSAGES = {"float_parsing": "should be a number", "float_type": "should be a number",
                  "int_parsing": "should be a whole number", "int_type": "should be a whole number",
                  "int_from_float": "should be a whole number", "bool_parsing": "should be true or false",
                  "bool_type": "should be true or false", "string_type": "should be text",
                  "list_type": "should be a list (one '- item' per line, or [a, b])",
                  "model_type": "should be a set of 'key: value' settings"}


def _model_at(location: tuple[Any, ...]) -> type[BaseModel]:
    """Which part of the rule language a location in the file is in (for listing the keys allowed there)."""
    model: type[BaseModel] = CohortRules
    for part in location:
        if part == "criteria":
            model = Criterion
        elif part == "sources":
            model = SourceCheck
        elif part in ("where", "any_of"):
            model = Condition
    return model


_KEY_PREFIX = re.compile(r"^([a-z_]+): ")


def _location(error: dict[str, Any]) -> tuple[Any, ...]:
    """Where an error is: pydantic's location, plus the key a whole-part check named at the start of its message."""
    location = tuple(error["loc"])
    if error["type"] == "value_error":
        named = _KEY_PREFIX.match(str(error["msg"]).removeprefix("Value error, "))
        if named and named.group(1) in _KNOWN_KEYS[_model_at(location)]:
            return (*location, named.group(1))
    return location


def _key_path(location: tuple[Any, ...]) -> str:
    """'criteria[2].where[1].below' from pydantic's ('criteria', 1, 'where', 0, 'below'): positions count from 1."""
    text = ""
    for part in location:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _plain_message(error: dict[str, Any], data: Any) -> str:
    """A pydantic error in words an analyst can act on."""
    kind, location = error["type"], _location(error)
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        allowed = ", ".join(_KNOWN_KEYS[_model_at(location[:-1])])
        return f"is not a setting townhall knows here (check the spelling). The settings allowed here are: {allowed}"
    message = _TYPE_MESSAGES.get(kind) or str(error["msg"]).removeprefix("Value error, ").replace(
        "Input should", "should")
    message = _KEY_PREFIX.sub("", message, count=1)
    if kind == "too_short" and location == ("criteria",):
        return "needs at least one criterion"
    criterion_key = _criterion_key(location, data)
    return f"{message} (criterion '{criterion_key}')" if criterion_key else message


def _criterion_key(location: tuple[Any, ...], data: Any) -> str | None:
    if len(location) >= 2 and location[0] == "criteria" and isinstance(location[1], int) and isinstance(data, dict):
        items = data.get("criteria")
        if isinstance(items, list) and location[1] < len(items) and isinstance(items[location[1]], dict):
            key = items[location[1]].get("key")
            return str(key) if key else None
    return None


def parse_cohort_rules(text: str, *, file_name: str = "the rule file") -> CohortRules:
    """Read cohort rules from YAML text; errors name the file, the line or the key, and what to change."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise InputFileError(file_name, f"it is not valid YAML ({problem}). Check the indentation and that every "
                                        "'key: value' has a space after the colon.",
                             row=mark.line + 1 if mark is not None else None) from None
    if not isinstance(data, dict):
        raise InputFileError(file_name, "a cohort rule file is a set of 'key: value' settings with at least 'name:' "
                                        "and 'criteria:' (see the built-in troubled-families.yaml for an example).")
    try:
        return CohortRules.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        first = problems[0]
        message = _plain_message(first, data)
        if len(problems) > 1:
            others = "; ".join(f"'{_key_path(_location(item))}' {_plain_message(item, data)}"
                               for item in problems[1:6])
            message += f". Also: {others}"
        raise InputFileError(file_name, message, field=_key_path(_location(first))) from None


def load_cohort_rules(path: str | Path) -> CohortRules:
    """Read a cohort rule file (YAML)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(str(file), "there is no such file. Check the name and folder.") from None
    except IsADirectoryError:
        raise InputFileError(str(file), "this is a folder, not a rule file.") from None
    except UnicodeDecodeError:
        raise InputFileError(str(file), "it is not UTF-8 text. Save it as UTF-8 and try again.") from None
    return parse_cohort_rules(text, file_name=str(file))


@dataclass(frozen=True)
class RuleFile:
    """A cohort rule file found in the workspace's ``cohorts/`` folder or among those shipped with townhall."""

    name: str  # the file name without .yaml
    location: str  # "workspace" or "built-in"
    path: Path
    title: str | None  # the rules' name, when the file could be read
    description: str
    criteria: int
    problem: str | None  # why the file cannot be used, in plain English


def rule_folders(workspace: Workspace) -> dict[str, Path]:
    """Where rule files are looked for: the workspace's own folder first, then the examples shipped with townhall."""
    return {"workspace": workspace.path / WORKSPACE_RULES_FOLDER, "built-in": SHIPPED_RULES_FOLDER}


def list_rule_files(workspace: Workspace) -> list[RuleFile]:
    """Every rule file available to a workspace, each read so that a broken one says why (including one that names
    sources this council has not registered, such as a built-in example written for the demo's sources)."""
    found: list[RuleFile] = []
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    for location, folder in rule_folders(workspace).items():
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in RULE_FILE_SUFFIXES or not path.is_file():
                continue
            try:
                rules = load_cohort_rules(path)
            except InputFileError as error:
                found.append(RuleFile(path.stem, location, path, None, "", 0, str(error)))
                continue
            found.append(RuleFile(path.stem, location, path, rules.name, rules.description.strip(),
                                  len(rules.criteria), _unregistered_sources(rules, location, registered)))
    return found


def _unregistered_sources(rules: CohortRules, location: str, registered: set[str]) -> str | None:
    """Why rules that name sources the council has not registered cannot run here; None when they all are."""
    named = {check.source for criterion in rules.criteria for check in criterion.checks()}
    missing = sorted(named - registered)
    if not missing:
        return None
    if location == "workspace":
        return (f"it names sources that are not registered: {', '.join(missing)}. Register them, or change the "
                "file to name the council's own sources.")
    return (f"it is an example written for the demo council's sources, and {len(missing)} of the "
            f"{len(named)} sources it names are not registered here. Copy it into the workspace's "
            f"{WORKSPACE_RULES_FOLDER} folder and change its source and field names to the council's own.")


def find_rule_file(workspace: Workspace, location: str, name: str) -> RuleFile:
    """One available rule file by location and name; TownhallError when there is none."""
    for rule_file in list_rule_files(workspace):
        if rule_file.location == location and rule_file.name == name:
            return rule_file
    raise TownhallError(f"There is no cohort rule file '{name}' in the {location} rule files.")


def resolve_rule_file(workspace: Workspace, name_or_path: str | Path) -> Path:
    """A rule file given as a path, or by name from the workspace's cohorts/ folder or the built-in ones."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    wanted = path.name.removesuffix(path.suffix) if path.suffix.lower() in RULE_FILE_SUFFIXES else path.name
    available = list_rule_files(workspace)
    for rule_file in available:
        if rule_file.name == wanted:
            return rule_file.path
    names = ", ".join(dict.fromkeys(rule_file.name for rule_file in available)) or "none"
    raise TownhallError(f"There is no cohort rule file '{name_or_path}'. Give the path to a YAML rule file, or the "
                        f"name of one in the workspace's cohorts/ folder or built into townhall: {names}.")


# --- checking rules against the catalogue ---------------------------------------------------------------------------

@dataclass
class _CompiledCheck:
    """One source check turned into SQL, ready to run."""

    criterion: str
    source: str
    sql: str
    parameters: list[Any]


class _Compiler:
    """Checks rule files against the catalogue and writes their SQL: names quoted, values bound as parameters."""

    def __init__(self, workspace: Workspace, file_name: str) -> None:
        self.workspace = workspace
        self.file_name = file_name
        self.sources = {summary.name: summary for summary in workspace.catalogue.list_sources()}
        self._fields: dict[str, list[FieldProfile]] = {}

    def fail(self, path: str, problem: str) -> InputFileError:
        return InputFileError(self.file_name, problem, field=path)

    def fields_of(self, source: str, path: str) -> list[FieldProfile]:
        if source not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none are registered yet"
            raise self.fail(path, f"there is no source called '{source}' in the catalogue. Known sources: {known}.")
        if source not in self._fields:
            self._fields[source] = self.workspace.catalogue.get_source(source).field_profiles
        return self._fields[source]

    def field(self, source: str, name: str, path: str, kinds: tuple[str, ...] | None = None,
              purpose: str = "") -> FieldProfile:
        """A source field by name (exact, else ignoring capitals), of one of ``kinds`` when given."""
        profiles = self.fields_of(source, path)
        found = next((profile for profile in profiles if profile.name == name), None) or next(
            (profile for profile in profiles if profile.name.lower() == str(name).lower()), None)
        if found is None:
            names = ", ".join(f"'{profile.name}'" for profile in profiles)
            raise self.fail(path, f"source '{source}' has no field called '{name}'. Its fields are: {names}.")
        if kinds is not None and found.data_type not in kinds:
            raise self.fail(path, f"field '{found.name}' of '{source}' holds {found.data_type} values, so it cannot "
                                  f"be used {purpose} (that needs {' or '.join(kinds)} values).")
        return found

    def compile(self, rules: CohortRules, as_of: date) -> list[_CompiledCheck]:
        compiled: list[_CompiledCheck] = []
        for number, criterion in enumerate(rules.criteria, start=1):
            window_start = window_start_for(as_of, criterion.window_months or rules.window_months)
            base = f"criteria[{number}]"
            for check_number, check in enumerate(criterion.checks(), start=1):
                path = f"{base}.sources[{check_number}]" if criterion.sources is not None else base
                compiled.append(self._compile_check(criterion, check, path, as_of, window_start))
        return compiled

    def _compile_check(self, criterion: Criterion, check: SourceCheck, path: str, as_of: date,
                       window_start: date) -> _CompiledCheck:
        self.fields_of(check.source, f"{path}.source")
        table = self.workspace.catalogue.table_name(check.source)
        clauses = ["r.source = ?"]
        parameters: list[Any] = [check.source]
        window_sql, window_parameters = self._window(check, path, as_of, window_start)
        if window_sql:
            clauses.append(window_sql)
            parameters += window_parameters
        if criterion.members != "any":
            cutoff = eighteenth_birthday_cutoff(as_of)
            clauses.append("p.date_of_birth > ?" if criterion.members == "child" else "p.date_of_birth <= ?")
            parameters.append(cutoff)
        for number, condition in enumerate(check.where, start=1):
            sql, condition_parameters = self._condition(check.source, condition, f"{path}.where[{number}]")
            clauses.append(sql)
            parameters += condition_parameters
        sql = (f"select p.household_id, count(*) as records, count(distinct r.person_id) as people "
               f"from {SCHEMA}.records r join {table} s on s._row_number = r.row_number "
               f"join {SCHEMA}.persons p on p.person_id = r.person_id "
               f"where {' and '.join(clauses)} group by p.household_id")
        return _CompiledCheck(criterion.key, check.source, sql, parameters)

    def _column(self, source: str, name: str, path: str, kinds: tuple[str, ...] | None = None,
                purpose: str = "") -> tuple[str, FieldProfile]:
        profile = self.field(source, name, path, kinds, purpose)
        return f"s.{quote_identifier(profile.name)}", profile

    def _window(self, check: SourceCheck, path: str, as_of: date, window_start: date) -> tuple[str, list[Any]]:
        if check.date is not None:
            column, _ = self._column(check.source, check.date, f"{path}.date", DATE_TYPES, "as a record's date")
            return f"cast({column} as date) between ? and ?", [window_start, as_of]
        if check.from_ is not None:
            start, _ = self._column(check.source, check.from_, f"{path}.from", DATE_TYPES, "as a period's start")
            if check.to is None:
                return f"cast({start} as date) <= ?", [as_of]
            end, _ = self._column(check.source, check.to, f"{path}.to", DATE_TYPES, "as a period's end")
            return (f"cast({start} as date) <= ? and ({end} is null or cast({end} as date) >= ?)",
                    [as_of, window_start])
        if check.academic_year is not None:
            column, _ = self._column(check.source, check.academic_year, f"{path}.academic_year", ("text", "integer"),
                                     "as an academic year such as 2024/25")
            year = f"try_cast(regexp_extract(cast({column} as varchar), '^\\s*(\\d{{4}})', 1) as integer)"
            return f"make_date({year}, 9, 1) <= ? and make_date({year} + 1, 8, 31) >= ?", [as_of, window_start]
        return "", []

    def _condition(self, source: str, condition: Condition, path: str) -> tuple[str, list[Any]]:
        if condition.any_of is not None:
            parts = [self._condition(source, item, f"{path}.any_of[{number}]")
                     for number, item in enumerate(condition.any_of, start=1)]
            return "(" + " or ".join(sql for sql, _ in parts) + ")", [value for _, values in parts for value in values]
        if condition.average_of is not None:
            columns = [self._column(source, name, f"{path}.average_of", NUMERIC_TYPES, "in an average")[0]
                       for name in condition.average_of]
            filled = " + ".join(f"cast({column} is not null as integer)" for column in columns)
            total = " + ".join(f"coalesce(cast({column} as double), 0)" for column in columns)
            return self._tests(f"(({total}) / nullif({filled}, 0))", "decimal", condition, path)
        column, profile = self._column(source, str(condition.field), f"{path}.field")
        return self._tests(column, profile.data_type, condition, path, field_name=profile.name)

    def _tests(self, column: str, data_type: str, condition: Condition, path: str,
               field_name: str = "the average") -> tuple[str, list[Any]]:
        clauses: list[str] = []
        parameters: list[Any] = []
        operators = {"below": "<", "above": ">", "at_least": ">=", "at_most": "<="}
        for test, value in condition.tests.items():
            if test in operators:
                if data_type not in NUMERIC_TYPES:
                    raise self.fail(f"{path}.{test}", f"'{test}' compares numbers, but {field_name} holds "
                                                      f"{data_type} values. Use equals or in instead.")
                clauses.append(f"{column} {operators[test]} ?")
                parameters.append(value)
            elif test == "is":
                if data_type != "boolean":
                    raise self.fail(f"{path}.is", f"'is' needs a yes/no field, but {field_name} holds {data_type} "
                                                  "values. Use equals instead.")
                clauses.append(f"{column} = ?")
                parameters.append(bool(value))
            else:
                values = [value] if test == "equals" else list(value)
                sql, bound = self._match(column, data_type, values, f"{path}.{test}", field_name)
                clauses.append(sql)
                parameters += bound
        return "(" + " and ".join(clauses) + ")", parameters

    def _match(self, column: str, data_type: str, values: list[Any], path: str,
               field_name: str) -> tuple[str, list[Any]]:
        """equals / in: text ignoring capitals and outer spaces; numbers and yes/no as they are."""
        placeholders = ", ".join("?" for _ in values)
        if data_type in NUMERIC_TYPES:
            if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
                raise self.fail(path, f"{field_name} holds numbers, so compare it with numbers (e.g. 3), not "
                                      f"{values!r}.")
            return f"{column} in ({placeholders})", values
        if data_type == "boolean":
            if not all(isinstance(value, bool) for value in values):
                raise self.fail(path, f"{field_name} is a yes/no field: use 'is: true' or 'is: false'.")
            return f"{column} in ({placeholders})", values
        if data_type in DATE_TYPES:
            raise self.fail(path, f"{field_name} holds dates: use it as the criterion's 'date' (the window) rather "
                                  "than comparing it with a value.")
        return (f"lower(trim(cast({column} as varchar))) in ({placeholders})",
                [str(value).strip().lower() for value in values])


# --- dates -----------------------------------------------------------------------------------------------------------

def window_start_for(as_of: date, months: int) -> date:
    """The first day of the ``months`` months up to and including ``as_of`` (to 30 Sep 2026: from 1 Oct 2025)."""
    return (pd.Timestamp(as_of) - pd.DateOffset(months=months) + pd.Timedelta(days=1)).date()


def eighteenth_birthday_cutoff(as_of: date) -> date:
    """The latest date of birth of someone who is 18 or over on ``as_of`` (born after it: a child)."""
    try:
        return as_of.replace(year=as_of.year - ADULT_AGE)
    except ValueError:  # 29 February in a year that has none
        return as_of.replace(year=as_of.year - ADULT_AGE, day=28)


def default_as_of(workspace: Workspace) -> date:
    """The latest record date in the person index (not after today), or today when no record has a date."""
    today = date.today()
    with workspace.analytics.connect(read_only=True) as connection:
        row = connection.execute(f"select max(record_date) from {SCHEMA}.records where record_date <= ?",
                                 [today]).fetchone()
    latest = row[0] if row else None
    return pd.Timestamp(latest).date() if latest is not None and not pd.isna(latest) else today


# --- results ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """What shows a household meets a criterion in one source: how many of its records, about how many people."""

    source: str
    records: int
    people: int

    def describe(self) -> str:
        """'police_asb (3 records)'."""
        return f"{self.source} ({self.records:,} record{'' if self.records == 1 else 's'})"


@dataclass
class CohortHousehold:
    """One household in the cohort: the criteria it meets, with the sources and records behind each."""

    household_id: str
    members: int | None
    ward_code: str | None
    ward_name: str | None
    placed_by: str | None  # "UPRN" or "postcode"; None when it could not be placed in a ward
    address_withheld: bool
    criteria: dict[str, list[Evidence]]  # criterion key -> evidence, only for criteria met

    @property
    def criteria_met(self) -> list[str]:
        """The keys of the criteria this household meets, in rule-file order."""
        return list(self.criteria)

    @property
    def sources(self) -> list[str]:
        """Every source with evidence for this household."""
        return sorted({evidence.source for items in self.criteria.values() for evidence in items})


@dataclass
class CohortResult:
    """A cohort run: the households, counts by criterion and by ward (protected), and the rule used to protect them."""

    rules: CohortRules
    rules_file: str
    as_of: date
    disclosure: DisclosureRule
    households: list[CohortHousehold]
    criteria_table: ProtectedTable  # one row per criterion: households meeting it, and those of them in the cohort
    ward_table: ProtectedTable  # ward_name, ward_code, households: a row per ward, one for those not placed, a total
    households_meeting: dict[str, int]  # true counts by criterion, across all households: not for publication
    unplaced: list[str]  # household ids in the cohort that could not be placed in a ward
    gazetteer_source: str
    notes: list[str] = field(default_factory=list)

    @property
    def rule_sentence(self) -> str:
        """The disclosure rule used, in one sentence, for printing on every output."""
        return self.disclosure.describe()

    @property
    def household_count(self) -> int:
        """How many households are in the cohort (true count: publish ``published_household_count``)."""
        return len(self.households)

    @property
    def published_household_count(self) -> int | None:
        """The cohort size as it may be published (None when it is hidden)."""
        return protect_count(len(self.households), self.disclosure)

    def window_start(self, criterion: Criterion) -> date:
        """The first day of the window a criterion looks at."""
        return window_start_for(self.as_of, criterion.window_months or self.rules.window_months)

    def criterion_rows(self) -> Iterator[dict[str, Any]]:
        """One row per criterion for a page or report: what it is, where it looks, and its protected counts."""
        shown = self.criteria_table.display_frame()
        for criterion in self.rules.criteria:
            yield {
                "key": criterion.key, "label": criterion.label, "description": criterion.description.strip(),
                "members": MEMBER_WORDS[criterion.members],
                "sources": [check.source for check in criterion.checks()],
                "window_start": self.window_start(criterion),
                "households_meeting": shown.loc[criterion.key, "households_meeting"],
                "cohort_households": shown.loc[criterion.key, "cohort_households"],
            }

    def household_frame(self, *, show_withheld_wards: bool = False) -> pd.DataFrame:
        """The household list (for people allowed to see cases): id, ward, members, criteria met and the evidence.

        A household whose address is withheld shows no ward unless ``show_withheld_wards`` (governance only).
        """
        rows = []
        for household in self.households:
            hidden = household.address_withheld and not show_withheld_wards
            row: dict[str, Any] = {
                "household_id": household.household_id,
                "ward_code": "withheld" if hidden else (household.ward_code or ""),
                "members": household.members,
                "criteria_met_count": len(household.criteria),
                "criteria_met": "; ".join(household.criteria_met),
                "sources": "; ".join(household.sources),
            }
            for criterion in self.rules.criteria:
                row[criterion.key] = "; ".join(evidence.describe() for evidence in household.criteria.get(
                    criterion.key, []))
            rows.append(row)
        columns = ["household_id", "ward_code", "members", "criteria_met_count", "criteria_met", "sources",
                   *[criterion.key for criterion in self.rules.criteria]]
        return pd.DataFrame(rows, columns=columns)


# --- running a cohort ------------------------------------------------------------------------------------------------

def run_cohort(workspace: Workspace, rules: str | Path | CohortRules, *, as_of: date | None = None) -> CohortResult:
    """Find the households meeting the rules' criteria in the linked data, with protected counts by criterion and ward.

    ``rules`` is a rule file, the name of one (``"troubled-families"``), or rules already read. ``as_of`` defaults
    to the latest record date in the person index (or today). Raises IndexNotBuiltError before ``townhall link``,
    and InputFileError naming the file and key when the rules name a source or field the catalogue does not have, or
    use a field in a way its type does not allow.
    """
    if isinstance(rules, CohortRules):
        spec, file_name = rules, f"<rules '{rules.name}' given in code>"
        rules_file = ""
    else:
        rules = resolve_rule_file(workspace, rules)
        spec = load_cohort_rules(rules)
        file_name, rules_file = str(rules), Path(rules).name
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    as_of = as_of or default_as_of(workspace)
    compiled = _Compiler(workspace, file_name).compile(spec, as_of)

    evidence: dict[str, dict[str, list[Evidence]]] = {}  # household -> criterion -> evidence
    with workspace.analytics.connect(read_only=True) as connection:
        for check in compiled:
            found = connection.execute(check.sql, check.parameters).fetchall()
            for household_id, records, people in found:
                if household_id is None:
                    continue
                evidence.setdefault(household_id, {}).setdefault(check.criterion, []).append(
                    Evidence(check.source, int(records), int(people)))
    order = [criterion.key for criterion in spec.criteria]
    members_of = {household: {key: items[key] for key in order if key in items}
                  for household, items in evidence.items()}
    cohort_ids = sorted(household for household, met in members_of.items() if len(met) >= spec.minimum_criteria)

    gazetteer = workspace.settings.gazetteer.source
    placements, wards, notes = _place_households(workspace, cohort_ids)
    households = []
    for household_id in cohort_ids:
        placed = placements.get(household_id, {})
        households.append(CohortHousehold(
            household_id=household_id, members=placed.get("members"), ward_code=placed.get("ward_code"),
            ward_name=wards.get(placed.get("ward_code") or "", None), placed_by=placed.get("placed_by"),
            address_withheld=bool(placed.get("address_withheld")), criteria=members_of[household_id]))

    disclosure = DisclosureRule.from_workspace(workspace)
    households_meeting = {key: sum(1 for met in members_of.values() if key in met) for key in order}
    criteria_frame = pd.DataFrame({
        "criterion": [criterion.label for criterion in spec.criteria],
        "households_meeting": [households_meeting[key] for key in order],
        "cohort_households": [sum(1 for household in households if key in household.criteria) for key in order],
    }, index=order)
    criteria_table = protect_table(criteria_frame, ["households_meeting", "cohort_households"], disclosure)
    ward_table = protect_table(_ward_frame(households, wards), ["households"], disclosure, total_row="Total")
    unplaced = [household.household_id for household in households if household.ward_code is None]
    return CohortResult(rules=spec, rules_file=rules_file, as_of=as_of, disclosure=disclosure, households=households,
                        criteria_table=criteria_table, ward_table=ward_table, households_meeting=households_meeting,
                        unplaced=unplaced, gazetteer_source=gazetteer,
                        notes=[stale, *notes] if (stale := index_status(workspace).message) else notes)


def _ward_frame(households: list[CohortHousehold], wards: dict[str, str | None]) -> pd.DataFrame:
    """Cohort households by ward, every known ward listed (a ward with none is a count of 0), then those not placed."""
    counts: dict[str | None, int] = {}
    for household in households:
        counts[household.ward_code] = counts.get(household.ward_code, 0) + 1
    codes = sorted(set(wards) | {code for code in counts if code is not None})
    rows = [{"ward_name": wards.get(code) or code, "ward_code": code, "households": counts.get(code, 0)}
            for code in codes]
    rows.append({"ward_name": NOT_PLACED, "ward_code": "", "households": counts.get(None, 0)})
    return pd.DataFrame(rows, index=[*codes, NOT_PLACED])


def _place_households(workspace: Workspace,
                      household_ids: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, str | None], list[str]]:
    """Each household's ward from the address gazetteer: by UPRN, else the ward most of its postcode's addresses are in.

    Returns placements by household, the gazetteer's wards (code -> name, if it has names) and notes on what failed.
    """
    with workspace.analytics.connect(read_only=True) as connection:
        connection.register("cohort_households", pd.DataFrame({"household_id": household_ids}, dtype="object"))
        households = connection.execute(
            f"select h.household_id, h.members, h.uprn, h.postcode, h.address_withheld from {SCHEMA}.households h "
            "join cohort_households c using (household_id)").df()
    placements = {row.household_id: {"members": None if pd.isna(row.members) else int(row.members),
                                     "address_withheld": bool(row.address_withheld) if not pd.isna(
                                         row.address_withheld) else False, "ward_code": None, "placed_by": None}
                  for row in households.itertuples()}
    gazetteer = find_gazetteer(workspace)
    if gazetteer is None:
        return placements, {}, [
            f"No households could be placed in wards: there is no address gazetteer source called "
            f"'{workspace.settings.gazetteer.source}'. Register the council's LLPG (with UPRN, postcode and ward code "
            "fields) or set [gazetteer] source in townhall.toml to the source that maps addresses to wards."]
    if not gazetteer.has("ward") or not (gazetteer.has("uprn") or gazetteer.has("postcode")):
        missing = "columns.ward" if not gazetteer.has("ward") else "columns.uprn or columns.postcode"
        return placements, {}, [
            f"No households could be placed in wards: the gazetteer '{gazetteer.source}' has no ward code column, or "
            f"no UPRN or postcode column, as townhall.toml names them. Set [gazetteer] {missing} to its column."]
    needed_for = "placing cohort households in wards"
    table = gazetteer.table
    ward = quote_identifier(gazetteer.column("ward", needed_for=needed_for))
    ward_name = (f"any_value({quote_identifier(gazetteer.column('ward_name', needed_for=needed_for))})"
                 if gazetteer.has("ward_name") else "null")
    uprn = gazetteer.uprn_sql(needed_for=needed_for) if gazetteer.has("uprn") else "null"
    postcode = gazetteer.postcode_key_sql(needed_for=needed_for) if gazetteer.has("postcode") else "null"
    with workspace.analytics.connect(read_only=True) as connection:
        wards = dict(connection.execute(
            f"select {ward}, {ward_name} from {table} where {ward} is not null group by {ward} order by {ward}"
        ).fetchall())
        connection.register("cohort_households", households[["household_id", "uprn", "postcode"]].astype("object"))
        placed = connection.execute(f"""
            with gazetteer as (select {uprn} as uprn, {postcode} as postcode, {ward} as ward from {table}
                               where {ward} is not null),
            by_uprn as (select uprn, min(ward) as ward from gazetteer where uprn is not null and uprn <> ''
                        group by uprn),
            by_postcode as (select postcode, ward from (
                select postcode, ward, row_number() over (partition by postcode order by count(*) desc, ward) as rank
                from gazetteer where postcode is not null group by postcode, ward) where rank = 1)
            select c.household_id, coalesce(u.ward, p.ward) as ward,
                   case when u.ward is not null then 'UPRN' when p.ward is not null then 'postcode' end as placed_by
            from cohort_households c
            left join by_uprn u on u.uprn = ltrim(trim(cast(c.uprn as varchar)), '0')
            left join by_postcode p on p.postcode = replace(upper(cast(c.postcode as varchar)), ' ', '')
        """).fetchall()
    for household_id, ward_code, placed_by in placed:
        placements[household_id].update(ward_code=ward_code, placed_by=placed_by)
    notes = []
    unplaced = sum(1 for placement in placements.values() if placement["ward_code"] is None)
    if unplaced:
        notes.append(f"{NOT_PLACED}: households whose UPRN and postcode are not in the gazetteer "
                     f"'{gazetteer.source}'.")
    return placements, wards, notes
