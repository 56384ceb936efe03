"""The web app: ``create_app(workspace)`` builds a FastAPI app serving one council's workspace.

Every router is registered here with the access it needs: the capability routers behind ``require_roles`` (from the
registry in townhall.web.capabilities), the home page and sign-out behind ``current_user``, and only the sign-in page,
the accessibility statement, the health check and the static files open to everyone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from townhall.errors import AccessDeniedError, TownhallError
from townhall.web.assets import GOVUK_ASSETS_FOLDER, STATIC_FOLDER, check_assets_built
from townhall.web.capabilities import CAPABILITIES, Capability
from townhall.web.routers import home, login, pages
from townhall.web.routers.devices import DEVICE_API_PATH, device_api
from townhall.web.security import (
    CsrfError,
    LoginRequiredError,
    SecurityHeadersMiddleware,
    apply_security_headers,
    current_user,
    require_roles,
    verify_csrf,
)
from townhall.web.templating import make_templates, render
from townhall.workspace import Workspace

logger = logging.getLogger("townhall.web")

SESSION_COOKIE = "townhall_session"
SESSION_HOURS = 8  # a working day: people sign in again each morning
# Paths anyone may reach without signing in; a test checks that every other route needs a signed-in person.
PUBLIC_PATHS = ("/login", "/accessibility", "/healthz", "/assets", "/static")
# Paths for devices, not people: no session, a device token instead (townhall.web.routers.devices).
DEVICE_PATHS = (DEVICE_API_PATH,)


def create_app(workspace: Workspace | Path | str, *, capabilities: list[Capability] | None = None,
               secure_cookies: bool = False) -> FastAPI:
    """Build the web app for a workspace (an open Workspace or its folder).

    ``capabilities`` defaults to the registry; ``secure_cookies`` marks the session cookie HTTPS-only, for use behind
    an HTTPS proxy. Stops with a plain message if the front-end assets were never built.
    """
    check_assets_built()
    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(Path(workspace))
    registered = list(CAPABILITIES if capabilities is None else capabilities)

    app = FastAPI(
        title=f"townhall — {opened.config.council_name}",
        docs_url=None, redoc_url=None, openapi_url=None,  # no machine-readable map of the app for visitors
        dependencies=[Depends(verify_csrf)],  # every POST, on every router present and future, needs the token
    )
    app.state.workspace = opened
    app.state.templates = make_templates()
    app.state.capabilities = registered

    # Middleware runs outermost-last: security headers wrap everything, the session sits inside them.
    app.add_middleware(
        SessionMiddleware, secret_key=opened.secret("session").decode("utf-8"), session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600, same_site="lax", https_only=secure_cookies,
    )
    app.add_middleware(SecurityHeadersMiddleware)

    app.mount("/static", StaticFiles(directory=STATIC_FOLDER), name="static")
    app.mount("/assets", StaticFiles(directory=GOVUK_ASSETS_FOLDER), name="assets")
    # Sensors post readings here with a device token: an app of its own, outside sessions and CSRF (see its module).
    app.mount(DEVICE_API_PATH, device_api(opened), name="device_api")

    # Open to everyone.
    app.include_router(login.public_router)
    app.include_router(pages.router)
    # Anyone signed in.
    app.include_router(home.router, dependencies=[Depends(current_user)])
    app.include_router(login.account_router, dependencies=[Depends(current_user)])
    # Each capability, for the roles it names.
    for capability in registered:
        app.include_router(capability.load_router(), dependencies=[Depends(require_roles(*capability.roles))])

    _add_error_pages(app)
    return app


def _error_page(request: Request, status_code: int, heading: str, paragraphs: list[str],
                links: list[dict[str, str]] | None = None) -> Response:
    """A GOV.UK-styled error page in plain English."""
    return render(request, "error.html", {
        "page_title": heading, "heading": heading, "paragraphs": paragraphs, "links": links or [],
    }, status_code=status_code)


def _add_error_pages(app: FastAPI) -> None:
    """Turn sign-in redirects, refusals and failures into pages a member of staff can act on."""

    @app.exception_handler(LoginRequiredError)
    async def login_required(_request: Request, error: LoginRequiredError) -> Response:
        return RedirectResponse(error.next_path, status_code=303)

    @app.exception_handler(AccessDeniedError)
    async def access_denied(request: Request, error: AccessDeniedError) -> Response:
        return _error_page(request, 403, "You do not have permission to see this page", [
            str(error),
            "If you need this page for your work, ask your townhall administrator to change your role.",
        ], [{"href": "/", "text": "Go to the townhall home page"}])

    @app.exception_handler(CsrfError)
    async def csrf_rejected(request: Request, error: CsrfError) -> Response:
        return _error_page(request, 403, "Your form could not be sent", [str(error)],
                           [{"href": "/", "text": "Go to the townhall home page"}])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return _error_page(request, 404, "Page not found", [
                "If you typed the web address, check it is correct.",
                "If you pasted the web address, check you copied the entire address.",
                "If the page was for a data source, it may have been removed or renamed.",
            ], [{"href": "/", "text": "Go to the townhall home page"}])
        if error.status_code == 405:
            return _error_page(request, 405, "This page cannot be used that way", [
                "The page exists, but not for what your browser asked. Go back and use the links and buttons "
                "on the page instead.",
            ])
        return _error_page(request, error.status_code, "Sorry, there is a problem with this page",
                           [str(error.detail)])

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _error: RequestValidationError) -> Response:
        return _error_page(request, 400, "There is a problem with the web address", [
            "Part of the address is not in the form this page expects. Go back and use the links on the page.",
        ], [{"href": "/", "text": "Go to the townhall home page"}])

    @app.exception_handler(TownhallError)
    async def townhall_error(request: Request, error: TownhallError) -> Response:
        return _error_page(request, 400, "There is a problem", [str(error)])

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        # This handler runs outside the other middleware, so it sets the security headers itself.
        logger.exception("Unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        paragraphs = ["Try again later.",
                      "If it keeps happening, tell your townhall administrator what you were doing and when."]
        try:
            response = _error_page(request, 500, "Sorry, there is a problem with the service", paragraphs)
        except Exception:  # the page itself could not be drawn (e.g. the database is down): say it plainly
            logger.exception("The error page could not be rendered")
            response = HTMLResponse("<!DOCTYPE html><html lang=\"en-GB\"><title>Sorry, there is a problem with the "
                                    "service</title><h1>Sorry, there is a problem with the service</h1><p>"
                                    + " ".join(paragraphs) + "</p></html>", status_code=500)
        apply_security_headers(response.headers, getattr(request.state, "csp_nonce", "") or "none")
        return response
