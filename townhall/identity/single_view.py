"""The practitioner's single view: find a person in the index, then see who they are, who they live with, and every
contact the council's services have had with them, each labelled with its source system and link confidence.

Service data stays in the source tables: the timeline reads each of the person's records through its pointer
(source and spreadsheet row) in the index. A person whose address (or a household member's) is withheld shows no
address, postcode, UPRN or location to anyone but the governance role, on the page, in the API and in search.
Opted-out people are not in the index, so they never appear here.

Everything for one person page is read on one read-only DuckDB connection, as opening one is the largest single
cost of the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb

from townhall.catalogue import SPECIAL_CATEGORY_TAGS
from townhall.errors import TownhallError
from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, IndexNotBuiltError, age_on, index_status
from townhall.identity.standardise import (
    NAME_GROUPS,
    check_nhs_number,
    first_name_groups,
    split_full_name,
    standardise_date,
    standardise_postcode,
    surname_variants,
)
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.workspace import Workspace

# The look-up purposes offered when the governance settings name none; a council lists its own in townhall.toml as
# [governance] purposes = ["...", ...].
DEFAULT_PURPOSES: tuple[str, ...] = (
    "Early help assessment",
    "Safeguarding enquiry",
    "Housing case work",
    "Adult social care assessment",
    "Emergency response",
)
DEFAULT_SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 100

# Catalogue tags of fields that say who someone is: they are in the identity section, not repeated in the timeline.
IDENTITY_TAGS = frozenset({"name", "date_of_birth", "nhs_number", "phone", "email", "identifier"})
# Tags of fields that say where someone lives: hidden with the address when it is withheld.
ADDRESS_TAGS = frozenset({"address", "postcode", "uprn"})
# Untagged fields whose names say they hold a place (a call-out's location, a grid reference): hidden with the
# address when it is withheld, since "9 School Grove" in a police log gives the address away as surely.
_PLACE_WORDS = frozenset({
    "location", "latitude", "longitude", "lat", "lon", "lng", "easting", "northing", "ward", "street", "town",
    "locality", "property", "site", "building", "address", "addr", "postcode", "uprn", "premises", "area",
})
# Map coordinates say nothing a practitioner can use and everything about where someone was: never shown.
_COORDINATE_WORDS = frozenset({"latitude", "longitude", "lat", "lon", "lng", "easting", "northing"})
_WORD = re.compile(r"[a-z0-9]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")
_PERSON_ID = re.compile(r"P-[A-Za-z0-9]{1,40}")


class PersonNotFoundError(TownhallError):
    """The person reference is not in the index (never was, opted out, or the index was rebuilt without them)."""

    def __init__(self, person_id: str) -> None:
        self.person_id = person_id
        super().__init__(
            f"There is no person with the reference '{person_id}' in the index. They may have opted out, or the "
            "index may have been rebuilt since the link you followed was made. Search for them again."
        )


class SearchInputError(TownhallError):
    """A search was too broad to run (it would let someone browse the index) or a value could not be read."""


class PurposeError(TownhallError):
    """A look-up had no purpose, or one that is not on the council's list."""


# --- what the single view hands back -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonMatch:
    """One person found by a search, with what agreed. Address and postcode are None when withheld from the viewer."""

    person_id: str
    first_name: str | None
    surname: str | None
    date_of_birth: date | None
    postcode: str | None
    address: str | None
    address_withheld: bool
    record_count: int
    sources: list[str]
    score: float  # 0-1: how much of what was searched for agreed
    matched_on: list[str]  # what agreed, in words: "surname", "date of birth (day and month swapped)", ...


@dataclass(frozen=True)
class HouseholdMember:
    """Someone else in the person's household (no address: it is the household's)."""

    person_id: str
    first_name: str | None
    surname: str | None
    date_of_birth: date | None
    age: int | None


@dataclass(frozen=True)
class Household:
    """The household the person belongs to; address and postcode are None when withheld from the viewer."""

    household_id: str | None
    address: str | None
    postcode: str | None
    members: list[HouseholdMember]


@dataclass(frozen=True)
class Flag:
    """A marker practitioners must see first (vulnerability, safeguarding), and the sources that raised it."""

    label: str
    sources: list[str]


@dataclass(frozen=True)
class Detail:
    """One field of a source record shown in the timeline, labelled in words."""

    name: str
    label: str
    value: str


