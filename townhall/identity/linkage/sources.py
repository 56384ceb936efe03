"""Which catalogue sources hold people, and which of their fields say who the person is.

Worked out from the catalogue's field tags, the field names and a sample of the values, so that a new council's
sources link without hand-written settings: the subject's name (forename, middle names and surname, or one full-name
field), sex, date of birth, NHS number and any other personal code (a pupil number, a social security number),
postcode, address lines or house number, street and town, UPRN, the record's own date and an "address withheld"
flag. Names of other people on the record (joint tenant, partner, parent or carer, officer) are left out. An analyst
can override any of it in townhall.toml under ``[identity.sources.<source>]``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.catalogue import FieldProfile, SourceDetail
    from townhall.workspace import Workspace

# Words in a field name that mean the name belongs to someone other than the record's subject.
OTHER_PERSON_WORDS = (
    "joint", "partner", "parent", "carer", "officer", "preferred", "contact", "reported", "kin", "emergency",
    "spouse", "mother", "father", "guardian", "landlord", "agent", "holder", "referrer", "worker", "staff", "gp",
    "alias", "previous name", "maiden", "witness", "manager", "author",
)
FORENAME_WORDS = ("forename", "first", "given", "christian")
SURNAME_WORDS = ("surname", "last", "family")
MIDDLE_WORDS = ("middle", "other given", "second name", "initials")
SEX_WORDS = ("sex", "gender")
SEX_VALUES = frozenset({"m", "f", "male", "female", "man", "woman", "boy", "girl", "u", "x", "unknown", "other",
                        "not known", "not stated", "indeterminate", "1", "2", "9", "0"})
TOWN_WORDS = ("town", "city", "suburb", "locality", "village", "post town", "posttown", "municipality")
STREET_WORDS = ("street", "road", "thoroughfare")
HOUSE_NUMBER_WORDS = ("house number", "house no", "street number", "street no", "building number", "door number",
                      "premises number", "pao start number", "property number", "number")
# Identifier fields named like these point at a record, a case, a property or a household, not at a person.
NOT_A_PERSONS_CODE = ("case", "account", "claim", "referral", "tenancy", "property", "household", "family",
                      "incident", "application", "licence", "license", "job", "entry", "review", "order", "crime",
                      "attendance", "involvement", "report", "feedback", "inspection", "sensor", "building", "bin",
                      "device", "register", "optout", "opt out", "uprn", "premises", "address", "site", "booking")
_HOUSE_NUMBER_VALUE = re.compile(r"\d{1,5}[a-z]?(?:\s*-\s*\d{1,5}[a-z]?)?")
# Share of a sample's filled values that must look right for a field to take a role from its values.
VALUE_SHARE = 0.8
# Field-name words that mark the record's own date, most telling first.
RECORD_DATE_WORDS = ("start", "referral", "application", "received", "registered", "reported", "opened", "call",
                     "date", "time")
# Field-name words that mark the place where something happened rather than where the person lives.
EVENT_PLACE_WORDS = ("location", "incident", "site", "venue", "scene")
WITHHELD_WORDS = ("withheld", "confidential address", "address hidden", "do not disclose")
FIELD_ROLES = ("record_id", "first_name", "middle_names", "surname", "full_name", "sex", "date_of_birth", "age",
               "nhs_number", "other_id", "postcode", "address", "house_number", "street", "town", "uprn", "record_date",
               "address_withheld")
# Each role as a person reads it in the link summary.
ROLE_LABELS = {"first_name": "forename", "middle_names": "middle names", "surname": "surname", "sex": "sex",
               "date_of_birth": "date of birth", "birth_year": "year of birth (from an age)",
               "nhs_number": "NHS number", "other_id": "personal code", "postcode": "postcode",
               "house_number": "house number", "street": "street", "town": "town", "uprn": "UPRN"}


@dataclass
class SourcePlan:
    """How one source takes part in linkage: the field playing each role, or why the source is left out."""

    source: str
    owner: str | None = None
    record_id: str | None = None  # None: the spreadsheet row number stands in
    first_name: str | None = None
    middle_names: str | None = None
    surname: str | None = None
    full_name: str | None = None
    sex: str | None = None
    date_of_birth: str | None = None
    age: str | None = None  # age in years at the record's date, where there is no date of birth
    nhs_number: str | None = None
    other_id: str | None = None  # another code that stays with a person: a pupil number, a social security number
    postcode: str | None = None
    address: list[str] = field(default_factory=list)
    house_number: str | None = None
    street: str | None = None
    town: str | None = None
    uprn: str | None = None
    record_date: str | None = None
    address_withheld: str | None = None
    left_out_because: str | None = None

    @property
    def linked(self) -> bool:
        """Whether the source takes part in linkage."""
        return self.left_out_because is None

    def field_of(self, role: str) -> str | None:
        """The source field a linkage column comes from: the role's own field, else the field it is read out of (a
        full name for forename and surname, the address for its parts, an age for a year of birth); None if none."""
        value = getattr(self, role, None)
        if isinstance(value, list):
            return value[0] if value else None
        if value:
            return value
        fallback = {"first_name": self.full_name, "middle_names": self.full_name, "surname": self.full_name,
                    "birth_year": self.date_of_birth or self.age}.get(role)
        if role in ("house_number", "street", "town", "postcode") and self.address:
            fallback = self.address[0]
        return fallback

    def as_dict(self) -> dict[str, Any]:
        """The plan as a plain dictionary (saved with each linkage run)."""
        return asdict(self)


def _words(field_name: str) -> str:
    """A field name as lower-case words: 'LeadLiableName' -> 'lead liable name', 'Child_DOB' -> 'child dob'."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", field_name)
    return " ".join(re.split(r"[^a-z0-9]+", spaced.lower())).strip()


