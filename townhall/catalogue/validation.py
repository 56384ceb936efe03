"""Validators for UK identifiers and dates, in Python and as matching DuckDB SQL macros.

The Python functions check one value (the identity team reuses them); the SQL macros check whole columns inside
DuckDB so that profiling a million rows never loops in Python. Both are built from the same regular expressions,
written in the subset that Python's ``re`` and DuckDB's RE2 read the same way (``[0-9]`` rather than ``\\d``, which
matches other scripts' digits in Python), and the tests check that the two agree.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

import duckdb

# Whitespace trimmed from values: spaces, tabs, line breaks and the non-breaking space Excel likes to leave behind.
WHITESPACE = " \t\r\n\xa0"
_WHITESPACE_CLASS = r"[ \t\r\n\xa0]"

# --- postcodes -------------------------------------------------------------------------------------------------------
# Outward code A9, A99, A9A, AA9, AA99 or AA9A, then inward code 9AA; plus the Girobank oddity GIR 0AA. This checks
# the format only (any letters), not that the postcode exists.
# Matched against the value with all whitespace removed, before upper-casing (ASCII letters only: Python would
# upper-case 'ß' to 'SS').
# A postcode column holds UK postcodes when at least this share of its values are in a UK format; otherwise it holds
# postal codes from elsewhere (Australian 4-digit, US ZIP), kept and compared as codes.
UK_POSTCODE_COLUMN_SHARE = 0.5
# Any postal code once spaces and punctuation are removed: letters and digits, at least one digit, 2 to 10 long.
POSTAL_CODE_PATTERN = r"[A-Za-z0-9]*[0-9][A-Za-z0-9]*"
POSTAL_CODE_LENGTH = range(2, 11)
POSTCODE_PATTERN = r"(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[0-9][A-Za-z]{2}|[Gg][Ii][Rr]0[Aa][Aa])"
_POSTCODE = re.compile(POSTCODE_PATTERN)

# --- NHS numbers ----------------------------------------------------------------------------------------------------
NHS_NUMBER_SHAPE_PATTERN = r"[0-9][0-9 -]*[0-9]"
_NHS_NUMBER_SHAPE = re.compile(NHS_NUMBER_SHAPE_PATTERN)

# --- UPRN, email, phone ---------------------------------------------------------------------------------------------
UPRN_PATTERN = r"[0-9]{1,12}"
_UPRN = re.compile(UPRN_PATTERN)
# Letters beyond ASCII (zoë@…) are allowed, as international addresses do; written as a literal range so that
# Python and RE2 read the class the same way.
_NON_ASCII = "\u0080-\U0010ffff"
EMAIL_PATTERN = (
    rf"[A-Za-z0-9{_NON_ASCII}.!#$%&'*+/=?^_`{{|}}~-]+@[A-Za-z0-9{_NON_ASCII}]"
    rf"(?:[A-Za-z0-9{_NON_ASCII}-]*[A-Za-z0-9{_NON_ASCII}])?"
    rf"(?:\.[A-Za-z0-9{_NON_ASCII}](?:[A-Za-z0-9{_NON_ASCII}-]*[A-Za-z0-9{_NON_ASCII}])?)*\.[A-Za-z{_NON_ASCII}]{{2,}}"
)


@functools.cache
def _email() -> re.Pattern[str]:
    """The e-mail pattern, compiled on first use (its Unicode ranges take 30 ms: not paid by every command)."""
    return re.compile(EMAIL_PATTERN)


PHONE_SHAPE_PATTERN = r"\+?[0-9]+"
_PHONE_SHAPE = re.compile(PHONE_SHAPE_PATTERN)
PHONE_PATTERN = r"0[1-9][0-9]{8,9}"
_PHONE = re.compile(PHONE_PATTERN)
_PHONE_PUNCTUATION = re.compile(r"[ ().-]")

# --- dates ----------------------------------------------------------------------------------------------------------
_TIME = r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\.([0-9]{1,6}))?)?"
# yyyy-mm-dd, optionally with a time (T or space between).
ISO_DATE_PATTERN = r"([1-9][0-9]{3})-([0-9]{1,2})-([0-9]{1,2})(?:[T ]" + _TIME + r")?"
# dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy (both separators the same), optionally with a time; also dd/mm/yy,
# which council systems still export. Never mm/dd.
UK_DATE_PATTERN = r"([0-9]{1,2})([/.-])([0-9]{1,2})([/.-])([1-9][0-9]{3}|[0-9]{2})(?: " + _TIME + r")?"
# d MMM yyyy, dd-MMM-yy, 3 March 2024 (month names in any case; both separators the same). Letters are spelt out
# as [Jj] pairs because Python's case-insensitive mode also matches look-alikes such as the long s and Kelvin sign.


def _any_case(word: str) -> str:
    return "".join(f"[{letter.upper()}{letter}]" for letter in word)


_MONTH_WORDS = (
    ("jan", "uary"), ("feb", "ruary"), ("mar", "ch"), ("apr", "il"), ("may", ""), ("jun", "e"), ("jul", "y"),
    ("aug", "ust"), ("sep", "t"), ("sept", "ember"), ("oct", "ober"), ("nov", "ember"), ("dec", "ember"),
)
_MONTHS = "(" + "|".join(
    _any_case(start) + (f"(?:{_any_case(rest)})?" if rest else "") for start, rest in _MONTH_WORDS
) + ")"
MONTH_NAME_DATE_PATTERN = r"([0-9]{1,2})([ -])" + _MONTHS + r"([ -])([1-9][0-9]{3}|[0-9]{2})"
# The same two formats without capturing groups, for SQL (RE2 has no back-references, so the UK separators are
# spelt out as three alternatives).
_TIME_SHAPE = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_ISO_SHAPE = r"[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}(?:[T ]" + _TIME_SHAPE + r")?"
_UK_DAY_MONTH = r"[0-9]{1,2}(?:/[0-9]{1,2}/|-[0-9]{1,2}-|\.[0-9]{1,2}\.)"
_UK_SHAPE = _UK_DAY_MONTH + r"[1-9][0-9]{3}(?: " + _TIME_SHAPE + r")?"
_UK_SHAPE_2000S = _UK_DAY_MONTH + r"[0-2][0-9](?: " + _TIME_SHAPE + r")?"
_UK_SHAPE_1900S = _UK_DAY_MONTH + r"[3-9][0-9](?: " + _TIME_SHAPE + r")?"
_ISO_DATE = re.compile(ISO_DATE_PATTERN)
_UK_DATE = re.compile(UK_DATE_PATTERN)
_MONTH_NAME_DATE = re.compile(MONTH_NAME_DATE_PATTERN)
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Two-digit years follow Excel's rule: 00-29 are 2000-2029, 30-99 are 1930-1999.
TWO_DIGIT_YEAR_PIVOT = 30

# --- numbers and yes/no ---------------------------------------------------------------------------------------------
INTEGER_PATTERN = r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
DECIMAL_PATTERN = (
    r"(?:[-+]?£?|£[-+])(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?"
)
# 113,28 from a spreadsheet set up with a decimal comma (only ever considered in semicolon-separated files).
DECIMAL_COMMA_PATTERN = r"[-+]?£?[0-9]+(?:,[0-9]+)?"
TRUE_WORDS = ("true", "yes", "y", "t")
FALSE_WORDS = ("false", "no", "n", "f")


def _clean(text: object) -> str | None:
    """The value as trimmed text, or None when missing."""
    if text is None:
        return None
    return str(text).strip(WHITESPACE)


def nhs_number_is_valid(text: object) -> bool:
    """True for a 10-digit NHS number whose modulus-11 check digit is right (spaces and dashes allowed).

    A check digit that works out as 10 is never issued, so such numbers are invalid; so are placeholders made of one
    repeated digit (0000000000, 9999999999), which pass the arithmetic but are used by systems to mean 'unknown'.
    """
    cleaned = _clean(text)
    if not cleaned or not _NHS_NUMBER_SHAPE.fullmatch(cleaned):
        return False
    digits = cleaned.replace(" ", "").replace("-", "")
    if len(digits) != 10 or digits == digits[0] * 10:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def normalise_nhs_number(text: object) -> str | None:
    """A valid NHS number written as '943 476 5919', or None if it is not valid."""
    if not nhs_number_is_valid(text):
        return None
    digits = str(text).strip(WHITESPACE).replace(" ", "").replace("-", "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def normalise_postcode(text: object) -> str | None:
    """A UK postcode in the standard 'AB1 2CD' form, or None if it is not in a valid UK postcode format.

    Accepts lower case and missing or extra spaces; checks the format (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA,
    AA9A 9AA, GIR 0AA), not whether the postcode exists.
    """
    if text is None:
        return None
    compact = re.sub(_WHITESPACE_CLASS, "", str(text))
    if not _POSTCODE.fullmatch(compact):
        return None
    compact = compact.upper()
    return f"{compact[:-3]} {compact[-3:]}"


def uprn_is_valid(text: object) -> bool:
    """True for a Unique Property Reference Number: a positive whole number of 1 to 12 digits."""
    cleaned = _clean(text)
    return bool(cleaned and _UPRN.fullmatch(cleaned) and cleaned.strip("0"))


def email_is_valid(text: object) -> bool:
    """True when the value is shaped like an email address (name@domain.tld); does not check it exists."""
    cleaned = _clean(text)
    return bool(cleaned and _email().fullmatch(cleaned))


def normalise_uk_phone(text: object) -> str | None:
    """A UK phone number as digits starting with 0 (e.g. '07700900123'), or None if it does not look like one.

    Spaces, dashes, dots and brackets are ignored; +44 and 0044 become 0, and '+44 (0)20…' is understood.
    """
    cleaned = _clean(text)
    if not cleaned:
        return None
    compact = _PHONE_PUNCTUATION.sub("", cleaned)
    if not _PHONE_SHAPE.fullmatch(compact):
        return None
    for prefix in ("+44", "0044"):
        if compact.startswith(prefix):
            compact = compact[len(prefix):]
            if not compact.startswith("0"):
                compact = "0" + compact
            break
    return compact if _PHONE.fullmatch(compact) else None


def uk_phone_is_valid(text: object) -> bool:
    """True when the value looks like a UK phone number (10 or 11 digits starting with 0, or +44)."""
    return normalise_uk_phone(text) is not None


def _expand_year(year: str) -> int:
    """Four-digit year from the text; two-digit years follow Excel's 1930-2029 window."""
    value = int(year)
    if len(year) == 2:
        return 2000 + value if value < TWO_DIGIT_YEAR_PIVOT else 1900 + value
    return value


