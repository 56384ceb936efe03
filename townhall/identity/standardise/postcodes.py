"""UK postcodes: one written form ("AB1 2CD") and the nested areas a postcode sits in, for postcode-level comparisons.

The format check is the catalogue's (``townhall.catalogue.validation.normalise_postcode``); this module only adds
leniency about stray punctuation ("AY1-4QT", "AY1 4QT.") and works over whole columns.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from townhall.catalogue.validation import normalise_postcode
from townhall.identity.standardise._series import as_text, map_distinct, map_distinct_to_frame

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
