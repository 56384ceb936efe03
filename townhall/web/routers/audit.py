"""The audit log for governance officers and administrators: newest entries first, with the chain check."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from townhall.governance.users import User
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()
PAGE_SIZE = 50


@router.get("/audit", name="audit")
def audit_log(request: Request, user: Annotated[User, Depends(current_user)],
              page: Annotated[int, Query(ge=1, le=100_000)] = 1,
              actor: Annotated[str, Query(max_length=200)] = "",
              action: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """One page of entries, optionally for one person or action, and whether the chain is intact."""
    workspace = workspace_of(request)
    actor, action = actor.strip(), action.strip()
    # Reading the log is itself recorded: governance reads are accountable too.
    workspace.audit.record(user.username, "audit.viewed", "", details={"page": page, "actor": actor,
                                                                      "action": action})
    fetched = workspace.audit.entries(limit=page * PAGE_SIZE + 1, actor=actor or None, action=action or None)
    entries = fetched[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    verification = workspace.audit.verify()
    filters = "".join(f"&{urlencode({name: value})}" for name, value in (("actor", actor), ("action", action)) if value)
    pagination: dict[str, object] = {}
    if page > 1:
        pagination["previous"] = {"href": f"/audit?page={page - 1}{filters}", "labelText": "Newer entries"}
    if len(fetched) > page * PAGE_SIZE:
        pagination["next"] = {"href": f"/audit?page={page + 1}{filters}", "labelText": "Older entries"}
    return render(request, "audit.html", {
        "page_title": "Audit log" if page == 1 else f"Audit log (page {page})",
        "entries": entries, "verification": verification, "page": page, "actor": actor, "action": action,
        "pagination": pagination, "first_number": (page - 1) * PAGE_SIZE + 1,
    })
