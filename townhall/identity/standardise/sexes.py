"""Sex or gender as recorded: the many codes systems use (M/F, Male/Female, 1/2, U, Not known ...) in one small set.

The set is "female", "male" and "other" (non-binary, intersex, indeterminate or another gender stated). Codes that
mean the sex is not known or not given (U, Unknown, Not stated, 0, 9, X) are missing, never a value that could
count against a match. Numbers follow the NHS and ONS convention: 1 is male, 2 is female. Codes the table does not
know are missing too, and ``standardise_sexes`` lists them (short codes only, with counts) so a person can add them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from townhall.catalogue.date_formats import ColumnReport, count_text
from townhall.identity.standardise._series import as_series, as_text, distinct_with_counts, report_figures
from townhall.identity.standardise._text import fold

FEMALE = "female"
MALE = "male"
OTHER = "other"
SEXES = (FEMALE, MALE, OTHER)

SEX_CODES: dict[str, str | None] = {
    **dict.fromkeys(("f", "female", "fem", "woman", "women", "girl", "w", "2", "02", "feminine", "she", "mrs", "ms",
                     "miss", "lady", "trans woman", "transgender woman", "trans female"), FEMALE),
    **dict.fromkeys(("m", "male", "man", "men", "boy", "1", "01", "masculine", "he", "mr", "trans man",
                     "transgender man", "trans male"), MALE),
    **dict.fromkeys(("other", "non binary", "nonbinary", "nb", "enby", "intersex", "indeterminate", "i", "another",
                     "genderqueer", "agender", "gender fluid", "genderfluid", "third gender", "o", "different",
                     "non-binary", "another gender", "other gender", "prefer to self describe",
                     "self described"), OTHER),
    **dict.fromkeys(("u", "unknown", "unk", "not known", "nk", "n k", "not stated", "ns", "not specified",
                     "unspecified", "not recorded", "prefer not to say", "declined", "refused", "withheld", "0",
                     "00", "9", "09", "x", "z", "not given", "none", "blank", "missing", "na", "n a", "not applicable",
                     "information not yet obtained", "not disclosed"), None),
}
# Unrecognised values longer than this are counted but not listed: a long one may be free text about a person.
LISTED_CODE_LENGTH = 12

_SPACES = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    return _SPACES.sub(" ", fold(text)).strip()


def standardise_sex(value: object) -> str | None:
    """'female', 'male' or 'other' from any common code ('F', 'Male', '1', 'Non-binary'); None when not known."""
    text = as_text(value)
    if text is None:
        return None
    return SEX_CODES.get(_key(text))


def _recognised(value: object) -> bool:
    text = as_text(value)
    return text is None or not text.strip() or _key(text) in SEX_CODES


@dataclass
class SexCodesReport(ColumnReport):
    """What standardising a sex or gender column did: values kept, codes meaning 'not known', and codes the table
    does not know (``unrecognised``: short codes with their counts; longer values only counted)."""

    not_known: int = 0
    unrecognised: dict[str, int] = field(default_factory=dict)
    unrecognised_long: int = 0
    numeric: bool = False  # codes 1 and 2 were read as male and female


def standardise_sexes(series: Sequence[object] | pd.Series) -> pd.Series:
    """standardise_sex over a column, with a ``SexCodesReport`` in ``result.attrs["report"]``."""
    column = as_series(series)
    codes, uniques, counts = distinct_with_counts(column)
    results = [standardise_sex(value) for value in uniques]
    array = pd.array(results, dtype="str") if results else pd.array([], dtype="str")
    output = pd.Series(array.take(codes, allow_fill=True), index=column.index, name=column.name)
    filled, kept, rows = report_figures(column, codes, uniques, counts, results)
    unrecognised: dict[str, int] = {}
    long_values = not_known = 0
    numeric = False
    for value, count, result in zip(uniques, counts, results, strict=True):
        text = (as_text(value) or "").strip()
        if not text:
            continue
        numeric = numeric or (result is not None and text.lstrip("0") in ("1", "2"))
        if _recognised(value):
            not_known += int(count) if result is None else 0
        elif len(text) <= LISTED_CODE_LENGTH:
            unrecognised[text] = unrecognised.get(text, 0) + int(count)
        else:
            long_values += int(count)
    parts = [f"{kept:,} of {filled:,} values give a sex (female, male or other)"]
    if not_known:
        parts.append(f"{count_text(not_known, 'value')} mean not known and are left empty")
    if numeric:
        parts.append("numbers are read as 1 = male and 2 = female (the NHS and ONS convention)")
    if unrecognised or long_values:
        listed = ", ".join(f"'{code}' ({number:,})" for code, number in sorted(unrecognised.items(),
                                                                             key=lambda item: -item[1])[:10])
        parts.append("codes not recognised, left empty: " + (listed or "") + (
            f"{', ' if listed else ''}{count_text(long_values, 'longer value')}" if long_values else ""))
    output.attrs["report"] = SexCodesReport(
        values=filled, kept=kept, unusable_rows=rows, reason="; ".join(parts) + ".", not_known=not_known,
        unrecognised=unrecognised, unrecognised_long=long_values, numeric=numeric,
    )
    return output
