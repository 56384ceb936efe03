"""`townhall link` and `townhall link-charts`: link records into people and households, and chart the model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.identity import LinkageAccuracy, LinkageSummary, link_and_evaluate, link_people
from townhall.identity.index import left_out_records
from townhall.identity.linkage.charts import save_linkage_charts

if TYPE_CHECKING:
    from townhall.workspace import Workspace


def print_link_summary(summary: LinkageSummary) -> None:
    """What was linked, from which sources and fields, how training went, and every record left out and why."""
    table = Table(title="Sources linked", title_justify="left")
    for column in ("Source", "Records linked", "Fields used to match (records with each)", "Left out"):
        table.add_column(column, justify="right" if column == "Records linked" else "left")
    for source in summary.sources:
        left_out = []
        if source.get("no_name"):
            left_out.append(f"{source['no_name']:,} with no name")
        if source["organisations"]:
            left_out.append(f"{source['organisations']:,} organisations")
        if source["too_little_to_link"]:
            left_out.append(f"{source['too_little_to_link']:,} with only a name")
        fields = ", ".join(f"{label} ({count:,})" for label, count in source["fields"].items())
        table.add_row(escape(source["source"]), f"{source['records']:,}", fields, "; ".join(left_out) or "—")
    console.print(table)
    for source in summary.sources:
        for note in source.get("notes", []):
            console.print(f"  {escape(source['source'])}.{escape(note)}")
    if summary.left_out:
        console.print("[bold]Sources not linked[/bold]")
        for item in summary.left_out:
            console.print(f"  {escape(item['source'])}: {escape(item['reason'])}")
    for warning in summary.warnings:
        console.print(f"[bold yellow]Warning:[/bold yellow] {escape(warning)}")
    fields = ", ".join(f"{label} ({count:,} records)" for label, count in summary.fields_used.items())
    console.print(f"Matched on: {fields}.")
    console.print("How likely two records are the same person before comparing them: "
                  f"{escape(summary.prior_explained)}. Model trained in {len(summary.training_rounds)} rounds, on "
                  f"pairs with {'; '.join(summary.training_rounds)}.")
    console.print(
        f"Linked [bold]{summary.records:,}[/bold] records into [bold]{summary.persons:,}[/bold] people in "
        f"[bold]{summary.households:,}[/bold] households (two records are the same person at a match probability "
        f"of {summary.threshold:g} or more) in {summary.seconds:.1f} s.")
    total_left_out = sum(summary.records_left_out.values())
    if total_left_out:
        reasons = "; ".join(f"{reason}: {count:,}" for reason, count in summary.records_left_out.items())
        console.print(f"{total_left_out:,} records were left out of the index ({reasons}). List them with "
                      "'townhall link --left-out'.")
    console.print(f"{summary.pairs_for_review:,} pairs near the threshold are waiting for clerical review; "
                  f"{summary.decisions_applied:,} reviewers' decisions were applied.")


def print_left_out(workspace: Workspace) -> None:
    """Every record the latest run left out, as CSV on standard output: source, record id, row, reason."""
    frame = left_out_records(workspace)
    sys.stdout.write(frame.to_csv(index=False))


def print_accuracy(measured: list[LinkageAccuracy], chosen: float) -> None:
    """Pairwise precision, recall and F1, and people put together exactly right, at each threshold."""
    table = Table(title="Accuracy against the demo's ground truth", title_justify="left")
    for column in ("Threshold", "Precision", "Recall", "F1", "People exactly right", "Pairs predicted",
                   "True pairs"):
        table.add_column(column, justify="right")
    for result in measured:
        style = "bold" if result.threshold == chosen else None
        table.add_row(f"{result.threshold:g}", f"{result.precision:.4f}", f"{result.recall:.4f}",
                      f"{result.f1:.4f}", f"{result.people_exactly_right:.1%}", f"{result.predicted_pairs:,}",
                      f"{result.true_pairs:,}", style=style)
    console.print(table)
    console.print("Precision: of the pairs of records put together, the share that are truly the same person. "
                  "Recall: of the true pairs, the share put together.")


@friendly_errors
def link(
    workspace_path: WorkspaceOption = None,
    threshold: Annotated[float | None, typer.Option(
        help="Match probability (0-1) at which two records count as the same person; default from townhall.toml.",
    )] = None,
    evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="Demo only: measure precision and recall against the ground truth after linking.",
    )] = False,
    left_out: Annotated[bool, typer.Option(
        "--left-out", help="Do not link: list the records the latest run left out of the index, and why, as CSV.",
    )] = False,
) -> None:
    """Link every source that holds people into a person and household index, with Splink (no training data)."""
    workspace = open_workspace(workspace_path)
    if left_out:
        print_left_out(workspace)
        return
    with progress_bar("Linking records") as update:
        if evaluate:
            summary, measured = link_and_evaluate(workspace, threshold=threshold, progress=update)
        else:
            summary, measured = link_people(workspace, threshold=threshold, progress=update), []
    print_link_summary(summary)
    if measured:
        print_accuracy(measured, summary.threshold)


@friendly_errors
def link_charts(
    out: Annotated[Path, typer.Option(help="Folder to save the charts in (HTML that works offline, and PNG).")],
    pair: Annotated[tuple[str, str] | None, typer.Option(
        help="Two records as source:record id, to draw the waterfall of how their score was built up.",
    )] = None,
    workspace_path: WorkspaceOption = None,
) -> None:
    """Save the linkage model's match-weights chart, and a waterfall chart for a pair of records."""
    workspace = open_workspace(workspace_path)
    for path in save_linkage_charts(workspace, out, pair=pair):
        console.print(f"Saved {path}")
