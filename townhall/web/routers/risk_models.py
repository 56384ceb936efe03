"""Risk models for analysts, governance officers and managers: the trained models, how each did out of time (with
its charts and warnings), its bias audit, and its model card, with the card and transparency record to download.

No page here shows a person: they are figures about the model. Managers see the audit's counts protected by
disclosure control; everyone else here sees them exactly. Views of an audit or card are audit-logged by model name.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from townhall.decisions import (
    RATES,
    BiasAudit,
    Estimate,
    audit_model,
    chart_figures,
    latest_drift,
    model_card,
    model_folder,
    percent_text,
    ratio_text,
    read_training,
    scheduling_sentence,
    trained_definition,
    trained_models,
)
from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule
from townhall.governance.users import Role, User
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

MODEL_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Managers read published figures: the audit's small counts are hidden for them.
PROTECTED_COUNT_ROLES = (Role.MANAGER,)
MEASURES = (
    ("precision_at_k", "Precision in the top {k}: the share of the list that had the outcome", True),
    ("recall_at_k", "Recall in the top {k}: the share of all cases with the outcome that the list found", True),
    ("lift_over_random", "Lift over picking at random: how many times the base rate the list finds", False),
    ("lift_over_rule", "Lift over the current rule: how many times what the rule finds", False),
    ("precision_at_top_share", "Precision in the top 5%: the share of the top 5% that had the outcome", True),
    ("roc_auc", "ROC AUC: the chance a case with the outcome scores above one without it (0.5 is chance, 1 is "
                "perfect)", False),
    ("brier", "Brier score: the average squared gap between probability and outcome (lower is better)", False),
    ("days_earlier", "Days earlier: how much sooner a case with the outcome is reached working the period's cases "
                     "in score order, the same number a day", False),
)


def _title(request: Request, name: str) -> str:
    """The model's title from its saved definition (its name if the definition cannot be read)."""
    try:
        return trained_definition(workspace_of(request), name).title
    except TownhallError:
        return name


def _checked_name(request: Request, name: str) -> str:
    """The model name from the path, when it names a trained model in this workspace (404 otherwise)."""
    if not MODEL_NAME.match(name) or not (model_folder(workspace_of(request), name) / "training.json").is_file():
        raise HTTPException(status_code=404)
    return name


@router.get("/risk/models", name="risk_models")
def risk_models(request: Request) -> HTMLResponse:
    """The trained models in the workspace."""
    return render(request, "risk_models.html", {"page_title": "Risk models",
                                                "models": trained_models(workspace_of(request))})


@router.get("/risk/models/{name}", name="risk_model")
def risk_model(request: Request, name: str) -> HTMLResponse:
    """One model's out-of-time evaluation: figures with intervals, charts with their tables, and warnings."""
    workspace = workspace_of(request)
    training = read_training(workspace, _checked_name(request, name))
    drift = latest_drift(workspace, name)
    return render(request, "risk_model.html", {
        "page_title": _title(request, name), "title": _title(request, name), "name": name, "training": training,
        "measures": _measures(training), "charts": chart_figures(training), "drift": drift,
        "scheduling": scheduling_sentence(training.get("scheduling"), training.get("unit_noun", "cases")),
    })


