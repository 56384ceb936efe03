"""Pages every part of the public site shares: the home page, the language switch, the accessibility statement,
the privacy notice and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from townhall.assistant.messages import language_or_default
from townhall.public.app import LANGUAGE_KEY, render_public
from townhall.web.security import safe_next

router = APIRouter()


@router.get("/", name="public_home")
def home(request: Request) -> HTMLResponse:
    """What residents can do here."""
    return render_public(request, "home.html", {"page_title": "Council services online"})


@router.get("/language/{code}", name="public_language")
def choose_language(request: Request, code: str, next: str = "/") -> RedirectResponse:
    """Switch between English and Welsh, back to the page the resident was on."""
    request.session[LANGUAGE_KEY] = language_or_default(code)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/accessibility", name="public_accessibility")
def accessibility(request: Request) -> HTMLResponse:
    """The accessibility statement the public sector accessibility regulations ask for."""
    return render_public(request, "accessibility.html", {"page_title": "Accessibility statement"})


@router.get("/privacy", name="public_privacy")
def privacy(request: Request) -> HTMLResponse:
    """What the assistant keeps, why, and for how long."""
    from townhall.assistant.flows import load_flows

    workspace = request.app.state.workspace
    settings = workspace.settings.assistant
    flows = load_flows(workspace.path / settings.flows_folder if settings.flows_folder else None)
    return render_public(request, "privacy.html", {
        "page_title": "Privacy notice", "flows": flows,
        "retention_days": settings.transcript_retention_days})


@router.get("/healthz", name="public_healthz")
def healthz() -> dict[str, str]:
    """For monitoring: answers when the site is up."""
    return {"status": "ok"}
