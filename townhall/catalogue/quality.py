"""Quality profiles: completeness, validity against UK rules, distinct and common values, failing rows, and the
plain-English descriptions and problem lists built from them.

Figures are computed in DuckDB over the stored table. What is stored are raw figures (filled, failures, common
values); what is shown is assembled on reading with the field's current tags, so masking and rules follow a tag
change at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from townhall.catalogue.models import IDENTIFIER_TAG, PERSONAL_TAGS, FieldProfile
from townhall.catalogue.tagging import is_special_category, mask_common_value
from townhall.catalogue.validation import POSTAL_CODE_PATTERN
from townhall.store import quote_identifier

MAX_FAILING_ROWS_KEPT = 1000
COMMON_VALUES_SHOWN = 5
EARLIEST_BIRTH_DATE = "1900-01-01"


@dataclass(frozen=True)
class Rule:
    """A check on a field's values: SQL templates use {text} (the stored value as text) and {date} (as a date)."""

    label: str
    valid_sql: str
    reason_sql: str
    problem: tuple[str, str]  # what failing rows are, for one row and for several


TAG_RULES: dict[str, Rule] = {
    "nhs_number": Rule(
        "NHS number check digit", "th_nhs_number_is_valid({text})",
        "CASE WHEN NOT regexp_full_match({text}, '[0-9][0-9 -]*[0-9]') OR length(th_nhs_digits({text})) <> 10 "
        "THEN 'not 10 digits' WHEN th_nhs_digits({text}) = repeat(left(th_nhs_digits({text}), 1), 10) "
        "THEN 'a placeholder (one digit repeated)' ELSE 'the check digit does not match' END",
        ("is not a valid NHS number (wrong length or check digit)",
         "are not valid NHS numbers (wrong length or check digit)"),
    ),
    "postcode": Rule(
        "UK postcode", "th_normalise_postcode({text}) IS NOT NULL", "'not in a UK postcode format'",
        ("is not a valid UK postcode", "are not valid UK postcodes"),
    ),
    "uprn": Rule(
        "UPRN", "th_uprn_is_valid({text})", "'not a UPRN (a whole number of 1 to 12 digits)'",
        ("is not a valid UPRN (a whole number of 1 to 12 digits)",
         "are not valid UPRNs (a whole number of 1 to 12 digits)"),
    ),
    "email": Rule(
        "email address", "th_email_is_valid({text})", "'not shaped like an email address'",
        ("is not a valid email address", "are not valid email addresses"),
    ),
    "phone": Rule(
        "UK phone number", "th_uk_phone_is_valid({text})",
        "'not a UK phone number (10 or 11 digits starting 0, or +44)'",
        ("is not a valid UK phone number", "are not valid UK phone numbers"),
    ),
    "date_of_birth": Rule(
        "date of birth",
        f"coalesce({{date}} BETWEEN DATE '{EARLIEST_BIRTH_DATE}' AND current_date, false)",
        "CASE WHEN {date} IS NULL THEN 'not a date townhall can read' "
        "WHEN {date} > current_date THEN 'in the future' ELSE 'before 1900' END",
        ("is not a believable date of birth (unreadable, in the future or before 1900)",
         "are not believable dates of birth (unreadable, in the future or before 1900)"),
    ),
}
# A field tagged postcode whose values are not UK postcodes (facts["postcode_format"] == "other") is checked as codes.
POSTAL_CODE_RULE = Rule(
    "postal code (not UK)",
    "regexp_full_match(regexp_replace({text}, '[^A-Za-z0-9]', '', 'g'), '"
    + POSTAL_CODE_PATTERN.replace("{", "{{").replace("}", "}}") + "')",
    "'not a postal code (2 to 10 letters and digits)'",
    ("is not a postal code", "are not postal codes"),
)
_RULE_ORDER = ("nhs_number", "postcode", "uprn", "email", "phone", "date_of_birth")


@dataclass(frozen=True)
class TypeRule:
    """What it means for a value to fail its field's type."""

    label: str
    reason: str
    problem: tuple[str, str]


