"""The catalogue pages: the list of sources, one source, its failing values, and what they log and never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.governance.users import Role
from townhall.workspace import Workspace

SOURCE = "housing_tenancies"
RAW_PERSONAL_VALUES = ("Smith", "Jones", "O&#39;Brien", "O'Brien", "943 476 5919", "1234567890", "03/04/1980",
                       "NOT A POSTCODE", "31/02/1990", "White British")


@pytest.fixture
def registered(workspace: Workspace, tmp_path: Path, register_tenancies) -> str:  # type: ignore[no-untyped-def]
    """A small tenancy file with a bad date, a bad postcode and a bad NHS number, registered as a source."""
    return register_tenancies(workspace, tmp_path, SOURCE)


def test_the_catalogue_lists_each_source_with_its_sensitivity_and_quality(client, sign_in, people,
                                                                          registered: str) -> None:
    sign_in(client, people[Role.MANAGER])
    page = client.get("/sources").text
    assert f'href="/sources/{registered}"' in page
    assert "Housing services" in page
    assert "Council tenancies with arrears" in page
    assert "79%" in page  # quality score
    for header in ("Personal fields", "Special-category fields", "Registered"):
        assert header in page


def test_an_empty_catalogue_says_how_to_add_a_source(client, sign_in, people) -> None:
    sign_in(client, people[Role.ANALYST])
    assert "No data sources have been registered yet" in client.get("/sources").text


def test_a_source_page_shows_fields_tags_and_quality_and_is_audit_logged(client, sign_in, people, workspace,
                                                                       registered: str) -> None:
    sign_in(client, people[Role.ANALYST])
    response = client.get(f"/sources/{registered}")
    assert response.status_code == 200
    page = response.text
    assert "<h1 class=\"govuk-heading-l\">housing_tenancies</h1>" in page
    assert 'govuk-tag govuk-tag--orange">NHS number</strong>' in page
    assert 'govuk-tag govuk-tag--red">ethnicity</strong>' in page
    assert "Special category, suggested" in page
    assert "Personal, suggested" in page
    assert "Checked as UK postcode" in page
    assert "66.7%" in page  # NHS numbers: 2 of 3 filled values valid
    assert "not a valid UK postcode" in page  # from the problems list
    assert f"/sources/{registered}/fields/postcode/failing" in page
    assert "hidden (personal data)" in page
    assert '<span class="th-hash">' in page and "&lt;span" not in page
    viewed = workspace.audit.entries(action="source.viewed")
    assert [(entry.actor, entry.subject) for entry in viewed] == [(people[Role.ANALYST], registered)]


def test_failing_values_are_listed_by_row_and_audit_logged(client, sign_in, people, workspace,
                                                         registered: str) -> None:
    sign_in(client, people[Role.GOVERNANCE])
    response = client.get(f"/sources/{registered}/fields/nhs_number/failing")
    assert response.status_code == 200
    assert "the check digit does not match" in response.text
    assert "9999999999 (shape only)" in response.text
    entry = workspace.audit.entries(action="source.failing_rows_viewed")[0]
    assert (entry.actor, entry.subject, entry.details["field"]) == (people[Role.GOVERNANCE], registered, "nhs_number")


def test_pages_never_show_raw_personal_values(client, sign_in, people, registered: str) -> None:
    sign_in(client, people[Role.ADMIN])
    pages = [client.get(path).text for path in (
        "/sources", f"/sources/{registered}", f"/sources/{registered}/fields/postcode/failing",
        f"/sources/{registered}/fields/date_of_birth/failing", f"/sources/{registered}/fields/surname/failing")]
    for value in RAW_PERSONAL_VALUES:
        for page in pages:
            assert value not in page


def test_unknown_sources_and_fields_get_the_404_page(client, sign_in, people, workspace, registered: str) -> None:
    sign_in(client, people[Role.ANALYST])
    for path in ("/sources/no_such_source", f"/sources/{registered}/fields/no_such_field/failing",
                 "/sources/no_such_source/fields/postcode/failing"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
    assert not workspace.audit.entries(action="source.viewed")


def test_practitioners_cannot_open_a_source_and_nothing_is_logged(client, sign_in, people, workspace,
                                                                 registered: str) -> None:
    sign_in(client, people[Role.PRACTITIONER])
    assert client.get(f"/sources/{registered}").status_code == 403
    assert client.get(f"/sources/{registered}/fields/postcode/failing").status_code == 403
    assert not workspace.audit.entries(action="source.viewed")
