"""Routes: the day's collection plan from bin sensors (a map with the same figures in tables, printable crew sheets,
CSV and GeoJSON), the replay of fixed against sensor-driven collection, and the school-transport comparison.

Planning takes seconds, so each plan and replay is kept for as long as the sensor data and settings stay the same.
The school-transport report reads pupils' home locations to plan routes, so each view is written to the audit log;
it shows only totals per school, and only to roles that plan services (not to practitioners).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import OrderedDict
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.users import Role, User
from townhall.routes import (
    MAY,
    MUST,
    CollectionPlan,
    compare_school_transport,
    plan_collection_round,
    simulate_collections,
)
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render
from townhall.workspace import Workspace

router = APIRouter()

SCHOOL_ROLES = (Role.ANALYST, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN)
KEPT = 8
WEB_REPLAY_DAYS = 28  # the page replays four weeks; 'townhall routes simulate' replays the whole period
WEB_REPLAY_ITERATIONS = 150
_kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _version(workspace: Workspace) -> tuple[Any, ...]:
    """What a plan depends on: the store's last change and the settings."""
    store = workspace.analytics.database_file
    status = store.stat() if store.exists() else None
    return (str(workspace.path), status.st_mtime_ns if status else 0,
            workspace.settings.routes.model_dump_json(), workspace.settings.sensors.model_dump_json())


def _kept_or_made(key: tuple[Any, ...], make: Any) -> Any:
    if key not in _kept:
        _kept[key] = make()
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return _kept[key]


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(status_code=404) from None


def _plan(request: Request, day: str | None) -> CollectionPlan:
    workspace = workspace_of(request)
    chosen = _day(day)
    version = _version(workspace)
    plan = _kept_or_made(("plan", chosen, *version), lambda: plan_collection_round(workspace, day=chosen))
    # The page links to its map, sheets and exports by the day it planned: keep the plan under that day too.
    _kept.setdefault(("plan", plan.day, *version), plan)
    return plan


@router.get("/routes", name="routes")
def routes_page(request: Request, day: str | None = None) -> HTMLResponse:
    """Which bins today and the routes: a map with the figures beside it, and links to crew sheets and exports."""
    try:
        plan = _plan(request, day)
    except TownhallError as error:
        return render(request, "routes.html", {"page_title": "Collection routes", "problem": str(error)})
    order = {MUST: 0, MAY: 1}
    choices = sorted(plan.choices, key=lambda choice: (order.get(choice.decision, 2), -choice.fill_at_round))
    return render(request, "routes.html", {
        "page_title": "Collection routes", "plan": plan, "day": plan.day.isoformat(), "choices": choices,
        "must": plan.count(MUST), "may": plan.count(MAY), "leave": len(plan.choices) - plan.count(MUST)
        - plan.count(MAY),
    })


@router.get("/routes/plan.geojson", name="routes_geojson")
def routes_geojson(request: Request, day: str | None = None) -> JSONResponse:
    """The plan's routes and stops as GeoJSON (for the map and for GIS)."""
    plan = _plan(request, day)
    return JSONResponse(plan.to_geojson(), headers={
        "Content-Disposition": f'attachment; filename="collection-routes-{plan.day}.geojson"'}
        if request.query_params.get("download") else None)


@router.get("/routes/plan.csv", name="routes_csv")
def routes_csv(request: Request, day: str | None = None) -> Response:
    """One row per stop of every route."""
    plan = _plan(request, day)
    buffer = io.StringIO()
    pd.DataFrame(plan.rows()).to_csv(buffer, index=False)
    return Response(buffer.getvalue(), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="collection-routes-{plan.day}.csv"'})


@router.get("/routes/map.html", name="routes_map")
def routes_map(request: Request, day: str | None = None) -> Response:
    """The map as a standalone web page that works offline, with its table."""
    from townhall.places import standalone_html

    plan = _plan(request, day)
    return Response(standalone_html(plan.thematic_map()), media_type="text/html", headers={
        "Content-Disposition": f'attachment; filename="collection-routes-{plan.day}.html"'})


@router.get("/routes/crew-sheets", name="routes_crew_sheets")
def routes_crew_sheets(request: Request, day: str | None = None) -> HTMLResponse:
    """Printable crew sheets: one section per vehicle, each stop with a box to tick."""
    plan = _plan(request, day)
    return render(request, "routes_crew_sheets.html", {"page_title": f"Crew sheets for {plan.day:%-d %B %Y}",
                                                       "plan": plan, "day": plan.day.isoformat()})


@router.get("/routes/simulation", name="routes_simulation")
def routes_simulation(request: Request) -> HTMLResponse:
    """Fixed schedule against sensor-driven collection over four weeks of the readings."""
    workspace = workspace_of(request)
    try:
        result = _kept_or_made(("replay", *_version(workspace)), lambda: simulate_collections(
            workspace, days=WEB_REPLAY_DAYS, iterations=WEB_REPLAY_ITERATIONS))
    except TownhallError as error:
        return render(request, "routes_simulation.html", {"page_title": "Was it worth it?", "problem": str(error)})
    return render(request, "routes_simulation.html", {"page_title": "Was it worth it?", "result": result,
                                                      "rows": result.table()})


@router.get("/routes/school", name="routes_school")
def routes_school(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """Minibus routes against a taxi for each pupil, school by school (totals only)."""
    if not user.has_role(*SCHOOL_ROLES):
        raise AccessDeniedError("School transport planning is for analysts, managers, governance officers and "
                                f"administrators. Your role is {user.role.value}.")
    workspace = workspace_of(request)
    try:
        report = _kept_or_made(("school", *_version(workspace)), lambda: compare_school_transport(workspace))
    except TownhallError as error:
        return render(request, "routes_school.html", {"page_title": "School transport", "problem": str(error)})
    workspace.audit.record(user.username, "routes.school_transport", workspace.settings.routes.school.source,
                           purpose="Home-to-school transport planning", details={"pupils": report.pupils})
    return render(request, "routes_school.html", {"page_title": "School transport", "report": report,
                                                  "totals": report.totals()})