TYPE_RULES: dict[str, TypeRule] = {
    "integer": TypeRule("whole number", "not a whole number",
                        ("could not be read as a whole number", "could not be read as whole numbers")),
    "decimal": TypeRule("number", "not a number", ("could not be read as a number", "could not be read as numbers")),
    "date": TypeRule("date", "not a date townhall can read (use e.g. 31/12/2024 or 2024-12-31)",
                     ("could not be read as a date", "could not be read as dates")),
    "datetime": TypeRule("date and time", "not a date and time townhall can read (use e.g. 31/12/2024 09:30)",
                         ("could not be read as a date and time", "could not be read as dates and times")),
    "boolean": TypeRule("yes/no", "not yes/no or true/false",
                        ("could not be read as yes or no", "could not be read as yes/no values")),
}


BAD_TEXT_LABEL = "readable text"
BAD_TEXT_REASON = "holds bytes that are not valid UTF-8 (shown as \ufffd)"
BAD_TEXT_EXAMPLES = 100


def bad_text_failures(connection: duckdb.DuckDBPyConnection, source: str, bad_text: dict[int, tuple[int, list[int]]],
                      plans: list) -> list[list[object]]:
    """Failing rows for values that were not cleanly encoded, from the staging table; each plan's count goes in its
    facts as ``bad_text`` so the profile counts those values as failing."""
    failing: list[list[object]] = []
    for plan in plans:
        found = bad_text.get(plan.index)
        if not found:
            continue
        plan.facts["bad_text"] = found[0]
        rows = connection.execute(
            f"SELECT _row_number, {plan.staging_column} FROM staging WHERE contains({plan.staging_column}, "
            f"'\ufffd') ORDER BY _row_number LIMIT {BAD_TEXT_EXAMPLES}"
        ).fetchall()
        failing += [[source, plan.name, int(row), value, BAD_TEXT_REASON, "encoding"] for row, value in rows]
    return failing


def tag_rule(tags: list[str], facts: dict[str, object] | None = None) -> Rule | None:
    """The value check a field's tags call for (NHS number, postcode, UPRN, email, phone, date of birth), if any.

    A postcode field whose values were found not to be UK postcodes (``facts["postcode_format"] == "other"``) is
    checked as postal codes instead.
    """
    for tag in _RULE_ORDER:
        if tag in tags:
            if tag == "postcode" and (facts or {}).get("postcode_format") == "other":
                return POSTAL_CODE_RULE
            return TAG_RULES[tag]
    return None


def checked_rule_label(data_type: str, tags: list[str], facts: dict[str, object] | None = None) -> str | None:
    """The rule named in profiles: the tag's rule, else the type's, else None for plain text."""
    rule = tag_rule(tags, facts)
    if rule:
        return rule.label
    type_rule = TYPE_RULES.get(data_type)
    return type_rule.label if type_rule else None


@dataclass
class StoredField:
    """A field's figures as kept in catalogue.fields: raw (unmasked) and independent of how they are shown."""

    source: str
    position: int
    name: str
    data_type: str
    sql_type: str
    tags: list[str]
    suggested_tags: list[str]
    tags_confirmed: bool
    rows: int
    filled: int
    type_failures: int
    rule_failures: int
    checked_rule: str | None
    distinct: int
    common_values: list[tuple[str, int]]
    failing_examples: int
    facts: dict[str, object] = field(default_factory=dict)


@dataclass
class RuleResult:
    """A rule applied to a stored column: how many values fail and the first failing rows."""

    label: str | None
    failures: int
    examples: list[tuple[int, str, str]]


def _text(column: str) -> str:
    return f"CAST({column} AS VARCHAR)"


