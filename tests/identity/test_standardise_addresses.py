"""Address standardisers: parsing worked examples, household keys, UPRNs, properties and the column versions."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import (
    Address,
    address_key,
    address_keys,
    parse_address,
    parse_addresses,
    standardise_uprn,
    standardise_uprns,
)


def address(**parts: str) -> Address:
    """An Address with the given parts and None elsewhere."""
    return Address(**{field: parts.get(field) for field in Address._fields})


@pytest.mark.parametrize(("text", "expected"), [
    ("Flat 2, 14 Mill Road, Ashbury AY1 4QT",
     address(flat="2", house_number="14", street="mill road", town="ashbury", postcode="AY1 4QT")),
    ("2/14 Mill Rd", address(flat="2", house_number="14", street="mill road")),
    ("14a Mill Road", address(house_number="14a", street="mill road")),
    ("Apartment 3 Rose Court, Mill Road", address(flat="3", house_name="rose court", street="mill road")),
    ("14 Rose Court, Mill Road, Ashbury",
     address(flat="14", house_name="rose court", street="mill road", town="ashbury")),
    ("14 Mill Road Ashbury AY1 4QT",
     address(house_number="14", street="mill road", town="ashbury", postcode="AY1 4QT")),
    ("FLAT 2\n14 MILL ROAD\nASHBURY\nAY1 4QT",
     address(flat="2", house_number="14", street="mill road", town="ashbury", postcode="AY1 4QT")),
    ("14, Mill Road, Ashbury", address(house_number="14", street="mill road", town="ashbury")),
    ("14-16 Church Hill Road, Ashbury", address(house_number="14-16", street="church hill road", town="ashbury")),
    ("Ground Floor Flat, 22 Park Rd, Ashbury",
     address(flat="ground floor", house_number="22", street="park road", town="ashbury")),
    ("Basement Flat 22 Park Rd", address(flat="basement", house_number="22", street="park road")),
    ("Rose Cottage, Mill Ln, Little Ashby, Ashbury, West Yorkshire, AY2 1AB",
     address(house_name="rose cottage", street="mill lane", locality="little ashby", town="ashbury",
             postcode="AY2 1AB")),
    ("14 St. John's Rd, St Albans", address(house_number="14", street="st johns road", town="st albans")),
    ("14 Saint Johns Road, St Albans", address(house_number="14", street="st johns road", town="st albans")),
    ("14 High St, Ashbury", address(house_number="14", street="high street", town="ashbury")),
    ("3 Elm Gdns", address(house_number="3", street="elm gardens")),
    ("3 Elm Ave", address(house_number="3", street="elm avenue")),
    ("3 Elm Cl", address(house_number="3", street="elm close")),
    ("3 Elm Cres", address(house_number="3", street="elm crescent")),
    ("3 Elm Dr", address(house_number="3", street="elm drive")),
    ("3 Elm Pl", address(house_number="3", street="elm place")),
    ("3 Elm Sq", address(house_number="3", street="elm square")),
    ("3 Elm Terr", address(house_number="3", street="elm terrace")),
    ("14 Mill Road North, Ashbury", address(house_number="14", street="mill road north", town="ashbury")),
    ("22 Broadway, Ashbury", address(house_number="22", street="broadway", town="ashbury")),
    ("Rose Court, Ashbury", address(street="rose court", town="ashbury")),
    ("Flat 2/1, 10 Byres Road, Glasgow G12 8AA",
     address(flat="2/1", house_number="10", street="byres road", town="glasgow", postcode="G12 8AA")),
    ("Zoë's Cottage, Mill Lane", address(house_name="zoes cottage", street="mill lane")),
    ("Mill Farm", address(house_name="mill farm")),
    ("", address()),
    (None, address()),
])
def test_parse_address_examples(text: str | None, expected: Address) -> None:
    assert parse_address(text) == expected


def test_address_key_for_household_matching() -> None:
    assert address_key("Flat 2, 14 Mill Road, Ashbury AY1 4QT") == "2|14|mill road|AY1 4QT"
    assert address_key(parse_address("Flat 2, 14 Mill Road, Ashbury AY1 4QT")) == "2|14|mill road|AY1 4QT"
    same_household = ["FLAT 2, 14 MILL RD, ASHBURY, AY14QT", "2/14 Mill Road, Ashbury, AY1 4QT",
                      "Flat 2 14 Mill Road Ashbury AY1 4QT"]
    assert {address_key(text) for text in same_household} == {"2|14|mill road|AY1 4QT"}
    assert address_key("Flat 3, 14 Mill Road, Ashbury AY1 4QT") != address_key("Flat 2, 14 Mill Road, AY1 4QT")
    assert address_key("Rose Cottage, Mill Lane, Ashbury") == "|rose cottage|mill lane|ashbury"
    assert address_key("") is None
    assert address_key(None) is None


@given(st.text())
@settings(deadline=None, max_examples=500)
def test_parse_address_never_raises(text: str) -> None:
    parsed = parse_address(text)
    assert isinstance(parsed, Address)
    for part in parsed:
        assert part is None or part.strip() == part != ""
    address_key(parsed)


ADDRESS_PIECES = st.sampled_from([
    "Flat", "2", "14", "14a", "/", ",", " ", "Mill", "Rd", "Road", "St", "Court", "Rose", "Ashbury", "AY1 4QT",
    "\n", "-", "Ground", "Floor", "Apartment", "Kent", "Saint", ".", "'", "Broadway", "16",
])


@given(st.lists(ADDRESS_PIECES, max_size=15).map(" ".join))
@settings(deadline=None, max_examples=500)
def test_parse_address_never_raises_on_address_like_text(text: str) -> None:
    assert isinstance(parse_address(text), Address)


@pytest.mark.parametrize(("value", "expected"), [
    ("100023336956", "100023336956"),
    ("000100023336956", "100023336956"),
    (100023336956, "100023336956"),
    (100023336956.0, "100023336956"),
    ("100023336956.0", "100023336956"),
    (" 10 ", "10"),
    ("1.00023E+11", None),
    ("0", None),
    ("1234567890123", None),
    ("abc", None),
    (None, None),
])
def test_standardise_uprn_examples(value: object, expected: str | None) -> None:
    assert standardise_uprn(value) == expected


TEXTS = st.one_of(st.none(), st.text(max_size=30), st.lists(ADDRESS_PIECES, max_size=12).map(" ".join))


@given(st.lists(TEXTS, max_size=30))
@settings(deadline=None, max_examples=100)
def test_the_column_versions_equal_the_one_value_versions(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    frame = parse_addresses(series)
    assert list(frame.columns) == list(Address._fields)
    rows = [tuple(None if pd.isna(cell) else cell for cell in row) for row in frame.itertuples(index=False)]
    assert rows == [tuple(parse_address(value)) for value in values]
    keys = address_keys(series)
    assert [None if pd.isna(key) else key for key in keys] == [address_key(value) for value in values]
    uprns = standardise_uprns(series)
    assert [None if pd.isna(value) else value for value in uprns] == [standardise_uprn(value) for value in values]