def _has_word(field_name: str, words: tuple[str, ...]) -> bool:
    """Whether any of ``words`` starts a word of the field name ('forename' in 'child forename')."""
    text = f" {_words(field_name)}"
    return any(f" {word}" in text for word in words)


def _fields_tagged(profiles: list[FieldProfile], tag: str) -> list[FieldProfile]:
    return [profile for profile in profiles if tag in profile.tags]


def _first(profiles: list[FieldProfile], *, avoiding: tuple[str, ...] = ()) -> str | None:
    for profile in profiles:
        if not _has_word(profile.name, avoiding):
            return profile.name
    return None


def _record_id(detail: SourceDetail) -> str | None:
    """The first identifier field whose values are all present and distinct, so it points at exactly one record."""
    for profile in _fields_tagged(detail.field_profiles, "identifier"):
        if profile.filled == profile.rows and profile.distinct == profile.rows:
            return profile.name
    return None


def _record_date(detail: SourceDetail, date_of_birth: str | None) -> str | None:
    """The field holding the record's own date: a date field that is not the date of birth, telling names first."""
    dates = [profile for profile in detail.field_profiles
             if profile.data_type in ("date", "datetime") and profile.name != date_of_birth
             and "date_of_birth" not in profile.tags and not _has_word(profile.name, ("end", "closed", "expiry"))]
    for word in RECORD_DATE_WORDS:
        for profile in dates:
            if _has_word(profile.name, (word,)):
                return profile.name
    if dates:
        return dates[0].name
    # A school year ("2024/25") dates a record to the start of that year, when there is nothing better.
    return next((profile.name for profile in detail.field_profiles
                 if profile.data_type == "text" and _has_word(profile.name, ("academic year", "school year"))), None)


_NAME_LIKE = re.compile(r"[a-z][a-z'\-]*(?: [a-z][a-z'\-]*){0,3}")


def _known_first_names() -> frozenset[str]:
    """Every first name in townhall's nickname table (William, Bill, Liam...)."""
    from townhall.identity.standardise.nicknames import NAME_GROUPS

    return frozenset(name for canonical, variants in NAME_GROUPS.items() for name in (canonical, *variants))


def _name_fields(profiles: list[FieldProfile], samples: dict[str, list[str]]) -> tuple[list[FieldProfile],
                                                                                         list[FieldProfile]]:
    """Fields holding the subject's names: those tagged as names, and untagged text fields whose values look like
    names and whose field name says forename or surname ('GivenNm', 'FamilyNm'); and, of all these, those whose
    values are mostly known first names (forenames found from their values, whatever the field is called)."""
    known = _known_first_names()
    names, forenames_by_value = [], []
    for profile in profiles:
        if profile.data_type != "text" or _has_word(profile.name, OTHER_PERSON_WORDS):
            continue
        values = _filled_values(samples, profile.name)
        name_like = len(values) >= 5 and _share(values, _NAME_LIKE.fullmatch) >= 0.9
        tagged = "name" in profile.tags
        if tagged or (not profile.tags and name_like and _has_word(
                profile.name, FORENAME_WORDS + SURNAME_WORDS + MIDDLE_WORDS)):
            names.append(profile)
        elif not profile.tags and name_like and _share(values, lambda value: value.split()[0] in known) >= 0.5:
            names.append(profile)
            forenames_by_value.append(profile)
    return names, forenames_by_value


