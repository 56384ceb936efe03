"""Redaction: personal details in free text replaced by placeholders before anything is analysed or shown.

What it finds, in this order (an earlier kind wins where two overlap):

- email addresses (the catalogue's email pattern);
- NHS numbers: ten digits (spaced or not) that pass the modulus-11 check (the identity standardiser's check), or any
  ten digits written just after "NHS";
- UK phone numbers: mobiles and landlines, with +44, brackets, spaces or dashes (the catalogue's phone check);
- UK postcodes in any case, with or without the space;
- dates of birth: a full date after a cue such as "born", "DOB" or "date of birth", or any full date more than
  ``OLD_DATE_YEARS`` years ago (events in comments are recent; a date that old is almost always someone's birthday);
- street addresses: a house number (optionally a flat and a building name first) then capitalised words ending in
  a street type ("Flat 2, Alder Court, 14 Mill Road", "14a Mill Rd");
- names: a title and a surname ("Mrs Khan"), words after "my name is" or a sign-off, any two capitalised words
  that are a first name and a surname of people in the person index, and the names of the record's own people
  (``extra_names``, such as the child a case note is about).

Street names on their own ("the bins on Mill Road") are kept: they are places, not people, and themes need them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from townhall.workspace import Workspace

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "nhs_number": "[NHS NUMBER]",
    "phone": "[PHONE]",
    "postcode": "[POSTCODE]",
    "date_of_birth": "[DATE OF BIRTH]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}
IDENTIFIER_KINDS = tuple(PLACEHOLDERS)
STRUCTURED_KINDS = ("email", "nhs_number", "phone", "postcode", "date_of_birth", "address")
OLD_DATE_YEARS = 12

_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master|Sir|Dame)"
# Kate, O'Neill, McDonald, Lloyd-Jones (a possessive 's stays outside the word).
_NAME_WORD = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-(?:[A-Z]['’])?[A-Z][a-z]+)?"
_CAPITALISED_RUN = re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}\b")
_TITLED_NAME = re.compile(rf"\b{_TITLES}\.?\s+(?:[A-Z]\.?\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD})?")
_NAME_CUE = re.compile(
    rf"(?:\b[Mm]y name is|\bI am called|\b[Ss]igned|\b[Rr]egards,?|\b[Ss]incerely,?|\b[Tt]hanks,|\b[Ff]rom:?)"
    rf"\s+({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})")
_NHS_DIGITS = re.compile(r"(?<![0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9])")
_NHS_CUE = re.compile(r"NHS\b[^0-9]{0,20}$", re.IGNORECASE)
_PHONE_CANDIDATE = re.compile(
    r"(?<![0-9+])(?:\+44\s?(?:\(0\)\s?)?|0044\s?|\(?0)[0-9](?:[\s.-]?\)?[\s.-]?[0-9]){8,9}(?![0-9])")
_POSTCODE_IN_TEXT = re.compile(
    r"\b(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s?[0-9][A-Za-z]{2}|[Gg][Ii][Rr]\s?0[Aa][Aa])\b")
_ORDINAL_ENDINGS = ("th", "st", "nd", "rd")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:"
    r"(?P<d1>[0-9]{1,2})[/.-](?P<m1>[0-9]{1,2})[/.-](?P<y1>[0-9]{4}|[0-9]{2})"
    r"|(?P<y2>[12][0-9]{3})-(?P<m2>[0-9]{1,2})-(?P<d2>[0-9]{1,2})"
    rf"|(?P<d3>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m3>{_MONTH}),?\s+(?P<y3>[0-9]{{4}})"
    rf"|(?P<m4>{_MONTH})\s+(?P<d4>[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>[0-9]{{4}})"
    r")(?![0-9])", re.IGNORECASE)
_BIRTH_CUE = re.compile(r"(?:\bborn\b|\bd\.?o\.?b\b\.?|date of birth|birthday|birth date)[^.\n]{0,25}$",
                        re.IGNORECASE)


def _street_type_words() -> list[str]:
    """Street types and their abbreviations, from the address standardiser (one list for the whole of townhall)."""
    from townhall.identity.standardise.addresses import ABBREVIATIONS, STREET_TYPES

    words = set(STREET_TYPES) | {short for short, long in ABBREVIATIONS.items() if long in STREET_TYPES} | {"st"}
    return sorted(words, key=len, reverse=True)


def _address_pattern() -> re.Pattern[str]:
    from townhall.identity.standardise.addresses import BUILDING_WORDS, FLAT_WORDS

    types = "|".join(word.capitalize() for word in _street_type_words())
    flats = "|".join(sorted((word.capitalize() for word in FLAT_WORDS), key=len, reverse=True))
    buildings = "|".join(sorted((word.capitalize() for word in BUILDING_WORDS), key=len, reverse=True))
    street_words = r"(?:[A-Z][a-z'’]+\s+){1,3}"
    return re.compile(
        rf"(?:\b(?:{flats})\s+[0-9]+[A-Za-z]?,?\s+)?"
        rf"(?:(?:[0-9]+[A-Za-z]?\s+)?(?:[A-Z][a-z'’]+\s+){{1,2}}(?:{buildings}),?\s+)?"
        rf"(?<![0-9])[0-9]{{1,4}}[A-Za-z]?,?\s+{street_words}(?:{types})\b\.?")


@dataclass(frozen=True)
class KnownNames:
    """Names of people the council knows (lower case): what the name rule looks for in pairs of capitalised words."""

    first_names: frozenset[str] = frozenset()
    surnames: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """True when no names are known (no person index yet)."""
        return not self.first_names or not self.surnames

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> KnownNames:
        """From (first name, surname) pairs; blank parts are skipped."""
        firsts: set[str] = set()
        lasts: set[str] = set()
        for first, last in pairs:
            if first and str(first).strip():
                firsts.add(str(first).strip().lower())
            if last and str(last).strip():
                lasts.update(part for part in re.split(r"[\s-]+", str(last).strip().lower()) if part)
        return cls(frozenset(firsts), frozenset(lasts))


def known_names(workspace: Workspace) -> KnownNames:
    """First names and surnames from the person index; empty (names found by pattern only) before linkage."""
    from townhall.identity.index import index_exists, read_index

    if not index_exists(workspace):
        return KnownNames()
    frame = read_index(workspace, "select distinct first_name, surname from identity.persons")
    return KnownNames.from_pairs(zip(frame["first_name"].fillna(""), frame["surname"].fillna(""), strict=True))


@dataclass(frozen=True)
class Found:
    """One personal detail found in a text: its kind and where it is (the value itself is never kept)."""

    kind: str
    start: int
    end: int


@dataclass
class Redactor:
    """Finds and replaces personal details; make one per run (``Redactor(known_names(workspace))``) and reuse it."""

    names: KnownNames = field(default_factory=KnownNames)
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        from townhall.catalogue.validation import EMAIL_PATTERN

        self._email = re.compile(EMAIL_PATTERN)
        self._address = _address_pattern()

    def find(self, text: str, extra_names: Sequence[str] = ()) -> list[Found]:
        """Every personal detail in ``text``, in order, without overlaps (the earlier kind in the list wins)."""
        if not text:
            return []
        found: list[Found] = []
        taken = bytearray(len(text))

        def add(kind: str, start: int, end: int) -> None:
            while end > start and text[end - 1] in " ,.\t\n":
                end -= 1
            if end > start and not any(taken[start:end]):
                found.append(Found(kind, start, end))
                taken[start:end] = b"\x01" * (end - start)

        for match in self._email.finditer(text):
            add("email", match.start(), match.end())
        for match in _NHS_DIGITS.finditer(text):
            if self._is_nhs_number(match.group()) or _NHS_CUE.search(text[max(0, match.start() - 24):match.start()]):
                add("nhs_number", match.start(), match.end())
        for match in _PHONE_CANDIDATE.finditer(text):
            if self._is_phone(match.group()):
                add("phone", match.start(), match.end())
        for match in _POSTCODE_IN_TEXT.finditer(text):
            value = match.group()
            if value.islower() and value[-2:] in _ORDINAL_ENDINGS:
                continue  # "m25 4th" is a road and a day, not a postcode
            add("postcode", match.start(), match.end())
        for match in _DATE_IN_TEXT.finditer(text):
            if self._is_birth_date(text, match):
                add("date_of_birth", match.start(), match.end())
        for match in self._address.finditer(text):
            add("address", match.start(), match.end())
        for start, end in self._name_spans(text, extra_names):
            add("name", start, end)
        return sorted(found, key=lambda item: item.start)

    def redact(self, text: str, extra_names: Sequence[str] = ()) -> str:
        """``text`` with each personal detail replaced by its placeholder, such as [PHONE]."""
        if not text:
            return text or ""
        pieces: list[str] = []
        position = 0
        for item in self.find(text, extra_names):
            pieces.append(text[position:item.start])
            pieces.append(PLACEHOLDERS[item.kind])
            position = item.end
        pieces.append(text[position:])
        return "".join(pieces)

    def redact_all(self, texts: Iterable[str | None]) -> list[str]:
        """Redact many texts (None and blanks become "")."""
        return [self.redact(text) if isinstance(text, str) else "" for text in texts]

    @staticmethod
    def _is_nhs_number(value: str) -> bool:
        from townhall.catalogue.validation import nhs_number_is_valid

        return nhs_number_is_valid(value)

    @staticmethod
    def _is_phone(value: str) -> bool:
        from townhall.catalogue.validation import normalise_uk_phone

        return normalise_uk_phone(value.replace("(", "").replace(")", "")) is not None

    def _is_birth_date(self, text: str, match: re.Match[str]) -> bool:
        if _BIRTH_CUE.search(text[max(0, match.start() - 40):match.start()]):
            return True
        year_text = match.group("y1") or match.group("y2") or match.group("y3") or match.group("y4")
        year = int(year_text)
        if len(year_text) == 2:
            return False  # a two-digit year is too ambiguous without a cue
        return year <= self.today.year - OLD_DATE_YEARS

    def _name_spans(self, text: str, extra_names: Sequence[str]) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for match in _TITLED_NAME.finditer(text):
            spans.append((match.start(), match.end()))
        for match in _NAME_CUE.finditer(text):
            spans.append((match.start(1), match.end(1)))
        if not self.names.empty:
            for match in _CAPITALISED_RUN.finditer(text):
                words = match.group().split()
                for first_index in range(len(words) - 1):
                    first, last = words[first_index].lower(), words[first_index + 1].lower()
                    if first in self.names.first_names and re.split(r"[-\s]", last)[0] in self.names.surnames:
                        start = match.start() + match.group().index(words[first_index])
                        end = text.index(words[first_index + 1], start) + len(words[first_index + 1])
                        spans.append((start, end))
                        break
        for name in extra_names:
            for part in {part for part in re.split(r"[\s,]+", name or "") if len(part) > 1}:
                for match in re.finditer(rf"\b{re.escape(part)}\b(?:['’]s)?", text, flags=re.IGNORECASE):
                    if match.group()[0].isupper():
                        spans.append((match.start(), match.end()))
        return sorted(spans)
