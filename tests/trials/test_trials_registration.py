"""Registration: a plan is frozen with a time-stamp and hash; amendments are recorded beside it, never over it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from townhall.errors import TownhallError
from townhall.trials import (
    TrialPlan,
    add_trial_note,
    amend_trial,
    get_trial,
    list_trials,
    plan_hash,
    record_randomisation,
    register_trial,
)
from townhall.workspace import Workspace


def test_a_registered_plan_is_frozen_with_its_hash_and_time(workspace: Workspace, letter_plan: TrialPlan) -> None:
    before = datetime.now(UTC)
    trial = register_trial(workspace, letter_plan, registered_by="asha.analyst")
    assert trial.original_hash == plan_hash(letter_plan.to_dict()) == trial.current_hash
    assert before <= trial.registered_at <= datetime.now(UTC)
    assert trial.intact() and not trial.retrospective and trial.amendments == []
    assert [item.name for item in list_trials(workspace)] == ["reminder-letter"]
    entry = workspace.audit.entries(action="trial.register")[0]
    assert entry.details["plan_hash"] == trial.original_hash and entry.actor == "asha.analyst"
    with pytest.raises(TownhallError, match="already registered"):
        register_trial(workspace, letter_plan, registered_by="asha.analyst")


def test_an_amendment_keeps_the_original_and_says_who_what_and_why(workspace: Workspace,
                                                                   letter_plan: TrialPlan) -> None:
    register_trial(workspace, letter_plan, registered_by="asha.analyst")
    amended = amend_trial(workspace, "reminder-letter", {"secondary_outcomes": ["amount", "complaints"]},
                          reason="Complaints were added at the service's request before any letters went out.",
                          amended_by="pat.manager")
    assert amended.original_plan.secondary_outcomes == ["amount"]
    assert amended.plan.secondary_outcomes == ["amount", "complaints"]
    assert amended.current_hash != amended.original_hash and amended.intact()
    change = amended.amendments[0]
    assert change.changes == {"secondary_outcomes": {"before": ["amount"], "after": ["amount", "complaints"]}}
    assert change.amended_by == "pat.manager" and "service's request" in change.reason
    assert workspace.audit.entries(action="trial.amend")[0].details["fields"] == ["secondary_outcomes"]
    with pytest.raises(TownhallError, match="reason"):
        amend_trial(workspace, "reminder-letter", {"title": "New"}, reason=" ", amended_by="x")
    with pytest.raises(TownhallError, match="changes nothing"):
        amend_trial(workspace, "reminder-letter", {"title": "Reminder letter"}, reason="none", amended_by="x")


def test_a_past_date_must_be_marked_retrospective(workspace: Workspace, letter_plan: TrialPlan) -> None:
    past = datetime(2024, 2, 1, tzinfo=UTC)
    with pytest.raises(TownhallError, match="retrospective"):
        register_trial(workspace, letter_plan, registered_by="a", registered_at=past)
    trial = register_trial(workspace, letter_plan, registered_by="a", registered_at=past, retrospective=True,
                           note="Registered after the fact.")
    assert trial.registered_at == past and trial.retrospective and trial.recorded_at > past


def test_plans_that_cannot_be_analysed_are_refused(workspace: Workspace, letter_plan: TrialPlan) -> None:
    for change, message in (({"arms": ["control"]}, "two arms"), ({"control_arm": "nobody"}, "control arm"),
                            ({"name": "Bad Name"}, "name"), ({"correction": "bonferroni"}, "holm"),
                            ({"secondary_outcomes": ["paid"]}, "primary outcome")):
        plan = TrialPlan.from_dict({**letter_plan.to_dict(), **change})
        with pytest.raises(TownhallError, match=message):
            register_trial(workspace, plan, registered_by="a")
    with pytest.raises(TownhallError, match="does not know: colour"):
        TrialPlan.from_dict({**letter_plan.to_dict(), "colour": "blue"})


def test_randomisation_is_recorded_once_and_notes_are_kept_without_logging_their_text(
        workspace: Workspace, letter_plan: TrialPlan) -> None:
    register_trial(workspace, letter_plan, registered_by="a")
    record_randomisation(workspace, "reminder-letter", {"seed": 42, "method": "simple", "units": 10}, actor="a")
    with pytest.raises(TownhallError, match="already been randomised"):
        record_randomisation(workspace, "reminder-letter", {"seed": 43}, actor="a")
    add_trial_note(workspace, "reminder-letter", "Mrs Example said the letter was confusing.", written_by="a",
                   kind="quote", source="resident")
    trial = get_trial(workspace, "reminder-letter")
    assert trial.randomisation["seed"] == 42
    assert trial.notes[0].kind == "quote" and trial.notes[0].source == "resident"
    entry = workspace.audit.entries(action="trial.note")[0]
    assert "Example" not in str(entry.details) and entry.details["characters"] > 10
    with pytest.raises(TownhallError, match="no trial called 'missing'"):
        get_trial(workspace, "missing")
