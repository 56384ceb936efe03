"""The public site: no sign-in, no route to staff pages or records, forms that work without JavaScript, a transcript
the resident can download, and Welsh."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount

from townhall.public import create_public_app


def _visible_text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_site_has_only_its_own_pages_and_none_of_the_staff_app(public_workspace: Any, resident: Any) -> None:
    app = create_public_app(public_workspace)
    paths = {route.path for route in app.routes if isinstance(route, APIRoute)}
    assert all(path == "/" or path.startswith(("/assistant", "/language/", "/accessibility", "/privacy",
                                                "/healthz")) for path in paths), paths
    assert {route.path for route in app.routes if isinstance(route, Mount)} == {"/static", "/assets"}
    for staff_page in ("/login", "/people", "/sources", "/audit", "/assistant/requests", "/text", "/docs"):
        assert resident.get(staff_page).status_code in {404, 405}, staff_page


def test_a_resident_reports_a_repair_with_plain_forms_and_downloads_the_conversation(
        resident: Any, token_of: Callable[[str], str], public_workspace: Any) -> None:
    page = resident.get("/assistant")
    assert "I am an automated assistant, not a person." in _visible_text(page.text)
    token = token_of(page.text)
    assert resident.post("/assistant/message", data={"text": "my boiler is broken", "csrf_token": token}
                         ).headers["location"] == "/assistant"
    question = resident.get("/assistant")
    assert "What is the postcode of the home that needs the repair?" in question.text
    wrong = resident.post("/assistant/answer", data={"value": "nowhere", "csrf_token": token})
    assert wrong.status_code == 400 and "Error: " in wrong.text and 'class="govuk-error-summary"' in wrong.text
    postcode = public_workspace.analytics.connect
    with postcode(read_only=True) as connection:
        code = connection.execute('select "POSTCODE_LOCATOR" from sources.address_gazetteer '
                                  "where \"CLASSIFICATION_CODE\" like 'R%' limit 1").fetchone()[0]
    resident.post("/assistant/answer", data={"value": code, "csrf_token": token})
    uprn = re.search(r'name="value" type="radio" value="([0-9]+)"', resident.get("/assistant").text).group(1)
    for value in (uprn, "damp", "Mould on the bedroom wall since October.", "01632 960001"):
        assert resident.post("/assistant/answer", data={"value": value, "csrf_token": token}).status_code == 303
    assert "Check your answers" in resident.get("/assistant").text
    resident.post("/assistant/send", data={"csrf_token": token})
    done = _visible_text(resident.get("/assistant").text)
    assert "Your request has been sent" in done and re.search(r"TH-[A-Z0-9]{7}", done)
    download = resident.get("/assistant/transcript")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "You: my boiler is broken" in download.text and "Mould on the bedroom wall" in download.text


def test_forms_without_the_token_are_refused_and_welsh_is_chosen_from_a_link(
        resident: Any, token_of: Callable[[str], str]) -> None:
    assert resident.post("/assistant/message", data={"text": "hello"}).status_code == 403
    switched = resident.get("/language/cy?next=/assistant")
    assert switched.status_code == 303 and switched.headers["location"] == "/assistant"
    page = resident.get("/assistant")
    assert 'lang="cy"' in page.text and "Gyda beth mae angen help arnoch chi?" in page.text
    assert resident.get("/language/cy?next=https://elsewhere.example").headers["location"] == "/"


def test_the_privacy_notice_says_what_each_service_asks_for_and_how_long_it_is_kept(
        resident: Any, public_workspace: Any) -> None:
    text = _visible_text(resident.get("/privacy").text)
    assert str(public_workspace.settings.assistant.transcript_retention_days) in text
    assert "to send the crew to the right home" in text and "No personal details." in text
