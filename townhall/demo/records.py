"""Shared pieces for building a siloed system's table: the table description, record ids, name styles, errors.

A ``SourceTable`` is one system's export before it is written: its rows, file format and owner, and (for systems
holding people) the true person and household behind each record, which goes only to truth/record_links.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from townhall.demo.errors import (
    introduce_typos,
    swap_columns,
    use_nicknames,
    use_spelling_variants,
    vary_case_and_spacing,
)
from townhall.demo.formats import whole_years_between

FILE_FORMATS = ("csv", "csv-bom", "csv-windows-1252", "csv-semicolon", "xlsx", "parquet")


@dataclass
class SourceTable:
    """One system's export: rows as the system holds them, how the file is written, and the hidden truth."""

    name: str
    file_name: str
    file_format: str
    owner: str
    description: str
    frame: pd.DataFrame
    record_id_column: str | None = None
    links: pd.DataFrame | None = None  # record_id, person_id, household_id (nullable), aligned with frame rows
    sheet: str | None = None
    date_cell_columns: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.file_format not in FILE_FORMATS:
            raise ValueError(f"{self.name}: unknown file format {self.file_format!r}")
        if self.links is not None and len(self.links) != len(self.frame):
            raise ValueError(f"{self.name}: {len(self.links)} truth links for {len(self.frame)} records")


def record_ids(prefix: str, count: int, rng: np.random.Generator, *, width: int = 7, order: np.ndarray | None = None,
               start: int = 1) -> np.ndarray:
    """Unique ids like 'CT0001234' that grow with ``order`` (e.g. a start date), with random gaps between them."""
    numbers = start + np.cumsum(rng.integers(1, 4, count))
    if order is not None:
        ranked = np.empty(count, dtype=np.int64)
        ranked[np.argsort(order, kind="stable")] = np.arange(count)
        numbers = numbers[ranked]
    return (prefix + pd.Series(numbers).astype(str).str.zfill(width)).to_numpy(dtype=object)


def links_frame(record_id: np.ndarray, person_id: np.ndarray, household_id: np.ndarray) -> pd.DataFrame:
    """The truth behind each record: person and household ids; negative ids mean 'no person' and are left blank."""
    person = pd.Series(np.asarray(person_id, dtype=np.int64), dtype="Int64")
    household = pd.Series(np.asarray(household_id, dtype=np.int64), dtype="Int64")
    return pd.DataFrame({"record_id": np.asarray(record_id, dtype=object), "person_id": person.mask(person < 0),
                         "household_id": household.mask(household < 0)})


@dataclass(frozen=True)
class NameErrors:
    """How often a system gets a name wrong; rates are shares of records."""

    typo: float = 0.03
    nickname: float = 0.03
    spelling_variant: float = 0.01
    swapped: float = 0.005
    case_and_spacing: float = 0.02


def garble_names(first: pd.Series, surname: pd.Series, errors: NameErrors,
                 rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """Apply a system's name errors: nicknames, variant spellings, typos, swapped fields, case and spacing."""
    first = use_nicknames(first, errors.nickname, rng)
    first = use_spelling_variants(first, errors.spelling_variant, rng)
    first = introduce_typos(first, errors.typo / 2, rng)
    surname = introduce_typos(surname, errors.typo / 2, rng)
    first, surname = swap_columns(first, surname, errors.swapped, rng)
    return (vary_case_and_spacing(first, errors.case_and_spacing, rng),
            vary_case_and_spacing(surname, errors.case_and_spacing, rng))


def titles(sex: np.ndarray, married: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mr, Mrs, Ms, Miss or Dr as a council form would record them."""
    draw = rng.random(len(sex))
    female = np.where(married, np.where(draw < 0.75, "Mrs", "Ms"), np.where(draw < 0.5, "Miss", "Ms"))
    title = np.where(np.asarray(sex) == "M", "Mr", female)
    return np.where(draw > 0.985, "Dr", title).astype(object)


def pick(options: list[str] | tuple[str, ...], count: int, rng: np.random.Generator,
         weights: list[float] | np.ndarray | None = None) -> np.ndarray:
    """Draw ``count`` values from ``options`` (optionally weighted)."""
    probabilities = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    return np.array(options, dtype=object)[rng.choice(len(options), size=count, p=probabilities)]


def uniform_dates(start: np.ndarray | np.datetime64, end: np.ndarray | np.datetime64,
                  rng: np.random.Generator, count: int | None = None) -> np.ndarray:
    """A random day between ``start`` and ``end`` (inclusive of start), row by row."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    size = count if count is not None else max(start.size, end.size)
    span = np.maximum((end - start).astype(np.int64), 0)
    return start + (rng.random(size) * span).astype(np.int64).astype("timedelta64[D]")


def age_on(date_of_birth: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Whole years of age on each date."""
    return whole_years_between(np.asarray(date_of_birth, dtype="datetime64[D]"), np.asarray(dates, "datetime64[D]"))


# Ofcom reserves these ranges for drama and fiction, so no real person has these numbers; there are about 16,000,
# so in boroughs of more than ~35,000 households some households share a number (documented in docs/demo.md).
_FICTIONAL_PHONE_PREFIXES = (
    "07700 900", "01632 960", "0113 496 0", "0114 496 0", "0115 496 0", "0116 496 0", "0117 496 0", "0118 496 0",
    "0121 496 0", "0131 496 0", "0141 496 0", "0151 496 0", "0161 496 0", "0191 498 0", "020 7946 0", "029 2018 0",
)


def fictional_phone_numbers(count: int, rng: np.random.Generator) -> np.ndarray:
    """Phone numbers from Ofcom's drama ranges, spread so that repeats are as rare as the ranges allow."""
    pool_size = 1000 * len(_FICTIONAL_PHONE_PREFIXES)
    slots = (rng.permutation(max(count, 1)) % pool_size)[:count]
    slots = rng.permutation(pool_size)[slots]
    prefix = np.array(_FICTIONAL_PHONE_PREFIXES, dtype=object)[slots // 1000]
    return prefix + pd.Series(slots % 1000).astype(str).str.zfill(3).to_numpy(dtype=object)
