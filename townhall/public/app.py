"""The public site: pages for residents, served apart from the staff app, with no sign-in and no route to staff
pages or to anyone's records.

``create_public_app(workspace)`` builds it from ``PUBLIC_SECTIONS`` (the residents' assistant today; published open
data can be appended the same way: a ``PublicSection`` naming its router as "module:attribute"). It shares the staff
app's GOV.UK Frontend assets and security headers, but has its own templates (``townhall/public/templates``), its own
session cookie (holding only a resident's conversation and language) and CSRF tokens on every form.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from townhall.assistant.messages import LANGUAGES, _, language_or_default, translate
from townhall.errors import TownhallError
from townhall.web.assets import GOVUK_ASSETS_FOLDER, STATIC_FOLDER, check_assets_built
from townhall.web.capabilities import import_router
from townhall.web.security import CsrfError, SecurityHeadersMiddleware, apply_security_headers, csrf_token, verify_csrf
from townhall.workspace import Workspace

logger = logging.getLogger("townhall.public")

TEMPLATE_FOLDER = Path(__file__).resolve().parent / "templates"
PUBLIC_SESSION_COOKIE = "townhall_public"
PUBLIC_SESSION_HOURS = 2
LANGUAGE_KEY = "language"


@dataclass(frozen=True)
class PublicSection:
    """One part of the public site: its start page, how the home page describes it, and its router."""

    key: str
    title: str  # English; translated through the message catalogues
    description: str
    href: str
    router: str | APIRouter  # the router, or "module:attribute" to import it when the app is built

    def load_router(self) -> APIRouter:
        """The section's router, imported if given by name."""
        return import_router(self.router)


PUBLIC_SECTIONS: list[PublicSection] = [
    PublicSection(
        key="assistant", title=_("Ask the council's assistant"),
        description=_("Report a missed bin or a repair, apply for a council tax discount, or check planning."),
        href="/assistant", router="townhall.public.assistant:router"),
]


@functools.cache
def public_templates() -> Jinja2Templates:
    """The public site's templates, then govuk-frontend-jinja's macros under their expected prefix."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATE_FOLDER),
                             PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True), trim_blocks=True, lstrip_blocks=True)
    return Jinja2Templates(env=environment)


def current_language(request: Request) -> str:
    """The language the resident chose (English until they choose Welsh)."""
    return language_or_default(request.session.get(LANGUAGE_KEY))


def render_public(request: Request, template: str, context: dict[str, Any] | None = None, *,
                  status_code: int = 200) -> HTMLResponse:
    """Render a public page with what every page needs: the council, the language and its translator, tokens."""
    language = current_language(request)
    workspace: Workspace = request.app.state.workspace
    base: dict[str, Any] = {
        "council_name": workspace.config.council_name,
        "_": lambda text: translate(text, language),
        "language": language,
        "other_languages": [(code, name) for code, name in LANGUAGES.items() if code != language],
        "current_path": request.url.path,
        "sections": request.app.state.sections,
        "csrf_token": lambda: csrf_token(request),
        "cspNonce": getattr(request.state, "csp_nonce", None),
        "assetPath": "/assets",
        "htmlLang": "cy" if language == "cy" else "en-GB",
    }
    return request.app.state.templates.TemplateResponse(request, template, {**base, **(context or {})},
                                                        status_code=status_code)


def create_public_app(workspace: Workspace | Path | str, *, sections: list[PublicSection] | None = None,
                      secure_cookies: bool = False) -> FastAPI:
    """Build the public site for a workspace. Stops with a plain message if the front-end assets were never built."""
    check_assets_built()
    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(Path(workspace))
    registered = list(PUBLIC_SECTIONS if sections is None else sections)
    app = FastAPI(title=f"{opened.config.council_name}", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(verify_csrf)])
    app.state.workspace = opened
    app.state.templates = public_templates()
    app.state.sections = registered
    app.add_middleware(SessionMiddleware, secret_key=opened.secret("public-session").decode("utf-8"),
                       session_cookie=PUBLIC_SESSION_COOKIE, max_age=PUBLIC_SESSION_HOURS * 3600, same_site="lax",
                       https_only=secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_FOLDER), name="static")
    app.mount("/assets", StaticFiles(directory=GOVUK_ASSETS_FOLDER), name="assets")
    from townhall.public import pages

    app.include_router(pages.router)
    for section in registered:
        app.include_router(section.load_router())
    _add_error_pages(app)
    return app


def _add_error_pages(app: FastAPI) -> None:
    def error_page(request: Request, status: int, heading: str, paragraphs: list[str]) -> Response:
        return render_public(request, "error.html", {"heading": heading, "paragraphs": paragraphs},
                             status_code=status)

    @app.exception_handler(CsrfError)
    async def csrf_rejected(request: Request, _error: CsrfError) -> Response:
        return error_page(request, 403, _("Your form could not be sent"), [
            _("The page had expired. Go back, reload the page and try again.")])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return error_page(request, 404, _("Page not found"),
                              [_("If you typed the web address, check it is correct.")])
        if error.status_code == 405:
            return error_page(request, 405, _("This page cannot be used that way"),
                              [_("Go back and use the links and buttons on the page instead.")])
        return error_page(request, error.status_code, _("Sorry, there is a problem with this page"), [])

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _error: RequestValidationError) -> Response:
        return error_page(request, 400, _("Sorry, there is a problem with this page"),
                          [_("Go back and use the links and buttons on the page instead.")])

    @app.exception_handler(TownhallError)
    async def townhall_error(request: Request, error: TownhallError) -> Response:
        return error_page(request, 400, _("Sorry, there is a problem"), [str(error)])

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        logger.exception("Unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        paragraphs = [_("Try again later.")]
        try:
            response = error_page(request, 500, _("Sorry, there is a problem with the service"), paragraphs)
        except Exception:
            logger.exception("The error page could not be rendered")
            response = HTMLResponse("<!DOCTYPE html><html lang=\"en-GB\"><title>Sorry, there is a problem with the "
                                    "service</title><h1>Sorry, there is a problem with the service</h1></html>",
                                    status_code=500)
        apply_security_headers(response.headers, getattr(request.state, "csp_nonce", "") or "none")
        return response


def serve_public(workspace_path: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the public site for the workspace at ``workspace_path`` until stopped (Ctrl+C)."""
    import uvicorn

    from townhall.web import QueryStringsLeftOut

    app = create_public_app(workspace_path)
    logging.getLogger("uvicorn.access").addFilter(QueryStringsLeftOut())
    uvicorn.run(app, host=host, port=port, server_header=False, proxy_headers=False, log_level="info")
