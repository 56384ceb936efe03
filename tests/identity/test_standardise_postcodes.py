"""Postcode standardisers: the written form, its parts, properties, and the column version; checked on real data."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import (
    PostcodeFormatChoice,
    PostcodeParts,
    detect_postcode_format,
    postcode_parts,
    postcode_parts_frame,
    standardise_postal_codes,
    standardise_postcode,
    standardise_postcodes,
)

REAL_POSTCODES = Path(__file__).resolve().parents[3] / "shared" / "data" / "uk-geography" / (
    "trafford_postcodes_trafford_postcodes.csv"
)


@pytest.mark.parametrize(("text", "expected"), [
    ("AY1 4QT", "AY1 4QT"),
    ("ay14qt", "AY1 4QT"),
    ("  ay1   4qt ", "AY1 4QT"),
    ("AY1-4QT.", "AY1 4QT"),
    ("EC1A 1BB", "EC1A 1BB"),
    ("W1A0AX", "W1A 0AX"),
    ("M15 4AB", "M15 4AB"),
    ("gir 0aa", "GIR 0AA"),
    ("AY1", None),
    ("not known", None),
    ("", None),
    (None, None),
])
def test_standardise_postcode_examples(text: str | None, expected: str | None) -> None:
    assert standardise_postcode(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("AY1 4QT", PostcodeParts("AY", "AY1", "AY1 4", "AY1 4QT")),
    ("ec1a1bb", PostcodeParts("EC", "EC1A", "EC1A 1", "EC1A 1BB")),
    ("M15 4AB", PostcodeParts("M", "M15", "M15 4", "M15 4AB")),
    ("W1A 0AX", PostcodeParts("W", "W1A", "W1A 0", "W1A 0AX")),
])
def test_postcode_parts_examples(text: str, expected: PostcodeParts) -> None:
    assert postcode_parts(text) == expected


def test_postcode_parts_of_a_non_postcode_is_none() -> None:
    assert postcode_parts("nowhere") is None
    assert postcode_parts(None) is None


POSTCODES = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}\Z")


@given(POSTCODES, st.sampled_from(["", " ", "  "]), st.booleans())
def test_any_valid_postcode_normalises_whatever_its_spacing_and_case(compact: str, space: str, lower: bool) -> None:
    written = compact[:-3] + space + compact[-3:]
    result = standardise_postcode(written.lower() if lower else written)
    assert result == f"{compact[:-3]} {compact[-3:]}"
    parts = postcode_parts(result)
    assert parts is not None and parts.unit == result and result.startswith(parts.sector)
    assert parts.sector.startswith(parts.district) and parts.district.startswith(parts.area)


@given(st.text())
def test_standardise_postcode_is_idempotent(text: str) -> None:
    once = standardise_postcode(text)
    assert once is None or standardise_postcode(once) == once


@pytest.mark.skipif(not REAL_POSTCODES.exists(), reason="shared real postcode file not available")
def test_every_real_trafford_postcode_is_already_standard() -> None:
    with REAL_POSTCODES.open(encoding="utf-8") as handle:
        postcodes = [row["postcode"] for row in csv.DictReader(handle)]
    assert len(postcodes) > 10_000
    series = pd.Series([postcode.lower().replace(" ", "") for postcode in postcodes])
    assert standardise_postcodes(series).tolist() == postcodes


@given(st.lists(st.one_of(st.none(), st.text(max_size=9), POSTCODES), max_size=40))
@settings(deadline=None, max_examples=100)
def test_the_column_versions_equal_the_one_value_versions(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    result = standardise_postcodes(series)
    assert [None if pd.isna(value) else value for value in result] == [standardise_postcode(v) for v in values]
    frame = postcode_parts_frame(series)
    assert list(frame.columns) == ["area", "district", "sector", "unit"]
    rows = [tuple(None if pd.isna(cell) else cell for cell in row) for row in frame.itertuples(index=False)]
    expected = [tuple(postcode_parts(value) or (None, None, None, None)) for value in values]
    assert rows == expected


# --- postal codes that are not UK postcodes ------------------------------------------------------------------------


def test_an_australian_column_is_kept_as_codes_and_says_uk_levels_do_not_apply() -> None:
    frame = standardise_postal_codes(pd.Series(["2612", "2000", 800, "3121 ", None, "?"], dtype=object))
    assert frame["postcode"].tolist()[:4] == ["2612", "2000", "0800", "3121"]
    assert frame["problem"].tolist()[5] == "not a postal code"
    choice = frame.attrs["postcode_format"]
    assert isinstance(choice, PostcodeFormatChoice)
    assert not choice.uk_specific and choice.kind == "postal codes (not UK)"
    assert choice.values == 5 and choice.kept == 4 and choice.unusable_rows == (5,)
    assert choice.padded == 1 and "leading zeros" in choice.reason


def test_a_us_column_keeps_zips_and_compares_zip_plus_4_on_the_zip() -> None:
    frame = standardise_postal_codes(pd.Series(["90210", "02134", 2134, "10001-1234", "606011234"], dtype=object))
    assert frame["postcode"].tolist() == ["90210", "02134", "02134", "10001", "60601"]
    choice = detect_postcode_format(["90210", "10001-1234"])
    assert not choice.uk_specific and choice.format_counts == {"5-digit ZIP code": 1, "ZIP+4 code": 1}


def test_a_uk_column_is_standardised_as_before_and_flags_what_is_not_a_uk_postcode() -> None:
    values = pd.Series(["AY1 4QT", "ay14qt", "EC1A 1BB", "nowhere", None], index=[2, 3, 4, 5, 6])
    frame = standardise_postal_codes(values)
    assert frame["postcode"].tolist()[:3] == ["AY1 4QT", "AY1 4QT", "EC1A 1BB"]
    assert frame["problem"].tolist()[3] == "not a UK postcode"
    choice = frame.attrs["postcode_format"]
    assert choice.uk_specific and choice.kept == 3 and choice.values == 4 and choice.unusable_rows == (5,)
    assert "area, district and sector" in choice.reason


def test_other_alphanumeric_codes_are_kept_upper_case_without_punctuation() -> None:
    frame = standardise_postal_codes(pd.Series(["k1a 0b1", "H0H-0H0", "75008", "1010 AB"]))
    assert frame["postcode"].tolist() == ["K1A0B1", "H0H0H0", "75008", "1010AB"]
    assert not frame.attrs["postcode_format"].uk_specific


def test_the_decision_can_be_forced() -> None:
    assert standardise_postal_codes(pd.Series(["2000"]), uk=True)["postcode"].isna().all()
    assert standardise_postal_codes(pd.Series(["AY1 4QT"]), uk=False)["postcode"].tolist() == ["AY14QT"]


@given(st.lists(st.one_of(st.none(), st.text(max_size=9), POSTCODES, st.from_regex(r"\A[0-9]{4,5}\Z")), max_size=30))
@settings(deadline=None, max_examples=100)
def test_postal_codes_never_raise_and_the_report_adds_up(values: list[str | None]) -> None:
    frame = standardise_postal_codes(pd.Series(values, dtype=object))
    choice = frame.attrs["postcode_format"]
    assert choice.kept == int(frame["postcode"].notna().sum())
    assert choice.values - choice.kept == int(frame["problem"].notna().sum())
    for code in frame["postcode"].dropna():
        assert code == code.upper() and (choice.uk_specific or code.isalnum())