def _filled_values(samples: dict[str, list[str]], name: str) -> list[str]:
    return [value.strip().lower() for value in samples.get(name, []) if value and value.strip()]


def _share(values: list[str], test: Any) -> float:
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


def _sex_field(profiles: list[FieldProfile], samples: dict[str, list[str]]) -> str | None:
    """A field whose name says sex or gender, or whose few distinct values are all ways of writing a sex."""
    own = [profile for profile in profiles if not _has_word(profile.name, OTHER_PERSON_WORDS)]
    named = next((profile.name for profile in own if _has_word(profile.name, SEX_WORDS)), None)
    if named:
        return named
    for profile in own:
        values = _filled_values(samples, profile.name)
        if (profile.data_type == "text" and 2 <= profile.distinct <= 8 and len(values) >= 20
                and _share(values, SEX_VALUES.__contains__) >= 0.95
                and _share(values, lambda value: value in {"m", "f", "male", "female"}) >= 0.5):
            return profile.name
    return None


def _looks_like_streets(values: list[str]) -> bool:
    """Whether most values are a street's name alone: ending in a street type ('tullaroop street'), not starting
    with a house number ('14 mill road' is a whole address line)."""
    from townhall.identity.standardise.addresses import STREET_TYPES

    def street_alone(value: str) -> bool:
        words = value.replace(",", " ").split()
        return bool(words) and not words[0][0].isdigit() and words[-1] in STREET_TYPES

    return _share(values, street_alone) >= 0.5


def _address_parts(plan: SourcePlan, profiles: list[FieldProfile], samples: dict[str, list[str]]) -> None:
    """House number, street and town fields, from their names and values; address lines that are the street or
    the town are taken out of the address lines."""
    own = [profile for profile in profiles
           if not _has_word(profile.name, OTHER_PERSON_WORDS + EVENT_PLACE_WORDS)
           and "identifier" not in profile.tags and profile.data_type in ("text", "integer")]
    for profile in own:
        values = _filled_values(samples, profile.name)
        if plan.house_number is None and _has_word(profile.name, HOUSE_NUMBER_WORDS) and (
                _has_word(profile.name, ("house", "street", "building", "door", "premises", "pao", "property"))
                or "address" in profile.tags) and _share(values, _HOUSE_NUMBER_VALUE.fullmatch) >= VALUE_SHARE:
            plan.house_number = profile.name
        elif plan.town is None and _has_word(profile.name, TOWN_WORDS) and profile.data_type == "text":
            plan.town = profile.name
        elif plan.street is None and profile.data_type == "text" and (
                _has_word(profile.name, STREET_WORDS) or profile.name in plan.address) and _looks_like_streets(values):
            plan.street = profile.name


def _other_id(detail: SourceDetail, record_id: str | None) -> str | None:
    """An identifier field that is not the record id and stays with a person (its values repeat across records,
    like a pupil or social security number), not one that points at a case, account, property or household."""
    for profile in _fields_tagged(detail.field_profiles, "identifier"):
        if (profile.name != record_id and profile.distinct < profile.filled and profile.filled >= 0.2 * profile.rows
                and not _has_word(profile.name, OTHER_PERSON_WORDS + NOT_A_PERSONS_CODE)):
            return profile.name
    return None