@dataclass(frozen=True)
class TimelineEntry:
    """One contact with a service: when, which system recorded it, what happened, and how sure the link is."""

    date: date | None
    source: str
    source_owner: str | None
    record_id: str
    description: str  # the details below as one plain-English sentence
    details: list[Detail]
    link_confidence: float | None  # None: the person is known from this record alone
    confidence_label: str


@dataclass(frozen=True)
class PersonView:
    """Everything the person page shows about one person, already masked for the viewer's role."""

    person_id: str
    first_name: str | None
    surname: str | None
    date_of_birth: date | None
    age: int | None
    nhs_number: str | None
    address: str | None
    postcode: str | None
    uprn: str | None
    address_withheld: bool  # the address exists but is not to be disclosed
    address_shown: bool  # the viewer (governance) sees the address despite it being withheld, or it is not withheld
    record_count: int
    sources: list[str]
    household: Household
    flags: list[Flag]
    timeline: list[TimelineEntry] = field(default_factory=list)
    # Said when a source changed or the last link failed since the index was built (see index.index_status).
    index_out_of_date: str = ""

    @property
    def display_name(self) -> str:
        """The person's name for headings ("Margaret Smith"), or their reference when the index has no name."""
        return " ".join(part for part in (self.first_name, self.surname) if part) or self.person_id


# --- purposes and audit --------------------------------------------------------------------------------------------

def lookup_purposes(workspace: Workspace) -> list[str]:
    """The purposes a practitioner may give for looking someone up: the council's list, else the default one."""
    purposes: list[str] = []
    for item in workspace.settings.governance.purposes:
        # A plain name, or a table with a name (e.g. {name = "...", lawful_basis = "..."}).
        name = item.get("name") or item.get("title") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and name.strip() not in purposes:
            purposes.append(name.strip())
    return purposes or list(DEFAULT_PURPOSES)


def check_purpose(workspace: Workspace, purpose: str | None) -> str:
    """The purpose as listed, or PurposeError when it is missing or not one the council allows."""
    allowed = lookup_purposes(workspace)
    given = (purpose or "").strip()
    if not given:
        raise PurposeError("Say why you are looking this person up: choose a purpose from the list.")
    for name in allowed:
        if name.casefold() == given.casefold():
            return name
    raise PurposeError(f"'{given}' is not one of the purposes this council allows for looking people up. Choose one "
                       f"of: {'; '.join(allowed)}.")


def record_person_view(workspace: Workspace, view: PersonView, *, actor: str, purpose: str, via: str = "web") -> None:
    """Write "person.viewed" to the audit log: who, which person, why, and counts of what was shown (no values).

    ``via`` says how it was seen: "web" (the person page), "api" or "notebook".
    """
    workspace.audit.record(actor, "person.viewed", view.person_id, purpose=purpose, details={
        "timeline_entries": len(view.timeline), "household_members": len(view.household.members),
        "flags": len(view.flags), "sources": len(view.sources), "address_shown": view.address_shown, "via": via,
    })


def record_search(workspace: Workspace, *, actor: str, purpose: str, fields_used: Iterable[str], results: int,
                  via: str = "web") -> None:
    """Write "people.searched" to the audit log: which fields were used and how many people were found, never the
    search terms themselves (they are personal data)."""
    workspace.audit.record(actor, "people.searched", "", purpose=purpose,
                           details={"fields": sorted(fields_used), "results": results, "via": via})


def sees_withheld_addresses(viewer_role: Role | str | None) -> bool:
    """Only the governance role sees an address that is withheld (e.g. someone fleeing domestic abuse)."""
    return viewer_role is not None and str(viewer_role) == Role.GOVERNANCE.value


# --- search --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _SearchTerms:
    """What was searched for, standardised as the index stores it."""

    first_name: str | None
    first_is_initial: bool
    first_name_variants: list[str]
    surname: str | None
    surname_variants: list[str]
    date_of_birth: date | None
    swapped_date_of_birth: date | None
    postcode: str | None  # as the index writes it ("AB1 2CD"), even when not a valid postcode, so a typo nearly matches
    postcode_district: str | None
    nhs_number: str | None
    nhs_number_is_valid: bool

    @property
    def fields_used(self) -> list[str]:
        """The kinds of field searched on, for the audit log."""
        used = {"name": self.surname is not None or self.first_name is not None,
                "date_of_birth": self.date_of_birth is not None, "postcode": self.postcode is not None,
                "nhs_number": self.nhs_number is not None}
        return [name for name, present in used.items() if present]


