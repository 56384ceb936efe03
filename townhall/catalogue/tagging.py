"""Field tags: suggest them from column names and values, and mask values of personal fields for display.

Suggestions are only suggestions: they are stored unconfirmed until a person confirms or edits them, but masking
already follows them, so a field that merely looks personal is never shown in the clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from townhall.catalogue.models import ALL_TAGS, IDENTIFIER_TAG, PERSONAL_TAGS, SPECIAL_CATEGORY_TAGS
from townhall.catalogue.validation import normalise_postcode
from townhall.errors import TownhallError

MASKED = "•••• (masked)"
# Special-category values are categories ("White British"); counts of at least this many are shown, rarer values
# (which could point at one person, or be free text) are masked.
SPECIAL_CATEGORY_SHOWN_FROM = 10

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[a-z0-9]+")


def name_words(column_name: str) -> list[str]:
    """A column name as lower-case words: 'DateOfBirth' → date, of, birth; 'NHSNo' → nhs, no; 'e-mail' → e, mail."""
    return _WORD.findall(_CAMEL_BOUNDARY.sub(" ", column_name).lower())


_PERSON_NAME_WORDS = {
    "forename", "forenames", "surname", "surnames", "lastname", "firstname", "firstnames", "fullname", "givenname",
    "givennames", "familyname", "middlename", "middlenames", "maidenname", "preferredname", "knownas", "othernames",
    "initials", "nickname", "alias", "christianname", "personname", "clientname",
}
_NAME_QUALIFIERS = {
    "first", "last", "given", "family", "middle", "full", "maiden", "preferred", "other", "known", "sur", "fore",
    "christian", "pref", "birth",
}
# "Ward name", "School name" and the like name places and organisations, not people.
_NOT_A_PERSON = {
    "school", "ward", "business", "company", "organisation", "organization", "org", "team", "file", "place", "area",
    "district", "la", "lsoa", "msoa", "oa", "locality", "estate", "scheme", "service", "provider", "premises",
    "trading", "site", "hcl", "establishment", "product", "event", "course", "category", "type", "bin", "trust",
    "practice", "gp", "setting", "town", "city", "county", "country", "authority", "council", "department", "dept",
    "directorate", "venue", "shop", "store", "brand", "sheet", "table", "field", "column", "project", "programme",
    "policy", "plan", "route", "zone", "region", "parish", "constituency", "station", "hospital", "surgery",
    "pharmacy", "club", "sensor", "device", "asset", "layer", "feature", "dataset", "source", "road", "street",
    "building", "property", "local", "ccg", "icb", "nhs", "charity",
}
_PHONE_WORDS = {"phone", "telephone", "tel", "landline", "telno", "phoneno", "telephoneno", "mobileno", "homephone",
                "workphone", "mobilephone"}
# "Mobile" alone is a phone; "mobile food licence" is not: these count only beside phone-ish words.
_MAYBE_PHONE_WORDS = {"mobile", "mob", "fax"}
_PHONE_CONTEXT = {"number", "no", "num", "nbr", "contact", "home", "work", "main", "other", "personal", "primary",
                  "secondary", "day", "evening", "1", "2", "3", "phone", "tel", "telephone", *_MAYBE_PHONE_WORDS}
_ADDRESS_WORDS = {"address", "addr", "street", "addressline", "address1", "address2", "address3", "address4",
                  "addr1", "addr2", "addr3", "road"}
# "House number" is part of an address; "House type" is not.
_ADDRESS_PART_WORDS = {"house", "flat", "building", "dwelling", "premises", "apartment"}
_ADDRESS_PART_QUALIFIERS = {"name", "number", "no", "num", "nbr"}
_HEALTH_WORDS = {"health", "medical", "diagnosis", "diagnoses", "illness", "medication", "medications", "disease",
                 "clinical", "symptom", "symptoms", "allergy", "allergies", "pregnant", "pregnancy", "mental",
                 "treatment"}
_RELIGION_WORDS = {"religion", "religious", "belief", "beliefs", "faith"}
_IDENTIFIER_LAST_WORDS = {"id", "ref", "reference", "urn", "key", "uid", "guid", "uuid", "identifier", "upn", "uln",
                          "nino"}
# "Case number" is a record id; "PAO start number" (a house number) and "number of bedrooms" are not.
_RECORD_WORDS = {
    "case", "account", "claim", "reference", "record", "client", "customer", "tenancy", "application", "licence",
    "license", "job", "incident", "order", "invoice", "policy", "member", "membership", "registration", "referral",
    "crime", "complaint", "request", "ticket", "payroll", "employee", "staff", "student", "pupil", "patient",
    "property", "asset", "contract", "permit", "agreement", "booking", "enquiry", "inspection", "notice", "plan",
    "planning", "service", "person", "household", "family", "tenant", "debt", "transaction", "payment",
}
# People named by their role: "Tenant", "Parent/Carer", "Ratepayer" hold names.
_PERSON_NOUNS = {
    "tenant", "tenants", "ratepayer", "claimant", "applicant", "client", "customer", "occupier", "householder",
    "patient", "pupil", "child", "parent", "carer", "guardian", "victim", "offender", "reporter", "resident",
    "landlord", "partner", "spouse", "mother", "father", "officer", "caseworker", "worker", "lead", "joint", "main",
    "name", "full",
}
_NUMBER_WORDS = {"no", "num", "number", "nbr", "nos"}
_COUNT_FIRST_WORDS = {"number", "no", "num", "total", "count", "nbr", "amount"}
# Date columns named for an event are not dates of birth, however old the dates look.
_EVENT_WORDS = {
    "start", "end", "from", "to", "created", "modified", "updated", "referral", "referred", "visit", "due", "paid",
    "issued", "expiry", "expires", "opened", "closed", "inspection", "event", "incident", "call", "collection",
    "collected", "received", "sent", "death", "died", "move", "moved", "review", "assessment", "tenancy",
    "registered", "registration", "application", "decision", "payment", "invoice", "arrival", "departure",
    "admission", "discharge", "appointment", "contact", "last", "first", "entry", "exit", "valid", "effective",
    "license", "licence", "notice", "report", "reported", "completed", "completion", "sale", "purchase", "build",
    "built", "occupied", "vacated", "exclusion", "attendance", "session", "order", "offence", "arrest", "year",
}


def tags_from_name(column_name: str) -> list[str]:
    """Tags suggested by a column's name alone, e.g. 'Date of Birth' → date_of_birth, 'Ethnic Origin' → ethnicity."""
    words = name_words(column_name)
    word_set = set(words)
    squashed = "".join(words)
    tags: list[str] = []

    def add(tag: str) -> None:
        if tag not in tags:
            tags.append(tag)

    if "email" in squashed:
        add("email")
    if "postcode" in squashed or "postalcode" in squashed or "zipcode" in squashed or word_set & {
            "pcode", "postcd", "pcd", "zip", "zipcode", "zip5", "zip4", "zip9", "postalcd", "plz"} or (
            "postal" in word_set and word_set & {"code", "cd"}):
        add("postcode")
    if squashed.startswith("nhs") and (
        squashed[3:] in {"", "no", "num", "number", "nbr", "id", "nos", "numbers", "num1"} or word_set & _NUMBER_WORDS
    ):
        add("nhs_number")
    if "uprn" in squashed:
        add("uprn")
    if ("dob" in word_set or "dateofbirth" in squashed or "birthdate" in squashed or "datebirth" in squashed
            or squashed in {"dob", "bdate", "birthdt", "dobirth"}):
        add("date_of_birth")
    if (word_set & _PHONE_WORDS or "phone" in squashed or "telephone" in squashed
            or (word_set & _MAYBE_PHONE_WORDS and word_set <= _PHONE_CONTEXT)
            or ("contact" in word_set and word_set & _NUMBER_WORDS)):
        add("phone")
    if "email" not in tags and (
        word_set & _ADDRESS_WORDS or squashed.startswith(("address", "addr"))
        or (word_set & _ADDRESS_PART_WORDS and word_set & _ADDRESS_PART_QUALIFIERS)
    ):
        add("address")
    if word_set & _PERSON_NAME_WORDS or squashed in _PERSON_NAME_WORDS or (
        ("name" in word_set or "names" in word_set)
        and not tags
        and (word_set & _NAME_QUALIFIERS or not word_set & _NOT_A_PERSON)
    ):
        add("name")
    if not tags and words and (
        (word_set <= _PERSON_NOUNS and word_set - {"lead", "joint", "main", "name", "full"})
        or (words[-1] == "by" and len(words) > 1)
    ):
        add("name")  # "Tenant", "Parent/Carer", "Reported by"
    if any(word.startswith("ethnic") for word in words) or "race" in word_set:
        add("ethnicity")
    if word_set & _RELIGION_WORDS:
        add("religion")
    if "sexuality" in word_set or "sexualorientation" in squashed or ("orientation" in word_set and "sexual" in
                                                                      word_set):
        add("sexual_orientation")
    if any(word.startswith(("disab", "impairment", "handicap")) for word in words):
        add("disability")
    if word_set & _HEALTH_WORDS:
        add("health")
    if not tags and words:
        last, first = words[-1], words[0]
        if last in _IDENTIFIER_LAST_WORDS or (len(squashed) > 4 and squashed.endswith(("ref", "reference"))) or (
            last in _NUMBER_WORDS and first not in _COUNT_FIRST_WORDS and word_set & _RECORD_WORDS
        ):
            add(IDENTIFIER_TAG)
    return tags


