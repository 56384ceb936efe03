"""Realistic data-entry errors for the siloed systems, applied to whole columns at a time.

Each function takes clean values and a rate, changes about that share of rows and returns the new column. The
errors are the ones council data really has: typos, nicknames, swapped names, date slips, bad NHS numbers,
stale or badly written addresses, and inconsistent case and spacing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.formats import DATE_STYLES, format_dates, nhs_number_is_valid, swap_day_and_month
from townhall.demo.names import NAME_SPELLING_VARIANTS, NICKNAMES, STREET_SUFFIX_ABBREVIATIONS

_KEYBOARD_NEIGHBOURS = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok", "o": "ipl",
    "p": "ol", "a": "qsz", "s": "adwx", "d": "sfec", "f": "dgrv", "g": "fhtb", "h": "gjyn", "j": "hkum", "k": "jlim",
    "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}
_NEIGHBOUR_TABLE = {**_KEYBOARD_NEIGHBOURS, **{k.upper(): v.upper() for k, v in _KEYBOARD_NEIGHBOURS.items()}}


def chosen(count: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask choosing about ``rate`` of ``count`` rows."""
    return rng.random(count) < rate


def introduce_typos(values: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Keyboard slips in about ``rate`` of non-empty values: a letter dropped, doubled, swapped or mistyped."""
    values = values.astype("str").reset_index(drop=True)
    length = values.str.len().to_numpy()
    rows = np.flatnonzero(chosen(len(values), rate, rng) & (length >= 3))
    if rows.size == 0:
        return values
    text = values.to_numpy(dtype=object)[rows].astype(np.dtypes.StringDType())
    size = length[rows]
    position = 1 + (rng.random(rows.size) * (size - 1)).astype(np.int64)  # the first letter is rarely mistyped
    kind = rng.integers(0, 4, rows.size)
    before = np.strings.slice(text, 0, position)
    letter = np.strings.slice(text, position, position + 1)
    after = np.strings.slice(text, position + 1, size)
    previous = np.strings.slice(text, position - 1, position)
    before_previous = np.strings.slice(text, 0, position - 1)
    neighbours = pd.Series(letter.astype(object)).map(_NEIGHBOUR_TABLE).fillna("").to_numpy(dtype=object)
    neighbour_count = pd.Series(neighbours, dtype="str").str.len().to_numpy()
    pick = (rng.random(rows.size) * np.maximum(neighbour_count, 1)).astype(np.int64)
    replacement = np.strings.slice(neighbours.astype(np.dtypes.StringDType()), pick, pick + 1)
    add = np.strings.add
    typed = np.select(
        [kind == 0, kind == 1, kind == 2, (kind == 3) & (neighbour_count > 0)],
        [add(before, after),                                   # dropped letter
         add(add(before, letter), add(letter, after)),         # doubled letter
         add(add(before_previous, letter), add(previous, after)),  # swapped with the previous letter
         add(add(before, replacement), after)],                # neighbouring key
        add(before, after))
    result = values.to_numpy(dtype=object).copy()
    result[rows] = typed.astype(object)
    return pd.Series(result, dtype="str")


def use_nicknames(first_names: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Replace about ``rate`` of first names that have a known nickname by one (William -> Bill)."""
    first_names = first_names.astype("str").reset_index(drop=True)
    lookup_name = []
    lookup_nick = []
    for formal, nicknames in NICKNAMES.items():
        lookup_name += [formal] * len(nicknames)
        lookup_nick += list(nicknames)
    names = np.array(lookup_name, dtype=object)
    nicks = np.array(lookup_nick, dtype=object)
    first_row = pd.Series(np.arange(len(names))).groupby(names).min()
    counts = pd.Series(names).value_counts()
    start = first_names.map(first_row).to_numpy(dtype=float)
    available = first_names.map(counts).to_numpy(dtype=float)
    rows = np.flatnonzero(chosen(len(first_names), rate, rng) & ~np.isnan(start))
    pick = start[rows].astype(np.int64) + (rng.random(rows.size) * available[rows]).astype(np.int64)
    result = first_names.to_numpy(dtype=object).copy()
    result[rows] = nicks[pick]
    return pd.Series(result, dtype="str")


def use_spelling_variants(first_names: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Write about ``rate`` of names with a known variant spelling (Mohammed/Muhammad, Zoë/Zoe)."""
    first_names = first_names.astype("str").reset_index(drop=True)
    variant_of: dict[str, str] = {}
    for group in NAME_SPELLING_VARIANTS:
        for index, name in enumerate(group):
            variant_of[name] = group[(index + 1) % len(group)]
    variants = first_names.map(variant_of)
    rows = chosen(len(first_names), rate, rng) & variants.notna().to_numpy()
    return first_names.where(~rows, variants)


def swap_columns(first: pd.Series, second: pd.Series, rate: float,
                 rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """Swap two columns' values in about ``rate`` of rows (e.g. forename typed in the surname box)."""
    first, second = first.reset_index(drop=True), second.reset_index(drop=True)
    rows = chosen(len(first), rate, rng)
    return first.where(~rows, second), second.where(~rows, first)


def blank_out(values: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Empty about ``rate`` of values (a field left blank)."""
    values = values.reset_index(drop=True)
    rows = chosen(len(values), rate, rng)
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        return values.where(~rows, "")
    return values.mask(rows)


def vary_case_and_spacing(values: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Make about ``rate`` of values UPPER, lower, or padded with stray spaces, as typed by different people."""
    values = values.astype("str").reset_index(drop=True)
    kind = np.where(chosen(len(values), rate, rng), rng.integers(0, 4, len(values)), -1)
    values = values.where(kind != 0, values.str.upper())
    values = values.where(kind != 1, values.str.lower())
    values = values.where(kind != 2, values + "  ")
    return values.where(kind != 3, " " + values.str.replace(" ", "  ", n=1))


def mixed_date_text(days: np.ndarray, main_style: str, rng: np.random.Generator, *,
                    other_styles: dict[str, float] | None = None, day_month_swap_rate: float = 0.0,
                    missing_rate: float = 0.0) -> np.ndarray:
    """Dates written mostly in ``main_style``, with some rows in other styles, day/month swapped, or blank."""
    days = np.asarray(days, dtype="datetime64[D]").copy()
    swap = chosen(days.size, day_month_swap_rate, rng)
    days[swap] = swap_day_and_month(days[swap])
    days[chosen(days.size, missing_rate, rng)] = np.datetime64("NaT")
    text = format_dates(days, main_style)
    if other_styles:
        draw = rng.random(days.size)
        threshold = 0.0
        for style, share in other_styles.items():
            if style not in DATE_STYLES:
                raise ValueError(f"Unknown date style {style!r}")
            rows = (draw >= threshold) & (draw < threshold + share)
            text[rows] = format_dates(days[rows], style)
            threshold += share
    return text


def shift_years(days: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Move about ``rate`` of dates by a year either way (a mistyped year of birth)."""
    days = np.asarray(days, dtype="datetime64[D]").copy()
    rows = chosen(days.size, rate, rng)
    days[rows] = days[rows] + np.where(rng.random(int(rows.sum())) < 0.5, -365, 365).astype("timedelta64[D]")
    return days


def corrupt_nhs_numbers(numbers: np.ndarray, missing_rate: float, wrong_rate: float,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Blank some NHS numbers and mistype others so the check digit fails; returns (values, was_mistyped)."""
    numbers = np.asarray(numbers, dtype=object).copy()
    wrong = chosen(numbers.size, wrong_rate, rng)
    rows = np.flatnonzero(wrong)
    if rows.size:
        text = pd.Series(numbers[rows], dtype="str")
        last = text.str.slice(9, 10).astype(int).to_numpy()
        # Change the last digit, or swap two middle digits; either way the modulus-11 check then fails
        # (a swap that happens to pass is turned into a check-digit change below).
        swapped = text.str.slice(0, 4) + text.str.slice(5, 6) + text.str.slice(4, 5) + text.str.slice(6, 10)
        changed = text.str.slice(0, 9) + ((last + 1 + rng.integers(0, 8, rows.size)) % 10).astype(str)
        use_swap = (rng.random(rows.size) < 0.4) & (text.str.slice(4, 5) != text.str.slice(5, 6)).to_numpy()
        candidate = changed.where(~use_swap, swapped)
        still_valid = nhs_number_is_valid(candidate).to_numpy()
        numbers[rows] = np.where(still_valid, changed, candidate)
        still_valid = nhs_number_is_valid(pd.Series(numbers[rows], dtype="str")).to_numpy()
        numbers[rows[still_valid]] = ""  # the rare mistyping that still validates becomes a blank
        wrong[rows[still_valid]] = False
    missing = chosen(numbers.size, missing_rate, rng) & ~wrong
    numbers[missing] = ""
    return numbers, wrong


def abbreviate_streets(addresses: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Shorten street types in about ``rate`` of addresses (Road -> Rd, Avenue -> Ave)."""
    addresses = addresses.astype("str").reset_index(drop=True)
    rows = chosen(len(addresses), rate, rng)
    shortened = addresses
    for full, short in STREET_SUFFIX_ABBREVIATIONS.items():
        shortened = shortened.str.replace(f" {full}", f" {short}", regex=False)
    return addresses.where(~rows, shortened)


def untidy_postcodes(postcodes: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Write about ``rate`` of postcodes without the space or in lower case, as people type them."""
    postcodes = postcodes.astype("str").reset_index(drop=True)
    kind = np.where(chosen(len(postcodes), rate, rng), rng.integers(0, 3, len(postcodes)), -1)
    postcodes = postcodes.where(kind != 0, postcodes.str.replace(" ", "", regex=False))
    postcodes = postcodes.where(kind != 1, postcodes.str.lower())
    return postcodes.where(kind != 2, postcodes.str.replace(" ", "  ", regex=False))
