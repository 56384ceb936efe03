"""The pages themselves: home cards, the audit log with paging, error pages, and refusing to start without assets."""

from __future__ import annotations

import html

import pytest
from fastapi import APIRouter

from townhall.governance.users import Role
from townhall.web import AssetsNotBuiltError, Capability, create_app
from townhall.web import assets as web_assets
from townhall.web.capabilities import CAPABILITIES


def test_home_lists_only_what_the_role_allows_with_a_sentence_each(client, sign_in, people) -> None:
    sign_in(client, people[Role.GOVERNANCE])
    home = client.get("/").text
    for capability in CAPABILITIES:
        assert f'href="{capability.href}"' in home
        assert capability.description.split(",")[0] in html.unescape(home)


def test_the_audit_log_pages_through_entries_and_shows_the_chain_check(client, sign_in, people, workspace) -> None:
    for number in range(120):
        workspace.audit.record("someone", "test.entry", f"subject {number}")
    sign_in(client, people[Role.GOVERNANCE])
    first = client.get("/audit")
    assert first.status_code == 200
    assert "The log is intact" in first.text
    assert first.text.count('<tr class="govuk-table__row">') == 50 + 1  # header row plus 50
    assert "/audit?page=2" in first.text
    third = client.get("/audit?page=3")
    assert "Older entries" not in third.text
    assert "Newer entries" in third.text
    filtered = client.get("/audit", params={"action": "login.succeeded"})
    assert "governance-user" in filtered.text
    assert "subject 5" not in filtered.text
    assert client.get("/audit?page=abc").status_code == 400
    assert workspace.audit.entries(action="audit.viewed", actor="governance-user")


def test_a_broken_chain_is_reported_on_the_audit_page(client, sign_in, people, workspace, monkeypatch) -> None:
    from townhall.governance.audit import AuditVerification

    monkeypatch.setattr(type(workspace.audit), "verify",
                        lambda _self: AuditVerification(3, ["Entry 2 (x) was changed after it was written."]))
    sign_in(client, people[Role.ADMIN])
    page = client.get("/audit").text
    assert "The log has been tampered with" in page
    assert "Entry 2 (x) was changed after it was written." in page


def test_unknown_pages_get_a_plain_english_404(client, sign_in, people) -> None:
    sign_in(client, people[Role.ANALYST])
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "govuk-template" in response.text


def test_unexpected_failures_get_a_plain_english_500_with_security_headers(workspace, people, make_client,
                                                                           sign_in) -> None:
    broken = APIRouter()

    @broken.get("/broken")
    def fail() -> None:
        raise RuntimeError("internal detail that must not be shown")

    app = create_app(workspace, capabilities=[*CAPABILITIES, Capability(
        key="broken", title="Broken", description="Fails.", href="/broken", roles=(Role.ANALYST,), router=broken)])
    with make_client(app) as client:
        sign_in(client, people[Role.ANALYST])
        response = client.get("/broken")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "internal detail" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_the_app_refuses_to_start_without_built_assets(workspace, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(web_assets, "REQUIRED_FILES", (tmp_path / "missing.css",))
    with pytest.raises(AssetsNotBuiltError, match="make assets"):
        create_app(workspace)
