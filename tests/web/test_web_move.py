"""The tell-us-once pages: finding the person, the change-of-address form, the notices, who may use them and what
they log."""

from __future__ import annotations

import csv
import io
import re

import pytest

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, read_index
from townhall.identity.tell_us_once import recorded_moves
from townhall.workspace import Workspace

NEW_ADDRESS = {"address_line_1": "Flat 3, 27 Quarry Lane", "address_line_2": "", "town": "Ashbury",
               "postcode": "ay9 8zx", "uprn": ""}


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The app serves a copy of the linked demo council (the web fixtures build on ``workspace``)."""
    return linked_demo


def _person(workspace: Workspace, *, withheld: bool = False) -> dict[str, str]:
    row = read_index(workspace, f"select person_id, first_name, surname, address from {SCHEMA}.persons where not "
                                "address_withheld and address is not null and len(sources) >= 2 order by person_id "
                                "limit 1").iloc[0]
    if withheld:
        with workspace.analytics.transaction() as connection:
            connection.execute(f"update {SCHEMA}.persons set address_withheld = true where person_id = ?",
                               [row["person_id"]])
    return dict(row)


def _form_token(client, person_id: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/identity/move?person={person_id}")
    assert page.status_code == 200, page.text
    return re.findall(r'name="csrf_token" value="([^"]+)"', page.text)[-1]


def test_without_a_person_the_page_asks_for_their_id(client, sign_in, people) -> None:
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get("/identity/move")
    assert page.status_code == 200
    assert "Record a change of address" in page.text
    assert 'name="person"' in page.text and 'method="get"' in page.text


def test_the_form_shows_who_has_moved_and_the_view_is_audit_logged(client, sign_in, people,
                                                                   workspace: Workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get(f"/identity/move?person={person['person_id'].lower()}").text
    assert f"{person['first_name']} {person['surname']}".replace("'", "&#39;") in page
    assert person["address"].replace("'", "&#39;") in page
    for field in ("address_line_1", "address_line_2", "town", "postcode", "uprn", "moved-day", "moved-month",
                  "moved-year", "csrf_token"):
        assert f'name="{field}"' in page
    viewed = workspace.audit.entries(action="identity.move_form_viewed")
    assert [(entry.actor, entry.subject) for entry in viewed] == [(people[Role.PRACTITIONER], person["person_id"])]


def test_recording_a_move_leads_to_the_notices_which_download_as_csv(client, sign_in, people,
                                                                     workspace: Workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    token = _form_token(client, person["person_id"])
    response = client.post("/identity/move", data={**NEW_ADDRESS, "person": person["person_id"], "moved-day": "1",
                                                   "moved-month": "3", "moved-year": "2026", "csrf_token": token})
    assert response.status_code == 303
    (move,) = recorded_moves(workspace)
    assert response.headers["location"] == f"/identity/move/{move.change_id}"
    assert (move.new_address, move.postcode, move.effective_date.isoformat(), move.recorded_by) == (
        "Flat 3, 27 Quarry Lane, Ashbury AY9 8ZX", "AY9 8ZX", "2026-03-01", people[Role.PRACTITIONER])

    done = client.get(response.headers["location"]).text
    assert "Change of address recorded" in done and move.reference in done
    links = re.findall(r'href="(/identity/move/\d+/notices/[a-z0-9-]+\.csv)"', done)
    assert links
    download = client.get(links[0])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows and all(row["new_address"] == move.new_address for row in rows)
    assert workspace.audit.entries(action="identity.notice_downloaded")[0].details["change"] == move.reference
    assert client.get(f"/identity/move/{move.change_id}/notices/no-such-team.csv").status_code == 404
    assert client.get(f"/identity/move/{move.change_id}/notices/..%2Fapp.db").status_code in (400, 404)


def test_a_form_without_the_postcode_or_with_a_bad_date_shows_errors_and_records_nothing(
        client, sign_in, people, workspace: Workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    token = _form_token(client, person["person_id"])
    response = client.post("/identity/move", data={**NEW_ADDRESS, "postcode": "", "person": person["person_id"],
                                                   "moved-day": "31", "moved-month": "2", "moved-year": "2026",
                                                   "csrf_token": token})
    assert response.status_code == 400
    assert '<a href="#postcode">Enter the postcode of the new address</a>' in response.text
    assert '<a href="#moved-day">The date of the move must be a real date' in response.text
    assert 'value="Flat 3, 27 Quarry Lane"' in response.text
    response = client.post("/identity/move", data={**NEW_ADDRESS, "postcode": "AY9", "person": person["person_id"],
                                                   "csrf_token": token})
    assert response.status_code == 400
    assert "is not a valid UK postcode" in response.text
    assert recorded_moves(workspace) == []


def test_a_person_not_in_the_index_gets_a_plain_answer_about_opt_outs(client, sign_in, people) -> None:
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get("/identity/move?person=P-0000000000")
    assert page.status_code == 404
    assert "People who opted out of data sharing are not in the index" in page.text
    assert 'href="#person"' in page.text


def test_only_governance_may_move_someone_whose_address_is_withheld(client, sign_in, people,
                                                                    workspace: Workspace) -> None:
    person = _person(workspace, withheld=True)
    sign_in(client, people[Role.PRACTITIONER])
    refused = client.get(f"/identity/move?person={person['person_id']}")
    assert refused.status_code == 403
    assert "only an information governance officer can record their change of address" in refused.text
    assert person["address"].replace("'", "&#39;") not in refused.text
    token = re.findall(r'name="csrf_token" value="([^"]+)"', refused.text)[-1]
    posted = client.post("/identity/move", data={**NEW_ADDRESS, "person": person["person_id"], "csrf_token": token})
    assert posted.status_code == 403
    assert recorded_moves(workspace) == []
    client.post("/logout", data={"csrf_token": token})

    sign_in(client, people[Role.GOVERNANCE])
    token = _form_token(client, person["person_id"])
    posted = client.post("/identity/move", data={**NEW_ADDRESS, "person": person["person_id"], "csrf_token": token})
    assert posted.status_code == 303
    (move,) = recorded_moves(workspace)
    assert move.address_withheld
    done = client.get(posted.headers["location"]).text
    assert "the notices do not contain any address" in done


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MANAGER])
def test_analysts_and_managers_may_not_record_moves(client, sign_in, people, workspace: Workspace,
                                                    role: Role) -> None:
    sign_in(client, people[role])
    assert client.get(f"/identity/move?person={_person(workspace)['person_id']}").status_code == 403
    assert workspace.audit.entries(action="identity.move_form_viewed") == []