def apply_rule(connection: duckdb.DuckDBPyConnection, table: str, column_name: str, data_type: str,
               tags: list[str], *, limit: int = MAX_FAILING_ROWS_KEPT,
               facts: dict[str, object] | None = None) -> RuleResult:
    """Check a stored column against the rule its tags call for, keeping the first ``limit`` failing rows."""
    rule = tag_rule(tags, facts)
    label = checked_rule_label(data_type, tags, facts)
    if rule is None:
        return RuleResult(label, 0, [])
    column = quote_identifier(column_name)
    text = _text(column)
    date = f"CAST({column} AS DATE)" if data_type in {"date", "datetime"} else f"th_parse_date({text})"
    valid = rule.valid_sql.format(text=text, date=date)
    reason = rule.reason_sql.format(text=text, date=date)
    # One pass: the failing rows in file order, each carrying the total number of failures.
    found = connection.execute(
        f"SELECT _row_number, {text}, {reason}, count(*) OVER () FROM {table} "
        f"WHERE {column} IS NOT NULL AND NOT ({valid}) ORDER BY _row_number LIMIT {max(int(limit), 1)}"
    ).fetchall()
    failures = int(found[0][3]) if found else 0
    examples = [(int(row[0]), str(row[1]), str(row[2])) for row in found][: max(int(limit), 0)]
    return RuleResult(label, failures, examples)


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def measure_columns(connection: duckdb.DuckDBPyConnection, table: str,
                    columns: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Distinct count, range, lengths and most common values of each stored column, in one pass plus one per column.

    ``columns`` holds (name, data_type) pairs; the figures come back in the same order.
    """
    expressions: list[str] = []
    for name, data_type in columns:
        column = quote_identifier(name)
        expressions.append(f"count(DISTINCT {column})")
        if data_type == "text":
            # Values with no letter at all ('-', '?', '0') give nothing once a name is standardised.
            expressions += [f"min(length({column}))", f"max(length({column}))",
                            f"count_if(NOT regexp_matches({column}, '\\pL'))"]
        elif data_type == "boolean":
            expressions += [f"count_if({column})", f"count({column})", "0"]
        else:
            expressions += [f"min({column})", f"max({column})", "0"]
    row = connection.execute(f"SELECT {', '.join(expressions)} FROM {table}").fetchone() or ()
    results: list[dict[str, object]] = []
    for position, (name, data_type) in enumerate(columns):
        distinct, low, high, no_letters = row[position * 4: position * 4 + 4]
        column = quote_identifier(name)
        common = connection.execute(
            f"SELECT {_text(column)} AS value, count(*) AS n FROM {table} WHERE {column} IS NOT NULL "
            f"GROUP BY ALL ORDER BY n DESC, value LIMIT {COMMON_VALUES_SHOWN}"
        ).fetchall()
        figures: dict[str, object] = {"distinct": int(distinct or 0),
                                      "common_values": [(str(value), int(count)) for value, count in common]}
        if data_type == "text":
            figures["min_length"], figures["max_length"] = low, high
            figures["no_letters"] = int(no_letters or 0)
        elif data_type == "boolean":
            figures["true_count"], figures["known_count"] = low, high
        else:
            figures["min"], figures["max"] = _jsonable(low), _jsonable(high)
        results.append(figures)
    return results


# --- showing figures ------------------------------------------------------------------------------------------------


def share_text(count: int, total: int) -> str:
    """'2.1%' for a share, with 'under 0.1%' rather than a misleading 0.0%."""
    if total <= 0:
        return "0%"
    share = 100 * count / total
    if count == 0:
        return "0%"
    if 0 < share < 0.1:
        return "under 0.1%"
    if share == 100:
        return "100%"
    return f"{share:.1f}%"


def build_profile(stored: StoredField) -> FieldProfile:
    """The FieldProfile shown to people: figures from storage, values masked by the current tags."""
    completeness = stored.filled / stored.rows if stored.rows else 0.0
    bad_text = int(stored.facts.get("bad_text", 0) or 0)  # type: ignore[call-overload]
    label = checked_rule_label(stored.data_type, stored.tags, stored.facts) or (BAD_TEXT_LABEL if bad_text else None)
    valid: int | None = None
    validity: float | None = None
    if label is not None:
        valid = max(stored.filled - stored.type_failures - stored.rule_failures - bad_text, 0)
        validity = valid / stored.filled if stored.filled else None
    return FieldProfile(
        name=stored.name, position=stored.position, data_type=stored.data_type,
        description=describe_field(stored), tags=list(stored.tags), suggested_tags=list(stored.suggested_tags),
        tags_confirmed=stored.tags_confirmed, rows=stored.rows, filled=stored.filled, completeness=completeness,
        checked_rule=label, valid=valid, validity=validity, distinct=stored.distinct,
        common_values=[(mask_common_value(value, count, stored.tags), count)
                       for value, count in stored.common_values],
        failing_examples_count=stored.failing_examples,
        date_format=str(stored.facts["date_format"]) if stored.facts.get("date_format") else None,
    )


def quality_score(profiles: list[FieldProfile]) -> float:
    """Mean over fields of completeness × validity (validity counts as 1 where nothing is checked)."""
    if not profiles:
        return 0.0
    scores = [profile.completeness * (profile.validity if profile.validity is not None else 1.0)
              for profile in profiles]
    return sum(scores) / len(scores)


_TAG_PHRASES = {
    "name": "people's names", "date_of_birth": "dates of birth", "address": "addresses", "postcode": "UK postcodes",
    "nhs_number": "NHS numbers", "phone": "phone numbers", "email": "email addresses", "uprn": "UPRNs",
    "ethnicity": "ethnic origin", "health": "health information", "religion": "religion or belief",
    "sexual_orientation": "sexual orientation", "disability": "disability information", "identifier": "record ids",
}


def _tag_phrase(tag: str, facts: dict[str, object]) -> str:
    """What a tag says a field holds; postcode fields of other countries' codes say so."""
    if tag == "postcode" and facts.get("postcode_format") == "other":
        return "postal codes (not UK)"
    return _TAG_PHRASES[tag]


def _date_text(value: str, with_time: bool) -> str:
    parsed = dt.datetime.fromisoformat(value)
    text = f"{parsed.day} {parsed.strftime('%b %Y')}"
    return f"{text} {parsed.strftime('%H:%M')}" if with_time else text


def _number_text(value: object, money: bool) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}"
    number = Decimal(str(value))
    if money:
        sign = "-" if number < 0 else ""
        return f"{sign}£{abs(number):,.2f}"
    if number == number.to_integral_value():
        # Four-digit numbers such as years read better without a comma.
        return f"{int(number):,}" if abs(number) >= 10_000 else str(int(number))
    return f"{number:,}"


