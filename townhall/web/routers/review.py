"""Clerical review of links: record pairs the linkage model was unsure about, side by side with its evidence, and the
reviewer's decision ("same person" or "different people"), which the next linkage run respects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from townhall.errors import TownhallError
from townhall.governance.users import Role, User
from townhall.identity.index import IndexNotBuiltError, latest_run
from townhall.identity.review import (
    DECISIONS,
    ReviewPair,
    WaterfallStep,
    pairs_for_review,
    record_review_decision,
    review_pair,
)
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()
PAIRS_SHOWN = 50
PairKey = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]

# The waterfall's layout, in SVG user units: labels on the left, bars in the middle, figures on the right.
_LABEL_WIDTH, _CHART_LEFT, _CHART_WIDTH, _WIDTH = 200, 210, 420, 720
_ROW_HEIGHT, _BAR_HEIGHT, _TOP, _AXIS_HEIGHT = 30, 20, 10, 30
POSITIVE, NEGATIVE, STARTING, TOTAL = "#00703c", "#d4351c", "#505a5f", "#1d70b8"  # GOV.UK green, red, grey, blue


@dataclass(frozen=True)
class Bar:
    """One bar of the waterfall as drawn."""

    label: str
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: str
    text_y: float


@dataclass(frozen=True)
class Tick:
    """One labelled mark on the match-weight axis."""

    x: float
    label: str


@dataclass(frozen=True)
class Waterfall:
    """The waterfall chart's geometry: bars, the zero line and the axis."""

    width: int
    height: int
    label_right: int  # labels end here
    chart_left: int
    chart_right: int
    value_right: int  # figures end here
    bars: list[Bar]
    zero_x: float
    axis_y: float
    ticks: list[Tick]


def _may_see_withheld(user: User) -> bool:
    """Only governance officers see addresses that are withheld (for example from someone fleeing abuse)."""
    return user.has_role(Role.GOVERNANCE)


def _signed(weight: float) -> str:
    return f"{weight:+.2f}".replace("-", "−")


def waterfall_chart(steps: list[WaterfallStep]) -> Waterfall:
    """Lay out a horizontal waterfall: one bar per comparison from the running total before to after, then the total."""
    totals = [0.0] + [value for step in steps for value in (step.before, step.after)]
    low, high = min(totals), max(totals)
    if high - low < 1:
        high, low = high + 0.5, low - 0.5
    span = high - low

    def x_of(weight: float) -> float:
        return _CHART_LEFT + (weight - low) / span * _CHART_WIDTH

    bars = []
    for row, step in enumerate(steps):
        left, right = sorted((x_of(step.before), x_of(step.after)))
        colour = STARTING if row == 0 else (POSITIVE if step.match_weight >= 0 else NEGATIVE)
        name = step.comparison.replace("nhs", "NHS").replace("uprn", "UPRN")
        name = name[:1].upper() + name[1:]
        label = name if row == 0 or not step.level else f"{name}: {step.level}"
        y = _TOP + row * _ROW_HEIGHT
        bars.append(Bar(label=_shorten(label), x=left, y=y, width=max(right - left, 1.5), height=_BAR_HEIGHT,
                        colour=colour, value=_signed(step.match_weight), text_y=y + _BAR_HEIGHT - 5))
    total = steps[-1].after if steps else 0.0
    y = _TOP + len(steps) * _ROW_HEIGHT
    left, right = sorted((x_of(0.0), x_of(total)))
    bars.append(Bar(label="Total match weight", x=left, y=y, width=max(right - left, 1.5), height=_BAR_HEIGHT,
                    colour=TOTAL, value=_signed(total), text_y=y + _BAR_HEIGHT - 5))
    axis_y = _TOP + len(bars) * _ROW_HEIGHT
    ticks = [Tick(x=x_of(value), label=_signed(value) if value else "0")
             for value in sorted({round(low, 1), 0.0, round(high, 1)})]
    return Waterfall(width=_WIDTH, height=int(axis_y + _AXIS_HEIGHT), label_right=_LABEL_WIDTH,
                     chart_left=_CHART_LEFT, chart_right=_CHART_LEFT + _CHART_WIDTH, value_right=_WIDTH - 5,
                     bars=bars, zero_x=x_of(0.0), axis_y=axis_y, ticks=ticks)


