"""`townhall link` and `townhall link-charts`: link records into people and households, and chart the model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.identity import LinkageAccuracy, LinkageSummary, link_and_evaluate, link_people
from townhall.identity.linkage.charts import save_linkage_charts


def print_link_summary(summary: LinkageSummary) -> None:
    """What was linked, from which sources, and what was left out and why."""
    table = Table(title="Sources linked", title_justify="left")
    for column in ("Source", "Records linked", "Fields used to match", "Left out"):
        table.add_column(column, justify="right" if column == "Records linked" else "left")
    for source in summary.sources:
        left_out = []
        if source["organisations"]:
            left_out.append(f"{source['organisations']:,} organisations")
        if source["too_little_to_link"]:
            left_out.append(f"{source['too_little_to_link']:,} with only a name")
        table.add_row(source["source"], f"{source['records']:,}", ", ".join(source["fields"]),
                      "; ".join(left_out) or "—")
    console.print(table)
    if summary.left_out:
        console.print("[bold]Sources not linked[/bold]")
        for item in summary.left_out:
            console.print(f"  {item['source']}: {item['reason']}")
    console.print(
        f"Linked [bold]{summary.records:,}[/bold] records into [bold]{summary.persons:,}[/bold] people in "
        f"[bold]{summary.households:,}[/bold] households (two records are the same person at a match probability "
        f"of {summary.threshold:g} or more) in {summary.seconds:.1f} s.")
    console.print(f"{summary.opted_out_records:,} records of people who opted out were left out of the index. "
                  f"{summary.pairs_for_review:,} pairs near the threshold are waiting for clerical review; "
                  f"{summary.decisions_applied:,} reviewers' decisions were applied.")


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
) -> None:
    """Link every source that holds people into a person and household index, with Splink (no training data)."""
    workspace = open_workspace(workspace_path)
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
