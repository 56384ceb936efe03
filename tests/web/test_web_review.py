"""The clerical review pages: who may use them, what they show and hide, the decision form, and what they log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA
from townhall.identity.review import pairs_for_review, review_decisions
from townhall.workspace import Workspace

PASSWORD = "a long test password"  # as in conftest.py


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The app serves a copy of the linked demo council (the web fixtures build on ``workspace``)."""
    return linked_demo


def _decision_form(client, pair_key: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/identity/review/{pair_key}")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text.split('action="/identity/review/')[1])
    assert match
    return match.group(1)


def test_reviewers_see_the_pairs_waiting_with_both_records_and_the_list_is_audit_logged(
        client, sign_in, people, workspace: Workspace) -> None:
    sign_in(client, people[Role.ANALYST])
    response = client.get("/identity/review")
    assert response.status_code == 200
    page = response.text
    waiting = pairs_for_review(workspace, limit=50)
    assert "<h1 class=\"govuk-heading-l\">Clerical review of links</h1>" in page
    for pair in waiting[:5]:
        assert f'href="/identity/review/{pair.key}"' in page
        assert f"{pair.left.source}, record {pair.left.record_id}" in page
        assert f"{pair.right.source}, record {pair.right.record_id}" in page
    listed = workspace.audit.entries(action="link.pairs_listed")
    assert [(entry.actor, entry.details["pairs_shown"]) for entry in listed] == [(people[Role.ANALYST],
                                                                                  len(waiting))]


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.MANAGER])
def test_practitioners_and_managers_may_not_review_links(client, sign_in, people, workspace: Workspace,
                                                         role: Role) -> None:
    sign_in(client, people[role])
    key = pairs_for_review(workspace, limit=1)[0].key
    assert client.get("/identity/review").status_code == 403
    assert client.get(f"/identity/review/{key}").status_code == 403
    assert workspace.audit.entries(action="link.pair_viewed") == []


def test_a_pair_is_shown_side_by_side_with_an_accessible_waterfall_and_the_view_is_audit_logged(
        client, sign_in, people, workspace: Workspace) -> None:
    sign_in(client, people[Role.GOVERNANCE])
    pair = pairs_for_review(workspace, limit=1)[0]
    page = client.get(f"/identity/review/{pair.key}").text
    assert "Are these the same person?" in page
    assert pair.left.record_id in page and pair.right.record_id in page
    assert '<svg viewBox=' in page and 'role="img"' in page
    assert '<title id="waterfall-title">' in page and '<desc id="waterfall-desc">' in page
    assert page.count("<rect ") == len(pair.evidence) + 1  # one bar per comparison, then the total
    assert "Evidence for each comparison" in page
    for step in pair.waterfall:
        assert f"{step.after:+.2f}" in page
    assert 'value="same"' in page and 'value="different"' in page
    assert 'name="csrf_token"' in page
    viewed = workspace.audit.entries(action="link.pair_viewed")
    assert viewed[0].actor == people[Role.GOVERNANCE]
    assert (viewed[0].details["left_unique_id"], viewed[0].details["right_unique_id"]) == (pair.left.unique_id,
                                                                                          pair.right.unique_id)
    logged = repr(viewed[0])
    for name in (pair.left.surname, pair.right.surname):
        if name and name not in pair.left.unique_id + pair.right.unique_id:
            assert name not in logged


def test_a_decision_is_saved_and_leads_to_the_next_pair(client, sign_in, people, workspace: Workspace) -> None:
    sign_in(client, people[Role.ANALYST])
    first, second = pairs_for_review(workspace, limit=2)
    token = _decision_form(client, first.key)
    response = client.post(f"/identity/review/{first.key}",
                           data={"decision": "different", "reason": "Different first names", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/identity/review/{second.key}?saved=different"
    assert "Decision saved" in client.get(response.headers["location"]).text
    decisions = review_decisions(workspace)
    assert list(decisions.itertuples(index=False, name=None)) == [(first.left.unique_id, first.right.unique_id,
                                                                   "different")]
    reviewed = workspace.audit.entries(action="link.reviewed")[0]
    assert (reviewed.actor, reviewed.details["decision"]) == (people[Role.ANALYST], "different")
    assert first.key not in client.get("/identity/review").text
    assert first.key in client.get("/identity/review?decided=true").text


def test_a_form_without_a_choice_shows_the_error_and_saves_nothing(client, sign_in, people,
                                                                   workspace: Workspace) -> None:
    sign_in(client, people[Role.ANALYST])
    pair = pairs_for_review(workspace, limit=1)[0]
    token = _decision_form(client, pair.key)
    response = client.post(f"/identity/review/{pair.key}", data={"reason": "not sure", "csrf_token": token})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert '<a href="#decision">Select whether the records are the same person or different people</a>' in \
        response.text
    assert "<title>Error: " in response.text
    assert ">not sure</textarea>" in response.text
    assert review_decisions(workspace).empty


def test_a_decision_without_the_form_token_is_refused(client, sign_in, people, workspace: Workspace) -> None:
    sign_in(client, people[Role.ANALYST])
    pair = pairs_for_review(workspace, limit=1)[0]
    response = client.post(f"/identity/review/{pair.key}", data={"decision": "same"})
    assert response.status_code == 403
    assert review_decisions(workspace).empty


def test_a_withheld_address_is_hidden_from_analysts_and_shown_to_governance(client, sign_in, people,
                                                                            workspace: Workspace) -> None:
    pair = next(pair for pair in pairs_for_review(workspace, limit=200) if pair.left.address)
    with workspace.analytics.transaction() as connection:
        connection.execute(f"update {SCHEMA}.records set address_withheld = true where unique_id = ?",
                           [pair.left.unique_id])
    sign_in(client, people[Role.ANALYST])
    page = client.get(f"/identity/review/{pair.key}").text
    assert pair.left.address not in page
    assert "Only information governance officers can see it" in page
    assert pair.left.address not in client.get("/identity/review?decided=true").text
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    sign_in(client, people[Role.GOVERNANCE])
    assert pair.left.address in client.get(f"/identity/review/{pair.key}").text.replace("&#39;", "'")


def test_unknown_and_malformed_pair_references(client, sign_in, people) -> None:
    sign_in(client, people[Role.ANALYST])
    assert client.get("/identity/review/0123456789abcdef").status_code == 404
    assert client.get("/identity/review/not-a-pair").status_code == 400


def test_before_linking_the_page_says_to_run_townhall_link(make_client, tmp_path: Path) -> None:
    from townhall.web import create_app

    with Workspace.create(tmp_path / "empty", "Emptyshire") as empty:
        empty.users.add("analyst-user", Role.ANALYST, password=PASSWORD)
        with make_client(create_app(empty)) as client:
            login = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
            client.post("/login", data={"username": "analyst-user", "password": PASSWORD, "csrf_token": token})
            page = client.get("/identity/review")
    assert page.status_code == 200
    assert "Run &#39;townhall link&#39;" in page.text
