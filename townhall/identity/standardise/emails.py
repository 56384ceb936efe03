"""Email addresses in one written form (trimmed, lower case, no 'mailto:'), for matching contact details."""

from __future__ import annotations

import pandas as pd

from townhall.catalogue.validation import WHITESPACE, email_is_valid
from townhall.identity.standardise._series import as_text, map_distinct


def standardise_email(text: object) -> str | None:
    """An email address trimmed and in lower case ('Jo.Smith@Example.org ' -> 'jo.smith@example.org'), or None.

    Lower case throughout: mail systems treat the part before the @ as case-insensitive in practice.
    """
    raw = as_text(text)
    if raw is None:
        return None
    cleaned = raw.strip(WHITESPACE + "<>").lower()
    cleaned = cleaned.removeprefix("mailto:")
    return cleaned if email_is_valid(cleaned) else None


def standardise_emails(series: pd.Series) -> pd.Series:
    """standardise_email over a column, computed once per distinct value."""
    return map_distinct(series, standardise_email)
