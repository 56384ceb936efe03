"""Clerical review: pairs near the threshold laid side by side, reviewers' decisions kept (latest wins), audit-logged
without names, and handed to the next linkage run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.identity.index import SCHEMA, IndexNotBuiltError, latest_run, read_index
from townhall.identity.review import (
    WITHHELD,
    Evidence,
    pair_key,
    pairs_for_review,
    probability_from_weight,
    record_review_decision,
    review_decisions,
    review_history,
    review_pair,
    waterfall_steps,
)
from townhall.workspace import Workspace


def _withhold(workspace: Workspace, unique_id: str) -> None:
    """Flag a record's address as withheld, as the vulnerability register does for someone fleeing abuse."""
    with workspace.analytics.transaction() as connection:
        connection.execute(f"update {SCHEMA}.records set address_withheld = true where unique_id = ?", [unique_id])


def test_pairs_come_closest_to_the_threshold_first_with_both_records_from_the_index(linked_demo: Workspace) -> None:
    pairs = pairs_for_review(linked_demo, limit=20)
    stored = read_index(linked_demo, f"select count(*) as pairs from {SCHEMA}.pairs")["pairs"][0]
    assert 0 < len(pairs) <= 20 and stored >= len(pairs)
    threshold = latest_run(linked_demo).threshold
    distances = [abs(pair.match_probability - threshold) for pair in pairs]
    assert distances == sorted(distances)
    records = read_index(linked_demo, f"select unique_id, source, record_id, person_id, surname, date_of_birth "
                                      f"from {SCHEMA}.records").set_index("unique_id")
    for pair in pairs:
        assert pair.left.unique_id < pair.right.unique_id
        assert pair.key == pair_key(pair.right.unique_id, pair.left.unique_id)
        for side in (pair.left, pair.right):
            expected = records.loc[side.unique_id]
            assert (side.source, side.record_id, side.person_id) == (expected["source"], expected["record_id"],
                                                                     expected["person_id"])
            assert side.surname == (None if pd.isna(expected["surname"]) else expected["surname"])
        assert pair.evidence[0].comparison == "starting point"
        assert pair.linked_now == (pair.left.person_id == pair.right.person_id)


def test_the_waterfall_adds_up_each_comparison_from_the_starting_point() -> None:
    evidence = [Evidence("starting point", "Two records picked at random", -10.0, "", ""),
                Evidence("name", "Exact", 8.5, "ann lee", "ann lee"),
                Evidence("date of birth", "Day and month swapped", 3.0, "1980-04-03", "1980-03-04"),
                Evidence("location", "Different postcode", -1.25, "AY1 4QT", "AY9 9ZZ")]
    steps = waterfall_steps(evidence)
    assert [(step.before, step.after) for step in steps] == [(0, -10), (-10, -1.5), (-1.5, 1.5), (1.5, 0.25)]
    assert steps[-1].probability_after == pytest.approx(2 ** 0.25 / (1 + 2 ** 0.25))
    assert probability_from_weight(0) == 0.5
    assert probability_from_weight(-99) == 0.0


def test_one_pair_is_found_by_its_key_and_an_unknown_key_is_refused(linked_demo: Workspace) -> None:
    first = pairs_for_review(linked_demo, limit=1)[0]
    found = review_pair(linked_demo, first.key)
    assert (found.left.unique_id, found.right.unique_id) == (first.left.unique_id, first.right.unique_id)
    assert [item.match_weight for item in found.evidence] == [item.match_weight for item in first.evidence]
    with pytest.raises(TownhallError, match="no longer waiting for review"):
        review_pair(linked_demo, "0123456789abcdef")
    with pytest.raises(TownhallError, match="not a pair reference"):
        review_pair(linked_demo, "../etc/passwd")


