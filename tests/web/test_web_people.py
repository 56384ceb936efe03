"""The single view on the web and as JSON: who may use it, the purpose asked first, the search form, the person
page, masking of withheld addresses, the audit log, and the OpenAPI document."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, read_index
from townhall.workspace import Workspace

PURPOSE = "Safeguarding enquiry"


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The web fixtures (people, client) serve a copy of the linked demo council."""
    return linked_demo


def _person(workspace: Workspace) -> pd.Series:
    """Someone with a date of birth and an address, known to several services, with others in their household."""
    return read_index(workspace, f"""
        select * from {SCHEMA}.persons where date_of_birth is not null and address is not null
          and not address_withheld and first_name is not null and surname is not null and record_count >= 2
          and household_id in (select household_id from {SCHEMA}.persons group by household_id having count(*) >= 2)
        order by record_count desc, person_id limit 1""").iloc[0]


def _search_form(person: pd.Series, **changes: str) -> dict[str, str]:
    born = person.date_of_birth
    form = {"purpose": PURPOSE, "name": f"{person.first_name} {person.surname}", "dob-day": str(born.day),
            "dob-month": str(born.month), "dob-year": str(born.year), "postcode": "", "nhs_number": ""}
    form.update(changes)
    return form


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.PRACTITIONER, True), (Role.GOVERNANCE, True), (Role.ANALYST, False), (Role.MANAGER, False),
    (Role.ADMIN, False),
])
def test_only_practitioners_and_governance_may_look_people_up(client, sign_in, people, workspace, role,
                                                              allowed) -> None:
    person = _person(workspace)
    person_id = person.person_id
    search = f"/api/people?name={person.surname}&date_of_birth={person.date_of_birth:%Y-%m-%d}&purpose={PURPOSE}"
    sign_in(client, people[role])
    for path in ("/people", f"/people/{person_id}?purpose={PURPOSE}", search,
                 f"/api/people/{person_id}?purpose={PURPOSE}", "/api/openapi.json", "/api/purposes"):
        assert client.get(path).status_code == (200 if allowed else 403), path
    assert ('href="/people"' in client.get("/").text) == allowed


def test_the_search_form_asks_for_a_purpose_and_refuses_a_form_without_its_token(client, sign_in, people,
                                                                                workspace) -> None:
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get("/people")
    assert "Why are you looking this person up?" in page.text
    for purpose in ("Early help assessment", "Emergency response"):
        assert f'value="{purpose}"' in page.text
    refused = client.post("/people", data=_search_form(_person(workspace)))
    assert refused.status_code == 403
    assert not workspace.audit.entries(action="people.searched")


