"""How the model is trained from whatever fields the sources have: the pairs to score, the prior and the EM rounds.

Every choice is made from counts on the data (pairs per blocking rule, pairs found by near-certain rules) and
reported in words with the run, so that training always completes or says plainly what it could not estimate and
what to do:

- blocking rules: each candidate the fields allow is counted (a DuckDB group-by, no pairs built) and kept when it
  compares at most ``MAXIMUM_COMPARISONS_PER_RECORD`` pairs per record and all kept stay within
  ``MAXIMUM_TOTAL_COMPARISONS_PER_RECORD``;
- the prior (how likely two records picked at random are the same person): pairs found by near-certain rules,
  scaled up by the share of true matches those rules are assumed to find; when the strict rules find no pairs,
  looser ones with a lower assumed share; when none find any, a stated assumption (never a silent default);
- EM rounds: chosen so that every comparison is trained in at least one round, with at least two rounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from townhall.errors import TownhallError
from townhall.identity.linkage import model
from townhall.identity.linkage.sources import ROLE_LABELS

# When no near-certain rule finds a single pair, assume this share of records have a match somewhere else.
ASSUMED_SHARE_WITH_A_MATCH = 0.05


class TrainingError(TownhallError):
    """The linkage model could not be trained on these sources; the message says which field and what to do."""


@dataclass
class TrainingPlan:
    """What training will do, decided from the data, with the reasons in words for the run's summary."""

    blocking_rules: list[model.CandidateRule]
    prior: float
    prior_explained: str
    rounds: list[model.TrainingRound]
    notes: list[str] = field(default_factory=list)


def _key_filter(expressions: tuple[str, ...]) -> str:
    return " and ".join(f"({expression}) is not null" for expression in expressions)


def count_pairs(connection: duckdb.DuckDBPyConnection, rule: model.CandidateRule, table: str = "records") -> int:
    """How many pairs a blocking rule would compare, from group sizes alone (no pairs are built)."""
    left = ", ".join(rule.keys)
    if not rule.right:
        row = connection.execute(
            f"select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*) as n from {table} "
            f"where {_key_filter(rule.keys)} group by {left})").fetchone()
    else:
        keys = ", ".join(f"{expression} as k{position}" for position, expression in enumerate(rule.keys))
        rights = ", ".join(f"{expression} as k{position}" for position, expression in enumerate(rule.right))
        names = ", ".join(f"k{position}" for position in range(len(rule.keys)))
        row = connection.execute(
            f"select coalesce(sum(a.n * b.n), 0) from "
            f"(select {keys}, count(*) as n from {table} where {_key_filter(rule.keys)} group by all) a join "
            f"(select {rights}, count(*) as n from {table} where {_key_filter(rule.right)} group by all) b "
            f"using ({names})").fetchone()
    return int(row[0]) if row else 0


def choose_blocking_rules(connection: duckdb.DuckDBPyConnection, records: int,
                          columns: set[str]) -> list[model.CandidateRule]:
    """Candidate rules the data allow, in order of preference, keeping those whose pair count stays within the
    budget per record, while all the rules kept together stay within the total budget (a rule that would pass it
    is skipped, and smaller ones after it may still be kept)."""
    budget = model.MAXIMUM_COMPARISONS_PER_RECORD * max(records, 1)
    total_budget = model.MAXIMUM_TOTAL_COMPARISONS_PER_RECORD * max(records, 1)
    chosen, total = [], 0
    for rule in model.candidate_rules_for(columns):
        pairs = count_pairs(connection, rule)
        if 0 < pairs <= budget and (total + pairs <= total_budget or not chosen):
            chosen.append(rule)
            total += pairs
    return chosen


def _pairs_found(connection: duckdb.DuckDBPyConnection, rules: list[model.PriorRule]) -> int:
    """Distinct pairs of records that at least one of the rules joins."""
    selects = [f"select l.unique_id as a, r.unique_id as b from records l join records r "
               f"on {rule.rule} and l.unique_id < r.unique_id" for rule in rules]
    row = connection.execute(f"select count(*) from ({' union '.join(selects)})").fetchone()
    return int(row[0]) if row else 0


