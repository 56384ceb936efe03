"""What the catalogue hands back: plain dataclasses for sources, fields and failing rows, and the field tags."""

from __future__ import annotations

from dataclasses import dataclass, field

PERSONAL_TAGS: tuple[str, ...] = (
    "name", "date_of_birth", "address", "postcode", "nhs_number", "phone", "email", "uprn",
)
SPECIAL_CATEGORY_TAGS: tuple[str, ...] = ("ethnicity", "health", "religion", "sexual_orientation", "disability")
IDENTIFIER_TAG = "identifier"
ALL_TAGS: tuple[str, ...] = (*PERSONAL_TAGS, *SPECIAL_CATEGORY_TAGS, IDENTIFIER_TAG)

TAG_DESCRIPTIONS: dict[str, str] = {
    "name": "a person's name (forename, surname or full name)",
    "date_of_birth": "a person's date of birth",
    "address": "an address or part of one (house, street)",
    "postcode": "a UK postcode",
    "nhs_number": "an NHS number",
    "phone": "a phone number",
    "email": "an email address",
    "uprn": "a Unique Property Reference Number",
    "ethnicity": "ethnic origin (special category)",
    "health": "health or medical information (special category)",
    "religion": "religion or belief (special category)",
    "sexual_orientation": "sexual orientation (special category)",
    "disability": "disability (special category)",
    "identifier": "a record id, such as a case or account reference",
}

FILE_FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet")
DATA_TYPES: tuple[str, ...] = ("text", "integer", "decimal", "date", "datetime", "boolean")


@dataclass
class FieldProfile:
    """One field (column) of a source: its type, tags and quality figures. Values shown are masked if personal."""

    name: str
    position: int
    data_type: str
    description: str
    tags: list[str]
    suggested_tags: list[str]
    tags_confirmed: bool
    rows: int
    filled: int
    completeness: float
    checked_rule: str | None
    valid: int | None
    validity: float | None
    distinct: int
    common_values: list[tuple[str, int]]
    failing_examples_count: int
    date_format: str | None = None  # how a date field was written, as decided from its values ('yyyymmdd')

    @property
    def is_personal(self) -> bool:
        """True when a tag says the field identifies or describes a person directly (name, NHS number, ...)."""
        return any(tag in PERSONAL_TAGS for tag in self.tags)

    @property
    def is_special_category(self) -> bool:
        """True when a tag says the field holds special-category data (health, ethnicity, religion, ...)."""
        return any(tag in SPECIAL_CATEGORY_TAGS for tag in self.tags)

    @property
    def is_identifier(self) -> bool:
        """True when the field is a record id."""
        return IDENTIFIER_TAG in self.tags

    @property
    def failing(self) -> int:
        """How many filled values fail the field's check (0 when nothing is checked)."""
        return 0 if self.valid is None else self.filled - self.valid


@dataclass
class SourceSummary:
    """A registered source in one line: where it came from, its size, sensitivity and quality."""

    name: str
    owner: str | None
    description: str | None
    file_name: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    rows: int
    fields: int
    personal_fields: int
    special_category_fields: int
    registered_at: str
    registered_by: str
    version: int
    sha256: str
    tags_confirmed: bool
    quality_score: float


@dataclass
class SourceDetail(SourceSummary):
    """A source with its field profiles and its worst quality problems in plain English."""

    field_profiles: list[FieldProfile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Fields tagged personal that are mostly empty once cleaned (dates that do not read, codes that fail).
    warnings: list[str] = field(default_factory=list)

    def field_profile(self, name: str) -> FieldProfile:
        """The profile of one field, by name (ignoring capitals if no exact match)."""
        for profile in self.field_profiles:
            if profile.name == name:
                return profile
        for profile in self.field_profiles:
            if profile.name.lower() == name.lower():
                return profile
        raise KeyError(name)


@dataclass
class FailingRow:
    """One value that fails its field's check. ``row_number`` is the spreadsheet row: the header is row 1."""

    row_number: int
    field: str
    value: str
    reason: str
