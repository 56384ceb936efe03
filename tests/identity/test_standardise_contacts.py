"""Phone and email standardisers: worked examples, properties and the column versions."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import standardise_email, standardise_emails, standardise_phone, standardise_phones


@pytest.mark.parametrize(("value", "expected"), [
    ("07700 900123", "07700900123"),
    ("+44 7700 900123", "07700900123"),
    ("+44 (0)7700 900123", "07700900123"),
    ("0044 161 496 0000", "01614960000"),
    ("(0161) 496-0000", "01614960000"),
    ("07777777777", None),
    ("00000000000", None),
    ("01234567890", None),
    ("0770090012", "0770090012"),
    ("12345", None),
    ("not given", None),
    (None, None),
])
def test_standardise_phone_examples(value: str | None, expected: str | None) -> None:
    assert standardise_phone(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (" Jo.Smith@Example.ORG ", "jo.smith@example.org"),
    ("mailto:jo@example.org", "jo@example.org"),
    ("<jo@example.org>", "jo@example.org"),
    ("jo@example", None),
    ("not given", None),
    ("", None),
    (None, None),
])
def test_standardise_email_examples(value: str | None, expected: str | None) -> None:
    assert standardise_email(value) == expected


@given(st.text())
def test_the_standardisers_are_idempotent(text: str) -> None:
    phone = standardise_phone(text)
    assert phone is None or standardise_phone(phone) == phone
    email = standardise_email(text)
    assert email is None or standardise_email(email) == email


@given(st.lists(st.one_of(st.none(), st.text(max_size=15), st.from_regex(r"\A\+?[0-9 ]{10,14}\Z"),
                          st.emails()), max_size=30))
@settings(deadline=None, max_examples=100)
def test_the_column_versions_equal_the_one_value_versions(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    phones = standardise_phones(series)
    assert [None if pd.isna(v) else v for v in phones] == [standardise_phone(v) for v in values]
    emails = standardise_emails(series)
    assert [None if pd.isna(v) else v for v in emails] == [standardise_email(v) for v in values]
