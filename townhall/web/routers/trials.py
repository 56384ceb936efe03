"""Trials: the registered trials, and one trial's page with its frozen plan, amendments, results and process notes.

The page shows the plan as registered (time-stamp and fingerprint) with every amendment, what the trial could
detect, the balance between arms, each arm's effect with its interval (chart and table), the plain-English
conclusion (including honest null results), the sample-ratio check, and process-evaluation notes and quotes beside
the numbers. Counts of units are protected by disclosure control. Every view of results is audit-logged; analysts and
managers may add notes (CSRF-protected, audit-logged). Mailing lists hold personal data and are exported by
analysts from the command line, never here.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule, protect_count
from townhall.governance.users import Role, User
from townhall.reports import render_svg
from townhall.trials import (
    RegisteredTrial,
    TrialAnalysis,
    add_trial_note,
    analyse_trial,
    effect_chart,
    get_trial,
    list_trials,
    power_for_proportions,
)
from townhall.trials.registration import NAME_PATTERN
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

NOTE_ROLES = (Role.ANALYST, Role.MANAGER)
NOTE_LIMIT = 2000


@router.get("/trials", name="trials")
def trials(request: Request) -> HTMLResponse:
    """Every registered trial, newest first."""
    return render(request, "trials.html", {"page_title": "Trials", "trials": list_trials(workspace_of(request))})


@router.get("/trials/{name}", name="trial")
def trial_page(request: Request, name: str, user: Annotated[User, Depends(current_user)],
               saved: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    """One trial: plan, amendments, power, balance, results and notes."""
    trial = _trial_or_404(request, name)
    return _page(request, trial, user, saved=saved == "note")


@router.post("/trials/{name}/notes", name="trial_note")
def add_note(request: Request, name: str, user: Annotated[User, Depends(current_user)],
             text: Annotated[str, Form(max_length=6000)] = "", kind: Annotated[str, Form(max_length=10)] = "note",
             source: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Keep a process-evaluation note or quote and return to the trial's page."""
    trial = _trial_or_404(request, name)
    if not user.has_role(*NOTE_ROLES):
        raise HTTPException(status_code=403)
    errors: dict[str, dict[str, str]] = {}
    if not text.strip():
        errors["text"] = {"text": "Enter the note or quote", "href": "#text"}
    elif len(text.strip()) > NOTE_LIMIT:
        errors["text"] = {"text": f"The note must be {NOTE_LIMIT:,} characters or fewer", "href": "#text"}
    if kind not in ("note", "quote"):
        errors["kind"] = {"text": "Select whether this is a note or a quote", "href": "#kind"}
    if errors:
        return _page(request, trial, user, errors=errors, form={"text": text, "kind": kind, "source": source},
                     status_code=400)
    add_trial_note(workspace_of(request), trial.name, text, written_by=user.username, kind=kind, source=source)
    return RedirectResponse(f"/trials/{quote(trial.name)}?saved=note#notes", status_code=303)


def _trial_or_404(request: Request, name: str) -> RegisteredTrial:
    if not NAME_PATTERN.match(name):
        raise HTTPException(status_code=404)
    try:
        return get_trial(workspace_of(request), name)
    except TownhallError:
        raise HTTPException(status_code=404) from None


def _page(request: Request, trial: RegisteredTrial, user: User, *, saved: bool = False,
          errors: dict[str, dict[str, str]] | None = None, form: dict[str, str] | None = None,
          status_code: int = 200) -> HTMLResponse:
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    analysis: TrialAnalysis | None = None
    problem = ""
    balance: dict[str, Any] | None = None
    try:
        analysis = analyse_trial(workspace, trial.name, actor=user.username)
        if analysis.balance is not None:
            balance = _balance_rows(analysis.balance, trial, rule)
    except TownhallError as error:
        problem = str(error)
    results = _result_rows(analysis, rule, trial.plan) if analysis else []
    return render(request, "trial.html", {
        "page_title": trial.plan.title, "trial": trial, "plan": trial.plan, "analysis": analysis,
        "problem": problem, "balance": balance, "power": _power_sentence(trial, analysis),
        "results": results, "sequential": _sequential_rows(analysis, trial.plan),
        "arms_text": ", ".join(trial.plan.label(arm) for arm in trial.plan.arms),
        "control_text": trial.plan.label(trial.plan.control_arm),
        "outcome_text": trial.plan.label(trial.plan.primary_outcome),
        "chart_rows": [[row["outcome"], row["arm"], row["difference"], row["interval"]] for row in results],
        "chart": render_svg(effect_chart(analysis), description=f"Chart of each arm's difference from control in "
                                                                f"{trial.plan.title}, with 95% confidence intervals")
        if analysis and analysis.effects else "",
        "rule_sentence": rule.describe(), "hidden_mark": SUPPRESSED_MARK,
        "may_add_notes": user.has_role(*NOTE_ROLES), "saved": saved, "errors": errors or {},
        "form": form or {"text": "", "kind": "note", "source": ""},
    }, status_code=status_code)


