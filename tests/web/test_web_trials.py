"""The trial pages: the list, one trial's plan, results and notes; who may see and add what; CSRF and the audit log."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from townhall.governance.users import Role
from townhall.trials import DEMO_TRIAL, amend_trial, get_trial, register_demo_letter_trial
from townhall.workspace import Workspace

PAGE = f"/trials/{DEMO_TRIAL}"


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The web fixtures (people, client) serve the linked demo, with its letter trial registered."""
    register_demo_letter_trial(linked_demo)
    return linked_demo


def _signed_in(client: TestClient, sign_in: Callable[..., Response], username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _text(page: Response) -> str:
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def test_the_trial_page_shows_the_frozen_plan_results_and_conclusion(
        client: TestClient, people: dict[Role, str], sign_in: Callable[..., Response], linked_demo: Workspace) -> None:
    amend_trial(linked_demo, DEMO_TRIAL, {"minimum_effect_of_interest": 0.03},
                reason="The service said 3 points is the smallest change worth the cost.", amended_by="asha.analyst")
    trial = get_trial(linked_demo, DEMO_TRIAL)
    listing = _signed_in(client, sign_in, people[Role.ANALYST]).get("/trials")
    assert listing.status_code == 200 and f'href="{PAGE}"' in listing.text and "(retrospectively)" in _text(listing)
    page = client.get(PAGE)
    assert page.status_code == 200
    text = _text(page)
    assert trial.original_hash in text and "registered retrospectively" in text
    assert "minimum_effect_of_interest changed from “0.02” to “0.03”" in text
    assert "smallest change worth the cost" in text
    assert re.search(r"'new_letter' (raised|lowered) switched_to_direct_debit by|No detectable effect of 'new_letter'",
                     text)
    assert "match the planned split" in text and "Counts under 10 are hidden" in text
    assert 'role="img"' in page.text and "Show the figures in this chart as a table" in text
    assert "Were the arms alike before the trial?" in text and "Band: A" in text
    assert "contact centre log (illustrative)".lower() in text.lower()
    entry = linked_demo.audit.entries(action="trial.analyse", actor=people[Role.ANALYST])[0]
    assert entry.subject == DEMO_TRIAL and entry.details["units"] > 0


def test_managers_read_results_but_practitioners_are_kept_out(
        client: TestClient, people: dict[Role, str], sign_in: Callable[..., Response]) -> None:
    manager = _signed_in(client, sign_in, people[Role.MANAGER]).get(PAGE)
    assert manager.status_code == 200 and "Add note" in manager.text
    governance = _signed_in(client, sign_in, people[Role.GOVERNANCE]).get(PAGE)
    assert governance.status_code == 200 and "Add note" not in governance.text
    assert _signed_in(client, sign_in, people[Role.PRACTITIONER]).get(PAGE).status_code == 403
    assert _signed_in(client, sign_in, people[Role.ANALYST]).get("/trials/no-such-trial").status_code == 404


def test_an_analyst_adds_a_note_with_the_form_and_it_is_audit_logged_without_its_text(
        client: TestClient, people: dict[Role, str], sign_in: Callable[..., Response],
        token_in: Callable[[str], str], linked_demo: Workspace) -> None:
    page = _signed_in(client, sign_in, people[Role.ANALYST]).get(PAGE)
    forged = client.post(f"{PAGE}/notes", data={"text": "no token", "kind": "note"})
    assert forged.status_code in (400, 403) and "no token" not in _text(client.get(PAGE))
    empty = client.post(f"{PAGE}/notes", data={"text": " ", "kind": "note", "csrf_token": token_in(page.text)})
    assert empty.status_code == 400 and "Enter the note or quote" in empty.text
    saved = client.post(f"{PAGE}/notes", data={"text": "Letters reached Marland a week late.", "kind": "quote",
                                               "source": "Print room", "csrf_token": token_in(page.text)})
    assert saved.status_code == 303 and saved.headers["location"].startswith(PAGE)
    shown = _text(client.get(saved.headers["location"]))
    assert "“Letters reached Marland a week late.”" in shown and "Your note was added" in shown
    entry = linked_demo.audit.entries(action="trial.note", actor=people[Role.ANALYST])[0]
    assert entry.details["kind"] == "quote" and "Marland" not in str(entry.details)
    governance = _signed_in(client, sign_in, people[Role.GOVERNANCE])
    refused = governance.post(f"{PAGE}/notes", data={"text": "x", "kind": "note",
                                                     "csrf_token": token_in(governance.get(PAGE).text)})
    assert refused.status_code == 403
