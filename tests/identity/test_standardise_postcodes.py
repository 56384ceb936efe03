"""Postcode standardisers: the written form, its parts, properties, and the column version; checked on real data."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import (
    PostcodeParts,
    postcode_parts,
    postcode_parts_frame,
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