def search_fields_used(*, name: str | None = None, date_of_birth: date | str | None = None,
                       postcode: str | None = None, nhs_number: str | None = None) -> list[str]:
    """Which fields a search used (for the audit log); raises SearchInputError like search_people would."""
    return _search_terms(name, date_of_birth, postcode, nhs_number).fields_used


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _search_terms(name: str | None, date_of_birth: date | str | None, postcode: str | None,
                  nhs_number: str | None) -> _SearchTerms:
    """Standardise the search, and refuse one that would let someone browse the index."""
    first = surname = None
    if not _blank(name):
        parts = split_full_name(name)
        first, surname = parts.first, parts.last
        if surname is None and first is None:
            raise SearchInputError("Enter a name with at least one letter in it.")
    born = None
    if not _blank(date_of_birth):
        read = standardise_date(date_of_birth, birth_date=True)
        if read.date is None and read.problem is not None:
            raise SearchInputError("Enter the date of birth as a real date, for example 27/03/2007.")
        born = read.date  # None for a missing value (NaT), which is no date of birth given
    compact_postcode = None
    if not _blank(postcode):
        compact_postcode = _NOT_ALPHANUMERIC.sub("", str(postcode)).upper() or None
        if compact_postcode is None:
            raise SearchInputError("Enter a postcode with letters and numbers, for example AY1 4QT.")
    nhs = None
    nhs_valid = False
    if not _blank(nhs_number):
        checked = check_nhs_number(nhs_number)
        nhs_valid = checked.nhs_number is not None
        nhs = checked.nhs_number or _NOT_ALPHANUMERIC.sub("", str(nhs_number))
        if not nhs.isdigit() or len(nhs) != 10:
            raise SearchInputError("Enter an NHS number as 10 digits, for example 485 777 3456.")
    has_name = first is not None or surname is not None
    others = [value for value in (born, compact_postcode, nhs) if value is not None]
    if not ((has_name and others) or (nhs is not None and nhs_valid)):
        if nhs is not None and not nhs_valid:
            raise SearchInputError("That NHS number is not valid (its check digit does not match): check it, or "
                                   "search by name with a date of birth or postcode as well.")
        raise SearchInputError("Enter a name and at least one of date of birth, postcode or NHS number, or a "
                               "whole NHS number on its own. Searches this broad are not allowed, so that nobody "
                               "can browse the index.")
    swapped = None
    if born is not None and born.day <= 12 and born.day != born.month:
        swapped = date(born.year, born.day, born.month)
    first_variants: set[str] = set()
    if first is not None:
        first = first.split()[0]
        for group in first_name_groups(first):
            first_variants.add(group)
            first_variants.update(NAME_GROUPS.get(group, ()))
        first_variants.discard(first)
    spaced_postcode = None
    if compact_postcode is not None:
        # The index writes postcodes as "AB1 2CD"; the inward part is always the last three characters, so even a
        # mistyped postcode ("AYI4QT") lines up with the one meant, character for character.
        spaced_postcode = standardise_postcode(compact_postcode) or (
            f"{compact_postcode[:-3]} {compact_postcode[-3:]}" if len(compact_postcode) > 4 else compact_postcode)
    return _SearchTerms(
        first_name=first, first_is_initial=first is not None and len(first) == 1,
        first_name_variants=sorted(first_variants), surname=surname,
        surname_variants=sorted(surname_variants(surname)) if surname else [],
        date_of_birth=born, swapped_date_of_birth=swapped, postcode=spaced_postcode,
        postcode_district=spaced_postcode.split(" ")[0] if spaced_postcode and " " in spaced_postcode else None,
        nhs_number=nhs, nhs_number_is_valid=nhs_valid,
    )


# Scores per field and level, and how each level is said on the results page. Each field's levels are distinct
# numbers, so the best level per person can be told from its score.
_SURNAME_LEVELS = {3.0: "surname", 2.5: "surname (spelt slightly differently)", 2.4: "name (first name and surname "
                   "swapped)", 2.0: "surname (spelt differently)", 1.0: "surname (similar)"}
_FIRST_LEVELS = {2.0: "first name", 1.75: "first name (a short form or other form of it)",
                 1.5: "first name (spelt slightly differently)", 1.4: "first name (swapped with surname)",
                 1.25: "first initial", 1.0: "first name (similar)"}