def _sentence(text: str) -> str:
    """Capitalise the first letter only ('dates from 3 Jun 2016', not 'dates from 3 jun 2016')."""
    return text[:1].upper() + text[1:]


def describe_field(stored: StoredField) -> str:
    """What a field seems to hold, in plain English: 'Whole numbers from 0 to 412', 'Text; looks like UK postcodes'."""
    if not stored.filled:
        return "Always empty"
    facts = stored.facts
    tags = [tag for tag in stored.tags if tag in _TAG_PHRASES]
    prefix = ""
    if tags and stored.data_type != "text":
        prefix = _sentence(_tag_phrase(tags[0], facts)) + "; "
    if stored.data_type in {"date", "datetime"} and facts.get("min") and facts.get("max"):
        with_time = stored.data_type == "datetime"
        low, high = str(facts["min"]), str(facts["max"])
        kind = "dates and times" if with_time else "dates"
        if not with_time and int(high[:4]) - int(low[:4]) >= 2:
            span = f"from {low[:4]} to {high[:4]}"
        else:
            span = f"from {_date_text(low, with_time)} to {_date_text(high, with_time)}"
        text = f"{kind} {span}"
        if facts.get("date_format"):
            text += f", written {facts['date_format']}"
        return prefix + (text if prefix else _sentence(text))
    if stored.data_type in {"integer", "decimal"} and facts.get("min") is not None:
        money = bool(facts.get("money")) and stored.data_type == "decimal"
        kind = "money amounts" if money else ("whole numbers" if stored.data_type == "integer" else "numbers")
        text = f"{kind} from {_number_text(facts['min'], money)} to {_number_text(facts['max'], money)}"
        return prefix + (text if prefix else _sentence(text))
    if stored.data_type == "boolean":
        known = int(facts.get("known_count") or 0)
        yes = int(facts.get("true_count") or 0)
        return f"Yes/no; {share_text(yes, known)} yes" if known else "Yes/no"
    if tags:
        phrases = " and ".join(_tag_phrase(tag, facts) for tag in tags)
        text = f"Text; looks like {phrases}"
        if IDENTIFIER_TAG in tags:
            text += " (every value different)" if stored.distinct == stored.filled else " (some repeated)"
        elif is_special_category(tags):
            text += f"; {stored.distinct:,} different values"
        return text
    longest = int(facts.get("max_length") or 0)
    if stored.distinct <= 20 and stored.distinct * 2 <= stored.filled:
        examples = ", ".join(f"'{value}'" for value, _count in stored.common_values[:3])
        if stored.distinct == 1:
            return f"Text; always {examples}"
        return f"Text; {stored.distinct} different values, e.g. {examples}"
    if stored.distinct == stored.filled:
        return f"Text; every value different, up to {longest} characters"
    if longest > 60:
        return f"Free text up to {longest:,} characters"
    return f"Text up to {longest} characters"


def _rows_text(count: int, total: int) -> str:
    """'37 rows (2.1%)' or '1 row (0.1%)'."""
    return f"{count:,} row{'' if count == 1 else 's'} ({share_text(count, total)})"


