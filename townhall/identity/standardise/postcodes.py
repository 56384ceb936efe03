"""Postcodes: UK postcodes in one written form ("AB1 2CD") with the nested areas they sit in, and postal codes from
elsewhere (Australian 4-digit, US ZIP and ZIP+4, any other) kept as codes rather than dropped.

The UK format check is the catalogue's (``townhall.catalogue.validation.normalise_postcode``); this module adds
leniency about stray punctuation ("AY1-4QT", "AY1 4QT.") and works over whole columns. ``standardise_postal_codes``
decides from a column's values whether it holds UK postcodes (then UK comparison levels apply: area, district,
sector) or other codes (compared as codes), and says so in a ``PostcodeFormatChoice``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from townhall.catalogue.date_formats import ColumnReport, count_text
from townhall.catalogue.validation import POSTAL_CODE_PATTERN, UK_POSTCODE_COLUMN_SHARE, normalise_postcode
from townhall.identity.standardise._series import (
    as_series,
    as_text,
    distinct_with_counts,
    map_distinct,
    map_distinct_to_frame,
    report_figures,
)

_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")
_AREA = re.compile(r"[A-Z]+")


def standardise_postcode(text: object) -> str | None:
    """A UK postcode as 'AB1 2CD' (case, spaces and stray punctuation ignored), or None if it is not one."""
    raw = as_text(text)
    if raw is None:
        return None
    return normalise_postcode(_NOT_ALPHANUMERIC.sub("", raw))


def standardise_postcodes(series: pd.Series) -> pd.Series:
    """standardise_postcode over a column, computed once per distinct value."""
    return map_distinct(series, standardise_postcode)


class PostcodeParts(NamedTuple):
    """The units a postcode nests in, largest first: 'AY1 4QT' -> ('AY', 'AY1', 'AY1 4', 'AY1 4QT')."""

    area: str
    district: str
    sector: str
    unit: str


def postcode_parts(postcode: object) -> PostcodeParts | None:
    """Area, district, sector and unit of a postcode, for comparing records at each level; None if not a postcode."""
    unit = standardise_postcode(postcode)
    if unit is None:
        return None
    outward, inward = unit.split(" ")
    area = _AREA.match(outward).group(0)  # type: ignore[union-attr]  # every valid outward code starts with letters
    return PostcodeParts(area=area, district=outward, sector=f"{outward} {inward[0]}", unit=unit)


def postcode_parts_frame(series: pd.Series) -> pd.DataFrame:
    """postcode_parts over a column: a frame with columns area, district, sector and unit, on the column's index."""
    return map_distinct_to_frame(series, postcode_parts, PostcodeParts._fields)


# --- postal codes from anywhere ---------------------------------------------------------------------------------------

UK_POSTCODE = "UK postcode"
DIGITS_4 = "4 digits (as in Australia)"
US_ZIP = "5-digit ZIP code"
US_ZIP_PLUS_4 = "ZIP+4 code"
OTHER_CODE = "other code"
NOT_A_CODE = "not a code"
INVALID_UK_POSTCODE = "not a UK postcode"
NOT_A_POSTAL_CODE = "not a postal code"
POSTCODE_PROBLEMS = (INVALID_UK_POSTCODE, NOT_A_POSTAL_CODE)

_ZIP_PLUS_4 = re.compile(r"([0-9]{5})[ -]?([0-9]{4})")
_OTHER_CODE = re.compile(POSTAL_CODE_PATTERN)


def postal_code(text: object) -> str | None:
    """Any postal code as a plain code: upper case, no spaces or punctuation ('2612', 'K1A0B1', '902101234')."""
    raw = as_text(text)
    if raw is None:
        return None
    compact = _NOT_ALPHANUMERIC.sub("", raw).upper()
    return compact if _OTHER_CODE.fullmatch(compact) and compact.isascii() else None


def postal_code_kind(text: object) -> str:
    """What a value looks like: a UK postcode, 4 digits, a 5-digit ZIP, a ZIP+4, another code or not a code."""
    raw = as_text(text)
    if raw is None:
        return NOT_A_CODE
    if standardise_postcode(raw) is not None:
        return UK_POSTCODE
    stripped = raw.strip()
    if _ZIP_PLUS_4.fullmatch(stripped):
        return US_ZIP_PLUS_4
    code = postal_code(raw)
    if code is None:
        return NOT_A_CODE
    if code.isdigit() and len(code) == 4:
        return DIGITS_4
    if code.isdigit() and len(code) == 5:
        return US_ZIP
    return OTHER_CODE


@dataclass
class PostcodeFormatChoice(ColumnReport):
    """Whether a column holds UK postcodes or other postal codes, and what standardising it did.

    ``uk_specific`` says whether UK comparison levels (area, district, sector from ``postcode_parts``) apply; when it
    is False compare the codes as codes (exact, or with an edit distance). ``format_counts`` counts the kinds of value
    found (UK postcode, 4 digits, 5-digit ZIP, ZIP+4, other code); ``padded`` counts numeric codes that had lost their
    leading zeros (a spreadsheet stored 02134 as 2134) and were given them back.
    """

    uk_specific: bool = True
    format_counts: dict[str, int] = field(default_factory=dict)
    padded: int = 0

    @property
    def kind(self) -> str:
        """'UK postcodes' or 'postal codes (not UK)'."""
        return "UK postcodes" if self.uk_specific else "postal codes (not UK)"


