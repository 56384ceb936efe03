"""More parts of a person: sex or gender codes, given and middle names, house number, street and town, and address
parts taken from separate fields or split from a one-line address."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import (
    SexCodesReport,
    split_given_name,
    split_given_names,
    split_street_line,
    standardise_address_parts,
    standardise_house_number,
    standardise_middle_names,
    standardise_sex,
    standardise_sexes,
    standardise_street,
    standardise_town,
)


@pytest.mark.parametrize(("code", "expected"), [
    ("M", "male"), ("m", "male"), ("Male", "male"), ("MAN", "male"), (1, "male"), ("1", "male"), (1.0, "male"),
    ("F", "female"), ("Female", "female"), ("woman", "female"), (2, "female"), ("02", "female"),
    ("Non-binary", "other"), ("Intersex", "other"), ("Other", "other"), ("I", "other"),
    ("U", None), ("Unknown", None), ("Not known", None), ("not stated", None), ("0", None), ("9", None),
    ("X", None), ("Prefer not to say", None), (None, None), ("", None), ("q", None),
])
def test_sex_codes_come_to_a_small_set_and_unknown_is_missing(code: object, expected: str | None) -> None:
    assert standardise_sex(code) == expected


def test_the_sex_column_reports_unknown_and_unrecognised_codes_without_long_values() -> None:
    values = pd.Series(["M", "F", "1", "2", "U", "Unknown", "q", "q", "Z9", "a long free text note", None],
                       index=range(2, 13))
    result = standardise_sexes(values)
    assert result.tolist()[:4] == ["male", "female", "male", "female"]
    report = result.attrs["report"]
    assert isinstance(report, SexCodesReport)
    assert report.values == 10 and report.kept == 4 and report.not_known == 2
    assert report.unrecognised == {"q": 2, "Z9": 1} and report.unrecognised_long == 1
    assert report.numeric and "1 = male" in report.reason
    assert "free text" not in report.reason
    assert report.unusable_rows == (6, 7, 8, 9, 10)


@pytest.mark.parametrize(("text", "expected"), [
    ("John Paul", ("john", "paul")), ("Mary-Jane Ann", ("mary jane", "ann")), ("Jo Anne", ("jo anne", None)),
    ("JOHN", ("john", None)), ("Mr John A", ("john", "a")), (None, (None, None)),
])
def test_a_forename_field_splits_into_first_and_middle_names(text: str | None, expected: tuple) -> None:
    assert tuple(split_given_name(text)) == expected


def test_given_and_middle_name_columns() -> None:
    frame = split_given_names(pd.Series(["John Paul", None, "Ann"]))
    assert list(frame.columns) == ["first", "middle"]
    assert frame["first"].tolist()[0] == "john" and frame["middle"].tolist()[0] == "paul"
    middle = standardise_middle_names(pd.Series(["Ann-Marie", "J.", None, "  ", "!!"]))
    assert middle.tolist()[:2] == ["ann marie", "j"]
    assert middle.attrs["report"].values == 3 and middle.attrs["report"].kept == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("14", "14"), ("14 A", "14a"), ("14a", "14a"), ("No. 7", "7"), ("14-16", "14-16"), (15.0, "15"), ("007", "7"),
    ("Rose Cottage", None), ("0", None), (None, None),
])
def test_house_numbers(text: object, expected: str | None) -> None:
    assert standardise_house_number(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Mill Rd", (None, "mill road")), ("14a Mill Rd", ("14a", "mill road")), ("St John's Rd", (None, "st johns road")),
    ("wyndham crescent", (None, "wyndham crescent")), ("Kirkgate", (None, "kirkgate")),
    ("High St.", (None, "high street")),
])
def test_streets_and_street_lines(text: str, expected: tuple) -> None:
    assert split_street_line(text) == expected
    assert standardise_street(text) == expected[1]


@pytest.mark.parametrize(("text", "expected"), [
    ("STOKE-ON-TRENT", "stoke on trent"), ("St. Albans", "st albans"), ("Gt Ashby", "great ashby"),
    ("Ashbury, West Yorkshire AY1 4QT", "ashbury"), ("frankston", "frankston"), ("Ashbury St", "ashbury st"),
])
def test_towns(text: str, expected: str) -> None:
    assert standardise_town(text) == expected


def test_address_parts_come_from_separate_fields_else_the_one_line_address() -> None:
    frame = pd.DataFrame({
        "street_number": [15, None, "7a"], "address_1": ["wyndham crescent", "mill rd", None],
        "suburb": ["frankston", "ASHBURY", None],
        "address": [None, "14 Mill Road, Ashbury AY1 4QT", "Flat 2, 3 High St, Little Ashby, Northgate"],
    })
    parts = standardise_address_parts(frame, address="address", house_number="street_number", street="address_1",
                                      town="suburb")
    assert parts.loc[0, ["house_number", "street", "town"]].tolist() == ["15", "wyndham crescent", "frankston"]
    assert parts.loc[1, ["house_number", "street", "town"]].tolist() == ["14", "mill road", "ashbury"]
    assert parts.loc[2, ["flat", "house_number", "street", "locality", "town"]].tolist() == [
        "2", "7a", "high street", "little ashby", "northgate"]
    reports = parts.attrs["reports"]
    assert reports["town"].kept == 3 and reports["house_name"].kept == 0
    assert "field 'suburb'" in reports["town"].reason


def test_address_parts_without_an_address_use_only_the_fields() -> None:
    frame = pd.DataFrame({"no": ["1", "x"], "road": ["Elm Ave", None]})
    parts = standardise_address_parts(frame, house_number="no", street="road")
    assert parts["house_number"].tolist()[0] == "1" and pd.isna(parts["house_number"].tolist()[1])
    assert parts["street"].tolist()[0] == "elm avenue" and parts.attrs["reports"]["town"].kept == 0


@given(st.lists(st.one_of(st.none(), st.text(max_size=15)), max_size=20))
@settings(deadline=None, max_examples=60)
def test_part_standardisers_never_raise(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    assert len(standardise_sexes(series)) == len(values)
    for value in values:
        standardise_house_number(value)
        standardise_town(value)
        split_street_line(value)
        split_given_name(value)
