"""`townhall risk outcome` and `townhall risk decisions`: feed inspection results back as labels, and report how
practitioners decided on a model's lists (registered on the `risk` group in townhall/cli/risk.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.cohort import parse_as_of
from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.errors import TownhallError
from townhall.governance import SUPPRESSED_MARK
from townhall.governance.disclosure import DisclosureRule
from townhall.workspace import current_actor

if TYPE_CHECKING:
    from townhall.decisions import OverrideReport

HIDDEN = escape(SUPPRESSED_MARK)  # "[c]" would otherwise be read as Rich markup


@friendly_errors
def outcome(
    model: Annotated[str, typer.Argument(help="The model the result is for, e.g. hidden-hmos.")],
    unit: Annotated[str | None, typer.Argument(help="The case's id: its UPRN, person id or business rates account "
                                                    "number. Leave out when giving --file.")] = None,
    found: Annotated[bool | None, typer.Option("--found/--not-found", help="Whether the inspection or assessment "
                                                                         "found what the model looks for.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="When the inspection or assessment happened "
                                                          "(2026-03-31 or 31/03/2026).")] = None,
    result: Annotated[str, typer.Option("--result", help="What was found, in a few words (kept with the "
                                                         "record, never written to the audit log).")] = "",
    file: Annotated[Path | None, typer.Option("--file", help="A CSV file of many results with columns unit_id, "
                                                             "found (yes/no), date and result.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Record an inspection or assessment result for a case, or many from a CSV file, as a label for retraining."""
    from townhall.decisions import import_outcomes, record_outcome

    opened = open_workspace(workspace)
    actor = current_actor()
    if file is not None:
        if unit is not None or found is not None or on is not None or result:
            raise TownhallError("Give either --file with many results, or one case with --found or --not-found and "
                                "--date, not both.")
        imported = import_outcomes(opened, model, file, recorded_by=actor)
        console.print(f"Recorded {imported.rows:,} {'result' if imported.rows == 1 else 'results'} for "
                      f"{escape(model)} from {escape(file.name)}: {imported.found:,} found what the model looks for.")
    else:
        if unit is None or found is None or on is None:
            raise TownhallError("Give the case's id, --found or --not-found, and --date (or --file with many "
                                "results).")
        outcome_date = parse_as_of(on)
        assert outcome_date is not None  # parse_as_of only returns None for empty text, refused above
        recorded = record_outcome(opened, model, unit, found=found, outcome_date=outcome_date, result=result,
                                  recorded_by=actor)
        console.print(f"Recorded for {escape(model)}: case {escape(recorded.unit_id)} "
                      f"{'found' if recorded.found else 'not found'} on {recorded.outcome_date:%d %B %Y}.")
    console.print("Results become labels the next time the model is trained ('townhall risk train').")


@friendly_errors
def decisions(
    model: Annotated[str, typer.Argument(help="The model whose review queue decisions to report, e.g. hidden-hmos.")],
    for_managers: Annotated[bool, typer.Option("--for-managers", help="Protect small counts with the workspace's "
                                                                      "disclosure rule and leave out the reasons, "
                                                                      "for sharing with managers.")] = False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Report practitioners' decisions by band, how often they overrode the model, and why (for analysts)."""
    from townhall.decisions import BAND_LABELS, DECISION_LABELS, override_report

    opened = open_workspace(workspace)
    report = override_report(opened, model)
    opened.audit.record(current_actor(), "risk.decisions_report", model, details={
        "model": model, "decisions": report.decisions, "overrides": report.overrides,
        "reasons_shown": 0 if for_managers else len(report.reasons)})
    console.print(f"[bold]{escape(report.title)}[/bold]: decisions recorded on the review queue.")
    if for_managers:
        _print_published(report, DisclosureRule.from_workspace(opened))
        return
    _print_counts(report)
    if report.reasons:
        reasons = Table(title="Why practitioners went against the model (free text: may hold personal data)")
        for column in ("Band", "Decision", "Decided", "Reason"):
            reasons.add_column(column)
        for item in report.reasons:
            reasons.add_row(BAND_LABELS.get(item.band, item.band), DECISION_LABELS.get(item.decision, item.decision),
                            f"{item.decided_at:%d %b %Y}", escape(item.reason))
        console.print(reasons)


def _print_counts(report: OverrideReport) -> None:
    from townhall.decisions import BAND_LABELS, DECISION_LABELS, DECISIONS

    table = Table(title="Decisions by band (exact counts: for analysts and governance only)")
    table.add_column("Band")
    for decision in DECISIONS:
        table.add_column(DECISION_LABELS[decision], justify="right")
    table.add_column("Total", justify="right")
    for band, row in report.counts.iterrows():
        table.add_row(BAND_LABELS.get(str(band), str(band)), *(f"{int(row[decision]):,}" for decision in DECISIONS),
                      f"{int(row['total']):,}")
    console.print(table)
    rate = report.override_rate
    console.print(f"Decisions: {report.decisions:,}. Went against the model: {report.overrides:,}"
                  + (f" ({rate:.0%})." if rate is not None else "."))
    console.print("An override is no action on a high or medium case, or an inspection or referral of a low one.")


def _print_published(report: OverrideReport, rule: DisclosureRule) -> None:
    from townhall.decisions import DECISION_LABELS, DECISIONS

    published = report.published(rule)
    shown = published.display_frame(HIDDEN)
    table = Table(title="Decisions by band (protected)")
    table.add_column("Band")
    for decision in DECISIONS:
        table.add_column(DECISION_LABELS[decision], justify="right")
    table.add_column("Total", justify="right")
    for label in shown.index:
        table.add_row(escape(str(label)), *(str(shown.loc[label, decision]) for decision in DECISIONS),
                      str(shown.loc[label, "total"]))
    console.print(table)
    console.print(f"[dim]{escape(rule.describe())} {HIDDEN} means hidden to protect privacy. Reasons are not "
                  "shown: they are free text and may identify people.[/dim]")
