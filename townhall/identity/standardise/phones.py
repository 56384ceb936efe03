"""UK phone numbers as national digits ('07700900123'), for matching contact details across systems.

The format rule is the catalogue's ``normalise_uk_phone`` (+44 and 0044 become 0; spaces, dots, dashes and brackets
ignored); this adds the rejection of filler numbers people type when they have none (07777777777, 01234567890).
"""

from __future__ import annotations

import pandas as pd

from townhall.catalogue.validation import normalise_uk_phone
from townhall.identity.standardise._series import as_text, map_distinct

# Numbers typed to get past a required field; a match on them says nothing about the person.
FILLER_PHONE_NUMBERS = frozenset({"01234567890", "0123456789", "07123456789", "07000000000"})


def standardise_phone(text: object) -> str | None:
    """A UK phone number as digits starting with 0, or None if it is not one or is filler (one repeated digit)."""
    number = normalise_uk_phone(as_text(text))
    if number is None or number in FILLER_PHONE_NUMBERS or len(set(number[1:])) == 1:
        return None
    return number


def standardise_phones(series: pd.Series) -> pd.Series:
    """standardise_phone over a column, computed once per distinct value."""
    return map_distinct(series, standardise_phone)
