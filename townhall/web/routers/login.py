"""Signing in and out. The sign-in page is open to everyone; signing out needs a signed-in person."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from townhall.governance.users import User
from townhall.web.security import SESSION_CSRF, SESSION_USER, current_user, safe_next, signed_in_user, workspace_of
from townhall.web.templating import render

public_router = APIRouter()
account_router = APIRouter()


@public_router.get("/login", name="login")
def login_page(request: Request, next_path: Annotated[str, Query(alias="next")] = "/") -> Response:
    """The sign-in form; someone already signed in goes straight on."""
    if signed_in_user(request) is not None:
        return RedirectResponse(safe_next(next_path), status_code=303)
    return render(request, "login.html", {"page_title": "Sign in", "next_path": safe_next(next_path), "username": "",
                                          "errors": {}})


@public_router.post("/login")
def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next_path: Annotated[str, Form(alias="next")] = "/") -> Response:
    """Check the user name and password (both outcomes are audit-logged) and start a fresh session."""
    errors: dict[str, dict[str, str]] = {}
    if not username.strip():
        errors["username"] = {"text": "Enter your user name", "href": "#username"}
    if not password:
        errors["password"] = {"text": "Enter your password", "href": "#password"}
    user = None
    if not errors:
        user = workspace_of(request).users.authenticate(username, password)
        if user is None:
            errors["username"] = {"text": "Enter a correct user name and password", "href": "#username"}
    if user is None:
        return render(request, "login.html", {
            "page_title": "Sign in", "next_path": safe_next(next_path), "username": username.strip(), "errors": errors,
            "has_errors": True,
        }, status_code=400)
    # A new session on sign-in, so a session started before it (and its token) cannot be carried over.
    request.session.clear()
    request.session[SESSION_USER] = user.username
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return RedirectResponse(safe_next(next_path), status_code=303)


@account_router.post("/logout", name="logout")
def logout(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    """End the session and go back to the sign-in page."""
    workspace_of(request).audit.record(user.username, "logout", user.username)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