def _pick(phrases: tuple[str, str], count: int) -> str:
    return phrases[0] if count == 1 else phrases[1]


# A personal field with a usable value in fewer than this share of rows is worth a warning at registration.
MOSTLY_EMPTY_SHARE = 0.5


def usable_values(stored: StoredField) -> int:
    """Values of a field still usable after cleaning: filled, readable as its type, passing its check, cleanly
    encoded, and for names holding at least one letter."""
    bad_text = int(stored.facts.get("bad_text", 0) or 0)  # type: ignore[call-overload]
    no_letters = int(stored.facts.get("no_letters", 0) or 0) if "name" in stored.tags else 0  # type: ignore
    return max(stored.filled - stored.type_failures - stored.rule_failures - bad_text - no_letters, 0)


def personal_field_warnings(fields: list[StoredField], rows: int) -> list[str]:
    """A warning for each field tagged personal that is mostly empty once cleaned: linkage cannot lean on it."""
    warnings = []
    for stored in fields:
        personal = [tag for tag in stored.tags if tag in PERSONAL_TAGS]
        if not personal or not rows:
            continue
        usable = usable_values(stored)
        if usable < MOSTLY_EMPTY_SHARE * rows:
            warnings.append(
                f"{stored.name} is tagged {', '.join(personal)} but only {share_text(usable, rows)} of rows "
                f"({usable:,} of {rows:,}) have a usable value after cleaning, so matching people on it will help "
                f"little. Check the tag, or see 'townhall sources problems' for the values that fail."
            )
    return warnings


def source_problems(fields: list[StoredField], rows: int, notes: list[str], *, limit: int = 10) -> list[str]:
    """The worst quality problems of a source in plain English, worst first.

    Wrong values (invalid, unparseable, repeated ids) come before missing ones, and missing personal or identifier
    values before other empty fields, because an empty end date is usually expected and a bad NHS number is not;
    within each kind, by share of rows affected.
    """
    wrong, missing_key, missing_other = 0, 1, 2
    ranked: list[tuple[int, float, str]] = []
    for stored in fields:
        if stored.filled == 0:
            ranked.append((missing_key, 1.0, f"{stored.name}: every row is empty"))
            continue
        type_rule = TYPE_RULES.get(stored.data_type)
        if stored.type_failures and type_rule:
            stored_empty = "it is stored empty" if stored.type_failures == 1 else "they are stored empty"
            ranked.append((wrong, stored.type_failures / rows,
                           f"{stored.name}: {_rows_text(stored.type_failures, rows)} "
                           f"{_pick(type_rule.problem, stored.type_failures)}; {stored_empty}"))
        bad_text = int(stored.facts.get("bad_text", 0) or 0)  # type: ignore[call-overload]
        if bad_text:
            ranked.append((wrong, bad_text / rows, f"{stored.name}: {_rows_text(bad_text, rows)} "
                           f"{'holds' if bad_text == 1 else 'hold'} text that is not cleanly encoded (bytes that are "
                           "not valid UTF-8, shown as \ufffd)"))
        rule = tag_rule(stored.tags, stored.facts)
        if stored.rule_failures and rule:
            ranked.append((wrong, stored.rule_failures / rows,
                           f"{stored.name}: {_rows_text(stored.rule_failures, rows)} "
                           f"{_pick(rule.problem, stored.rule_failures)}"))
        empty = rows - stored.filled
        if empty:
            kind = missing_key if stored.tags else missing_other
            ranked.append((kind, empty / rows, f"{stored.name}: {_rows_text(empty, rows)} "
                                         f"{'is' if empty == 1 else 'are'} empty"))
        # A record id that is nearly unique but not quite is a problem; one that repeats a lot (bin_id in a
        # table of readings) refers to other records and repeats by design.
        if IDENTIFIER_TAG in stored.tags and 0.9 * stored.filled <= stored.distinct < stored.filled:
            repeats = stored.filled - stored.distinct
            ranked.append((wrong, repeats / rows, f"{stored.name}: {_rows_text(repeats, rows)} "
                           f"{'repeats an id' if repeats == 1 else 'repeat ids'} used in an earlier row, so it is "
                           "not a unique record id"))
    ranked.sort(key=lambda item: (item[0], -item[1]))
    return [text for _kind, _share, text in ranked][: max(limit - len(notes), 0)] + notes
