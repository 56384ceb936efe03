"""The Splink model townhall builds from the data: one comparison per kind of field, and blocking rules chosen by size.

The settings are a plain Splink settings dictionary (saved with every run), so an analyst can read it, or replace it
with their own through ``[identity] settings_file`` in townhall.toml.

Choices made for council data (where the households are the trap):
- Forename and surname are separate comparisons with exact, fuzzy (Jaro-Winkler) and term-frequency-adjusted exact
  levels, nicknames (Bill/William) and swapped forename and surname. The forename comparison has its own level for
  "a different forename with the same surname" (a parent, child or sibling). Its u-probability is fixed at the share
  of same-surname pairs whose forenames differ (counted on the data), not the share of all pairs, because the
  surname comparison has already counted the shared surname: the two together then weigh "same surname, different
  forename" as one piece of evidence, as a household calls for, and how often true matches show it (its
  m-probability) is learnt by EM like any other level.
- Dates of birth have a level for day and month swapped (4/5 vs 5/4) and one for a single mistyped digit; sex, NHS
  numbers and other personal codes (compared with Damerau-Levenshtein) each have a comparison of their own.
- Where people live is one comparison (same UPRN, same house and street, same house number on a similar street in
  the same area, same postcode, similar street, sector, district or town), so that a shared address is counted once,
  not four times; the house next door is never "the same house".
- m-probabilities are estimated by EM in rounds blocked on fields that do not decide "where they live" (see
  ``training_rounds``), so that EM learns "same person", not "same household".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

# A column takes part when it is filled in at least this share of the records of at least two sources.
MINIMUM_SHARE_FILLED = 0.2
# Jaro-Winkler similarities for "a typo" and "similar" names and streets.
CLOSE = 0.92
SIMILAR = 0.8
STREET_SIMILAR = 0.88
# The share of non-matching pairs with the same surname whose forenames differ, when it cannot be counted.
RELATIVE_U = 0.95


def _level(sql: str, label: str, **options: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **options}


def _null(sql: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": "Missing on one side", "is_null_level": True}


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "All other comparisons"}


def _jaro(column: str, at_least: float) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {at_least}"


def _missing(column: str) -> str:
    return f"{column}_l is null or {column}_r is null"


_SWAPPED = "first_name_l = surname_r and surname_l = first_name_r"
_SWAPPED_WITH_A_TYPO = (f"jaro_winkler_similarity(first_name_l, surname_r) >= {CLOSE} "
                        f"and jaro_winkler_similarity(surname_l, first_name_r) >= {CLOSE}")


def forename_comparison(columns: set[str], relative_u: float = RELATIVE_U) -> dict[str, Any]:
    """Forenames: exact (adjusted for how common), swapped with the surname, nickname, typo, similar, initial; a
    different forename with the same surname counts strongly against (see the module's notes)."""
    initial = ("(length(first_name_l) = 1 or length(first_name_r) = 1) "
               "and substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)")
    levels = [
        _null(_missing("first_name")),
        _level("first_name_l = first_name_r", "Same forename", tf_adjustment_column="first_name",
               tf_adjustment_weight=1.0),
    ]
    if "surname" in columns:
        levels += [_level(_SWAPPED, "Forename and surname swapped"),
                   _level(_SWAPPED_WITH_A_TYPO, "Forename and surname swapped, with a typo")]
    levels += [
        _level("first_name_group_l = first_name_group_r", "Nickname or variant (Bill, William)"),
        _level(_jaro("first_name", CLOSE), "Forename with a typo"),
        _level(_jaro("first_name", SIMILAR), "Similar forename"),
        _level(initial, "An initial that fits"),
    ]
    if "middle_names" in columns:
        levels.append(_level("first_name_l = split_part(middle_names_r, ' ', 1) "
                             "or split_part(middle_names_l, ' ', 1) = first_name_r",
                             "Forename is the other's middle name"))
    if "surname" in columns:
        levels.append(_level("surname_l = surname_r", "Different forename, same surname (a relative?)",
                             u_probability=relative_u, fix_u_probability=True))
    levels.append(_ELSE)
    return {"output_column_name": "forename", "comparison_description": "Forename", "comparison_levels": levels}


def surname_comparison(columns: set[str]) -> dict[str, Any]:
    """Surnames: exact (adjusted for how common), swapped with the forename, typo, sharing a part of a
    double-barrelled name, similar."""
    # Splitting into lists is slow over millions of pairs, so only where one surname has more than one part.
    shares_a_part = ("(contains(surname_l, ' ') or contains(surname_r, ' ')) and "
                     "len(list_intersect(string_split(surname_l, ' '), string_split(surname_r, ' '))) > 0")
    levels = [
        _null(_missing("surname")),
        _level("surname_l = surname_r", "Same surname", tf_adjustment_column="surname", tf_adjustment_weight=1.0),
    ]
    if "first_name" in columns:
        levels += [_level(_SWAPPED, "Forename and surname swapped"),
                   _level(_SWAPPED_WITH_A_TYPO, "Forename and surname swapped, with a typo")]
    levels += [
        _level(_jaro("surname", CLOSE), "Surname with a typo"),
        _level(shares_a_part, "Shares part of a double-barrelled surname"),
        _level(_jaro("surname", SIMILAR), "Similar surname"),
        _ELSE,
    ]
    return {"output_column_name": "surname", "comparison_description": "Surname", "comparison_levels": levels}


def middle_name_comparison() -> dict[str, Any]:
    """Middle names: the same, the same first middle name or initial, or different."""
    return {
        "output_column_name": "middle_names",
        "comparison_description": "Middle names",
        "comparison_levels": [
            _null(_missing("middle_names")),
            _level("middle_names_l = middle_names_r", "Same middle names"),
            _level("substr(middle_names_l, 1, 1) = substr(middle_names_r, 1, 1)", "Same middle initial"),
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
            _null(_missing("birth_year")),
            _level("date_of_birth_l = date_of_birth_r", "Same date of birth"),
            _level("date_of_birth_swapped_l = date_of_birth_r", "Day and month swapped"),
            # Dates are all written yyyy-mm-dd, so counting differing positions (Hamming) is enough and is far
            # quicker than an edit distance over millions of pairs; two positions covers two digits swapped.
            _level("hamming(date_of_birth_l, date_of_birth_r) <= 1", "One digit different"),
            _level("hamming(date_of_birth_l, date_of_birth_r) <= 2", "Two digits different or swapped"),
            _level("abs(birth_year_l - birth_year_r) <= 1", "Born within a year of each other"),
            _level("abs(birth_year_l - birth_year_r) <= 3", "Born within three years of each other"),
            _ELSE,
        ],
    }


def sex_comparison() -> dict[str, Any]:
    """Sex: the same or not (twins of different sex are told apart here)."""
    return {"output_column_name": "sex", "comparison_description": "Sex", "comparison_levels": [
        _null(_missing("sex")), _level("sex_l = sex_r", "Same sex"), _ELSE]}


def code_comparison(column: str, description: str, *, kind_column: str | None = None) -> dict[str, Any]:
    """A personal code (NHS number, pupil number...): the same, one character mistyped or transposed, or not.
    With ``kind_column``, codes of different kinds are not compared."""
    missing = _missing(column) + (f" or {kind_column}_l <> {kind_column}_r" if kind_column else "")
    # Damerau-Levenshtein distance 1, worked out cheaply first: the edit distance is the slowest function in the
    # model (over ten times a Hamming count on millions of pairs), so it runs only on codes of the same length that
    # differ in two places (two characters swapped?) or on lengths one apart. Written as CASE, which DuckDB
    # evaluates branch by branch; an AND of the same tests was slower than the edit distance alone.
    left, right = f"{column}_l", f"{column}_r"
    one_edit = (f"case when length({left}) <> length({right}) then abs(length({left}) - length({right})) = 1 "
                f"and damerau_levenshtein({left}, {right}) <= 1 when hamming({left}, {right}) <= 1 then true "
                f"when hamming({left}, {right}) = 2 then damerau_levenshtein({left}, {right}) <= 1 else false end")
    return {
        "output_column_name": column,
        "comparison_description": description,
        "comparison_levels": [
            _null(missing),
            _level(f"{column}_l = {column}_r", f"Same {description}"),
            _level(one_edit, "One character different or two swapped"),
            _ELSE,
        ],
    }


def location_comparison(columns: set[str]) -> dict[str, Any]:
    """Where the person lives, counted once: same UPRN; same house and street; same house number on a similar
    street in the same postcode area or town; same postcode; similar street in the same area; same postcode sector,
    district or town."""
    compared = [column for column in ("uprn", "house_street", "postcode", "street", "town") if column in columns]
    comparable = " or ".join(f"({column}_l is not null and {column}_r is not null)" for column in compared)
    same_area = "(postcode_area_l = postcode_area_r or town_l = town_r)" if "town" in columns else \
        "postcode_area_l = postcode_area_r"
    levels = [_null(f"not ({comparable})")]
    if "uprn" in columns:
        levels.append(_level("uprn_l = uprn_r", "Same property (UPRN)"))
    if "house_street" in columns:
        levels.append(_level("house_street_l = house_street_r", "Same house and street"))
    if {"house_number", "street"} <= columns:
        levels.append(_level(f"house_number_l = house_number_r and {_jaro('street', STREET_SIMILAR)} and "
                             f"{same_area}", "Same house number, similar street, same area"))
    if "postcode" in columns:
        levels.append(_level("postcode_l = postcode_r", "Same postcode"))
    if "street" in columns:
        levels.append(_level(f"{_jaro('street', STREET_SIMILAR)} and {same_area}", "Same street, same area"))
    if "postcode" in columns:
        levels += [
            _level("postcode_sector_l = postcode_sector_r", "Same postcode sector"),
            _level("postcode_sector_l is null and postcode_sector_r is null and length(postcode_l) = "
                   "length(postcode_r) and hamming(postcode_l, postcode_r) <= 1", "Postcode one character different"),
            _level("postcode_district_l = postcode_district_r", "Same postcode district"),
        ]
    if "town" in columns:
        levels.append(_level("town_l = town_r", "Same town"))
    levels.append(_ELSE)
    return {"output_column_name": "location", "comparison_description": "Where the person lives",
            "comparison_levels": levels}


@dataclass(frozen=True)
class CandidateRule:
    """A rule townhall may use to find pairs (blocking), with what records must share under it: an expression per
    side (the same on both sides unless ``right`` is given) and the columns it needs."""

    keys: tuple[str, ...]
    description: str
    right: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The linkage columns the rule reads."""
        import re

        found = re.findall(r"[a-z_]+", " ".join(self.keys + self.right))
        return tuple(dict.fromkeys(name for name in found if name not in {"substr", "left"}))

    @property
    def sql(self) -> str:
        """The rule as a Splink blocking rule."""
        right = self.right or self.keys
        return " and ".join(f"{_side(left, 'l')} = {_side(other, 'r')}" for left, other in zip(
            self.keys, right, strict=True))


def _side(expression: str, side: str) -> str:
    """'substr(date_of_birth, 1, 7)' -> 'substr(l.date_of_birth, 1, 7)'."""
    import re

    return re.sub(r"\b(?!substr\b|left\b)([a-z_]+)\b(?!\()", rf"{side}.\1", expression)


CANDIDATE_BLOCKING_RULES = (
    CandidateRule(("nhs_number",), "same NHS number"),
    CandidateRule(("other_id",), "same personal code"),
    CandidateRule(("date_of_birth",), "same date of birth"),
    CandidateRule(("first_name", "surname"), "same forename and surname"),
    CandidateRule(("surname", "postcode"), "same surname and postcode"),
    CandidateRule(("first_name_group", "postcode"), "same forename (or nickname) and postcode"),
    CandidateRule(("first_name_group", "house_street"), "same forename (or nickname) and house"),
    CandidateRule(("house_number", "street"), "same house number and street"),
    CandidateRule(("date_of_birth_swapped",), "date of birth with day and month swapped", right=("date_of_birth",)),
    CandidateRule(("surname", "substr(date_of_birth, 1, 7)"), "same surname and month of birth"),
    CandidateRule(("first_name", "substr(date_of_birth, 1, 4)"), "same forename and year of birth"),
    CandidateRule(("first_name_group", "street", "town"), "same forename (or nickname), street and town"),
)
# Rules that would compare more pairs than this many per record are too loose to run; and the rules kept compare at
# most this many in all (scoring is most of linkage's time: at 200,000 records of common names every rule together
# compared 80 pairs a record, a hand-written Splink script about 30).
MAXIMUM_COMPARISONS_PER_RECORD = 200
MAXIMUM_TOTAL_COMPARISONS_PER_RECORD = 50


@dataclass(frozen=True)
class TrainingRound:
    """One EM round: a blocking rule and what it means in words. The comparisons that read a column of the rule are
    not trained in the round (Splink leaves them out), so every comparison needs a round that does not block it."""

    rule: str
    description: str

    @property
    def columns(self) -> set[str]:
        """The linkage columns the rule reads."""
        import re

        return set(re.findall(r"\b[lr]\.([a-z_]+)", self.rule))


# EM rounds in order of preference: each blocked on something that does not decide "where they live", so the
# household is not learnt; location-based rounds come last, only when nothing else trains some comparison.
TRAINING_ROUNDS = (
    TrainingRound("l.date_of_birth = r.date_of_birth", "same date of birth"),
    TrainingRound("l.first_name = r.first_name and l.surname = r.surname", "same forename and surname"),
    TrainingRound("l.nhs_number = r.nhs_number", "same NHS number"),
    TrainingRound("l.other_id = r.other_id", "same personal code"),
    TrainingRound("l.postcode = r.postcode", "same postcode"),
    TrainingRound("l.house_street = r.house_street", "same house and street"),
    TrainingRound("l.town = r.town", "same town"),
)


def columns_compared(comparison: dict[str, Any]) -> set[str]:
    """The linkage columns a comparison reads ('surname_l' -> 'surname'), as Splink works them out."""
    import re

    text = " ".join(level["sql_condition"] for level in comparison["comparison_levels"])
    return set(re.findall(r"\b([a-z_]+?)_[lr]\b", text))


@dataclass(frozen=True)
class PriorRule:
    """A near-certain rule for estimating how often two records are the same person, with the share of true
    matches it is assumed to find (its recall)."""

    rule: str
    columns: tuple[str, ...]
    description: str
    recall: float


# Tried in order until one set finds pairs: the strict rules first, then looser ones with a lower assumed recall.
PRIOR_RULE_SETS = (
    (PriorRule("l.nhs_number = r.nhs_number", ("nhs_number",), "the same NHS number", 0.8),
     PriorRule("l.first_name = r.first_name and l.surname = r.surname and l.date_of_birth = r.date_of_birth",
               ("first_name", "surname", "date_of_birth"), "the same name and date of birth", 0.8)),
    (PriorRule("l.first_name = r.first_name and l.surname = r.surname and l.birth_year = r.birth_year",
               ("first_name", "surname", "birth_year"), "the same name and year of birth", 0.6),
     PriorRule("l.other_id = r.other_id and l.other_id_kind = r.other_id_kind", ("other_id",),
               "the same personal code", 0.6),
     PriorRule("l.first_name = r.first_name and l.surname = r.surname and l.house_street = r.house_street",
               ("first_name", "surname", "house_street"), "the same name and house", 0.5)),
    (PriorRule("l.first_name = r.first_name and l.surname = r.surname", ("first_name", "surname"),
               "the same name (forename and surname)", 0.5),),
)


def usable_columns(frame: pd.DataFrame) -> set[str]:
    """Linkage columns filled in enough of at least two sources (or, with one source, in enough of its records).
    A personal code (pupil number) is usable from one source: it links that source's records of one person."""
    filled = frame.drop(columns=["unique_id", "source"]).notna().groupby(frame["source"]).mean()
    enough = (filled >= MINIMUM_SHARE_FILLED).sum(axis=0)
    needed = 2 if frame["source"].nunique() > 1 else 1
    usable = {column for column, sources in enough.items() if sources >= needed}
    if enough.get("other_id", 0) >= 1:
        usable |= {"other_id", "other_id_kind"}
    return usable


def comparisons_for(columns: set[str], relative_u: float = RELATIVE_U) -> list[dict[str, Any]]:
    """The comparisons the available columns allow (``relative_u``: see ``forename_comparison``)."""
    comparisons = []
    if "first_name" in columns:
        comparisons.append(forename_comparison(columns, relative_u))
    if "middle_names" in columns and "first_name" in columns:
        comparisons.append(middle_name_comparison())
    if "surname" in columns:
        comparisons.append(surname_comparison(columns))
    if "birth_year" in columns:
        comparisons.append(date_of_birth_comparison())
    if "sex" in columns:
        comparisons.append(sex_comparison())
    if "nhs_number" in columns:
        comparisons.append(code_comparison("nhs_number", "NHS number"))
    if "other_id" in columns:
        comparisons.append(code_comparison("other_id", "personal code", kind_column="other_id_kind"))
    if columns & {"uprn", "house_street", "postcode", "street", "town"}:
        comparisons.append(location_comparison(columns))
    return comparisons


def candidate_rules_for(columns: set[str]) -> list[CandidateRule]:
    """The candidate blocking rules whose columns are all available."""
    return [rule for rule in CANDIDATE_BLOCKING_RULES if set(rule.columns) <= columns]


def base_settings(comparisons: list[dict[str, Any]], blocking_rules: list[str],
                  prior: float | None = None) -> dict[str, Any]:
    """A Splink settings dictionary for deduplicating the stacked records of every source at once."""
    settings: dict[str, Any] = {
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
    if prior is not None:
        settings["probability_two_random_records_match"] = prior
    return settings