_DATE_LEVELS = {3.0: "date of birth", 2.0: "date of birth (day and month swapped)",
                1.5: "date of birth (two of day, month and year)"}
_POSTCODE_LEVELS = {2.0: "postcode", 1.5: "postcode (one character different)", 0.5: "postcode district"}
_NHS_LEVELS = {6.0: "NHS number", 2.0: "NHS number (one or two digits different)"}
_FIELD_LEVELS = (("surname_score", _SURNAME_LEVELS), ("first_score", _FIRST_LEVELS), ("date_score", _DATE_LEVELS),
                 ("postcode_score", _POSTCODE_LEVELS), ("nhs_score", _NHS_LEVELS))
# A person is shown when this much agrees, and something besides the name agrees.
_MINIMUM_SCORE = 4.5


# SQL fragments scoring one field of a record (r) against the search, each with its parameters in order. Only cheap
# functions run over the whole index: equality, dates' parts, Hamming distance on equal lengths. Jaro-Winkler on names
# runs only over the records of candidates (people something besides the name agrees with), since a person is never
# listed without that anyway. (DuckDB's Damerau-Levenshtein is 30 times slower than these over a million rows.)
_Fragment = tuple[str, list[Any]]
_ZERO: _Fragment = ("0.0", [])


def _one_apart(column: str, value: str, limit: int = 1) -> _Fragment:
    """True when ``column`` has the length of ``value`` and at most ``limit`` characters differ (never compared
    otherwise, as Hamming distance needs equal lengths)."""
    return (f"(case when length({column}) = ? then hamming({column}, ?) else 99 end) between 1 and ?",
            [len(value), value, limit])


def _surname_sql(terms: _SearchTerms) -> _Fragment:
    if terms.surname is None:
        return _ZERO
    parameters: list[Any] = [terms.surname_variants, terms.surname]
    swapped = ""
    if terms.first_name and not terms.first_is_initial:
        swapped = " when r.first_name = ? and r.surname = ? then 2.4"
        parameters += [terms.surname, terms.first_name]
    parameters += [terms.surname] * 3
    return ("case when r.surname is null then 0.0"
            " when list_contains(?::varchar[], r.surname) or list_contains(string_split(r.surname, ' '), ?) then 3.0"
            f"{swapped} when jaro_winkler_similarity(r.surname, ?) >= 0.92 then 2.5"
            " when jaro_winkler_similarity(r.surname, ?) >= 0.85 then 2.0"
            " when jaro_winkler_similarity(r.surname, ?) >= 0.8 then 1.0 else 0.0 end", parameters)


def _first_name_sql(terms: _SearchTerms) -> _Fragment:
    if terms.first_name is None:
        return _ZERO
    record_first = "split_part(r.first_name, ' ', 1)"
    if terms.first_is_initial:
        return f"case when left({record_first}, 1) = ? then 1.25 else 0.0 end", [terms.first_name]
    parameters: list[Any] = [terms.first_name, terms.first_name_variants]
    swapped = ""
    if terms.surname:
        swapped = " when r.first_name = ? and r.surname = ? then 1.4"
        parameters += [terms.surname, terms.first_name]
    parameters += [terms.first_name] * 3
    return (f"case when r.first_name is null then 0.0 when {record_first} = ? then 2.0"
            f" when list_contains(?::varchar[], {record_first}) then 1.75{swapped}"
            f" when jaro_winkler_similarity({record_first}, ?) >= 0.9 then 1.5"
            f" when jaro_winkler_similarity({record_first}, ?) >= 0.8 then 1.0"
            f" when length({record_first}) = 1 and {record_first} = left(?, 1) then 1.25 else 0.0 end", parameters)


def _date_sql(terms: _SearchTerms) -> _Fragment:
    born = terms.date_of_birth
    if born is None:
        return _ZERO
    return ("case when r.date_of_birth is null then 0.0 when r.date_of_birth = ? then 3.0"
            " when r.date_of_birth = ? then 2.0"
            " when (year(r.date_of_birth) = ?)::int + (month(r.date_of_birth) = ?)::int"
            " + (day(r.date_of_birth) = ?)::int = 2 then 1.5 else 0.0 end",
            [born, terms.swapped_date_of_birth, born.year, born.month, born.day])