def _numeric_length(kinds: Sequence[str], counts: Sequence[int]) -> int | None:
    """The length of the column's numeric codes (4 or 5) when most of its values are numeric codes, else None."""
    tally = Counter()
    for kind, count in zip(kinds, counts, strict=True):
        tally[kind] += count
    numeric = tally[DIGITS_4] + tally[US_ZIP] + tally[US_ZIP_PLUS_4]
    total = sum(count for kind, count in tally.items() if kind != NOT_A_CODE)
    if not total or numeric * 2 < total:
        return None
    return 5 if tally[US_ZIP] + tally[US_ZIP_PLUS_4] > tally[DIGITS_4] else 4


def _other_code(text: object, kind: str, length: int | None) -> tuple[str | None, bool]:
    """A value of a non-UK column as its code, and whether leading zeros were given back to it."""
    code = postal_code(text)
    if code is None:
        return None, False
    if kind == US_ZIP_PLUS_4 and length == 5:
        return code[:5], False  # ZIP+4 compared on its 5-digit ZIP, which every source has
    if length and code.isdigit() and length - 2 <= len(code) < length:
        return code.zfill(length), True
    return code, False


def _describe_postcodes(uk: bool, filled: int, kept: int, format_counts: dict[str, int], padded: int,
                        length: int | None) -> str:
    """Why the column was read as it was, in words."""
    found = ", ".join(f"{kind}: {count:,}" for kind, count in sorted(format_counts.items(), key=lambda item: -item[1]))
    if not filled:
        return "The column is empty."
    share = format_counts.get(UK_POSTCODE, 0) / filled
    if uk:
        text = (f"UK postcodes: {share:.0%} of the {filled:,} values are in a UK postcode format ({found}), so they "
                "are written 'AB1 2CD' and compared by area, district and sector")
        if kept < filled:
            left = filled - kept
            what = "value that is not a UK postcode is" if left == 1 else "values that are not UK postcodes are"
            text += f"; {left:,} {what} left out and flagged"
        return text + "."
    text = (f"Not UK postcodes: only {share:.0%} of the {filled:,} values are in a UK postcode format ({found}), so "
            "every value is kept as a code (upper case, no spaces or punctuation) and compared as a code")
    if length == 5 and format_counts.get(US_ZIP_PLUS_4):
        text += "; ZIP+4 codes are compared on their 5-digit ZIP"
    if padded:
        text += f"; {count_text(padded, 'numeric code')} had lost leading zeros and had them given back"
    if kept < filled:
        text += f"; {count_text(filled - kept, 'value')} {'is' if filled - kept == 1 else 'are'} not a code at all"
    return text + "."


def standardise_postal_codes(series: Sequence[object] | pd.Series, *, uk: bool | None = None) -> pd.DataFrame:
    """Postal codes of a column: a 'postcode' column and a 'problem' column, with a ``PostcodeFormatChoice`` in
    ``frame.attrs["postcode_format"]``.

    A column where at least half the values are UK postcodes is read as UK postcodes ("AB1 2CD"; others missing and
    flagged "not a UK postcode"); any other column keeps every value as a code ("2612", "90210", "K1A0B1"), with
    ZIP+4 shortened to the ZIP and lost leading zeros given back. ``uk`` forces the decision.
    """
    column = as_series(series)
    codes, uniques, counts = distinct_with_counts(column)
    kinds = [postal_code_kind(value) for value in uniques]
    filled = int(sum(count for value, count in zip(uniques, counts, strict=True) if (as_text(value) or "").strip()))
    uk_count = int(sum(count for kind, count in zip(kinds, counts, strict=True) if kind == UK_POSTCODE))
    is_uk = uk if uk is not None else bool(filled) and uk_count >= UK_POSTCODE_COLUMN_SHARE * filled
    length = None if is_uk else _numeric_length(kinds, counts)
    results: list[str | None] = []
    problems: list[str | None] = []
    padded = 0
    for value, kind, count in zip(uniques, kinds, counts, strict=True):
        blank = not (as_text(value) or "").strip()
        if is_uk:
            result, was_padded = standardise_postcode(value), False
        else:
            result, was_padded = _other_code(value, kind, length)
        padded += int(count) if was_padded else 0
        results.append(result)
        problems.append(None if result is not None or blank else
                        INVALID_UK_POSTCODE if is_uk else NOT_A_POSTAL_CODE)
    format_counts: dict[str, int] = {}
    for kind, count in zip(kinds, counts, strict=True):
        if kind != NOT_A_CODE:
            format_counts[kind] = format_counts.get(kind, 0) + int(count)
    standard = pd.array(results, dtype="str") if results else pd.array([], dtype="str")
    problem = pd.array(problems, dtype="str") if problems else pd.array([], dtype="str")
    frame = pd.DataFrame({"postcode": standard.take(codes, allow_fill=True),
                          "problem": problem.take(codes, allow_fill=True)}, index=column.index)
    filled, kept, rows = report_figures(column, codes, uniques, counts, results)
    frame.attrs["postcode_format"] = PostcodeFormatChoice(
        values=filled, kept=kept, unusable_rows=rows,
        reason=_describe_postcodes(is_uk, filled, kept, format_counts, padded, length),
        uk_specific=is_uk, format_counts=format_counts, padded=padded,
    )
    frame.attrs["report"] = frame.attrs["postcode_format"]
    return frame


def detect_postcode_format(values: Sequence[object] | pd.Series) -> PostcodeFormatChoice:
    """Whether a column holds UK postcodes (UK comparison levels apply) or other postal codes, with the figures."""
    return standardise_postal_codes(values).attrs["postcode_format"]
