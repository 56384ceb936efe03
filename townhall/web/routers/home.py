"""The home page: what the signed-in person can do, one card per capability their role allows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from townhall.governance.users import User
from townhall.web.capabilities import capabilities_for
from townhall.web.security import current_user
from townhall.web.templating import render

router = APIRouter()


@router.get("/", name="home")
def home(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """List the capabilities this person's role allows."""
    cards = capabilities_for(user, request.app.state.capabilities)
    return render(request, "home.html", {"page_title": "Home", "cards": cards})
