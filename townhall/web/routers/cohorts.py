"""Cohorts: the rule files available, and a run of one over the linked data (e.g. Troubled Families).

Everyone allowed in sees counts by criterion and by ward, protected by disclosure control with the rule printed, as a
chart with the same figures in a table beside it. Only roles that work with individual cases (practitioners,
governance officers and administrators) also see the list of households. Every run is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK
from townhall.governance.users import Role, User
from townhall.identity.cohorts import NOT_PLACED, CohortResult, find_rule_file, list_rule_files, run_cohort
from townhall.identity.index import IndexNotBuiltError, index_exists
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

# Who may see which households are in a cohort: the roles that work with cases. Others see protected counts only.
HOUSEHOLD_ROLES = (Role.PRACTITIONER, Role.GOVERNANCE, Role.ADMIN)
HOUSEHOLDS_SHOWN = 500
LOCATIONS = ("workspace", "built-in")

# The ward chart's geometry (SVG user units): a label column, then bars up to BAR_SPACE long.
CHART_WIDTH = 600
LABEL_WIDTH = 190
BAR_SPACE = 330
ROW_HEIGHT = 36
BAR_HEIGHT = 24


@router.get("/cohorts", name="cohorts")
def cohorts(request: Request) -> HTMLResponse:
    """The cohort rule files available: the workspace's own (in its cohorts/ folder) and those built in."""
    workspace = workspace_of(request)
    return render(request, "cohorts.html", {
        "page_title": "Cohorts", "rule_files": list_rule_files(workspace), "index_built": index_exists(workspace),
    })


@router.get("/cohorts/{location}/{name}", name="cohort_run")
def cohort_run(request: Request, location: str, name: str,
               user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """Run one rule file: criteria, protected counts by ward (chart and table) and, for case roles, the households."""
    if location not in LOCATIONS:
        raise HTTPException(status_code=404)
    workspace = workspace_of(request)
    try:
        rule_file = find_rule_file(workspace, location, name)
    except TownhallError:
        raise HTTPException(status_code=404) from None
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    if rule_file.problem:
        raise TownhallError(f"The rule file {rule_file.path.name} cannot be used: {rule_file.problem}")
    result = run_cohort(workspace, rule_file.path)
    may_see_households = user.has_role(*HOUSEHOLD_ROLES)
    workspace.audit.record(user.username, "cohort.run", rule_file.path.name, details={
        "rule_file": rule_file.path.name, "location": location, "households": result.household_count,
        "households_shown": min(result.household_count, HOUSEHOLDS_SHOWN) if may_see_households else 0,
    })
    return render(request, "cohort_run.html", {
        "page_title": result.rules.name, "rule_file": rule_file, "result": result,
        "cohort_size": result.published_household_count, "criteria": list(result.criterion_rows()),
        "wards": _ward_rows(result), "chart": _ward_chart(result), "hidden_mark": SUPPRESSED_MARK,
        "may_see_households": may_see_households, "households": _household_rows(result, user)
        if may_see_households else [], "households_shown": HOUSEHOLDS_SHOWN,
    })


def _ward_rows(result: CohortResult) -> list[dict[str, Any]]:
    """The ward table as published: one row per ward (and those not placed), then the total."""
    frame = result.ward_table.frame
    shown = result.ward_table.display_frame()
    return [{"name": "Total" if label == result.ward_table.total_row else frame.loc[label, "ward_name"],
             "code": frame.loc[label, "ward_code"] if label not in (result.ward_table.total_row, NOT_PLACED) else "",
             "households": shown.loc[label, "households"],
             "hidden": result.ward_table.is_suppressed(label, "households"),
             "total": label == result.ward_table.total_row} for label in frame.index]


def _ward_chart(result: CohortResult) -> dict[str, Any]:
    """Bars for the inline SVG chart, from the published (protected) figures only: hidden ones get no bar."""
    rows = [row for row in _ward_rows(result) if not row["total"]]
    values = [int(row["households"].replace(",", "")) for row in rows if not row["hidden"]]
    largest = max([*values, 1])
    bars = []
    for number, row in enumerate(rows):
        value = None if row["hidden"] else int(row["households"].replace(",", ""))
        length = 0 if value is None else max(round(BAR_SPACE * value / largest), 1 if value else 0)
        top = number * ROW_HEIGHT
        bars.append({"label": row["name"], "display": row["households"], "hidden": value is None,
                     "y": top + (ROW_HEIGHT - BAR_HEIGHT) // 2, "text_y": top + ROW_HEIGHT // 2 + 5,
                     "length": length, "value_x": LABEL_WIDTH + length + 8})
    return {"bars": bars, "width": CHART_WIDTH, "height": max(len(rows), 1) * ROW_HEIGHT,
            "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT}


def _household_rows(result: CohortResult, user: User) -> list[dict[str, Any]]:
    """The households for case roles; a withheld address shows no ward to anyone but governance."""
    labels = {criterion.key: criterion.label for criterion in result.rules.criteria}
    rows = []
    for household in result.households[:HOUSEHOLDS_SHOWN]:
        withheld = household.address_withheld and not user.has_role(Role.GOVERNANCE)
        rows.append({
            "household_id": household.household_id, "members": household.members,
            "ward": "Withheld" if withheld else (household.ward_name or household.ward_code or NOT_PLACED),
            "criteria": [{"label": labels[key], "evidence": [item.describe() for item in evidence]}
                         for key, evidence in household.criteria.items()],
        })
    return rows
