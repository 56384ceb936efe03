"""The Splink model townhall builds from the data: comparisons per kind of field, and blocking rules chosen by size.

The settings are a plain Splink settings dictionary (saved with every run), so an analyst can read it, or replace it
with their own through ``[identity] settings_file`` in townhall.toml.

Choices made for council data (where the households are the trap):
- Names are compared as one comparison of forename and surname together, so that "same surname, different forename"
  (a parent, child or sibling) is its own level and not two separate pieces of evidence. Nicknames (Bill/William)
  and swapped forename/surname have levels of their own; term frequencies adjust exact surname matches.
- Dates of birth have a level for day and month swapped (4/5 vs 5/4) and one for a single mistyped digit.
- Where people live is one comparison (same UPRN, same house and street, same postcode, sector, district), so that a
  shared address is counted once, not three times, and never fuzzily: the house next door is a different house.
- m-probabilities are estimated by EM in sessions blocked on date of birth and on full name, never on postcode:
  EM blocked on postcode would learn "same household" instead of "same person".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

# A column takes part when it is filled in at least this share of the records of at least two sources.
MINIMUM_SHARE_FILLED = 0.2

NAME_SIMILAR = 0.88


def _level(sql: str, label: str, **options: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **options}


def _null(sql: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": "Missing on one side", "is_null_level": True}


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "All other comparisons"}


def _similar(column: str) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {NAME_SIMILAR}"


_SURNAME_SHARES_A_PART = ("len(list_intersect(string_split(surname_l, ' '), string_split(surname_r, ' '))) > 0")
_FORENAMES_SAME_GROUP = "first_name_group_l = first_name_group_r"


def name_comparison() -> dict[str, Any]:
    """Forename and surname compared together, from exact match down to 'same surname only'."""
    same_surname = "surname_l = surname_r"
    same_forename = "first_name_l = first_name_r"
    surname_close = f"({_similar('surname')} or {_SURNAME_SHARES_A_PART})"
    forename_close = f"({_FORENAMES_SAME_GROUP} or {_similar('first_name')})"
    initial_only = ("(length(first_name_l) = 1 or length(first_name_r) = 1) "
                    "and substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)")
    return {
        "output_column_name": "name",
        "comparison_description": "Forename and surname",
        "comparison_levels": [
            _null("surname_l is null or surname_r is null"),
            _level(f"{same_forename} and {same_surname}", "Same forename and surname",
                   tf_adjustment_column="surname", tf_adjustment_weight=1.0),
            _level("first_name_l = surname_r and surname_l = first_name_r", "Forename and surname swapped"),
            _level(f"{same_surname} and {_FORENAMES_SAME_GROUP}", "Same surname, forename a nickname or variant"),
            _level(f"{same_surname} and {_similar('first_name')}", "Same surname, similar forename"),
            _level(f"{forename_close} and {surname_close}", "Similar forename and surname"),
            _level(f"{same_surname} and ({initial_only} or first_name_l is null or first_name_r is null)",
                   "Same surname, forename an initial or missing"),
            _level(f"{forename_close}", "Same forename, different surname (a change of name?)"),
            _level(same_surname, "Same surname, different forename", tf_adjustment_column="surname",
                   tf_adjustment_weight=1.0, m_probability=0.001, fix_m_probability=True),
            _ELSE,
        ],
    }


def date_of_birth_comparison() -> dict[str, Any]:
    """Dates of birth: exact, day and month swapped, one mistyped digit; else years of birth (some estimated from
    an age on the record, as police and ambulance records give): within a year, within three, further apart.
    A father and son of the same name at the same address are told apart here."""
    return {
        "output_column_name": "date_of_birth",
        "comparison_description": "Date of birth (or age)",
        "comparison_levels": [
            _null("birth_year_l is null or birth_year_r is null"),
            _level("date_of_birth_l = date_of_birth_r", "Same date of birth"),
            _level("date_of_birth_swapped_l = date_of_birth_r", "Day and month swapped"),
            _level("damerau_levenshtein(date_of_birth_l, date_of_birth_r) <= 1", "One digit different"),
            _level("abs(birth_year_l - birth_year_r) <= 1", "Born within a year of each other"),
            _level("abs(birth_year_l - birth_year_r) <= 3", "Born within three years of each other"),
            _ELSE,
        ],
    }


def nhs_number_comparison() -> dict[str, Any]:
    """NHS numbers (valid ones only): the same or not."""
    return {
        "output_column_name": "nhs_number",
        "comparison_description": "NHS number",
        "comparison_levels": [
            _null("nhs_number_l is null or nhs_number_r is null"),
            _level("nhs_number_l = nhs_number_r", "Same NHS number"),
            _ELSE,
        ],
    }


def location_comparison(columns: set[str]) -> dict[str, Any]:
    """Where the person lives, counted once: same UPRN, house and street, postcode, sector or district."""
    pairs = [column for column in ("uprn", "house_street", "postcode") if column in columns]
    comparable = " or ".join(f"({column}_l is not null and {column}_r is not null)" for column in pairs)
    levels = [_null(f"not ({comparable})")]
    if "uprn" in columns:
        levels.append(_level("uprn_l = uprn_r", "Same property (UPRN)"))
    if "house_street" in columns:
        levels.append(_level("house_street_l = house_street_r", "Same house and street"))
    if "postcode" in columns:
        levels += [
            _level("postcode_l = postcode_r", "Same postcode"),
            _level("left(postcode_l, length(postcode_l) - 2) = left(postcode_r, length(postcode_r) - 2)",
                   "Same postcode sector"),
            _level("split_part(postcode_l, ' ', 1) = split_part(postcode_r, ' ', 1)", "Same postcode district"),
        ]
    levels.append(_ELSE)
    return {"output_column_name": "location", "comparison_description": "Where the person lives",
            "comparison_levels": levels}


@dataclass(frozen=True)
class CandidateRule:
    """A blocking rule townhall may use to find pairs worth comparing, and the columns it needs."""

    sql: str
    columns: tuple[str, ...]
    description: str


CANDIDATE_BLOCKING_RULES = (
    CandidateRule("l.nhs_number = r.nhs_number", ("nhs_number",), "same NHS number"),
    CandidateRule("l.date_of_birth = r.date_of_birth", ("date_of_birth",), "same date of birth"),
    CandidateRule("l.first_name = r.first_name and l.surname = r.surname", ("first_name", "surname"),
                  "same forename and surname"),
    CandidateRule("l.surname = r.surname and l.postcode = r.postcode", ("surname", "postcode"),
                  "same surname and postcode"),
    CandidateRule("l.first_name_group = r.first_name_group and l.postcode = r.postcode",
                  ("first_name_group", "postcode"), "same forename (or nickname) and postcode"),
    CandidateRule("l.first_name_group = r.first_name_group and l.house_street = r.house_street",
                  ("first_name_group", "house_street"), "same forename (or nickname) and house"),
    CandidateRule("l.date_of_birth_swapped = r.date_of_birth", ("date_of_birth_swapped", "date_of_birth"),
                  "date of birth with day and month swapped"),
    CandidateRule("l.surname = r.surname and substr(l.date_of_birth, 1, 7) = substr(r.date_of_birth, 1, 7)",
                  ("surname", "date_of_birth"), "same surname and month of birth"),
)
# Rules that would compare more pairs than this many per record are too loose to run.
MAXIMUM_COMPARISONS_PER_RECORD = 200


def usable_columns(frame: pd.DataFrame) -> set[str]:
    """Linkage columns filled in enough of at least two sources (or, with one source, in enough of its records)."""
    filled = frame.drop(columns=["unique_id", "source"]).notna().groupby(frame["source"]).mean()
    enough = (filled >= MINIMUM_SHARE_FILLED).sum(axis=0)
    needed = 2 if frame["source"].nunique() > 1 else 1
    return {column for column, sources in enough.items() if sources >= needed}


def comparisons_for(columns: set[str]) -> list[dict[str, Any]]:
    """The comparisons the available columns allow."""
    comparisons = []
    if "surname" in columns:
        comparisons.append(name_comparison())
    if "birth_year" in columns:
        comparisons.append(date_of_birth_comparison())
    if "nhs_number" in columns:
        comparisons.append(nhs_number_comparison())
    if columns & {"uprn", "house_street", "postcode"}:
        comparisons.append(location_comparison(columns))
    return comparisons


def candidate_rules_for(columns: set[str]) -> list[CandidateRule]:
    """The candidate blocking rules whose columns are all available."""
    return [rule for rule in CANDIDATE_BLOCKING_RULES if set(rule.columns) <= columns]


def base_settings(comparisons: list[dict[str, Any]], blocking_rules: list[str]) -> dict[str, Any]:
    """A Splink settings dictionary for deduplicating the stacked records of every source at once."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in blocking_rules],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": ["source", "record_id"],
        "max_iterations": 20,
        "em_convergence": 0.0001,
    }


# EM sessions: each blocked on something that does not decide "where they live", so the household is not learnt.
TRAINING_BLOCKS = (
    ("l.date_of_birth = r.date_of_birth", ("date_of_birth",)),
    ("l.first_name = r.first_name and l.surname = r.surname", ("first_name", "surname")),
    ("l.nhs_number = r.nhs_number", ("nhs_number",)),
)
# Rules that are near-certain matches, used to estimate how often two random records are the same person.
DETERMINISTIC_RULES = (
    ("l.nhs_number = r.nhs_number", ("nhs_number",)),
    ("l.first_name = r.first_name and l.surname = r.surname and l.date_of_birth = r.date_of_birth",
     ("first_name", "surname", "date_of_birth")),
)