def test_a_withheld_address_is_hidden_from_reviewers_but_not_from_governance(linked_demo: Workspace) -> None:
    pair = next(pair for pair in pairs_for_review(linked_demo, limit=200)
                if pair.left.postcode and any(item.comparison == "location" and item.left for item in pair.evidence))
    _withhold(linked_demo, pair.left.unique_id)

    hidden = review_pair(linked_demo, pair.key)
    assert hidden.left.address_withheld and hidden.left.address_hidden
    assert (hidden.left.address, hidden.left.postcode, hidden.left.uprn) == (WITHHELD, WITHHELD, WITHHELD)
    location = next(item for item in hidden.evidence if item.comparison == "location")
    assert location.left == WITHHELD
    assert not hidden.right.address_hidden or hidden.right.address_withheld
    names = next(item for item in hidden.evidence if item.comparison == "forename")
    assert names.left not in ("", WITHHELD)  # names are not where someone lives: still shown

    governance = review_pair(linked_demo, pair.key, show_withheld_addresses=True)
    assert governance.left.postcode == pair.left.postcode and not governance.left.address_hidden
    assert next(item for item in governance.evidence if item.comparison == "location").left != WITHHELD


def test_a_decision_is_kept_ordered_the_latest_wins_and_decided_pairs_leave_the_queue(linked_demo: Workspace) -> None:
    first, second = pairs_for_review(linked_demo, limit=2)
    review = record_review_decision(linked_demo, first.right.unique_id, first.left.unique_id, "same",
                                    reviewer="asha.analyst", reason="Same NHS number")
    assert (review.left_unique_id, review.right_unique_id) == (first.left.unique_id, first.right.unique_id)
    record_review_decision(linked_demo, first.left.unique_id, first.right.unique_id, "different",
                           reviewer="gina.governance")
    record_review_decision(linked_demo, second.left.unique_id, second.right.unique_id, "same",
                           reviewer="asha.analyst")

    decisions = review_decisions(linked_demo)
    assert list(decisions.columns) == ["left_unique_id", "right_unique_id", "decision"]
    assert sorted(decisions.itertuples(index=False, name=None)) == sorted([
        (first.left.unique_id, first.right.unique_id, "different"),
        (second.left.unique_id, second.right.unique_id, "same")])
    history = review_history(linked_demo, first.left.unique_id, first.right.unique_id)
    assert [(item.decision, item.reviewer) for item in history] == [("different", "gina.governance"),
                                                                    ("same", "asha.analyst")]

    waiting = {pair.key for pair in pairs_for_review(linked_demo, limit=1000)}
    assert first.key not in waiting and second.key not in waiting
    everything = {pair.key: pair for pair in pairs_for_review(linked_demo, limit=1000, include_decided=True)}
    assert everything[first.key].decision == "different"
    assert everything[first.key].decided_by == "gina.governance"


def test_a_decision_is_audit_logged_with_record_ids_and_never_names_or_the_reason(linked_demo: Workspace) -> None:
    pair = pairs_for_review(linked_demo, limit=1)[0]
    record_review_decision(linked_demo, pair.left.unique_id, pair.right.unique_id, "different",
                           reviewer="asha.analyst", reason="Twins: different first names")
    entry = linked_demo.audit.entries(action="link.reviewed")[0]
    assert entry.actor == "asha.analyst"
    assert entry.details["left_unique_id"] == pair.left.unique_id
    assert entry.details["right_unique_id"] == pair.right.unique_id
    assert entry.details["decision"] == "different" and entry.details["reason_given"] is True
    logged = json.dumps([entry.subject, entry.details])
    assert "Twins" not in logged
    for name in (pair.left.surname, pair.left.first_name, pair.right.surname):
        if name:
            assert name not in logged.replace(pair.left.unique_id, "").replace(pair.right.unique_id, "")


def test_unusable_decisions_are_refused_in_plain_words(linked_demo: Workspace) -> None:
    pair = pairs_for_review(linked_demo, limit=1)[0]
    opted_out = read_index(linked_demo, f"select unique_id from {SCHEMA}.opted_out limit 1")["unique_id"][0]
    with pytest.raises(TownhallError, match="Choose 'same'"):
        record_review_decision(linked_demo, pair.left.unique_id, pair.right.unique_id, "maybe", reviewer="a")
    with pytest.raises(TownhallError, match="two different records"):
        record_review_decision(linked_demo, pair.left.unique_id, pair.left.unique_id, "same", reviewer="a")
    with pytest.raises(TownhallError, match="opted out are not in the index"):
        record_review_decision(linked_demo, pair.left.unique_id, opted_out, "same", reviewer="a")
    assert review_decisions(linked_demo).empty


def test_review_needs_the_index(workspace: Workspace) -> None:
    with pytest.raises(IndexNotBuiltError):
        pairs_for_review(workspace)
    assert review_decisions(workspace).empty
