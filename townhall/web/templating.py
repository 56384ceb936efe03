"""Jinja2 set-up with the GOV.UK Frontend macros, and the one helper routers use to render a page."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from starlette.responses import HTMLResponse

from townhall.web import formatting
from townhall.web.capabilities import capabilities_for
from townhall.web.security import csrf_token, signed_in_user

TEMPLATE_FOLDER = Path(__file__).resolve().parent / "templates"


@functools.cache
def make_templates() -> Jinja2Templates:
    """Our templates first, then govuk-frontend-jinja's under the "govuk_frontend_jinja/" prefix its macros expect.

    One shared environment: compiling the GOV.UK macros is the slow part, and nothing in it is per-workspace.
    """
    environment = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(TEMPLATE_FOLDER),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(formatting.FILTERS)
    return Jinja2Templates(env=environment)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    """Render a page with what every page needs: the council, the signed-in person, navigation and tokens."""
    app_state = request.app.state
    user = signed_in_user(request)
    capabilities = capabilities_for(user, app_state.capabilities)
    path = request.url.path
    navigation = [
        {"href": capability.href, "text": capability.title,
         "current": path == capability.href, "active": path.startswith(capability.href + "/")}
        for capability in capabilities if capability.navigation
    ]
    base: dict[str, Any] = {
        "council_name": app_state.workspace.config.council_name,
        "service_name": f"townhall — {app_state.workspace.config.council_name}",
        "user": user,
        "navigation": navigation,
        # Called by templates that hold a form, so pages without one set no session cookie.
        "csrf_token": lambda: csrf_token(request),
        "cspNonce": getattr(request.state, "csp_nonce", None),
        "assetPath": "/assets",
        "htmlLang": "en-GB",
    }
    return app_state.templates.TemplateResponse(request, template, {**base, **(context or {})},
                                                status_code=status_code)
