"""Signing in and out, who may see which page, CSRF protection and security headers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from townhall.governance.users import Role
from townhall.web.app import DEVICE_PATHS, PUBLIC_PATHS
from townhall.web.security import current_user
from townhall.workspace import Workspace

PASSWORD = "a long test password"  # as in conftest.py


def _routes(app: FastAPI) -> list[Any]:
    """Every route as served, with the dependencies added where its router was included."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI 0.16x keeps included routers nested
    except ImportError:  # older FastAPI copies routes, with their dependencies, into app.routes
        return [SimpleNamespace(path=getattr(route, "path", None), original_route=route,
                                dependant=getattr(route, "dependant", None), methods=getattr(route, "methods", None))
                for route in app.routes]
    return list(iter_route_contexts(app.routes))


def _actions(workspace: Workspace, action: str) -> list[tuple[str, str]]:
    return [(entry.actor, entry.subject) for entry in workspace.audit.entries(action=action)]


def test_signing_in_goes_home_and_is_audit_logged(client, sign_in, people, workspace) -> None:
    response = sign_in(client, people[Role.ANALYST])
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Test analyst" in home.text
    assert ("analyst-user", "analyst-user") in _actions(workspace, "login.succeeded")


def test_a_wrong_password_shows_the_error_summary_and_is_audit_logged(client, sign_in, people, workspace) -> None:
    response = sign_in(client, people[Role.ANALYST], password="not the password")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Enter a correct user name and password" in response.text
    assert '<a href="#username">' in response.text
    assert "<title>Error: Sign in" in response.text
    assert ("anonymous", "") in _actions(workspace, "login.failed")
    assert client.get("/").status_code == 303


def test_empty_fields_each_get_their_own_message(client, token_in, people) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": token_in(page.text)})
    assert response.status_code == 400
    assert "Enter your user name" in response.text
    assert "Enter your password" in response.text


def test_pages_send_people_who_are_not_signed_in_to_sign_in_and_back(client, sign_in, people) -> None:
    response = client.get("/sources?sort=name")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/sources?sort=name"]
    page = client.get(response.headers["location"])
    assert 'name="next" value="/sources?sort=name"' in page.text
    signed_in = sign_in(client, people[Role.ANALYST], next_path="/sources?sort=name")
    assert signed_in.headers["location"] == "/sources?sort=name"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example",
                                    "javascript:x"])
def test_sign_in_never_redirects_to_another_site(client, sign_in, people, target: str) -> None:
    response = sign_in(client, people[Role.ANALYST], next_path=target)
    assert response.headers["location"] == "/"


def test_practitioners_may_not_see_the_catalogue_or_the_audit_log(client, sign_in, people) -> None:
    sign_in(client, people[Role.PRACTITIONER])
    for path in ("/sources", "/sources/anything", "/audit"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have permission to see this page" in response.text
        assert "Your role is practitioner" in response.text
    home = client.get("/")
    assert 'href="/people"' in home.text  # their single view


@pytest.mark.parametrize(("role", "catalogue", "audit"), [
    (Role.ANALYST, 200, 403), (Role.GOVERNANCE, 200, 200), (Role.MANAGER, 200, 403), (Role.ADMIN, 200, 200),
])
def test_roles_decide_who_sees_the_catalogue_and_the_audit_log(client, sign_in, people, role: Role, catalogue: int,
                                                              audit: int) -> None:
    sign_in(client, people[role])
    assert client.get("/sources").status_code == catalogue
    assert client.get("/audit").status_code == audit
    home = client.get("/").text
    assert ("Data catalogue" in home) == (catalogue == 200)
    assert ('href="/audit"' in home) == (audit == 200)


def test_every_route_except_the_public_ones_needs_a_signed_in_person(client, token_in) -> None:
    def needs_sign_in(dependant) -> bool:  # type: ignore[no-untyped-def]
        if dependant.call is current_user or getattr(dependant.call, "townhall_access_check", None):
            return True
        return any(needs_sign_in(sub) for sub in dependant.dependencies)

    checked = 0
    public_seen = set()
    for route in _routes(client.app):
        path = route.path or ""
        if path.startswith(PUBLIC_PATHS):
            public_seen.add(path)
            continue
        if path.startswith(DEVICE_PATHS):  # devices, not people: a token instead of a session
            client.cookies.clear()
            assert client.post(f"{path}/readings", json={"readings": []}).status_code == 401, path
            continue
        assert isinstance(route.original_route, APIRoute), f"{path} is not an API route: its access cannot be checked"
        assert needs_sign_in(route.dependant), f"{path} can be reached without signing in"
        # And in practice: each method without a session goes to the sign-in page.
        concrete = path.replace("{", "").replace("}", "")
        for method in route.methods - {"HEAD"}:
            client.cookies.clear()
            headers = {}
            if method != "GET":  # a session with a token, so only the sign-in check can refuse
                headers = {"x-csrf-token": token_in(client.get("/login").text)}
            response = client.request(method, concrete, headers=headers)
            assert response.status_code == 303, f"{method} {path} answered {response.status_code}"
            assert response.headers["location"].startswith("/login"), f"{method} {path}"
        checked += 1
    assert checked >= 5
    assert public_seen == {"/login", "/accessibility", "/healthz", "/assets", "/static"}


def test_forms_without_the_right_token_are_refused(client, sign_in, people, workspace) -> None:
    client.get("/login")
    refused = client.post("/login", data={"username": people[Role.ANALYST], "password": PASSWORD})
    assert refused.status_code == 403
    assert "Your form could not be sent" in refused.text
    wrong = client.post("/login", data={"username": people[Role.ANALYST], "password": PASSWORD,
                                        "csrf_token": "made-up"})
    assert wrong.status_code == 403
    assert not _actions(workspace, "login.succeeded")
    sign_in(client, people[Role.ANALYST])
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "made-up"}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in


def test_a_token_from_before_signing_in_does_not_work_after(client, sign_in, token_in, people) -> None:
    old_token = token_in(client.get("/login").text)
    sign_in(client, people[Role.ANALYST])
    assert client.post("/logout", data={"csrf_token": old_token}).status_code == 403


def test_signing_out_ends_the_session_and_is_audit_logged(client, sign_in, token_in, people, workspace) -> None:
    sign_in(client, people[Role.GOVERNANCE])
    home = client.get("/")
    response = client.post("/logout", data={"csrf_token": token_in(home.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    assert ("governance-user", "governance-user") in _actions(workspace, "logout")


def test_pages_carry_security_headers(client, people) -> None:
    response = client.get("/login")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.text  # GOV.UK's js-enabled line, allowed by nonce only
    assert '<script type="module" src="/static/townhall/init.js"></script>' in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=lax" in response.headers["set-cookie"].lower()
    assert client.get("/login").headers["content-security-policy"] != policy  # a fresh nonce each time


def test_public_pages_and_assets_are_served_without_signing_in(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    statement = client.get("/accessibility")
    assert statement.status_code == 200
    assert "WCAG" in statement.text and "2.2" in statement.text
    css = client.get("/static/govuk/govuk-frontend.min.css")
    assert css.status_code == 200
    assert "GDS Transport" not in css.text
    assert client.get("/static/govuk/govuk-frontend.min.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/assets/manifest.json").status_code == 200
    assert client.get("/assets/fonts/bold-affa96571d-v2.woff2").status_code == 404  # no GDS Transport shipped