def _shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _threshold(request: Request) -> float | None:
    try:
        return latest_run(workspace_of(request)).threshold
    except IndexNotBuiltError:
        return None


@router.get("/identity/review", name="link_review")
def review_list(request: Request, user: Annotated[User, Depends(current_user)],
                decided: Annotated[bool, Query()] = False,
                saved: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    """Pairs near the threshold, most uncertain first, each with both records; the list is audit-logged."""
    workspace = workspace_of(request)
    try:
        pairs = pairs_for_review(workspace, limit=PAIRS_SHOWN, include_decided=decided,
                                 show_withheld_addresses=_may_see_withheld(user))
    except IndexNotBuiltError as error:
        return render(request, "review.html", {"page_title": "Clerical review of links", "pairs": [],
                                               "no_index": str(error), "decided": decided, "saved": "",
                                               "decisions": DECISIONS, "threshold": None})
    workspace.audit.record(user.username, "link.pairs_listed", "", details={
        "pairs_shown": len(pairs), "include_decided": decided})
    return render(request, "review.html", {
        "page_title": "Clerical review of links", "pairs": pairs, "decided": decided,
        "saved": saved if saved in DECISIONS or saved == "all" else "", "threshold": _threshold(request),
        "limit": PAIRS_SHOWN, "decisions": DECISIONS,
    })


def _pair_or_404(request: Request, key: str, user: User) -> ReviewPair:
    try:
        return review_pair(workspace_of(request), key, show_withheld_addresses=_may_see_withheld(user))
    except IndexNotBuiltError:
        raise
    except TownhallError:
        raise HTTPException(status_code=404) from None


def _pair_page(request: Request, pair: ReviewPair, *, errors: dict[str, dict[str, str]] | None = None,
               decision: str = "", reason: str = "", saved: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "review_pair.html", {
        "page_title": "Are these the same person?", "pair": pair, "waterfall": waterfall_chart(pair.waterfall),
        "threshold": _threshold(request), "errors": errors or {}, "has_errors": bool(errors),
        "decision": decision or pair.decision or "", "reason": reason, "decisions": DECISIONS,
        "saved": saved if saved in DECISIONS else "",
    }, status_code=status_code)


@router.get("/identity/review/{pair}", name="link_review_pair")
def review_one(request: Request, pair: PairKey, user: Annotated[User, Depends(current_user)],
               saved: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    """Both records side by side with the model's evidence as a waterfall, and the decision form. Audit-logged."""
    found = _pair_or_404(request, pair, user)
    workspace_of(request).audit.record(user.username, "link.pair_viewed", f"{found.left.unique_id} "
                                       f"{found.right.unique_id}", details={
        "left_unique_id": found.left.unique_id, "right_unique_id": found.right.unique_id,
        "addresses_hidden": found.left.address_hidden or found.right.address_hidden})
    return _pair_page(request, found, saved=saved)


@router.post("/identity/review/{pair}")
def decide(request: Request, pair: PairKey, user: Annotated[User, Depends(current_user)],
           decision: Annotated[str, Form()] = "", reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Keep the reviewer's decision and go on to the next pair waiting for review."""
    found = _pair_or_404(request, pair, user)
    errors: dict[str, dict[str, str]] = {}
    if decision not in DECISIONS:
        errors["decision"] = {"text": "Select whether the records are the same person or different people",
                              "href": "#decision"}
    if len(reason.strip()) > 2000:
        errors["reason"] = {"text": "The reason must be 2,000 characters or fewer", "href": "#reason"}
    if errors:
        return _pair_page(request, found, errors=errors, decision=decision, reason=reason, status_code=400)
    workspace = workspace_of(request)
    record_review_decision(workspace, found.left.unique_id, found.right.unique_id, decision,
                           reviewer=user.username, reason=reason)
    waiting = pairs_for_review(workspace, limit=1)
    if waiting:
        return RedirectResponse(f"/identity/review/{waiting[0].key}?saved={quote(decision)}", status_code=303)
    return RedirectResponse("/identity/review?saved=all", status_code=303)