def _postcode_sql(terms: _SearchTerms, *, hide_withheld: bool) -> _Fragment:
    if terms.postcode is None:
        return _ZERO
    # Matching on a withheld address would confirm where the person lives: only governance may.
    hidden = " when r.address_withheld or p.address_withheld then 0.0" if hide_withheld else ""
    near, near_parameters = _one_apart("r.postcode", terms.postcode)
    district = " when starts_with(r.postcode, ?) then 0.5" if terms.postcode_district else ""
    parameters = [terms.postcode, *near_parameters]
    if terms.postcode_district:
        parameters.append(terms.postcode_district + " ")
    return (f"case when r.postcode is null then 0.0{hidden} when r.postcode = ? then 2.0"
            f" when {near} then 1.5{district} else 0.0 end", parameters)


def _nhs_sql(terms: _SearchTerms) -> _Fragment:
    if terms.nhs_number is None:
        return _ZERO
    if terms.nhs_number_is_valid:
        return "case when r.nhs_number = ? then 6.0 else 0.0 end", [terms.nhs_number]
    # A number that fails its check digit was mistyped: one or two digits out still counts a little.
    near, near_parameters = _one_apart("r.nhs_number", terms.nhs_number, limit=2)
    return f"case when r.nhs_number is null then 0.0 when {near} then 2.0 else 0.0 end", near_parameters


def _search_sql(terms: _SearchTerms, *, see_withheld: bool, limit: int) -> _Fragment:
    """The whole search: candidates by what agrees besides the name, then every field scored over their records,
    the best level per field per person, and the people reaching the minimum score, best first."""
    candidate_parts = [_date_sql(terms), _postcode_sql(terms, hide_withheld=False), _nhs_sql(terms)]
    scored_parts = [_surname_sql(terms), _first_name_sql(terms), _date_sql(terms),
                    _postcode_sql(terms, hide_withheld=not see_withheld), _nhs_sql(terms)]
    names = [name for name, _levels in _FIELD_LEVELS]
    # Doubles, not DuckDB's default decimals, so the scores compare equal to the levels' Python floats.
    candidates = " + ".join(f"({sql})" for sql, _ in candidate_parts)
    scores = ", ".join(f"cast(({sql}) as double) as {name}" for (sql, _), name in
                       zip(scored_parts, names, strict=True))
    best = ", ".join(f"max({name}) as {name}" for name in names)
    name_part = "b.surname_score + b.first_score"
    other_part = "b.date_score + b.postcode_score + b.nhs_score"
    query = (
        f"with candidates as (select distinct r.person_id from {SCHEMA}.records r where {candidates} > 0), "
        f"scored as (select r.person_id, {scores} from {SCHEMA}.records r "
        f"join {SCHEMA}.persons p on p.person_id = r.person_id "
        "where r.person_id in (select person_id from candidates)), "
        f"best as (select person_id, {best} from scored group by person_id) "
        f"select {', '.join('b.' + name for name in names)}, {name_part} + {other_part} as total, p.person_id, "
        "p.first_name, p.surname, p.date_of_birth, p.postcode, p.address, p.address_withheld, p.record_count, "
        f"p.sources from best b join {SCHEMA}.persons p on p.person_id = b.person_id "
        f"where {name_part} + {other_part} >= ? and {other_part} > 0 "
        "order by total desc, p.surname, p.first_name, p.person_id limit ?"
    )
    parameters = [value for _, values in (*candidate_parts, *scored_parts) for value in values]
    return query, [*parameters, _MINIMUM_SCORE, limit]


def search_people(workspace: Workspace, *, name: str | None = None, date_of_birth: date | str | None = None,
                  postcode: str | None = None, nhs_number: str | None = None, limit: int = DEFAULT_SEARCH_LIMIT,
                  viewer_role: Role | str | None = None) -> list[PersonMatch]:
    """People in the index who match, best first, tolerant of typos, nicknames, swapped names and day/month slips.

    Needs a name plus a date of birth, postcode or NHS number, or a valid NHS number alone, so nobody can browse
    the index. A person is found by any of their records' spellings. Withheld addresses are neither shown nor
    matched on unless ``viewer_role`` is governance.
    """
    terms = _search_terms(name, date_of_birth, postcode, nhs_number)
    limit = max(1, min(int(limit), MAX_SEARCH_LIMIT))
    see_withheld = sees_withheld_addresses(viewer_role)
    query, parameters = _search_sql(terms, see_withheld=see_withheld, limit=limit)
    with workspace.analytics.connect(read_only=True) as connection:
        _require_index(connection)
        rows = connection.execute(query, parameters).fetchall()
    best_possible = (
        (3.0 if terms.surname else 0.0) + (2.0 if terms.first_name and not terms.first_is_initial else 0.0)
        + (1.25 if terms.first_is_initial else 0.0) + (3.0 if terms.date_of_birth else 0.0)
        + (2.0 if terms.postcode else 0.0) + (6.0 if terms.nhs_number else 0.0)
    )
    matches = []
    for row in rows:
        field_scores, total = row[:5], row[5]
        person_id, first, last, born, person_postcode, address, withheld, record_count, sources = row[6:]
        hide = bool(withheld) and not see_withheld
        matched_on = [levels[score] for (_, levels), score in zip(_FIELD_LEVELS, field_scores, strict=True)
                      if score in levels]
        matches.append(PersonMatch(
            person_id=person_id, first_name=first, surname=last, date_of_birth=born,
            postcode=None if hide else person_postcode, address=None if hide else address,
            address_withheld=bool(withheld), record_count=int(record_count or 0), sources=list(sources or []),
            score=round(min(total / best_possible, 1.0), 3) if best_possible else 0.0, matched_on=matched_on,
        ))
    return matches


