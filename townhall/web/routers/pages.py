"""Pages open to everyone: the accessibility statement and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townhall.web.templating import render

router = APIRouter()


@router.get("/accessibility", name="accessibility")
def accessibility(request: Request) -> HTMLResponse:
    """The accessibility statement the public sector accessibility regulations ask for."""
    return render(request, "accessibility.html", {"page_title": "Accessibility statement"})


@router.get("/healthz", name="healthz")
def healthz() -> dict[str, str]:
    """For monitoring: answers when the app is up. Says nothing about the council's data."""
    return {"status": "ok"}
