"""NHS number standardisers: reasons for rejection, check-digit properties, and the column version."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from townhall.identity import (
    NHS_NUMBER_PROBLEMS,
    StandardNhsNumber,
    check_nhs_number,
    standardise_nhs_number,
    standardise_nhs_numbers,
)


def with_check_digit(first_nine: str) -> str | None:
    """The ten-digit NHS number for nine digits (modulus 11, weights 10 to 2), or None when none can be issued."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else first_nine + str(check)


@pytest.mark.parametrize(("value", "expected"), [
    ("943 476 5919", StandardNhsNumber("9434765919", None)),
    ("9434765919", StandardNhsNumber("9434765919", None)),
    ("943-476-5919", StandardNhsNumber("9434765919", None)),
    (" 9434765919 ", StandardNhsNumber("9434765919", None)),
    (9434765919, StandardNhsNumber("9434765919", None)),
    (9434765919.0, StandardNhsNumber("9434765919", None)),
    ("9434765918", StandardNhsNumber(None, "bad check digit")),
    ("943476591", StandardNhsNumber(None, "wrong length")),
    ("94347659190", StandardNhsNumber(None, "wrong length")),
    ("0000000000", StandardNhsNumber(None, "placeholder")),
    ("9999999999", StandardNhsNumber(None, "placeholder")),
    ("1111111111", StandardNhsNumber(None, "placeholder")),  # passes the arithmetic, still a placeholder
    ("unknown", StandardNhsNumber(None, "not a number")),
    ("943.476.5919", StandardNhsNumber(None, "not a number")),
    ("", StandardNhsNumber(None, None)),
    (None, StandardNhsNumber(None, None)),
    (float("nan"), StandardNhsNumber(None, None)),
])
def test_check_nhs_number_examples(value: object, expected: StandardNhsNumber) -> None:
    assert check_nhs_number(value) == expected
    assert standardise_nhs_number(value) == expected.nhs_number


def test_every_reason_is_listed() -> None:
    assert set(NHS_NUMBER_PROBLEMS) == {"not a number", "wrong length", "placeholder", "bad check digit"}


@given(st.from_regex(r"\A[0-9]{9}\Z"))
def test_numbers_with_a_valid_check_digit_pass(first_nine: str) -> None:
    number = with_check_digit(first_nine)
    assume(number is not None and len(set(number)) > 1)
    assert standardise_nhs_number(number) == number
    assert standardise_nhs_number(f"{number[:3]} {number[3:6]} {number[6:]}") == number


@given(st.from_regex(r"\A[0-9]{9}\Z"), st.integers(0, 9), st.integers(1, 9))
def test_changing_any_one_digit_fails(first_nine: str, position: int, change: int) -> None:
    number = with_check_digit(first_nine)
    assume(number is not None and len(set(number)) > 1)
    changed = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1:]
    result = check_nhs_number(changed)
    assert result.nhs_number is None
    assert result.problem in ("bad check digit", "placeholder")


def test_invalid_numbers_are_dropped_as_identifiers_not_records() -> None:
    series = pd.Series(["943 476 5919", "0000000000", None, "123", "9434765919"], index=[7, 8, 9, 10, 11])
    frame = standardise_nhs_numbers(series)
    assert list(frame.index) == [7, 8, 9, 10, 11]
    assert list(frame.columns) == ["nhs_number", "problem"]
    assert [None if pd.isna(v) else v for v in frame["nhs_number"]] == ["9434765919", None, None, None, "9434765919"]
    assert [None if pd.isna(v) else v for v in frame["problem"]] == [None, "placeholder", None, "wrong length", None]


def test_the_column_version_reads_numbers_stored_as_numbers() -> None:
    frame = standardise_nhs_numbers(pd.Series([9434765919, 9434765918], dtype="int64"))
    assert frame["nhs_number"].tolist()[0] == "9434765919"
    assert frame["problem"].tolist()[1] == "bad check digit"
    floats = standardise_nhs_numbers(pd.Series([9434765919.0, float("nan")]))
    assert floats["nhs_number"].tolist()[0] == "9434765919" and pd.isna(floats["nhs_number"].tolist()[1])


@given(st.lists(st.one_of(st.none(), st.text(max_size=12), st.from_regex(r"\A[0-9 ]{9,12}\Z")), max_size=40))
@settings(deadline=None, max_examples=100)
def test_the_column_version_equals_the_one_value_version(values: list[str | None]) -> None:
    frame = standardise_nhs_numbers(pd.Series(values, dtype=object))
    rows = [tuple(None if pd.isna(cell) else cell for cell in row) for row in frame.itertuples(index=False)]
    assert rows == [tuple(check_nhs_number(value)) for value in values]