def _published(count: int, rule: DisclosureRule) -> str:
    value = protect_count(count, rule)
    return SUPPRESSED_MARK if value is None else f"{value:,}"


def _sequential_rows(analysis: TrialAnalysis | None, plan: Any) -> list[dict[str, Any]]:
    """Each arm's weekly looks: the difference, the confidence sequence and the always-valid p-value."""
    if analysis is None:
        return []
    tables = []
    for sequential in analysis.sequential:
        scale, unit = (100, " points") if sequential.kind == "proportion" else (1, "")
        tables.append({"arm": plan.label(sequential.arm), "sentence": sequential.sentence(analysis.labels),
                       "rows": [[f"{look.date:%d %B %Y}", f"{look.difference * scale:+.1f}{unit}",
                                 f"{look.lower * scale:+.1f} to {look.upper * scale:+.1f}{unit}", _p(look.p_value)]
                                for look in sequential.looks]})
    return tables


def _result_rows(analysis: TrialAnalysis, rule: DisclosureRule, plan: Any) -> list[dict[str, Any]]:
    rows = []
    for effect in analysis.effects:
        proportion = effect.kind == "proportion"
        scale = 100 if proportion else 1
        level = (lambda value: f"{value:.1%}") if proportion else (lambda value: f"{value:,.3g}")
        unit = " points" if proportion else ""
        rows.append({
            "outcome": plan.label(effect.outcome), "role": effect.role, "arm": plan.label(effect.arm),
            "units": _published(effect.units, rule), "control_units": _published(effect.control_units, rule),
            "arm_mean": level(effect.arm_mean), "control_mean": level(effect.control_mean),
            "difference": f"{effect.difference * scale:+.1f}{unit}",
            "interval": f"{effect.lower * scale:+.1f} to {effect.upper * scale:+.1f}{unit}",
            "p_value": _p(effect.p_value), "adjusted_p_value": _p(effect.adjusted_p_value),
            "significant": effect.significant,
        })
    return rows


def _p(value: float) -> str:
    return "under 0.001" if value < 0.001 else f"{value:.3f}"


def _balance_rows(table: Any, trial: RegisteredTrial, rule: DisclosureRule) -> dict[str, Any]:
    arms = trial.plan.arms
    differences = [column for column in table.columns if str(column).startswith("standardised difference: ")]
    rows = []
    for record in table.to_dict("records"):
        units_row = record["characteristic"] == "Units"
        cells = [_published(int(record[arm]), rule) if units_row else _number(record[arm]) for arm in arms]
        cells += ["" if units_row else _number(record[column], signed=True) for column in differences]
        rows.append({"label": record["characteristic"], "cells": cells})
    head = [*arms, *[f"Standardised difference, {column.split(': ', 1)[1]}" for column in differences]]
    return {"head": head, "rows": rows}


def _number(value: float, *, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:+.3f}" if signed else f"{value:,.3f}"


def _power_sentence(trial: RegisteredTrial, analysis: TrialAnalysis | None) -> str:
    """What the trial, at the size it had, could detect, beside the effect the plan said would matter."""
    if analysis is None or not analysis.primary():
        return ""
    effect = analysis.primary()[0]
    smallest_arm = min(effect.units, effect.control_units)
    if smallest_arm < 3:
        return ""
    arms = len(trial.plan.arms)
    try:
        if effect.kind == "proportion" and 0 < effect.control_mean < 1:
            result = power_for_proportions(effect.control_mean, per_arm=smallest_arm, arms=arms)
            detectable = f"{result.minimum_detectable_effect * 100:.1f} percentage points"
            wanted = f"{trial.plan.minimum_effect_of_interest * 100:.1f} percentage points"
        else:
            return ""
    except TownhallError:
        return ""
    sentence = (f"With about {smallest_arm:,} units per arm and a control rate of {effect.control_mean:.1%}, the "
                f"trial had 80% power to detect a rise of {detectable} (5% significance, two-sided). The plan said "
                f"the smallest effect that would matter was {wanted}.")
    if result.minimum_detectable_effect > trial.plan.minimum_effect_of_interest:
        sentence += " So the trial was too small to reliably detect the smallest effect that would matter."
    return sentence