# --- the person page -----------------------------------------------------------------------------------------------

def _require_index(connection: duckdb.DuckDBPyConnection) -> None:
    """Raise IndexNotBuiltError unless ``townhall link`` has written the index (checked on this connection).

    Asks the table itself rather than the catalogue of tables: listing tables costs more than a whole page.
    """
    try:
        runs = connection.execute(f"select count(*) from {SCHEMA}.runs").fetchone()
    except duckdb.CatalogException:
        raise IndexNotBuiltError() from None
    if not runs or not runs[0]:
        raise IndexNotBuiltError()


def _in_list(values: list[Any]) -> str:
    """Placeholders for an SQL ``in (...)`` list of this many values."""
    return ", ".join("?" for _ in values) or "null"


def _fetch_dicts(connection: duckdb.DuckDBPyConnection, query: str, parameters: list[Any]) -> list[dict[str, Any]]:
    cursor = connection.execute(query, parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def confidence_label(confidence: float | None) -> str:
    """A link confidence in words, for people who should not have to read probabilities."""
    if confidence is None or confidence != confidence:  # None or NaN
        return "Only record: not linked to any other"
    share = float(confidence) * 100
    text = f"{share:.1f}".rstrip("0").rstrip(".")
    if text == "100" and share < 100:
        text = "more than 99.9"
    if confidence >= 0.99:
        return f"Very high ({text}%)"
    if confidence >= 0.95:
        return f"High ({text}%)"
    if confidence >= 0.8:
        return f"Medium ({text}%): check before acting on it"
    return f"Low ({text}%): check before acting on it"


def field_label(name: str) -> str:
    """A source field's name in sentence case: 'referral_source' -> 'Referral source', 'CLAIM START' -> 'Claim start',
    'Arrears Balance (£)' -> 'Arrears balance (£)'; short acronyms ('SPD') stay in capitals."""
    words = [word for word in re.split(r"[_\s-]+", _CAMEL_BOUNDARY.sub(" ", name.strip())) if word]
    if not words:
        return name
    shouting = all(not any(char.islower() for char in word) for word in words) and len(words) > 1
    shaped = []
    for word in words:
        letters = [char for char in word if char.isalpha()]
        acronym = (not shouting and letters and all(char.isupper() for char in letters) and len(letters) <= 4
                   and len(letters) > 1)
        shaped.append(word if acronym else word.lower())
    first = shaped[0]
    shaped[0] = first if first.isupper() and not shouting and len(first) > 1 else first[:1].upper() + first[1:]
    return " ".join(shaped)


def format_value(value: Any) -> str | None:
    """A source value in words for the timeline ("5 March 2026", "yes"); None for an empty value."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        day = f"{value.day} {value:%B %Y}"
        if value.time() == time(0, 0):
            return day
        hour = value.hour % 12 or 12
        suffix = "am" if value.hour < 12 else "pm"
        return f"{day} at {hour}:{value.minute:02d}{suffix}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    return text or None


def _field_words(name: str) -> set[str]:
    """A field name's words in lower case, camel case split: 'LeadLiableName' -> {'lead', 'liable', 'name'}."""
    return set(_WORD.findall(_CAMEL_BOUNDARY.sub(" ", name).lower()))


def _shown_fields(fields: list[tuple[str, list[str]]], *, hide_address: bool) -> list[str]:
    """The fields of a source that describe what happened: not who the person is, not special-category data, not
    map coordinates, and nothing about where they live or were when their address is withheld from the viewer."""
    shown = []
    for name, tags in fields:
        tag_set = set(tags)
        words = _field_words(name)
        if tag_set & IDENTITY_TAGS or tag_set & set(SPECIAL_CATEGORY_TAGS) or words & _COORDINATE_WORDS:
            continue
        if hide_address and (tag_set & ADDRESS_TAGS or words & _PLACE_WORDS):
            continue
        shown.append(name)
    return shown


def _source_fields(connection: duckdb.DuckDBPyConnection,
                   sources: list[str]) -> tuple[dict[str, list[tuple[str, list[str]]]], dict[str, str | None]]:
    """Each source's fields with their tags, in file order, and each source's owner, read from the catalogue.

    Read on this connection rather than through ``workspace.catalogue``, which opens a connection per call.
    """
    fields: dict[str, list[tuple[str, list[str]]]] = {source: [] for source in sources}
    owners: dict[str, str | None] = {}
    if not sources:
        return fields, owners
    try:
        rows = connection.execute(
            "select f.source, f.name, f.tags, s.owner from catalogue.fields f join catalogue.sources s "
            f"on s.name = f.source where f.source in ({_in_list(sources)}) order by f.source, f.position",
            sources).fetchall()
    except duckdb.CatalogException:  # nothing registered: no fields to describe
        return fields, owners
    for source, name, tags, owner in rows:
        fields[source].append((name, json.loads(tags)))
        owners[source] = owner
    return fields, owners


def _source_rows(connection: duckdb.DuckDBPyConnection, source: str, columns: list[str],
                 row_numbers: list[int]) -> dict[int, dict[str, Any]] | None:
    """The shown columns of the given rows of a source table, by spreadsheet row number; None if the table is gone."""
    table = f"sources.{quote_identifier(source)}"
    selected = ", ".join(["_row_number", *(quote_identifier(column) for column in columns)])
    numbers = ", ".join(str(int(number)) for number in row_numbers)  # integers, so safe to write into the SQL
    try:
        rows = connection.execute(f"select {selected} from {table} where _row_number in ({numbers})").fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):  # source removed, or replaced with other fields
        return None
    return {int(row[0]): dict(zip(columns, row[1:], strict=True)) for row in rows}


