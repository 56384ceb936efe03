"""Review queues: a practitioner's risk-ranked list of cases for their team, each with its band and reasons, where
they record a decision and later what the inspection found; and, for analysts and governance officers, how people
decided and how often they overrode the model.

Practitioners see only the queues of models whose team is theirs; governance officers may read any queue but decide
on none; analysts see the decisions report, never the list of people or properties. Every view and every decision is
audit-logged with the model and counts or ids, never names, addresses or the free-text reasons.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from townhall.decisions import (
    BAND_LABELS,
    DECISION_LABELS,
    DECISIONS,
    QUEUE_ROLES,
    REPORT_ROLES,
    ReviewQueue,
    check_decision,
    check_may_decide,
    check_reason,
    override_report,
    parse_found,
    queue_models,
    record_decision,
    record_outcome,
    review_queue,
)
from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.users import User
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()
ModelName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
NOTICE = "risk_queue_notice"  # a one-off confirmation shown after a decision or result is recorded
BAND_TAG_CLASSES = {"high": "govuk-tag--red", "medium": "govuk-tag--orange", "low": "govuk-tag--grey"}


@router.get("/risk/queue", name="risk_queue")
def queues(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """The models with a review queue this person may open (their team's), or whose decisions they may read."""
    workspace = workspace_of(request)
    listing = queue_models(workspace, user)
    return render(request, "risk_queue.html", {
        "page_title": "Review queues", "models": listing.models, "unreadable": listing.unreadable,
        "may_see_lists": user.has_role(*QUEUE_ROLES), "may_see_reports": user.has_role(*REPORT_ROLES),
        "team": user.team,
    })


def _queue_or_404(request: Request, user: User, model: str, *, record_view: bool = True) -> ReviewQueue:
    try:
        return review_queue(workspace_of(request), user, model, record_view=record_view)
    except AccessDeniedError:
        raise
    except TownhallError:
        raise HTTPException(status_code=404) from None


def _queue_page(request: Request, queue: ReviewQueue, *, errors: dict[str, dict[str, str]] | None = None,
                values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    notice = request.session.pop(NOTICE, None)
    numbered = {case.unit_id: number for number, case in enumerate(queue.cases, start=1)}
    return render(request, "risk_queue_list.html", {
        "page_title": f"{queue.model.title} – Review queue", "queue": queue, "numbered": numbered,
        "band_tags": BAND_TAG_CLASSES, "decision_labels": DECISION_LABELS, "decisions": DECISIONS,
        "errors": errors or {}, "has_errors": bool(errors), "values": values or {}, "notice": notice,
    }, status_code=status_code)


@router.get("/risk/queue/{model}", name="risk_queue_list")
def queue_page(request: Request, model: ModelName, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """One model's queue: cases to decide in rank order with bands and reasons, then cases decided. Audit-logged."""
    return _queue_page(request, _queue_or_404(request, user, model))


def _case_number(queue: ReviewQueue, unit_id: str) -> int | None:
    return next((number for number, case in enumerate(queue.cases, start=1) if case.unit_id == unit_id), None)


@router.post("/risk/queue/{model}/decide")
def decide(request: Request, model: ModelName, user: Annotated[User, Depends(current_user)],
           unit_id: Annotated[str, Form(max_length=100)] = "",
           decision: Annotated[str, Form(max_length=20)] = "",
           reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Record a decision and reason on one case; on a missing or wrong field, the queue again with the errors."""
    workspace = workspace_of(request)
    queue = _queue_or_404(request, user, model, record_view=False)
    if queue.read_only:
        raise AccessDeniedError(f"Only practitioners in the {queue.model.team} team can record decisions on this "
                                "queue; governance officers can read it but not decide.")
    number = _case_number(queue, unit_id.strip())
    if number is None:
        raise HTTPException(status_code=404)
    errors: dict[str, dict[str, str]] = {}
    try:
        check_decision(decision)
    except TownhallError:
        errors["decision"] = {"text": "Select inspect, no action or refer", "href": f"#decision-{number}"}
    try:
        check_reason(reason)
    except TownhallError as error:
        errors["reason"] = {"text": str(error).rstrip("."), "href": f"#reason-{number}"}
    if not errors:
        recorded = record_decision(workspace, user, model, unit_id, decision, reason)
        request.session[NOTICE] = (f"Decision recorded for case {number}: {recorded.decision_label.lower()}."
                                   + (" It goes against the model's band, so it is counted as an override and "
                                      "your reason is shared with the analysts." if recorded.override else ""))
        return RedirectResponse(f"/risk/queue/{model}#decided", status_code=303)
    queue = _queue_or_404(request, user, model)  # the list is shown again: a view like any other
    return _queue_page(request, queue, errors=errors, values={"unit_id": unit_id.strip(), "decision": decision,
                                                              "reason": reason}, status_code=400)


def _outcome_date(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    parts = [part.strip() for part in (day, month, year)]
    if not all(parts):
        return None, "Enter the date of the inspection or assessment, for example 27 3 2026"
    if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return None, "The date must be a real date, with the year as 4 numbers, for example 27 3 2026"
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except ValueError:
        return None, "The date must be a real date, for example 27 3 2026"


@router.post("/risk/queue/{model}/outcome")
def outcome(request: Request, model: ModelName, user: Annotated[User, Depends(current_user)],
            unit_id: Annotated[str, Form(max_length=100)] = "",
            found: Annotated[str, Form(max_length=20)] = "",
            outcome_day: Annotated[str, Form(alias="outcome-day", max_length=4)] = "",
            outcome_month: Annotated[str, Form(alias="outcome-month", max_length=4)] = "",
            outcome_year: Annotated[str, Form(alias="outcome-year", max_length=6)] = "",
            result: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Record what the inspection or assessment of a decided case found: a label for the model's next training."""
    workspace = workspace_of(request)
    try:
        check_may_decide(workspace, user, model)
    except AccessDeniedError:
        raise
    except TownhallError:
        raise HTTPException(status_code=404) from None
    queue = _queue_or_404(request, user, model, record_view=False)
    number = _case_number(queue, unit_id.strip())
    if number is None:
        raise HTTPException(status_code=404)
    errors: dict[str, dict[str, str]] = {}
    was_found = parse_found(found)
    if was_found is None:
        errors["found"] = {"text": "Select whether the inspection found what the model looks for",
                           "href": f"#found-{number}"}
    outcome_on, date_error = _outcome_date(outcome_day, outcome_month, outcome_year)
    if date_error:
        errors["outcome_date"] = {"text": date_error, "href": f"#outcome-{number}-day"}
    if was_found is not None and outcome_on is not None:
        try:
            record_outcome(workspace, model, unit_id, found=was_found, outcome_date=outcome_on, result=result,
                           recorded_by=user.username)
        except TownhallError as error:
            key = "outcome_date" if "date" in str(error).lower() else "result"
            errors[key] = {"text": str(error), "href": f"#outcome-{number}-day" if key == "outcome_date"
                           else f"#result-{number}"}
        else:
            request.session[NOTICE] = (f"Result recorded for case {number}. It will be used as a label the next "
                                       "time the model is trained.")
            return RedirectResponse(f"/risk/queue/{model}#decided", status_code=303)
    queue = _queue_or_404(request, user, model)
    return _queue_page(request, queue, errors=errors, values={
        "unit_id": unit_id.strip(), "found": found, "outcome_day": outcome_day, "outcome_month": outcome_month,
        "outcome_year": outcome_year, "result": result, "form": "outcome"}, status_code=400)


@router.get("/risk/queue/{model}/decisions", name="risk_queue_decisions")
def decisions_page(request: Request, model: ModelName, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """How practitioners decided on the model's lists, the override rate and the override reasons (analysts and
    governance officers only: the reasons are free text and may hold personal data). Audit-logged."""
    if not user.has_role(*REPORT_ROLES):
        raise AccessDeniedError("The decisions report holds practitioners' free-text reasons, so only analysts and "
                                "governance officers can read it.")
    workspace = workspace_of(request)
    try:
        report = override_report(workspace, model)
    except TownhallError:
        raise HTTPException(status_code=404) from None
    workspace.audit.record(user.username, "risk.decisions_report", model, details={
        "model": model, "decisions": report.decisions, "overrides": report.overrides,
        "reasons_shown": len(report.reasons)})
    rows: list[dict[str, Any]] = [
        {"band": BAND_LABELS.get(str(band), str(band)), "counts": [int(row[decision]) for decision in DECISIONS],
         "total": int(row["total"])} for band, row in report.counts.iterrows()]
    return render(request, "risk_queue_decisions.html", {
        "page_title": f"{report.title} – Decisions and overrides", "report": report, "rows": rows,
        "decision_labels": DECISION_LABELS, "decisions": DECISIONS, "band_labels": BAND_LABELS,
    })
