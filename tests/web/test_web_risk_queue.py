"""The review queue pages through the app: a practitioner's team list, decisions with GOV.UK error messages, results
of inspections, the decisions report for analysts, and who may see what. On a small workspace with a gazetteer of
four homes and a scored list written straight into the decisions tables (the contract the scoring code writes to)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from townhall.decisions.definition import builtin_definitions
from townhall.decisions.feedback import recorded_outcomes
from townhall.decisions.store import ensure_tables, model_folder
from townhall.governance.users import Role
from townhall.workspace import Workspace

PASSWORD = "a long test password"  # as tests/web/conftest.py
INSPECTOR = "ian.inspector"
EARLY_HELP = "pat.practitioner"
MODEL = "hidden-hmos"
HOMES = [("100090000001", "Flat 1", 12, "Mill Street", "AY1 1AA", "high"),
         ("100090000002", None, 14, "Mill Street", "AY1 1AA", "high"),
         ("100090000003", None, 3, "Church Lane", "AY1 2BB", "medium"),
         ("100090000004", None, 9, "Church Lane", "AY1 2BB", "low")]


def build_scored_workspace(workspace: Workspace, folder: Path) -> Workspace:
    """Add a four-home gazetteer, the hidden-HMO model's definition and a scored list (three homes on it)."""
    gazetteer = folder / "gazetteer.csv"
    gazetteer.write_text("UPRN,SAO_TEXT,PAO_START_NUMBER,STREET_DESCRIPTOR,TOWN_NAME,POSTCODE_LOCATOR\n" + "".join(
        f"{uprn},{flat or ''},{number},{street},Ashbury,{postcode}\n"
        for uprn, flat, number, street, postcode, _ in HOMES), encoding="utf-8")
    workspace.catalogue.add_source(gazetteer, "address_gazetteer", owner="Address management",
                                   description="Every address in the borough with its UPRN.")
    target = model_folder(workspace, MODEL)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_definitions()[MODEL], target / "definition.yaml")
    scored_at = datetime.now(UTC) - timedelta(days=1)
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        connection.execute("insert into decisions.runs values (?, 'run-1', 'score', ?, ?, ?, 4, 'logistic', '{}', "
                           "'[]', 'test')", [MODEL, date(2026, 1, 1), scored_at, scored_at])
        for rank, (uprn, _, _, _, _, band) in enumerate(HOMES, start=1):
            connection.execute("insert into decisions.predictions values (?, 'run-1', 'score', null, ?, ?, ?, null, "
                               "?, ?, ?, null, 'logistic')",
                               [MODEL, date(2026, 1, 1), uprn, 0.5 - rank / 10, rank, rank <= 3, band])
            connection.execute("insert into decisions.reasons values (?, 'run-1', ?, ?, 1, 'adults_at_address', "
                               "'6', 0.8, '6 different people linked to the address (raises the score)')",
                               [MODEL, uprn, date(2026, 1, 1)])
    return workspace


@pytest.fixture
def workspace(workspace: Workspace, tmp_path: Path) -> Workspace:
    """The web fixtures (people, client) serve a small scored workspace with a housing inspector and an early help
    practitioner."""
    build_scored_workspace(workspace, tmp_path)
    workspace.users.add(INSPECTOR, Role.PRACTITIONER, team="Private Sector Housing", password=PASSWORD,
                        display_name="Ian Clarke")
    workspace.users.add(EARLY_HELP, Role.PRACTITIONER, team="Early Help", password=PASSWORD,
                        display_name="Pat O'Neill")
    return workspace


