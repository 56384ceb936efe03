"""Organisations among names: recognised by organisation words in context, never by a surname alone."""

from __future__ import annotations

import pandas as pd
import pytest

from townhall.identity import looks_like_organisation, looks_like_organisations, organisation_reason
from townhall.identity.linkage import prepare

ORGANISATIONS = [
    "Swan Barbers Ltd", "Lion Solicitors LLP", "Acme Widgets Limited", "Tesco PLC", "Ashbury Community Interest CIC",
    "J Smith & Sons", "Smith and Sons", "Jones & Co", "Brown and Co", "Green & Partners", "Patel & Associates",
    "Wilson Bros", "The Bridge Inn", "The Old Bakery", "St Mary's Church", "St Johns Church", "Saint Peter's School",
    "Church of England", "Methodist Church", "Ashbury Parish Council", "Northgate Town Council",
    "Mill Lane Services Ltd", "Ashbury Motors", "Kingfisher Housing Association", "Village Stores", "Corner Stores",
    "Wildlife Trust", "Primary School", "Station Hotel", "Royal Hotel", "Crown Arms", "Bridge Inn", "Star Kitchen",
    "Market Hotel", "Swan Fish Bar", "Beacon Tea Rooms", "Castle Guest House", "Cotton Joinery",
    "Phoenix Engineering", "Riverside Physiotherapy", "Millbrook Convenience Store", "Pennine Print Works",
    "Kingfisher Insurance Brokers", "Riverside Estate Agents", "Highfield Vape Shop", "Ashbury Bookshop",
    "Anchor Grill", "Oakwood Dental Practice", "Ashbury NHS Trust", "Bank of Scotland", "Post Office Stores",
    "Redbank Property Management Ltd", "Ashbury Homes (Rentals) Ltd", "Canal Side Lettings", "Acme Pty Ltd",
    "Highfield Car Garage", "Lion Takeaway", "Ashbury Food Bank Charity",
]
PEOPLE = [
    "John Church", "Mary Company", "Peter Bishop", "Ann Inn", "Sue Barber", "Tom Baker", "Jane Stores", "Bob Trust",
    "Alice School", "Harry Hotel", "Kate Garage", "Church", "Company", "Bishop", "Inn", "Barber", "Baker", "Stores",
    "Trust", "School", "Hotel", "Garage", "CHURCH, John", "Baker, Mary Ann", "Mr & Mrs Smith", "John & Mary Smith",
    "Rose Baker", "George Church", "Art Baker", "Bell Hall", "St John Baker", "Xanthe Church", "Mary Church Baker",
    "Robert Service", "Ann Parish", "Tom Chapel", "David Temple", "Sarah Kitchen", "Jo Mills", "Peter House",
    "Amy Lodge", "Sam Court", "Paul Bank", "Mark Market", "Zoë O'Brien", "Mohammed Al-Hassan", "Co Ngoc Anh",
    "Li Na", "", None,
]


@pytest.mark.parametrize("name", ORGANISATIONS)
def test_organisation_words_in_context_make_an_organisation(name: str) -> None:
    assert looks_like_organisation(name), name
    assert organisation_reason(name)


@pytest.mark.parametrize("name", PEOPLE)
def test_people_whose_surname_is_an_organisation_word_stay_people(name: str | None) -> None:
    assert not looks_like_organisation(name), organisation_reason(name)


def test_the_reason_names_the_words_that_decided_it() -> None:
    assert organisation_reason("Swan Barbers Ltd") == 'legal form "ltd"'
    assert organisation_reason("J Smith & Sons") == '"& sons"'
    assert organisation_reason("St Mary's Church") == '"church" after "st"' or \
        "saint" in organisation_reason("St Mary's Church")
    assert organisation_reason("Village Stores") == '"stores" after "village"'
    assert organisation_reason("John Church") is None


def test_the_column_version_agrees_and_the_old_import_still_works() -> None:
    series = pd.Series([*ORGANISATIONS[:5], *PEOPLE[:5], None])
    assert looks_like_organisations(series).tolist() == [True] * 5 + [False] * 6
    assert prepare.looks_like_organisation is looks_like_organisation
