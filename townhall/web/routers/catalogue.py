"""The data catalogue: the sources registered in the workspace, their fields, tags, quality and failing values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from townhall.errors import TownhallError
from townhall.governance.users import User
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

if TYPE_CHECKING:
    from townhall.catalogue import SourceDetail

router = APIRouter()
FAILING_ROWS_SHOWN = 200


def _source_or_404(request: Request, name: str) -> SourceDetail:
    """The source's detail, or the page-not-found page when there is no source of that name."""
    try:
        return workspace_of(request).catalogue.get_source(name)
    except TownhallError:
        raise HTTPException(status_code=404) from None


@router.get("/sources", name="sources")
def sources(request: Request) -> HTMLResponse:
    """A table of every registered source."""
    summaries = workspace_of(request).catalogue.list_sources()
    return render(request, "sources.html", {"page_title": "Data catalogue", "sources": summaries})


@router.get("/sources/{name}", name="source")
def source(request: Request, name: str, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """One source: what it is, its fields with tags and quality, and the problems found. Each view is audit-logged."""
    detail = _source_or_404(request, name)
    workspace_of(request).audit.record(user.username, "source.viewed", detail.name)
    return render(request, "source.html", {"page_title": detail.name, "source": detail})


@router.get("/sources/{name}/fields/{field}/failing", name="failing_rows")
def failing_rows(request: Request, name: str, field: str,
                 user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """The rows whose value in one field fails its check, with the reason; audit-logged as values may be personal."""
    detail = _source_or_404(request, name)
    try:
        profile = detail.field_profile(field)
    except KeyError:
        raise HTTPException(status_code=404) from None
    workspace = workspace_of(request)
    rows = workspace.catalogue.failing_rows(detail.name, profile.name, limit=FAILING_ROWS_SHOWN)
    workspace.audit.record(user.username, "source.failing_rows_viewed", detail.name,
                           details={"field": profile.name, "rows_shown": len(rows)})
    return render(request, "failing_rows.html", {
        "page_title": f"Failing values in {profile.name} – {detail.name}", "source": detail, "profile": profile,
        "rows": rows,
    })