@router.get("/risk/models/{name}/audit", name="risk_model_audit")
def risk_model_audit(request: Request, name: str, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """The model's bias audit: plain-English flags, then each characteristic's groups with rates and ratios."""
    workspace = workspace_of(request)
    _checked_name(request, name)
    try:
        audit: BiasAudit | None = audit_model(workspace, name)
        problem = None
    except TownhallError as error:
        audit, problem = None, str(error)
    rule = DisclosureRule.from_workspace(workspace)
    protected_counts = user.has_role(*PROTECTED_COUNT_ROLES)
    workspace.audit.record(user.username, "risk.audit.view", name, details={"model": name})
    return render(request, "risk_model_audit.html", {
        "page_title": f"Bias audit: {_title(request, name)}", "title": _title(request, name), "name": name,
        "audit": audit,
        "problem": problem, "tables": _audit_tables(audit, rule, protected_counts) if audit else [],
        "disparity": disparity_figure(audit) if audit else None,
        "protected_counts": protected_counts, "rule": rule.describe(), "hidden_mark": SUPPRESSED_MARK,
        "rates": RATES,
    })


@router.get("/risk/models/{name}/card", name="risk_model_card")
def risk_model_card(request: Request, name: str, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """The model card, as it is published, inside the app."""
    workspace = workspace_of(request)
    card = model_card(workspace, _checked_name(request, name))
    workspace.audit.record(user.username, "risk.card.view", name, details={"model": name})
    return render(request, "risk_model_card.html", {"page_title": f"Model card: {card.title}", "name": name,
                                                     "card": card, "body": card.body_html()})


@router.get("/risk/models/{name}/card.html", name="risk_model_card_download")
def risk_model_card_download(request: Request, name: str, user: Annotated[User, Depends(current_user)]) -> Response:
    """The model card as one standalone HTML file to keep or publish."""
    workspace = workspace_of(request)
    card = model_card(workspace, _checked_name(request, name))
    workspace.audit.record(user.username, "risk.card.download", name, details={"model": name, "format": "html"})
    return Response(card.to_html(), media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-model-card.html"'})


@router.get("/risk/models/{name}/atrs.json", name="risk_model_atrs_download")
def risk_model_atrs_download(request: Request, name: str, user: Annotated[User, Depends(current_user)]) -> Response:
    """The Algorithmic Transparency Recording Standard record as JSON."""
    workspace = workspace_of(request)
    record = model_card(workspace, _checked_name(request, name), charts=False).to_atrs()
    workspace.audit.record(user.username, "risk.card.download", name, details={"model": name, "format": "atrs"})
    return Response(json.dumps(record, indent=2, ensure_ascii=False), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}-atrs.json"'})


def _measures(training: dict[str, Any]) -> list[dict[str, str]]:
    """The chosen model's figures (and the other candidate's) with their intervals across the splits."""
    chosen = training.get("chosen_model", "")
    figures = training.get("metrics", {})
    other = next((kind for kind in figures if kind != chosen), None)
    rows = []
    for key, label, percent in MEASURES:
        if key not in figures.get(chosen, {}):
            continue
        rows.append({"label": label.format(k=training.get("capacity", "k")),
                     "chosen": Estimate.from_dict(figures[chosen][key]).describe(percent=percent, digits=3),
                     "other": Estimate.from_dict(figures[other][key]).describe(percent=percent, digits=3)
                     if other and key in figures[other] else ""})
    return rows


def disparity_figure(audit: BiasAudit) -> dict[str, Any] | None:
    """The audit's disparity chart as inline SVG, with the same figures as a table (None when nothing is flagged)."""
    from townhall.decisions.card import chart_svg
    from townhall.decisions.charts import disparity_chart

    spec = disparity_chart(audit)
    if spec is None:
        return None
    rows = [[flag.characteristic, flag.group, RATES[flag.rate][0], flag.reference, ratio_text(flag.ratio),
             "Finding" if flag.strong else "May be chance"] for flag in audit.findings + audit.may_be_chance]
    return {"svg": chart_svg(spec, description=spec["description"]),
            "head": ["Characteristic", "Group", "Rate", "Reference group", "Ratio (95% interval)", "Verdict"],
            "rows": rows}


def _audit_tables(audit: BiasAudit, rule: DisclosureRule, protected_counts: bool) -> list[dict[str, Any]]:
    """One table per characteristic: exact figures, or those published under ``rule`` for managers."""
    published = audit.published_rows(rule)
    tables = []
    for characteristic in audit.characteristics:
        rows = []
        for result in characteristic.groups:
            if protected_counts:
                row = next(row for row in published if row["characteristic"] == characteristic.characteristic
                           and row["group"] == result.group)
            else:
                row = {"group": result.group, "reference": result.is_reference, "too_small": result.too_small,
                       "size": f"{result.size:,}", "positives": f"{result.positives:,}",
                       "selected": f"{result.selected:,}",
                       **{rate: percent_text(result.rates[rate]) for rate in RATES},
                       **{f"{rate}_ratio": ratio_text(result.ratios.get(rate)) for rate in RATES},
                       "flagged": [rate for rate, ratio in result.ratios.items()
                                   if ratio.judged and ratio.outside_band]}
            rows.append(row)
        splits = [{"split": result.split, "group": result.group, "size": result.size,
                   "selection_rate": percent_text(result.rates["selection_rate"]),
                   "ratio": ratio_text(result.ratios.get("selection_rate"))}
                  for result in characteristic.by_split] if not protected_counts else []
        tables.append({"characteristic": characteristic.characteristic, "reference": characteristic.reference,
                       "rows": rows, "splits": splits,
                       "flags": [flag.sentence for flag in characteristic.flags]})
    return tables