def parse_uk_datetime(text: object) -> datetime | None:
    """A date and time from the formats parse_uk_date accepts (time 00:00 when none is given), or None."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    time_parts: tuple[str | None, ...] = (None, None, None, None)
    if match := _ISO_DATE.fullmatch(cleaned):
        year, month, day = match.group(1), match.group(2), match.group(3)
        time_parts = match.group(4, 5, 6, 7)
    elif match := _UK_DATE.fullmatch(cleaned):
        if match.group(2) != match.group(4):
            return None
        day, month, year = match.group(1), match.group(3), match.group(5)
        time_parts = match.group(6, 7, 8, 9)
    elif match := _MONTH_NAME_DATE.fullmatch(cleaned):
        if match.group(2) != match.group(4):
            return None
        day, year = match.group(1), match.group(5)
        month = str(MONTH_ABBREVIATIONS.index(match.group(3)[:3].lower()) + 1)
    else:
        return None
    hour, minute, second, fraction = time_parts
    try:
        return datetime(
            _expand_year(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return None


def parse_uk_date(text: object) -> date | None:
    """A date from text in a UK or ISO format, or None if it is not one or is impossible (31/02/2024).

    Accepts yyyy-mm-dd, dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd/mm/yy, d MMM yyyy, dd-MMM-yy and
    yyyy-mm-dd hh:mm:ss (the time is dropped). Day always comes before month: 03/04/2024 is 3 April, never
    4 March. Two-digit years follow Excel: 00-29 are 2000-2029, 30-99 are 1930-1999.
    """
    parsed = parse_uk_datetime(text)
    return parsed.date() if parsed else None


def _sql_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _anchored(pattern: str) -> str:
    return _sql_literal("^(?:" + pattern + ")$")


_WHITESPACE_CODES = ", ".join(str(ord(character)) for character in WHITESPACE)
_MONTH_LIST_SQL = "[" + ", ".join(_sql_literal(month) for month in MONTH_ABBREVIATIONS) + "]"


def _remove_each(expression: str, characters: str) -> str:
    """SQL removing every one of ``characters`` from ``expression`` (plain replace is far faster than a regex)."""
    for character in characters:
        literal = f"chr({ord(character)})" if not character.isprintable() or character == "\xa0" else \
            _sql_literal(character)
        expression = f"replace({expression}, {literal}, '')"
    return expression


# DuckDB macros, installed per connection with install_sql_macros(). Apart from th_trim they expect text that is
# already trimmed (staging trims every value once), so each value is not trimmed again by every check: this and
# plain replace() instead of regexp_replace() keep a million-row profile to seconds. They mirror the Python
# functions above: the tests check th_*(th_trim(x)) against the Python function of x.
SQL_MACROS: dict[str, str] = {
    # Fast path first: most values have no space at either end, and trim() with a character list is slow.
    "th_trim": (
        f"(v) AS CASE WHEN ascii(v) IN ({_WHITESPACE_CODES}) OR ascii(right(v, 1)) IN ({_WHITESPACE_CODES}) "
        f"THEN trim(v, {_sql_literal(WHITESPACE)}) ELSE v END"
    ),
    "th_days_in_month": (
        "(y, m) AS CASE WHEN m = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END "
        "WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
    ),
    # A timestamp from whole-number parts, NULL for impossible dates such as 31/02 (no exception is raised).
    "th_make_timestamp": (
        "(y, m, d, hh, mi, ss, fr) AS CASE WHEN m BETWEEN 1 AND 12 AND d BETWEEN 1 AND th_days_in_month(y, m) "
        "THEN make_timestamp(y, m, d, coalesce(try_cast(nullif(hh, '') AS BIGINT), 0), "
        "coalesce(try_cast(nullif(mi, '') AS BIGINT), 0), coalesce(try_cast(nullif(ss, '') AS DOUBLE), 0)) "
        "+ to_microseconds(coalesce(try_cast(rpad(nullif(fr, ''), 6, '0') AS BIGINT), 0)) END"
    ),
    "th_month_timestamp": (
        "(p) AS CASE WHEN p.y <> '' AND p.s1 = p.s2 THEN th_make_timestamp("
        f"CASE WHEN length(p.y) = 2 THEN try_cast(p.y AS BIGINT) + CASE WHEN try_cast(p.y AS BIGINT) < "
        f"{TWO_DIGIT_YEAR_PIVOT} THEN 2000 ELSE 1900 END ELSE try_cast(p.y AS BIGINT) END, "
        f"list_position({_MONTH_LIST_SQL}, lower(left(p.mon, 3))), try_cast(p.d AS BIGINT), '', '', '', '') END"
    ),
    # Every accepted format starts with a digit, a cheap test that skips most text at once. The two common
    # families are recognised by a regular expression and then handed to DuckDB's own cast (which returns NULL for
    # 31/02); a macro argument is copied wherever it is used, so extracting parts with regexp_extract would repeat
    # the regular expression for every part.
    "th_parse_timestamp": (
        "(v) AS CASE WHEN NOT ascii(v) BETWEEN 48 AND 57 THEN NULL "
        f"WHEN regexp_full_match(v, {_sql_literal(_ISO_SHAPE)}) THEN try_cast(replace(v, 'T', ' ') AS TIMESTAMP) "
        f"WHEN regexp_full_match(v, {_sql_literal(_UK_SHAPE)}) THEN try_cast(regexp_replace(v, "
        r"'^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})', '\3-\2-\1') AS TIMESTAMP) "
        f"WHEN regexp_full_match(v, {_sql_literal(_UK_SHAPE_2000S)}) THEN try_cast(regexp_replace(v, "
        r"'^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2})', '20\3-\2-\1') AS TIMESTAMP) "
        f"WHEN regexp_full_match(v, {_sql_literal(_UK_SHAPE_1900S)}) THEN try_cast(regexp_replace(v, "
        r"'^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2})', '19\3-\2-\1') AS TIMESTAMP) "
        f"WHEN regexp_full_match(v, {_sql_literal(MONTH_NAME_DATE_PATTERN)}) THEN th_month_timestamp(regexp_extract("
        f"v, {_anchored(MONTH_NAME_DATE_PATTERN)}, ['d', 's1', 'mon', 's2', 'y'])) END"
    ),
    "th_parse_date": "(v) AS CAST(th_parse_timestamp(v) AS DATE)",
    "th_postcode_compact": f"(v) AS {_remove_each('v', WHITESPACE)}",
    "th_normalise_postcode": (
        f"(v) AS CASE WHEN regexp_full_match(th_postcode_compact(v), {_sql_literal(POSTCODE_PATTERN)}) "
        "THEN upper(left(th_postcode_compact(v), length(th_postcode_compact(v)) - 3) || ' ' "
        "|| right(th_postcode_compact(v), 3)) END"
    ),
    "th_nhs_digits": f"(v) AS {_remove_each('v', ' -')}",
    "th_nhs_check": (
        "(n) AS (11 - ("
        + " + ".join(f"(n // {10 ** (10 - index)} % 10) * {11 - index}" for index in range(1, 10))
        + ") % 11) % 11 = n % 10"
    ),
    "th_nhs_ten_digits_valid": (
        "(d) AS coalesce(length(d) = 10 AND d <> repeat(left(d, 1), 10) AND th_nhs_check(try_cast(d AS BIGINT)), "
        "false)"
    ),
    # Plain ten digits (the usual case) are checked as they are, so the clean-up is not repeated for each digit.
    "th_nhs_number_is_valid": (
        "(v) AS CASE WHEN regexp_full_match(v, '[0-9]{10}') THEN th_nhs_ten_digits_valid(v) "
        f"WHEN regexp_full_match(v, {_sql_literal(NHS_NUMBER_SHAPE_PATTERN)}) "
        "THEN th_nhs_ten_digits_valid(th_nhs_digits(v)) ELSE false END"
    ),
    "th_uprn_is_valid": (
        f"(v) AS coalesce(regexp_full_match(v, {_sql_literal(UPRN_PATTERN)}) AND ltrim(v, '0') <> '', false)"
    ),
    "th_email_is_valid": f"(v) AS coalesce(regexp_full_match(v, {_sql_literal(EMAIL_PATTERN)}), false)",
    "th_phone_compact": f"(v) AS {_remove_each('v', ' ().-')}",
    "th_normalise_uk_phone": (
        f"(v) AS CASE WHEN regexp_full_match(th_phone_compact(v), {_sql_literal(PHONE_SHAPE_PATTERN)}) THEN ("
        "CASE WHEN starts_with(th_phone_compact(v), '+44') THEN "
        "(CASE WHEN starts_with(substr(th_phone_compact(v), 4), '0') THEN '' ELSE '0' END) "
        "|| substr(th_phone_compact(v), 4) "
        "WHEN starts_with(th_phone_compact(v), '0044') THEN "
        "(CASE WHEN starts_with(substr(th_phone_compact(v), 5), '0') THEN '' ELSE '0' END) "
        "|| substr(th_phone_compact(v), 5) "
        "ELSE th_phone_compact(v) END) END"
    ),
    "th_uk_phone_is_valid": (
        f"(v) AS coalesce(regexp_full_match(th_normalise_uk_phone(v), {_sql_literal(PHONE_PATTERN)}), false)"
    ),
    "th_is_integer": f"(v) AS regexp_full_match(v, {_sql_literal(INTEGER_PATTERN)})",
    "th_is_decimal": f"(v) AS regexp_full_match(v, {_sql_literal(DECIMAL_PATTERN)})",
    "th_is_boolean": (
        "(v) AS lower(v) IN (" + ", ".join(_sql_literal(word) for word in (*TRUE_WORDS, *FALSE_WORDS)) + ")"
    ),
    "th_to_boolean": (
        "(v) AS CASE WHEN lower(v) IN (" + ", ".join(_sql_literal(word) for word in TRUE_WORDS)
        + ") THEN true WHEN lower(v) IN (" + ", ".join(_sql_literal(word) for word in FALSE_WORDS)
        + ") THEN false END"
    ),
    "th_number_text": "(v) AS replace(replace(v, '£', ''), ',', '')",
    "th_is_decimal_comma": f"(v) AS regexp_full_match(v, {_sql_literal(DECIMAL_COMMA_PATTERN)})",
}


def install_sql_macros(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the th_* validation macros on a connection (temporary: they live as long as the connection)."""
    for name, body in SQL_MACROS.items():
        connection.execute(f"CREATE OR REPLACE TEMP MACRO {name}{body}")
