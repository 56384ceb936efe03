"""Staff pages for words: residents' comments (themes, protected trends, sentiment, labelling) for analysts and
managers, and the assistant's request queue for each team, with every opened request audited."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from townhall.assistant import Assistant
from townhall.governance.users import Role
from townhall.workspace import Workspace

PASSWORD = "a long test password"


@pytest.fixture
def words_site(words_demo_folder: Path, tmp_path: Path, copy_and_open,  # type: ignore[no-untyped-def]
               make_client: Callable[..., Any]) -> Iterator[tuple[Any, Workspace]]:
    """The staff app on a copy of the analysed demo, with a request made through the assistant."""
    from townhall.web import create_app

    with copy_and_open(words_demo_folder, tmp_path / "ashbury") as workspace:
        for username, role, team in (("analyst.one", Role.ANALYST, None), ("manager.one", Role.MANAGER, None),
                                     ("waste.one", Role.PRACTITIONER, "Waste and Recycling"),
                                     ("housing.one", Role.PRACTITIONER, "Housing Repairs"),
                                     ("gov.one", Role.GOVERNANCE, None)):
            workspace.users.add(username, role, team=team, password=PASSWORD)
        assistant = Assistant(workspace)
        conversation = assistant.start().conversation_id
        assistant.choose_flow(conversation, "handover")
        assistant.answer(conversation, "01632 960002")
        workspace.test_reference = assistant.submit(conversation).reference  # type: ignore[attr-defined]
        with make_client(create_app(workspace)) as client:
            yield client, workspace


def _sign_in(client: Any, username: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD, "next": "/",
                                       "csrf_token": token}).status_code == 303


def test_analysts_see_themes_with_redacted_quotes_and_name_them_managers_only_read(words_site, main_text) -> None:  # type: ignore[no-untyped-def]
    client, _workspace = words_site
    _sign_in(client, "analyst.one")
    page = client.get("/text")
    text = main_text(page)
    assert page.status_code == 200 and "Top terms:" in text and "Counts under 10 are hidden" in text
    assert "agreed for" in text and "<svg" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/text/themes/1/name", data={"name": "Waiting for repairs", "csrf_token": token}
                       ).status_code == 303
    assert "Waiting for repairs" in main_text(client.get("/text"))
    labelling = client.get("/text/label")
    record = re.search(r'name="record_id" value="([^"]+)"', labelling.text).group(1)
    assert client.post("/text/label", data={"record_id": record, "label": "Libraries", "csrf_token": token}
                       ).status_code == 303
    _sign_in(client, "manager.one")
    assert "Save the name" not in client.get("/text").text
    assert client.get("/text/label").status_code == 403
    _sign_in(client, "waste.one")
    assert client.get("/text").status_code == 403


def test_each_team_sees_its_own_requests_and_opening_one_is_audited(words_site, main_text) -> None:  # type: ignore[no-untyped-def]
    client, workspace = words_site
    reference = workspace.test_reference
    _sign_in(client, "waste.one")
    assert reference not in client.get("/assistant/requests").text  # a hand-over goes to Customer Services
    assert client.get(f"/assistant/requests/{reference}").status_code == 403
    _sign_in(client, "gov.one")
    assert reference in client.get("/assistant/requests").text
    page = main_text(client.get(f"/assistant/requests/{reference}"))
    assert "01632 960002" in page and "Assistant: I am an automated assistant" in page
    viewed = workspace.audit.entries(action="assistant.request_viewed", actor="gov.one")
    assert viewed and viewed[0].subject == reference