def _flags(workspace: Workspace, sources: set[str]) -> list[Flag]:
    """The configured flags ([identity] flags: label -> sources) raised by the person's sources."""
    flags = []
    for label, listed in workspace.settings.identity.flags.items():
        raised = sorted(source for source in listed if source in sources)
        if raised:
            flags.append(Flag(label=str(label), sources=raised))
    return flags


def _timeline(connection: duckdb.DuckDBPyConnection, records: list[dict[str, Any]], *,
              hide_address: bool) -> list[TimelineEntry]:
    """One entry per record, newest first, described from the source row's shown fields."""
    sources = sorted({record["source"] for record in records})
    fields, owners = _source_fields(connection, sources)
    rows_by_source: dict[str, dict[int, dict[str, Any]]] = {}
    shown_by_source: dict[str, list[str]] = {}
    for source in sources:
        if not fields.get(source):  # no longer in the catalogue
            continue
        shown_by_source[source] = _shown_fields(fields[source], hide_address=hide_address)
        row_numbers = sorted({int(record["row_number"]) for record in records if record["source"] == source})
        rows = _source_rows(connection, source, shown_by_source[source], row_numbers)
        if rows is not None:
            rows_by_source[source] = rows
    entries = []
    for record in records:
        source = record["source"]
        row = rows_by_source.get(source, {}).get(int(record["row_number"]))
        details = []
        if row is not None:
            for column in shown_by_source[source]:
                text = format_value(row[column])
                if text is not None:
                    details.append(Detail(name=column, label=field_label(column), value=text))
        if row is None:
            description = "The source record could not be read: the source may have been removed or replaced."
        elif details:
            description = "; ".join(f"{detail.label}: {detail.value}" for detail in details) + "."
        else:
            description = "No further details are recorded."
        confidence = record["link_confidence"]
        confidence = None if confidence is None or confidence != confidence else float(confidence)
        entries.append(TimelineEntry(
            date=record["record_date"], source=source, source_owner=owners.get(source),
            record_id=str(record["record_id"]), description=description, details=details,
            link_confidence=confidence, confidence_label=confidence_label(confidence),
        ))
    dated = sorted((entry for entry in entries if entry.date is not None),
                   key=lambda entry: (entry.date, entry.source, entry.record_id), reverse=True)
    undated = sorted((entry for entry in entries if entry.date is None),
                     key=lambda entry: (entry.source, entry.record_id))
    return dated + undated