def estimate_prior(connection: duckdb.DuckDBPyConnection, records: int, columns: set[str]) -> tuple[float, str]:
    """How likely two records picked at random are the same person, and how that was worked out, in words."""
    total = records * (records - 1) / 2
    if total <= 0:
        raise TrainingError("There are fewer than two records to link, so there is nothing to compare.")
    for rule_set in model.PRIOR_RULE_SETS:
        usable = [rule for rule in rule_set if set(rule.columns) <= columns]
        if not usable:
            continue
        found = _pairs_found(connection, usable)
        if not found:
            continue
        recall = min(rule.recall for rule in usable)
        prior = min(found / recall / total, 0.5)
        described = " or ".join(rule.description for rule in usable)
        return prior, (f"estimated from the {found:,} pairs of records with {described}, taken to be "
                       f"{recall:.0%} of the true matches: about 1 in {1 / prior:,.0f} pairs of records is the "
                       "same person")
    assumed = max(1.0, ASSUMED_SHARE_WITH_A_MATCH * records)
    prior = min(assumed / total, 0.5)
    return prior, (f"assumed, because no two records share a name together with a date of birth, year of birth, "
                   f"house or personal code: townhall took {ASSUMED_SHARE_WITH_A_MATCH:.0%} of records to have a "
                   "match elsewhere. If that is far off, check that the names and dates were read (townhall "
                   "sources show) or set [identity] threshold higher")


def choose_training_rounds(connection: duckdb.DuckDBPyConnection, comparisons: list[dict[str, Any]],
                           columns: set[str]) -> list[model.TrainingRound]:
    """EM rounds, in order of preference, until every comparison is trained in a round that does not block it
    (and there are at least two rounds); raises TrainingError naming what cannot be trained."""
    reads = {comparison["output_column_name"]: model.columns_compared(comparison) for comparison in comparisons}
    untrained = set(reads)
    chosen: list[model.TrainingRound] = []
    for candidate in model.TRAINING_ROUNDS:
        if not candidate.columns <= columns:
            continue
        trains = {name for name, read in reads.items() if not read & candidate.columns}
        if not trains or (not trains & untrained and len(chosen) >= 2):
            continue
        keys = tuple(sorted(candidate.columns))
        if count_pairs(connection, model.CandidateRule(keys, candidate.description)) == 0:
            continue
        chosen.append(candidate)
        untrained -= trains
        if not untrained and len(chosen) >= 2:
            break
    if untrained:
        names = ", ".join(sorted(untrained))
        raise TrainingError(
            f"townhall could not train the comparison of {names}: no two records agree on any other field it "
            "could use to find likely pairs (date of birth, forename and surname, NHS number, postcode). Check "
            "with 'townhall sources show' that those fields were read, tag them with 'townhall sources tag', or "
            "name them under [identity.sources.<source>] in townhall.toml.")
    return chosen


def relative_u(connection: duckdb.DuckDBPyConnection) -> float:
    """Of pairs of records with the same surname, the share whose forenames differ (see model.forename_comparison)."""
    same_surname = count_pairs(connection, model.CandidateRule(("surname",), "same surname"))
    same_name = count_pairs(connection, model.CandidateRule(("surname", "first_name"), "same name"))
    if same_surname < 100:
        return model.RELATIVE_U
    return min(max(1 - same_name / same_surname, 0.5), 0.999)


def plan_training(records: pd.DataFrame, columns: set[str]) -> tuple[TrainingPlan, list[dict[str, Any]]]:
    """Blocking rules, prior, comparisons and EM rounds for these records, each decided from counts on the data."""
    from townhall.store.analytics import scratch_connection

    connection = scratch_connection()
    try:
        connection.register("records", records.drop(columns=["record_date"], errors="ignore"))
        comparisons = model.comparisons_for(columns, relative_u(connection) if "surname" in columns
                                            else model.RELATIVE_U)
        rules = choose_blocking_rules(connection, len(records), columns)
        if not rules:
            raise TrainingError(
                "None of the ways of finding likely pairs (same date of birth, same name, same NHS number, same "
                "surname and postcode) can be used on these sources: no two records agree on them. Check with "
                "'townhall sources show' that names and dates of birth were read.")
        prior, explained = estimate_prior(connection, len(records), columns)
        rounds = choose_training_rounds(connection, comparisons, columns)
    finally:
        connection.close()
    return TrainingPlan(blocking_rules=rules, prior=prior, prior_explained=explained, rounds=rounds), comparisons


def describe_fields(columns: set[str]) -> list[str]:
    """The fields used for matching, in words, in a fixed order."""
    return [label for column, label in ROLE_LABELS.items() if column in columns]