def plan_source(detail: SourceDetail, overrides: dict[str, Any] | None = None,
                samples: dict[str, list[str]] | None = None) -> SourcePlan:
    """Work out how a source takes part in linkage from its tags, field names and a sample of its values
    (``samples``: field name -> values as text), then apply any overrides."""
    profiles = detail.field_profiles
    samples = samples or {}
    plan = SourcePlan(source=detail.name, owner=detail.owner, record_id=_record_id(detail))
    names, forenames_by_value = _name_fields(profiles, samples)
    forenames = [profile for profile in names
                 if _has_word(profile.name, FORENAME_WORDS) or profile in forenames_by_value]
    surnames = [profile for profile in names if _has_word(profile.name, SURNAME_WORDS)]
    middles = [profile for profile in names if _has_word(profile.name, MIDDLE_WORDS)]
    full_names = [profile for profile in names
                  if profile not in forenames and profile not in surnames and profile not in middles]
    if forenames and surnames:
        plan.first_name, plan.surname = forenames[0].name, surnames[0].name
        plan.middle_names = middles[0].name if middles else None
    elif full_names:
        plan.full_name = full_names[0].name
    elif surnames:
        plan.surname = surnames[0].name
    plan.sex = _sex_field(profiles, samples)
    plan.other_id = _other_id(detail, plan.record_id)
    plan.date_of_birth = _first(_fields_tagged(profiles, "date_of_birth"), avoiding=OTHER_PERSON_WORDS) or next(
        (profile.name for profile in profiles if _has_word(profile.name, ("birth", "born", "dob"))
         and not _has_word(profile.name, (*OTHER_PERSON_WORDS, "place", "country", "town", "weight"))), None)
    plan.age = next((profile.name for profile in profiles if profile.data_type == "integer"
                     and _has_word(profile.name, ("age",)) and not _has_word(profile.name, OTHER_PERSON_WORDS)), None)
    plan.nhs_number = _first(_fields_tagged(profiles, "nhs_number"), avoiding=OTHER_PERSON_WORDS)
    addresses = [profile for profile in _fields_tagged(profiles, "address")
                 if not _has_word(profile.name, OTHER_PERSON_WORDS)]
    plan.address = [profile.name for profile in addresses if not _has_word(profile.name, EVENT_PLACE_WORDS)]
    if not addresses or plan.address:
        # Where the only address is the place of an event (an incident's location), so is its postcode.
        plan.postcode = _first(_fields_tagged(profiles, "postcode"), avoiding=OTHER_PERSON_WORDS + EVENT_PLACE_WORDS)
        plan.uprn = _first(_fields_tagged(profiles, "uprn"), avoiding=("parent", *EVENT_PLACE_WORDS))
        _address_parts(plan, profiles, samples)
    plan.record_date = _record_date(detail, plan.date_of_birth)
    plan.address_withheld = next((profile.name for profile in profiles
                                  if profile.data_type in ("boolean", "text")
                                  and _has_word(profile.name, WITHHELD_WORDS)), None)
    for role, value in (overrides or {}).items():
        if role == "exclude":
            continue
        if role not in FIELD_ROLES:
            raise TownhallError(f"townhall.toml [identity.sources.{detail.name}] has '{role}', which is not a "
                                f"linkage role. Use one of: {', '.join(FIELD_ROLES)}.")
        known = {profile.name for profile in profiles}
        values = value if isinstance(value, list) else [value]
        unknown = [item for item in values if item and item not in known]
        if unknown:
            raise TownhallError(f"townhall.toml [identity.sources.{detail.name}] sets {role} to '{unknown[0]}', "
                                f"but {detail.name} has no field of that name.")
        setattr(plan, role, values if role == "address" else (value or None))
    # A house number or town field has a role of its own; the address lines are what is left.
    plan.address = [name for name in plan.address if name not in (plan.house_number, plan.town)]
    plan.left_out_because = _reason_to_leave_out(plan, overrides or {})
    return plan


def _reason_to_leave_out(plan: SourcePlan, overrides: dict[str, Any]) -> str | None:
    """Why a source cannot be linked at person level, in plain English; None when it can."""
    if overrides.get("exclude"):
        return "left out in townhall.toml"
    if not (plan.first_name or plan.surname or plan.full_name):
        return "no field holds the name of the person the record is about"
    if not (plan.date_of_birth or plan.nhs_number or plan.other_id or plan.postcode or plan.address or plan.uprn
            or plan.street):
        return "it has a name but no date of birth, NHS number or address to tell people of the same name apart"
    return None


SAMPLE_ROWS = 2_000


def sample_values(workspace: Workspace, detail: SourceDetail) -> dict[str, list[str]]:
    """The first rows of a source's text and whole-number fields, as text, to tell what the values look like."""
    from townhall.store.analytics import quote_identifier

    wanted = [profile.name for profile in detail.field_profiles if profile.data_type in ("text", "integer")]
    if not wanted:
        return {}
    selected = ", ".join(f"cast({quote_identifier(name)} as varchar)" for name in wanted)
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(f"select {selected} from {workspace.catalogue.table_name(detail.name)} "
                                  f"limit {SAMPLE_ROWS}").fetchall()
    return {name: [row[position] for row in rows if row[position] is not None]
            for position, name in enumerate(wanted)}


def plan_sources(workspace: Workspace) -> list[SourcePlan]:
    """A linkage plan for every registered source (linked or not, with the reason), in catalogue order."""
    settings = workspace.settings.identity
    plans = []
    for summary in workspace.catalogue.list_sources():
        detail = workspace.catalogue.get_source(summary.name)
        source_overrides = dict(settings.sources.get(summary.name, {}))
        if summary.name in settings.exclude_sources:
            source_overrides["exclude"] = True
        plans.append(plan_source(detail, source_overrides, sample_values(workspace, detail)))
    return plans