def test_searching_lists_the_person_and_links_to_their_page_with_the_purpose(client, sign_in, people, token_in,
                                                                             workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    token = token_in(client.get("/people").text)
    results = client.post("/people", data={**_search_form(person, name=f"{person.first_name} {person.surname}"),
                                           "csrf_token": token})
    assert results.status_code == 200
    assert f'href="/people/{person.person_id}?purpose=Safeguarding%20enquiry"' in results.text
    assert "person found" in results.text or "people found" in results.text
    entry = workspace.audit.entries(action="people.searched")[0]
    assert (entry.actor, entry.purpose) == (people[Role.PRACTITIONER], PURPOSE)
    assert entry.details["fields"] == ["date_of_birth", "name"]
    assert entry.details["results"] >= 1
    assert person.surname not in json.dumps(entry.details) + entry.subject


def test_search_mistakes_are_shown_in_the_error_summary_and_nothing_is_searched(client, sign_in, people, token_in,
                                                                                workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    token = token_in(client.get("/people").text)
    no_purpose = client.post("/people", data={**_search_form(person, purpose=""), "csrf_token": token})
    assert no_purpose.status_code == 400
    assert "There is a problem" in no_purpose.text
    assert '<a href="#purpose">Select why you are looking this person up</a>' in no_purpose.text
    assert "<title>Error: " in no_purpose.text
    name_only = client.post("/people", data={**_search_form(person, **{"dob-day": "", "dob-month": "",
                                                                       "dob-year": ""}), "csrf_token": token})
    assert name_only.status_code == 400
    assert "at least one of date of birth, postcode or NHS number" in name_only.text
    bad_date = client.post("/people", data={**_search_form(person, **{"dob-month": "13"}), "csrf_token": token})
    assert bad_date.status_code == 400
    assert "Date of birth must be a real date" in bad_date.text
    missing_year = client.post("/people", data={**_search_form(person, **{"dob-year": ""}), "csrf_token": token})
    assert "Date of birth must include a year" in missing_year.text
    assert not workspace.audit.entries(action="people.searched")


def test_the_person_page_asks_for_the_purpose_before_showing_anything(client, sign_in, people, workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    asked = client.get(f"/people/{person.person_id}")
    assert asked.status_code == 200
    assert "Why are you looking this person up?" in asked.text
    assert f'action="/people/{person.person_id}"' in asked.text
    assert person.surname not in asked.text
    refused = client.get(f"/people/{person.person_id}", params={"purpose": "Just curious"})
    assert refused.status_code == 400
    assert "Select one of the purposes listed" in refused.text
    assert person.surname not in refused.text
    assert not workspace.audit.entries(action="person.viewed")


def test_the_person_page_shows_identity_household_and_timeline_and_is_audit_logged(client, sign_in, people,
                                                                                   workspace) -> None:
    person = _person(workspace)
    records = read_index(workspace, f"select record_id from {SCHEMA}.records where person_id = ?", [person.person_id])
    household = read_index(workspace, f"select person_id from {SCHEMA}.persons where household_id = ? "
                                      "and person_id <> ?", [person.household_id, person.person_id])
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get(f"/people/{person.person_id}", params={"purpose": PURPOSE})
    assert page.status_code == 200
    assert f"<h1 class=\"govuk-heading-l\">{person.first_name} {person.surname}</h1>" in page.text
    assert person.address in page.text
    for record_id in records["record_id"]:
        assert f"record {record_id}" in page.text
    for member in household["person_id"]:
        assert f'href="/people/{member}?purpose=Safeguarding%20enquiry"' in page.text
    assert "You are viewing this record for: <strong>Safeguarding enquiry</strong>" in page.text
    entry = workspace.audit.entries(action="person.viewed")[0]
    assert (entry.actor, entry.subject, entry.purpose) == (people[Role.PRACTITIONER], person.person_id, PURPOSE)
    assert entry.details["timeline_entries"] == len(records)
    assert entry.details["via"] == "web"


def test_an_unknown_person_is_a_plain_page_not_found(client, sign_in, people) -> None:
    sign_in(client, people[Role.PRACTITIONER])
    missing = client.get("/people/P-0000000000", params={"purpose": PURPOSE})
    assert missing.status_code == 404
    assert "Person not found" in missing.text
    assert "Search for them again" in missing.text


def test_a_withheld_address_is_not_on_the_page_except_for_governance(client, sign_in, people, token_in,
                                                                     workspace) -> None:
    person = _person(workspace)
    with workspace.analytics.transaction() as connection:
        connection.execute(f"update {SCHEMA}.records set address_withheld = true where person_id = ?",
                           [person.person_id])
        for table in ("persons", "households"):
            connection.execute(f"update {SCHEMA}.{table} set address_withheld = true where household_id = ?",
                               [person.household_id])
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get(f"/people/{person.person_id}", params={"purpose": PURPOSE})
    assert page.status_code == 200
    assert "Address withheld" in page.text
    assert person.address not in page.text and person.postcode not in page.text
    api = client.get(f"/api/people/{person.person_id}", params={"purpose": PURPOSE})
    assert person.address not in api.text and person.postcode not in api.text
    assert api.json()["address"] is None and api.json()["address_withheld"] is True
    token = token_in(client.get("/people").text)
    results = client.post("/people", data={**_search_form(person), "csrf_token": token})
    assert person.postcode not in results.text and "Withheld" in results.text

    client.cookies.clear()
    sign_in(client, people[Role.GOVERNANCE])
    seen = client.get(f"/people/{person.person_id}", params={"purpose": PURPOSE})
    assert person.address in seen.text
    assert "do not disclose it to anyone" in seen.text


def test_the_api_searches_and_shows_a_person_as_json(client, sign_in, people, workspace) -> None:
    person = _person(workspace)
    sign_in(client, people[Role.PRACTITIONER])
    found = client.get("/api/people", params={"name": f"{person.first_name} {person.surname}",
                                              "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y"),
                                              "purpose": PURPOSE})
    assert found.status_code == 200
    body = found.json()
    assert body["count"] == len(body["results"]) >= 1
    assert body["results"][0]["person_id"] == person.person_id
    assert body["results"][0]["date_of_birth"] == person.date_of_birth.strftime("%Y-%m-%d")
    shown = client.get(f"/api/people/{person.person_id}", params={"purpose": PURPOSE})
    assert shown.status_code == 200
    view = shown.json()
    assert view["surname"] == person.surname
    assert {"date", "source", "record_id", "description", "details", "link_confidence", "confidence_label"} <= set(
        view["timeline"][0])
    assert len(view["household"]["members"]) >= 1
    searched = workspace.audit.entries(action="people.searched")[0]
    viewed = workspace.audit.entries(action="person.viewed")[0]
    assert searched.details["via"] == viewed.details["via"] == "api"
    assert viewed.purpose == PURPOSE


def test_the_api_answers_mistakes_with_json_in_plain_english(client, sign_in, people, workspace) -> None:
    person_id = _person(workspace).person_id
    sign_in(client, people[Role.PRACTITIONER])
    no_purpose = client.get(f"/api/people/{person_id}")
    assert no_purpose.status_code == 400
    assert PURPOSE in no_purpose.json()["purposes"]
    assert "purpose" in no_purpose.json()["detail"]
    too_broad = client.get("/api/people", params={"name": "Smith", "purpose": PURPOSE})
    assert too_broad.status_code == 400
    assert "nobody can browse the index" in too_broad.json()["detail"]
    missing = client.get("/api/people/P-0000000000", params={"purpose": PURPOSE})
    assert missing.status_code == 404
    assert "Search for them again" in missing.json()["detail"]
    assert client.get("/api/purposes").json()["purposes"][0] == "Early help assessment"
    assert not workspace.audit.entries(action="person.viewed")


def test_the_openapi_document_describes_the_api_for_those_signed_in(client, sign_in, people) -> None:
    assert client.get("/api/openapi.json").status_code == 303
    assert client.get("/openapi.json").status_code == 404  # the app's own map stays off
    sign_in(client, people[Role.GOVERNANCE])
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/people", "/api/people/{person_id}", "/api/purposes"}
    person_path = document["paths"]["/api/people/{person_id}"]["get"]
    assert {"200", "400", "404"} <= set(person_path["responses"])
    assert "PersonView" in document["components"]["schemas"]
    assert "TimelineEntry" in document["components"]["schemas"]
    assert not any(re.match(r"^/people", path) for path in document["paths"])