def names_an_event(column_name: str) -> bool:
    """Whether a column name says its dates are of some event (start, referral, payment ...), not of birth."""
    return bool(set(name_words(column_name)) & _EVENT_WORDS)


@dataclass
class ValueEvidence:
    """What a sample of a field's values looks like, as fractions of its filled values (0 to 1)."""

    filled: int = 0
    distinct: int = 0
    nhs_numbers: float = 0.0
    postcodes: float = 0.0
    emails: float = 0.0
    phones: float = 0.0
    addresses: float = 0.0
    ethnicities: float = 0.0
    ethnicity_values: int = 0
    religions: float = 0.0
    religion_values: int = 0
    all_unique_codes: bool = False
    numbers: float = 0.0
    booleans: float = 0.0
    is_date: bool = False
    plausible_birth_dates: float = 0.0
    birth_year_spread: float = 0.0


_VALUE_SHARE = 0.8


def tags_from_values(evidence: ValueEvidence) -> list[str]:
    """Tags suggested by what the values look like: NHS numbers, postcodes, emails, UK phones, dates of birth ..."""
    if evidence.filled < 5:
        return []
    tags: list[str] = []
    if evidence.nhs_numbers >= _VALUE_SHARE:
        tags.append("nhs_number")
    elif evidence.phones >= _VALUE_SHARE:
        tags.append("phone")
    if evidence.postcodes >= _VALUE_SHARE:
        tags.append("postcode")
    if evidence.emails >= _VALUE_SHARE:
        tags.append("email")
    if evidence.addresses >= 0.5:
        tags.append("address")
    if evidence.ethnicities >= 0.6 and evidence.ethnicity_values >= 2 and evidence.distinct <= 60:
        tags.append("ethnicity")
    if evidence.religions >= 0.6 and evidence.religion_values >= 2 and evidence.distinct <= 40:
        tags.append("religion")
    if (evidence.is_date and evidence.filled >= 20 and evidence.plausible_birth_dates >= 0.95
            and evidence.birth_year_spread >= 15):
        tags.append("date_of_birth")
    return tags