def _person_and_household(connection: duckdb.DuckDBPyConnection, reference: str) -> dict[str, Any]:
    """The person's index row with their household's address, in one query that also checks the index is built."""
    query = (
        "select runs.count as runs, p.person_id, p.household_id, p.first_name, p.surname, p.date_of_birth, "
        "p.nhs_number, p.address, p.postcode, p.uprn, p.address_withheld, p.record_count, p.sources, "
        "h.address as household_address, h.postcode as household_postcode, "
        "coalesce(h.address_withheld, false) as household_withheld "
        f"from (select count(*) as count from {SCHEMA}.runs) runs "
        f"left join {SCHEMA}.persons p on p.person_id = ? "
        f"left join {SCHEMA}.households h on h.household_id = p.household_id"
    )
    try:
        found = _fetch_dicts(connection, query, [reference])
    except duckdb.CatalogException:
        raise IndexNotBuiltError() from None
    if not found or not found[0]["runs"]:
        raise IndexNotBuiltError()
    if found[0]["person_id"] is None or not _PERSON_ID.fullmatch(reference):
        raise PersonNotFoundError(reference)
    return found[0]


def person_view(workspace: Workspace, person_id: str, *, viewer_role: Role | str) -> PersonView:
    """One person's identity, household, flags and timeline across services, masked for the viewer's role.

    Raises PersonNotFoundError for a reference not in the index and IndexNotBuiltError before ``townhall link``.
    The caller writes the view to the audit log (``record_person_view``) with who looked and why.
    """
    reference = (person_id or "").strip()
    see_withheld = sees_withheld_addresses(viewer_role)
    with workspace.analytics.connect(read_only=True) as connection:
        person = _person_and_household(connection, reference)
        household_id = person["household_id"]
        members: list[dict[str, Any]] = []
        if household_id is not None:
            members = _fetch_dicts(
                connection, f"select person_id, first_name, surname, date_of_birth from {SCHEMA}.persons "
                            "where household_id = ? and person_id <> ? order by date_of_birth nulls last, person_id",
                [household_id, reference])
        records = _fetch_dicts(
            connection, f"select source, record_id, row_number, link_confidence, record_date from {SCHEMA}.records "
                        "where person_id = ?", [reference])
        withheld = bool(person["address_withheld"]) or bool(person["household_withheld"])
        hide_address = withheld and not see_withheld
        timeline = _timeline(connection, records, hide_address=hide_address)
    today = date.today()
    sources = list(person["sources"] or sorted({record["source"] for record in records}))
    return PersonView(
        person_id=person["person_id"], first_name=person["first_name"], surname=person["surname"],
        date_of_birth=person["date_of_birth"], age=age_on(person["date_of_birth"], today),
        nhs_number=person["nhs_number"],
        address=None if hide_address else person["address"], postcode=None if hide_address else person["postcode"],
        uprn=None if hide_address else person["uprn"], address_withheld=withheld, address_shown=not hide_address,
        record_count=int(person["record_count"] or len(records)), sources=sources,
        household=Household(
            household_id=household_id,
            address=None if hide_address else person["household_address"],
            postcode=None if hide_address else person["household_postcode"],
            members=[HouseholdMember(person_id=member["person_id"], first_name=member["first_name"],
                                     surname=member["surname"], date_of_birth=member["date_of_birth"],
                                     age=age_on(member["date_of_birth"], today)) for member in members],
        ),
        flags=_flags(workspace, {record["source"] for record in records}),
        timeline=timeline,
        index_out_of_date=index_status(workspace).message,
    )


__all__ = [
    "DEFAULT_PURPOSES",
    "Detail",
    "Flag",
    "Household",
    "HouseholdMember",
    "PersonMatch",
    "PersonNotFoundError",
    "PersonView",
    "PurposeError",
    "SearchInputError",
    "TimelineEntry",
    "check_purpose",
    "confidence_label",
    "field_label",
    "format_value",
    "lookup_purposes",
    "person_view",
    "record_person_view",
    "record_search",
    "search_fields_used",
    "search_people",
    "sees_withheld_addresses",
]
