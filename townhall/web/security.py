"""Who is signed in, what their role allows, CSRF tokens for forms, and security headers on every response.

Routers never check access themselves: ``create_app`` wraps each router in ``require_roles`` (or ``current_user``)
when it registers it, and a test walks every route to prove none is open by accident.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.users import Role, User
from townhall.workspace import Workspace

SESSION_USER = "username"
SESSION_CSRF = "csrf_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOT_LOOKED_UP = object()


class LoginRequiredError(Exception):
    """Nobody is signed in; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__("Sign in to use this page.")


class CsrfError(TownhallError):
    """A form arrived without the token the app gave out, so it may have come from another site."""


def workspace_of(request: Request) -> Workspace:
    """The workspace the app serves."""
    return request.app.state.workspace


def safe_next(path: str | None) -> str:
    """A local path to return to after signing in; anything else (another site, odd schemes) becomes the home page."""
    # Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/site" would become "//site".
    if (not path or not path.startswith("/") or path.startswith("//") or "\\" in path
            or any(ord(character) < 33 for character in path)):
        return "/"
    return path


def login_url(request: Request) -> str:
    """The sign-in page, remembering where the person was going."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # Only pages can be returned to: a form sent after the session ended cannot be replayed by a redirect.
    if target == "/" or request.method != "GET":
        return "/login"
    return f"/login?next={quote(target, safe='')}"


def signed_in_user(request: Request) -> User | None:
    """The signed-in person, looked up afresh so a removed account loses access at once; None when nobody is."""
    cached = getattr(request.state, "townhall_user", _NOT_LOOKED_UP)
    if cached is not _NOT_LOOKED_UP:
        return cached
    username = request.session.get(SESSION_USER)
    user = workspace_of(request).users.get(username) if username else None
    if username and user is None:
        request.session.pop(SESSION_USER, None)
    request.state.townhall_user = user
    return user


def current_user(request: Request) -> User:
    """Dependency: the signed-in person; anyone else is sent to the sign-in page."""
    user = signed_in_user(request)
    if user is None:
        raise LoginRequiredError(login_url(request))
    return user


def require_roles(*roles: Role) -> Callable[[Request], User]:
    """Dependency factory: the signed-in person, who must hold one of ``roles`` (a plain 403 page otherwise)."""
    allowed = tuple(roles)
    names = ", ".join(role.value for role in allowed)

    def check_role(request: Request) -> User:
        user = current_user(request)
        if not user.has_role(*allowed):
            raise AccessDeniedError(
                f"This page is for people with these roles: {names}. Your role is {user.role.value}."
            )
        return user

    check_role.__name__ = f"require_roles({names})"
    check_role.townhall_access_check = allowed  # type: ignore[attr-defined]  # read by the route-protection test
    return check_role


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; forms carry it in a hidden field."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Dependency for every route: a POST must carry this session's token (form field or X-CSRF-Token header)."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfError(
            "This form could not be accepted because it had expired or did not come from a townhall page. "
            "Go back, reload the page and try again."
        )


def content_security_policy(nonce: str) -> str:
    """Scripts only from this server (plus GOV.UK's one-line js-enabled snippet, allowed by nonce); nothing inline."""
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class SecurityHeadersMiddleware:
    """Adds a fresh CSP nonce to each request and security headers to each response; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        is_static = scope["path"].startswith(("/static/", "/assets/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message), nonce, cacheable=is_static)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def apply_security_headers(headers: MutableHeaders, nonce: str, *, cacheable: bool = False) -> None:
    """Set the security headers on a response (also used by the 500 page, which bypasses middleware)."""
    headers["Content-Security-Policy"] = content_security_policy(nonce)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    if not cacheable:
        # Pages can show personal data: keep them out of shared and browser caches.
        headers["Cache-Control"] = "no-store"