def suggest_tags(column_name: str, evidence: ValueEvidence) -> list[str]:
    """Tags for a field from its name and its values together; value evidence wins over a vague name."""
    from_name = tags_from_name(column_name)
    from_values = tags_from_values(evidence)
    if "date_of_birth" in from_values and (names_an_event(column_name) or from_name):
        from_values.remove("date_of_birth")
    if "address" in from_values and from_name:
        from_values.remove("address")
    tags = list(from_name)
    for tag in from_values:
        if tag not in tags:
            tags.append(tag)
    if evidence.filled and (evidence.numbers >= 0.95 or evidence.booleans >= 0.95 or evidence.is_date):
        # Numbers, yes/no flags and dates are not names or addresses, whatever the column is called
        # ("Container slot: Name", "Address withheld").
        for wordy in ("name", "address"):
            if wordy in tags:
                tags.remove(wordy)
    strong = [tag for tag in from_values if tag in {"nhs_number", "postcode", "email", "phone"}]
    if strong:
        # "Client ID" whose values are NHS numbers is an NHS number, not a record id or a phone number.
        tags = [tag for tag in tags if tag != IDENTIFIER_TAG]
        if "nhs_number" in strong and "phone" in tags and "phone" not in strong:
            tags.remove("phone")
    if not tags and evidence.all_unique_codes:
        tags.append(IDENTIFIER_TAG)
    return _ordered(tags)


