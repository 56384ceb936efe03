"""Jinja filters that write numbers, percentages and dates the way GOV.UK style asks (e.g. "5 March 2026 at 2:05pm")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from townhall.catalogue import MASKED, PERSONAL_TAGS, SPECIAL_CATEGORY_TAGS


def number(value: Any) -> str:
    """A count with thousands separators; blank for nothing."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def percent(value: Any, digits: int = 1) -> str:
    """A fraction between 0 and 1 as a percentage ("97.3%", "100%"); "Not checked" for nothing."""
    if value is None:
        return "Not checked"
    try:
        share = float(value) * 100
    except (TypeError, ValueError):
        return str(value)
    text = f"{share:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{share:.0f}"
    # Never round a small problem away, nor a near-miss up to a perfect score.
    if text in {"0", "-0"} and share > 0:
        text = f"less than {10 ** -digits:g}"
    elif text == "100" and share < 100:
        text = f"more than {100 - 10 ** -digits:g}"
    return f"{text}%"


def _as_datetime(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def when(value: Any) -> str:
    """A date or time in GOV.UK style: "5 March 2026" or "5 March 2026 at 2:05pm" (UTC times shown as given)."""
    moment = _as_datetime(value)
    if moment is None:
        return "" if value is None else str(value)
    day = f"{moment.day} {moment:%B %Y}"
    if not isinstance(moment, datetime):
        return day
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    clock = f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"
    if moment.hour == 12 and moment.minute == 0:
        clock = "midday"
    elif moment.hour == 0 and moment.minute == 0:
        clock = "midnight"
    return f"{day} at {clock}"


def when_short(value: Any) -> str:
    """A date and time for a table cell: "5 Mar 2026, 2:05pm"."""
    moment = _as_datetime(value)
    if not isinstance(moment, datetime):
        return day(value)
    hour = moment.hour % 12 or 12
    return f"{moment.day} {moment:%b %Y}, {hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"


def day(value: Any) -> str:
    """Just the date, in GOV.UK style: "5 March 2026"."""
    moment = _as_datetime(value)
    if moment is None:
        return "" if value is None else str(value)
    return f"{moment.day} {moment:%B %Y}"


def machine_time(value: Any) -> str:
    """The ISO 8601 form for a <time datetime> attribute."""
    moment = _as_datetime(value)
    return moment.isoformat() if moment is not None else ""


def details(value: Any) -> str:
    """An audit entry's details as "key: value; key: value", leaving out empty ones."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    return "; ".join(f"{key}: {item}" for key, item in sorted(value.items()) if item not in (None, "", [], {}))


_DELIMITERS = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated", "|": "pipe-separated"}
_TAG_LABELS = {"nhs_number": "NHS number", "uprn": "UPRN", "email": "email address", "phone": "phone number",
               "identifier": "record id"}


def delimiter_name(value: Any) -> str:
    """How a delimited file separates its fields, in words ("comma-separated")."""
    if not value:
        return ""
    return _DELIMITERS.get(str(value), f"separated by '{value}'")


def tag_label(tag: Any) -> str:
    """A field tag in words ("NHS number", "date of birth")."""
    text = str(tag)
    return _TAG_LABELS.get(text, text.replace("_", " "))


def tag_colour(tag: Any) -> str:
    """The GOV.UK tag colour for a field tag: red for special category, orange for personal, grey for the rest."""

    if tag in SPECIAL_CATEGORY_TAGS:
        return "govuk-tag--red"
    if tag in PERSONAL_TAGS:
        return "govuk-tag--orange"
    return "govuk-tag--grey"


def split_hidden(values: Any) -> tuple[list[tuple[str, int]], int]:
    """Common values split into those shown (even partly, like "AB1 ***") and how many are hidden completely."""
    shown = [(value, count) for value, count in values or [] if value != MASKED]
    return shown, len(values or []) - len(shown)


FILTERS: dict[str, Callable[..., Any]] = {
    "number": number,
    "percent": percent,
    "when": when,
    "when_short": when_short,
    "day": day,
    "machine_time": machine_time,
    "details": details,
    "delimiter_name": delimiter_name,
    "tag_label": tag_label,
    "tag_colour": tag_colour,
    "split_hidden": split_hidden,
}
