"""What residents are saying: themes with representative (redacted) quotes, trends by month, service and ward with
small numbers protected, sentiment by group with its agreement with ratings, and the classifier with the comments
to label next. Pages read what 'townhall text' commands stored; they never write the analytics store: a theme's
name and a person's labels go to the workspace's theme file and application state, merges and splits apply at the
next run of 'townhall text themes'.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from townhall.errors import TownhallError
from townhall.governance.users import Role, User
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

EDITOR_ROLES = (Role.ANALYST, Role.ADMIN)  # who may name, merge and split themes and label comments


def _can_edit(user: User) -> bool:
    return user.has_role(*EDITOR_ROLES)


def _trend_chart(table: object) -> str:
    """A line chart of comments per theme per month, drawn on the server from the protected counts."""
    import pandas as pd

    from townhall.reports import render_svg

    frame = table.frame  # type: ignore[attr-defined]
    columns = [column for column in table.count_columns if column != "No clear theme"]  # type: ignore[attr-defined]
    rows = [{"month": str(row["month"]), "theme": column, "comments": int(row[column])}
            for _index, row in frame.iterrows() if row["month"] != "Total"
            for column in columns if not pd.isna(row[column])]
    spec = {"data": {"values": rows}, "mark": {"type": "line", "point": True},
            "encoding": {"x": {"field": "month", "type": "ordinal", "title": "Month"},
                         "y": {"field": "comments", "type": "quantitative", "title": "Comments (protected counts)"},
                         "color": {"field": "theme", "type": "nominal", "title": "Theme"}}}
    return render_svg(spec, description="Comments per theme per month; hidden small counts are left out.")


@router.get("/text", name="text")
def text_overview(request: Request, by: str = "service", user: User = Depends(current_user)) -> HTMLResponse:
    """Themes, trends and sentiment of residents' comments."""
    from townhall.text import load_classifier, load_theme_run, sentiment_summary, theme_trends

    workspace = workspace_of(request)
    context: dict[str, object] = {"page_title": "What residents are saying", "by": by if by in {
        "service", "area"} else "service", "can_edit": _can_edit(user)}
    try:
        run = load_theme_run(workspace)
    except TownhallError as error:
        return render(request, "text.html", {**context, "missing": str(error)})
    context["run"] = run
    from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule

    rule = DisclosureRule.from_workspace(workspace)
    context["theme_counts"] = {theme.theme_id: rule.publish(theme.comments) for theme in run.themes}
    context["hidden_mark"] = SUPPRESSED_MARK
    context["by_group"] = theme_trends(workspace, context["by"], run=run)  # type: ignore[arg-type]
    by_month = theme_trends(workspace, "month", run=run)
    context["by_month"] = by_month
    context["chart"] = _trend_chart(by_month)
    try:
        context["sentiment"] = sentiment_summary(workspace, context["by"])  # type: ignore[arg-type]
    except TownhallError as error:
        context["sentiment_problem"] = str(error)
    try:
        context["classifier"] = load_classifier(workspace)[1]
    except TownhallError:
        context["classifier"] = None
    return render(request, "text.html", context)


def _require_editor(user: User) -> None:
    if not _can_edit(user):
        from townhall.errors import AccessDeniedError

        raise AccessDeniedError("Only analysts and administrators can change themes or label comments.")


@router.post("/text/themes/{theme_id}/name", name="text_name_theme")
def name_theme_form(request: Request, theme_id: int, name: Annotated[str, Form()] = "",
                    user: User = Depends(current_user)) -> RedirectResponse:
    """Name a theme (kept for later runs)."""
    from townhall.text import name_theme

    _require_editor(user)
    name_theme(workspace_of(request), theme_id, name, actor=user.username)
    return RedirectResponse("/text", status_code=303)


@router.post("/text/themes/merge", name="text_merge_themes")
def merge_themes_form(request: Request, themes: Annotated[list[int] | None, Form()] = None,
                      user: User = Depends(current_user)) -> RedirectResponse:
    """Merge the ticked themes at the next run."""
    from townhall.text import merge_themes

    _require_editor(user)
    merge_themes(workspace_of(request), themes or [], actor=user.username)
    return RedirectResponse("/text?saved=merge", status_code=303)


@router.post("/text/themes/{theme_id}/split", name="text_split_theme")
def split_theme_form(request: Request, theme_id: int, user: User = Depends(current_user)) -> RedirectResponse:
    """Split a theme in two at the next run."""
    from townhall.text import split_theme

    _require_editor(user)
    split_theme(workspace_of(request), theme_id, actor=user.username)
    return RedirectResponse("/text?saved=split", status_code=303)


@router.get("/text/label", name="text_label")
def label_page(request: Request, user: User = Depends(current_user)) -> HTMLResponse:
    """The comments the classifier is least sure about, for a person to label first (active learning)."""
    from townhall.text import comments_to_label

    _require_editor(user)
    workspace = workspace_of(request)
    services = sorted(workspace.settings.text.routing)
    try:
        waiting = comments_to_label(workspace, 10)
    except TownhallError as error:
        return render(request, "text_label.html", {"page_title": "Label comments", "missing": str(error)})
    return render(request, "text_label.html", {"page_title": "Label comments", "comments": waiting.to_dict("records"),
                                               "services": services})


@router.post("/text/label", name="text_label_save")
def save_label(request: Request, record_id: Annotated[str, Form()], label: Annotated[str, Form()] = "",
               user: User = Depends(current_user)) -> RedirectResponse:
    """Keep a person's label for the next training of the classifier."""
    from townhall.text import record_label

    _require_editor(user)
    record_label(workspace_of(request), record_id, label, labelled_by=user.username)
    return RedirectResponse("/text/label", status_code=303)
