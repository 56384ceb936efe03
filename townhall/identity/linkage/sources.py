"""Which catalogue sources hold people, and which of their fields say who the person is.

Worked out from the catalogue's field tags and field names, so that a new council's sources link without
hand-written settings: the subject's name (forename and surname, or one full-name field), date of birth, NHS number,
postcode, address lines, UPRN, the record's own date and an "address withheld" flag. Names of other people on the
record (joint tenant, partner, parent or carer, officer) are left out. An analyst can override any of it in
townhall.toml under ``[identity.sources.<source>]``.
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
MIDDLE_WORDS = ("middle",)
# Field-name words that mark the record's own date, most telling first.
RECORD_DATE_WORDS = ("start", "referral", "application", "received", "registered", "reported", "opened", "call",
                     "date", "time")
# Field-name words that mark the place where something happened rather than where the person lives.
EVENT_PLACE_WORDS = ("location", "incident", "site", "venue", "scene")
WITHHELD_WORDS = ("withheld", "confidential address", "address hidden", "do not disclose")
FIELD_ROLES = ("record_id", "first_name", "surname", "full_name", "date_of_birth", "age", "nhs_number", "postcode",
               "address", "uprn", "record_date", "address_withheld")


@dataclass
class SourcePlan:
    """How one source takes part in linkage: the field playing each role, or why the source is left out."""

    source: str
    owner: str | None = None
    record_id: str | None = None  # None: the spreadsheet row number stands in
    first_name: str | None = None
    surname: str | None = None
    full_name: str | None = None
    date_of_birth: str | None = None
    age: str | None = None  # age in years at the record's date, where there is no date of birth
    nhs_number: str | None = None
    postcode: str | None = None
    address: list[str] = field(default_factory=list)
    uprn: str | None = None
    record_date: str | None = None
    address_withheld: str | None = None
    left_out_because: str | None = None

    @property
    def linked(self) -> bool:
        """Whether the source takes part in linkage."""
        return self.left_out_because is None

    def identity_fields(self) -> list[str]:
        """The plain-English roles this source offers for matching, e.g. ['name', 'date of birth', 'postcode']."""
        offered = []
        if self.first_name or self.surname or self.full_name:
            offered.append("name")
        for role, label in (("date_of_birth", "date of birth"), ("nhs_number", "NHS number"),
                            ("postcode", "postcode"), ("uprn", "UPRN")):
            if getattr(self, role):
                offered.append(label)
        if self.address:
            offered.append("address")
        return offered

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


def plan_source(detail: SourceDetail, overrides: dict[str, Any] | None = None) -> SourcePlan:
    """Work out how a source takes part in linkage from its tags and field names, then apply any overrides."""
    profiles = detail.field_profiles
    plan = SourcePlan(source=detail.name, owner=detail.owner, record_id=_record_id(detail))
    names = [profile for profile in _fields_tagged(profiles, "name")
             if not _has_word(profile.name, OTHER_PERSON_WORDS)]
    forenames = [profile for profile in names if _has_word(profile.name, FORENAME_WORDS)]
    surnames = [profile for profile in names if _has_word(profile.name, SURNAME_WORDS)]
    full_names = [profile for profile in names
                  if profile not in forenames and profile not in surnames
                  and not _has_word(profile.name, MIDDLE_WORDS)]
    if forenames and surnames:
        plan.first_name, plan.surname = forenames[0].name, surnames[0].name
    elif full_names:
        plan.full_name = full_names[0].name
    elif surnames:
        plan.surname = surnames[0].name
    plan.date_of_birth = _first(_fields_tagged(profiles, "date_of_birth"), avoiding=OTHER_PERSON_WORDS)
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
    plan.left_out_because = _reason_to_leave_out(plan, overrides or {})
    return plan


def _reason_to_leave_out(plan: SourcePlan, overrides: dict[str, Any]) -> str | None:
    """Why a source cannot be linked at person level, in plain English; None when it can."""
    if overrides.get("exclude"):
        return "left out in townhall.toml"
    if not (plan.first_name or plan.surname or plan.full_name):
        return "no field holds the name of the person the record is about"
    if not (plan.date_of_birth or plan.nhs_number or plan.postcode or plan.address or plan.uprn):
        return "it has a name but no date of birth, NHS number or address to tell people of the same name apart"
    return None


def plan_sources(workspace: Workspace) -> list[SourcePlan]:
    """A linkage plan for every registered source (linked or not, with the reason), in catalogue order."""
    settings = workspace.config.extra.get("identity", {})
    overrides = settings.get("sources", {})
    excluded = set(settings.get("exclude_sources", []))
    plans = []
    for summary in workspace.catalogue.list_sources():
        detail = workspace.catalogue.get_source(summary.name)
        source_overrides = dict(overrides.get(summary.name, {}))
        if summary.name in excluded:
            source_overrides["exclude"] = True
        plans.append(plan_source(detail, source_overrides))
    return plans
