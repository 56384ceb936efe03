"""The staff queue for the residents' assistant: requests and hand-overs, each team seeing its own.

Practitioners see their team's queue; governance officers see every team's. A request holds the resident's answers
(personal data), so opening one is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from townhall.assistant import conversation_transcript, service_request, service_requests, update_request_status
from townhall.errors import AccessDeniedError
from townhall.governance.users import Role, User
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()


def _team_of(user: User) -> str | None:
    """The team whose queue this person sees; None for every team (governance)."""
    return None if user.has_role(Role.GOVERNANCE) else (user.team or "")


@router.get("/assistant/requests", name="assistant_requests")
def queue(request: Request, user: User = Depends(current_user)) -> HTMLResponse:
    """The newest requests for the person's team."""
    team = _team_of(user)
    return render(request, "assistant_requests.html", {
        "page_title": "Requests from the residents' assistant", "team": team,
        "requests": service_requests(workspace_of(request), team=team)})


def _visible_request(request: Request, reference: str, user: User):  # type: ignore[no-untyped-def]
    item = service_request(workspace_of(request), reference)
    team = _team_of(user)
    if team is not None and item.team != team:
        raise AccessDeniedError(f"Request {reference} is for {item.team}, not your team.")
    return item


@router.get("/assistant/requests/{reference}", name="assistant_request")
def one_request(request: Request, reference: str, user: User = Depends(current_user)) -> HTMLResponse:
    """One request with the resident's answers and the conversation while it is kept (audited)."""
    workspace = workspace_of(request)
    item = _visible_request(request, reference, user)
    workspace.audit.record(user.username, "assistant.request_viewed", reference, details={"team": item.team})
    return render(request, "assistant_request.html", {
        "page_title": f"Request {reference}", "item": item,
        "transcript": conversation_transcript(workspace, item.conversation_id) if item.conversation_id else "",
        "retention_days": workspace.settings.assistant.transcript_retention_days})


@router.post("/assistant/requests/{reference}/status", name="assistant_request_status")
def set_status(request: Request, reference: str, status: Annotated[str, Form()],
               user: User = Depends(current_user)) -> RedirectResponse:
    """Move a request along: new, in progress, done."""
    _visible_request(request, reference, user)
    update_request_status(workspace_of(request), reference, status, updated_by=user.username)
    return RedirectResponse(f"/assistant/requests/{reference}", status_code=303)