def test_a_practitioner_sees_their_teams_queue_with_bands_reasons_and_addresses_and_the_view_is_logged(
        client: TestClient, workspace: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    signed_in(client, INSPECTOR)
    queues = client.get("/risk/queue")
    assert queues.status_code == 200 and 'href="/risk/queue/hidden-hmos"' in queues.text
    assert "Hidden houses in multiple occupation" in main_text(queues)
    page = client.get("/risk/queue/hidden-hmos")
    text = main_text(page)
    assert page.status_code == 200
    assert "Cases to decide (3)" in text and "Cases decided (0)" in text
    assert "1. Flat 1, 12 Mill Street, Ashbury AY1 1AA High likelihood" in text
    assert "3. 3 Church Lane, Ashbury AY1 2BB Medium likelihood" in text
    assert "9 Church Lane" not in text  # not on the list
    assert "6 different people linked to the address (raises the score)" in text
    assert "0.4" not in text and "%" not in text  # a band, never a bare probability
    entry = workspace.audit.entries(action="risk.queue_viewed")[0]
    assert (entry.actor, entry.details["cases_shown"], entry.details["model"]) == (INSPECTOR, 3, MODEL)


def test_a_decision_needs_a_reason_and_a_decided_case_takes_the_inspections_result(
        client: TestClient, token_in: Callable[[str], str],
        workspace: Workspace, signed_in: Callable[..., TestClient], main_text: Callable[[Response], str]) -> None:
    signed_in(client, INSPECTOR)
    token = token_in(client.get("/risk/queue/hidden-hmos").text)
    refused = client.post("/risk/queue/hidden-hmos/decide", data={
        "csrf_token": token, "unit_id": HOMES[1][0], "decision": "", "reason": ""})
    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert 'href="#decision-2"' in refused.text and 'href="#reason-2"' in refused.text
    assert "Select inspect, no action or refer" in main_text(refused)
    assert "Enter the reason for your decision" in main_text(refused)
    recorded = client.post("/risk/queue/hidden-hmos/decide", data={
        "csrf_token": token, "unit_id": HOMES[1][0], "decision": "no action",
        "reason": "Inspected in March, a family of four"})
    assert recorded.status_code == 303 and recorded.headers["location"] == "/risk/queue/hidden-hmos#decided"
    after = main_text(client.get("/risk/queue/hidden-hmos"))
    assert "Decision recorded for case 2: no action. It goes against the model's band" in after
    assert "Cases to decide (2)" in after and "Cases decided (1)" in after
    assert "Goes against the model" in after and "Inspected in March, a family of four" in after
    entry = workspace.audit.entries(action="risk.decision_recorded")[0]
    assert entry.details == {"model": MODEL, "unit_id": HOMES[1][0], "run_id": "run-1", "band": "high",
                             "decision": "no action", "override": True}

    # The decided case now has a form for what the inspection found: a label for the next training run.
    fields = {"csrf_token": token, "unit_id": HOMES[1][0], "outcome-day": "3", "outcome-month": "2",
              "outcome-year": "2026", "result": "Seven occupants, no licence"}
    missing = client.post("/risk/queue/hidden-hmos/outcome", data=fields)
    assert missing.status_code == 400 and 'href="#found-2"' in missing.text
    assert "Select whether the inspection found what the model looks for" in main_text(missing)
    saved = client.post("/risk/queue/hidden-hmos/outcome", data={**fields, "found": "yes"})
    assert saved.status_code == 303
    stored = recorded_outcomes(workspace, MODEL)
    assert stored[["unit_id", "outcome", "outcome_date"]].values.tolist() == [[HOMES[1][0], True, date(2026, 2, 3)]]
    assert "Found on 3 February 2026: Seven occupants, no licence" in main_text(client.get("/risk/queue/hidden-hmos"))


def test_a_practitioner_in_another_team_gets_no_list_and_governance_reads_without_deciding(
        client: TestClient, token_in: Callable[[str], str],
        people: dict[Role, str], signed_in: Callable[..., TestClient], main_text: Callable[[Response], str]) -> None:
    signed_in(client, EARLY_HELP)
    assert "There are no review queues for your team (Early Help)" in main_text(client.get("/risk/queue"))
    refused = client.get("/risk/queue/hidden-hmos")
    assert refused.status_code == 403 and "belongs to the Private Sector Housing team" in main_text(refused)
    signed_in(client, people[Role.GOVERNANCE])
    page = client.get("/risk/queue/hidden-hmos")
    assert page.status_code == 200 and "You can read this queue but not record decisions" in main_text(page)
    assert "Record decision" not in page.text
    token = token_in(page.text)  # the sign-out form in the header carries the session's token
    post = client.post("/risk/queue/hidden-hmos/decide", data={"csrf_token": token, "unit_id": HOMES[0][0],
                                                                "decision": "inspect", "reason": "Looks right to me"})
    assert post.status_code == 403
    assert client.get("/risk/queue/fire-risk").status_code == 404


def test_analysts_read_the_decisions_report_but_never_the_list(
        client: TestClient, token_in: Callable[[str], str],
        people: dict[Role, str], workspace: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    signed_in(client, INSPECTOR)
    token = token_in(client.get("/risk/queue/hidden-hmos").text)
    for unit_id, decision, reason in ((HOMES[0][0], "inspect", "Many adults, noise reports"),
                                      (HOMES[2][0], "no action", "Care home, registered with the council")):
        client.post("/risk/queue/hidden-hmos/decide", data={"csrf_token": token, "unit_id": unit_id,
                                                             "decision": decision, "reason": reason})
    assert client.get("/risk/queue/hidden-hmos/decisions").status_code == 403
    signed_in(client, people[Role.ANALYST])
    queues = client.get("/risk/queue")
    assert 'href="/risk/queue/hidden-hmos/decisions"' in queues.text
    assert 'href="/risk/queue/hidden-hmos"' not in queues.text
    assert client.get("/risk/queue/hidden-hmos").status_code == 403
    report = client.get("/risk/queue/hidden-hmos/decisions")
    text = main_text(report)
    assert report.status_code == 200
    assert "Decisions recorded 2" in text and "Went against the model 1 (50% of decisions)" in text
    assert "High likelihood 1 0 0 1" in text and "Medium likelihood 0 1 0 1" in text
    assert "Care home, registered with the council" in text and "Many adults" not in text
    assert workspace.audit.entries(action="risk.decisions_report")[0].details["reasons_shown"] == 1
