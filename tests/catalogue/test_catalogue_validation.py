"""The UK validators: worked examples, property tests, and agreement between the Python and DuckDB versions."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townhall.catalogue import (
    email_is_valid,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    parse_uk_date,
    parse_uk_datetime,
    uk_phone_is_valid,
    uprn_is_valid,
)
from townhall.catalogue.validation import WHITESPACE, install_sql_macros

# --- NHS numbers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", " 4010232137 ", "4505577104"])
def test_valid_nhs_numbers_pass(text: str) -> None:
    assert nhs_number_is_valid(text)


@pytest.mark.parametrize("text", [
    "9434765918",      # wrong check digit
    "943476591",       # nine digits
    "94347659190",     # eleven digits
    "943476591X",      # a letter
    "0000000000",      # placeholder: passes the arithmetic but means 'unknown'
    "9999999999",
    "1000000010",      # check digit works out as 10: never issued
    "",
    None,
    "9434765919.0",    # how Excel shows a number column
])
def test_invalid_nhs_numbers_fail(text: str | None) -> None:
    assert not nhs_number_is_valid(text)


def test_a_check_digit_of_ten_is_never_valid() -> None:
    # 100000001: 1×10 + 1×2 = 12; 12 mod 11 = 1; 11 - 1 = 10, a check digit that is never issued.
    assert not any(nhs_number_is_valid("100000001" + digit) for digit in "0123456789")


def test_normalise_nhs_number_spaces_it_3_3_4() -> None:
    assert normalise_nhs_number("9434765919") == "943 476 5919"
    assert normalise_nhs_number("943-476-5918") is None


def _with_check_digit(stem: str) -> str | None:
    check = (11 - sum(int(digit) * weight for digit, weight in zip(stem, range(10, 1, -1), strict=True)) % 11) % 11
    return None if check == 10 else stem + str(check)


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda stem: len(set(stem)) > 1)


@given(nine_digits)
def test_any_number_with_a_correct_check_digit_passes(stem: str) -> None:
    number = _with_check_digit(stem)
    if number is not None:
        assert nhs_number_is_valid(number)
        assert nhs_number_is_valid(f"{number[:3]} {number[3:6]} {number[6:]}")


@given(nine_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_makes_it_fail(stem: str, position: int, change: int) -> None:
    number = _with_check_digit(stem)
    if number is None:
        return
    changed = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1:]
    assert not nhs_number_is_valid(changed)


# --- postcodes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("M1 1AE", "M1 1AE"),          # A9 9AA
    ("M60 1NW", "M60 1NW"),        # A99 9AA
    ("CR2 6XH", "CR2 6XH"),        # AA9 9AA
    ("DN55 1PT", "DN55 1PT"),      # AA99 9AA
    ("W1A 1HQ", "W1A 1HQ"),        # A9A 9AA
    ("EC1A 1BB", "EC1A 1BB"),      # AA9A 9AA
    ("GIR 0AA", "GIR 0AA"),
    ("sw1a1aa", "SW1A 1AA"),       # lower case, no space
    ("  sw1a   1aa ", "SW1A 1AA"),   # extra spaces
    ("M15\u00a04AB", "M15 4AB"),   # a non-breaking space from Excel
    ("m154ab", "M15 4AB"),
])
def test_postcodes_are_normalised(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize("text", ["", "XX", "M1", "1AB 2CD", "AB1 2C", "AB1 22D", "ABC1 2DE", "AB1-2CD", "AB1 2CDE",
                                  "ÀB1 2CD", None])
def test_invalid_postcodes_give_none(text: str | None) -> None:
    assert normalise_postcode(text) is None


postcode_like = st.builds(
    lambda area, district, sector, unit, spaces, lower: (
        (area + district + spaces + sector + unit).lower() if lower else area + district + spaces + sector + unit
    ),
    st.text(alphabet="ABCDEFGHIJKLMNOPRSTUWYZ", min_size=1, max_size=2),
    st.one_of(st.from_regex(r"[0-9]", fullmatch=True), st.from_regex(r"[0-9][0-9A-Z]", fullmatch=True)),
    st.from_regex(r"[0-9]", fullmatch=True),
    st.text(alphabet="ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
)


@given(postcode_like)
def test_generated_postcodes_are_valid_and_normalising_is_idempotent(text: str) -> None:
    normalised = normalise_postcode(text)
    assert normalised is not None
    assert normalise_postcode(normalised) == normalised
    assert normalised == normalised.upper() and normalised.count(" ") == 1
    assert len(normalised.split(" ")[1]) == 3


@given(st.text(max_size=12))
def test_normalising_any_text_is_idempotent(text: str) -> None:
    normalised = normalise_postcode(text)
    if normalised is not None:
        assert normalise_postcode(normalised) == normalised


def test_every_real_trafford_postcode_is_valid() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "shared" / "data" / "uk-geography"
    directory = folder / "trafford_postcodes_trafford_postcodes.csv"
    if not directory.exists():
        pytest.skip(f"real ONS postcodes not available at {folder}")
    lines = directory.read_text(encoding="utf-8").splitlines()[1:]
    postcodes = [line.split(",")[0] for line in lines]
    assert len(postcodes) > 11_000
    assert all(normalise_postcode(postcode) == postcode for postcode in postcodes)


# --- UPRN, email, phone ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "valid"), [
    ("100012345678", True), ("1", True), ("000000000001", True), ("1234567890123", False), ("0", False),
    ("12a", False), ("-5", False), ("", False), ("10001234567.0", False),
])
def test_uprns(text: str, valid: bool) -> None:
    assert uprn_is_valid(text) is valid


@pytest.mark.parametrize(("text", "valid"), [
    ("j.smith@ashbury.gov.uk", True), ("zoë@example.org", True), ("o'brien@example.org", True),
    ("john@example", False), ("john smith@example.org", False), ("@example.org", False), ("", False),
])
def test_emails(text: str, valid: bool) -> None:
    assert email_is_valid(text) is valid


@pytest.mark.parametrize(("text", "normalised"), [
    ("07700 900123", "07700900123"), ("+44 7700 900123", "07700900123"), ("+44 (0)20 7946 0000", "02079460000"),
    ("0044 161 496 0000", "01614960000"), ("0161-496-0000", "01614960000"), ("(0161) 496 0000", "01614960000"),
    ("7700900123", None), ("07700 90012", "0770090012"), ("0770090012345", None), ("phone me", None),
])
def test_uk_phone_numbers(text: str, normalised: str | None) -> None:
    assert normalise_uk_phone(text) == normalised
    assert uk_phone_is_valid(text) is (normalised is not None)


# --- dates ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-07", date(2024, 3, 7)),
    ("07/03/2024", date(2024, 3, 7)),
    ("7/3/2024", date(2024, 3, 7)),
    ("07-03-2024", date(2024, 3, 7)),
    ("07.03.2024", date(2024, 3, 7)),
    ("7 Mar 2024", date(2024, 3, 7)),
    ("7 March 2024", date(2024, 3, 7)),
    ("07-MAR-24", date(2024, 3, 7)),
    ("07-mar-31", date(1931, 3, 7)),      # two-digit years: 30-99 are 1900s, as in Excel
    ("07/03/29", date(2029, 3, 7)),
    ("2024-03-07 13:45:00", date(2024, 3, 7)),
    ("2024-03-07T13:45:00", date(2024, 3, 7)),
    ("29/02/2024", date(2024, 2, 29)),
    ("03/04/2024", date(2024, 4, 3)),     # always day first: 3 April, never 4 March
])
def test_uk_dates_parse(text: str, expected: date) -> None:
    assert parse_uk_date(text) == expected


@pytest.mark.parametrize("text", [
    "31/02/2024", "29/02/2023", "13/13/2024", "2024-13-01", "12/25/2024", "03/04-2024", "2024-03-07 25:00:00",
    "7 Marc 2024", "yesterday", "", "2024", "20240307", "0999-01-01", None,
])
def test_impossible_or_unknown_dates_give_none(text: str | None) -> None:
    assert parse_uk_date(text) is None


def test_datetimes_keep_the_time() -> None:
    assert parse_uk_datetime("07/03/2024 09:05") == datetime(2024, 3, 7, 9, 5)
    assert parse_uk_datetime("2024-03-07 09:05:30.25") == datetime(2024, 3, 7, 9, 5, 30, 250000)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y"]))
def test_any_real_date_written_in_a_uk_format_comes_back(day: date, style: str) -> None:
    assert parse_uk_date(day.strftime(style)) == day


# --- Python and DuckDB agree ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sql() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    install_sql_macros(connection)
    yield connection
    connection.close()


def _sql_results(connection: duckdb.DuckDBPyConnection, texts: list[str]) -> list[tuple[object, ...]]:
    """The SQL macros on many texts in one query (binding a query costs more than checking a value)."""
    rows = connection.execute(
        "SELECT th_nhs_number_is_valid(v), th_normalise_postcode(v), th_parse_timestamp(v), th_uprn_is_valid(v), "
        "th_email_is_valid(v), th_uk_phone_is_valid(v) FROM (SELECT position, th_trim(raw) AS v FROM "
        "(SELECT unnest($1) AS raw, unnest(range(len($1))) AS position)) ORDER BY position", [texts],
    ).fetchall()
    return [tuple(row) for row in rows]


def _python_results(text: str) -> tuple[object, ...]:
    return (nhs_number_is_valid(text), normalise_postcode(text), parse_uk_datetime(text), uprn_is_valid(text),
            email_is_valid(text), uk_phone_is_valid(text))


tricky_text = st.one_of(
    st.from_regex(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?",
                  fullmatch=True),
    st.from_regex(r"[0-9]{1,2}[ -](Jan|feb|MAR|Sept|September|may|Jun|July)[ -][0-9]{2,4}", fullmatch=True),
    st.from_regex(r"[0-9 -]{8,14}", fullmatch=True),
    st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True),
    st.from_regex(r"(\+44|0044|0)[0-9 ()-]{8,13}", fullmatch=True),
    st.from_regex(r"[a-z.']{1,8}@[a-z]{1,6}(\.[a-z]{1,3}){0,2}", fullmatch=True),
    st.text(alphabet=" \t\xa00123456789aAbB/-.:@+()ſK", max_size=14),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(tricky_text, min_size=1, max_size=40))
def test_the_duckdb_macros_agree_with_the_python_functions(sql: duckdb.DuckDBPyConnection, texts: list[str]) -> None:
    assert _sql_results(sql, texts) == [_python_results(text) for text in texts]


def test_the_macros_agree_on_padded_and_empty_text(sql: duckdb.DuckDBPyConnection) -> None:
    texts = ["  9434765919 ", "\tsw1a 1aa\xa0", " 07/03/2024", "x", "", WHITESPACE]
    assert _sql_results(sql, texts) == [_python_results(text) for text in texts]
