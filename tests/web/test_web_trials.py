"""The trial pages: the list, one trial's plan, results and notes; who may see and add what; CSRF and the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from townhall.demo.letter_trial import DEMO_TRIAL, register_demo_letter_trial
from townhall.governance.users import Role
from townhall.trials import amend_trial, get_trial
from townhall.workspace import Workspace

PAGE = f"/trials/{DEMO_TRIAL}"


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The web fixtures (people, client) serve the linked demo, with its letter trial registered."""
    register_demo_letter_trial(linked_demo)
    return linked_demo


def test_the_trial_page_shows_the_frozen_plan_results_and_conclusion(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    amend_trial(linked_demo, DEMO_TRIAL, {"minimum_effect_of_interest": 0.03},
                reason="The service said 3 points is the smallest change worth the cost.", amended_by="asha.analyst")
    trial = get_trial(linked_demo, DEMO_TRIAL)
    listing = signed_in(client, people[Role.ANALYST]).get("/trials")
    assert listing.status_code == 200 and f'href="{PAGE}"' in listing.text and "(retrospectively)" in main_text(listing)
    page = client.get(PAGE)
    assert page.status_code == 200
    text = main_text(page)
    assert trial.original_hash in text and "registered retrospectively" in text
    assert "minimum_effect_of_interest changed from “0.02” to “0.03”" in text
    assert "smallest change worth the cost" in text
    assert re.search(r"'New letter with a pre-filled direct-debit form' (raised|lowered) switching to direct debit "
                     r"within eight weeks by|No detectable effect of 'New letter with a pre-filled direct-debit form'",
                     text)
    for term in ("intention to treat", "sample-ratio check (SRM)", "p-value", "HC2 robust standard errors",
                 "cluster-robust standard errors"):
        assert term in text
    assert "match the planned split" in text and "Counts under 10 are hidden" in text
    assert 'role="img"' in page.text and "Show the figures in this chart as a table" in text
    assert "Were the arms alike before the trial?" in text and "Band: A" in text
    assert "contact centre log (illustrative)".lower() in text.lower()
    entry = linked_demo.audit.entries(action="trial.analyse", actor=people[Role.ANALYST])[0]
    assert entry.subject == DEMO_TRIAL and entry.details["units"] > 0


def test_managers_read_results_but_practitioners_are_kept_out(
        client: TestClient, people: dict[Role, str], signed_in: Callable[..., TestClient]) -> None:
    manager = signed_in(client, people[Role.MANAGER]).get(PAGE)
    assert manager.status_code == 200 and "Add note" in manager.text
    governance = signed_in(client, people[Role.GOVERNANCE]).get(PAGE)
    assert governance.status_code == 200 and "Add note" not in governance.text
    assert signed_in(client, people[Role.PRACTITIONER]).get(PAGE).status_code == 403
    assert signed_in(client, people[Role.ANALYST]).get("/trials/no-such-trial").status_code == 404


def test_an_analyst_adds_a_note_with_the_form_and_it_is_audit_logged_without_its_text(
        client: TestClient, people: dict[Role, str],
        token_in: Callable[[str], str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    page = signed_in(client, people[Role.ANALYST]).get(PAGE)
    forged = client.post(f"{PAGE}/notes", data={"text": "no token", "kind": "note"})
    assert forged.status_code in (400, 403) and "no token" not in main_text(client.get(PAGE))
    empty = client.post(f"{PAGE}/notes", data={"text": " ", "kind": "note", "csrf_token": token_in(page.text)})
    assert empty.status_code == 400 and "Enter the note or quote" in empty.text
    saved = client.post(f"{PAGE}/notes", data={"text": "Letters reached Marland a week late.", "kind": "quote",
                                               "source": "Print room", "csrf_token": token_in(page.text)})
    assert saved.status_code == 303 and saved.headers["location"].startswith(PAGE)
    shown = main_text(client.get(saved.headers["location"]))
    assert "“Letters reached Marland a week late.”" in shown and "Your note was added" in shown
    entry = linked_demo.audit.entries(action="trial.note", actor=people[Role.ANALYST])[0]
    assert entry.details["kind"] == "quote" and "Marland" not in str(entry.details)
    governance = signed_in(client, people[Role.GOVERNANCE])
    refused = governance.post(f"{PAGE}/notes", data={"text": "x", "kind": "note",
                                                     "csrf_token": token_in(governance.get(PAGE).text)})
    assert refused.status_code == 403


def test_a_trial_looked_at_weekly_shows_its_confidence_sequence_explained(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd

    from townhall.trials import TrialPlan, register_trial

    generator = np.random.default_rng(1)
    count = 1_200
    arm = np.where(np.arange(count) % 2 == 0, "control", "text")
    pd.DataFrame({"account": [f"T{number:05d}" for number in range(count)], "arm": arm,
                  "paid": generator.random(count) < np.where(arm == "text", 0.3, 0.2),
                  "known_on": (pd.Timestamp("2024-03-04") + pd.to_timedelta(generator.integers(0, 35, count), "D"))
                  .strftime("%Y-%m-%d")}).to_csv(tmp_path / "texts.csv", index=False)
    linked_demo.catalogue.add_source(tmp_path / "texts.csv", "text_trial", owner="Revenues")
    register_trial(linked_demo, TrialPlan(
        name="payment-text", title="Payment text", question="Does a text raise payment?", arms=["control", "text"],
        primary_outcome="paid", population="Accounts", unit_of_randomisation="account", analysis_plan="ITT.",
        minimum_effect_of_interest=0.05, source="text_trial", unit_column="account", date_column="known_on",
        sequential=True, labels={"text": "A text message"}), registered_by="test")
    text = main_text(signed_in(client, people[Role.ANALYST]).get("/trials/payment-text"))
    assert "Looking at the results week by week: A text message" in text
    assert "A confidence sequence is a run of intervals that all hold together" in text
    assert "Always-valid p-value" in text and "Looking every week, 'A text message'" in text