def _ordered(tags: list[str]) -> list[str]:
    return sorted(set(tags), key=ALL_TAGS.index)


def check_tags(tags: list[str]) -> list[str]:
    """Tags cleaned up (lower case, no repeats) and checked against the known list; unknown ones are refused."""
    cleaned: list[str] = []
    for tag in tags:
        key = tag.strip().lower().replace("-", "_").replace(" ", "_")
        if not key:
            continue
        if key not in ALL_TAGS:
            raise TownhallError(f"'{tag}' is not a tag townhall knows. Use any of: {', '.join(ALL_TAGS)}.")
        cleaned.append(key)
    return _ordered(cleaned)


def is_personal(tags: list[str]) -> bool:
    """Whether any tag marks personal data."""
    return any(tag in PERSONAL_TAGS for tag in tags)


def is_special_category(tags: list[str]) -> bool:
    """Whether any tag marks special-category data."""
    return any(tag in SPECIAL_CATEGORY_TAGS for tag in tags)


def _initials(text: str) -> str:
    """'John Smith' → 'J*** S****': enough to recognise a pattern, not a person."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in text.split())


def value_shape(text: str) -> str:
    """The shape of a value with letters as A/a and digits as 9: '07700 900123' → '99999 999999'."""
    shape = "".join(
        "9" if character.isdigit() else ("A" if character.isupper() else "a") if character.isalpha() else character
        for character in text
    )
    return shape if len(shape) <= 40 else shape[:40] + "…"


def mask_common_value(value: str, count: int, tags: list[str]) -> str:
    """A most-common value as it may be shown: names as initials, postcodes as their outward code, others hidden."""
    if is_personal(tags):
        if "name" in tags and len(tags) == 1:
            return _initials(value)
        if "postcode" in tags and len(tags) == 1:
            normalised = normalise_postcode(value)
            return f"{normalised.split()[0]} ***" if normalised else MASKED
        return MASKED
    if is_special_category(tags) and count < SPECIAL_CATEGORY_SHOWN_FROM:
        return MASKED
    return value


def mask_failing_value(value: str, tags: list[str]) -> str:
    """A failing value as it may be shown: for personal fields its shape (why it fails) but not the value itself."""
    if is_personal(tags):
        if "name" in tags and len(tags) == 1:
            return _initials(value)
        return f"{value_shape(value)} (shape only)"
    if is_special_category(tags):
        return MASKED
    return value
