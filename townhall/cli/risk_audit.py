"""`townhall risk audit`, `townhall risk audit-scores` and `townhall risk card`: a trained model's bias audit on
screen, the same audit of scores the council did not make, and the model card and transparency record written to a
folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.decisions.store import DEFAULT_BAND
from townhall.errors import TownhallError
from townhall.governance import SUPPRESSED_MARK
from townhall.governance.disclosure import DisclosureRule
from townhall.workspace import current_actor

if TYPE_CHECKING:
    from townhall.decisions import BiasAudit

HIDDEN = escape(SUPPRESSED_MARK)  # "[c]" would otherwise be read as Rich markup
BandOption = Annotated[tuple[float, float], typer.Option(
    "--band", help="Flag ratios to the reference group below the first number or above the second.")]
ReferenceOption = Annotated[list[str] | None, typer.Option(
    "--reference", help="The reference group for a characteristic, as 'Characteristic=Group' (repeat for more); by "
                        "default each characteristic's largest group.")]


def parse_references(references: list[str] | None) -> dict[str, str]:
    """Reference groups typed as "Characteristic=Group", e.g. "Ethnic group=White"."""
    chosen = {}
    for text in references or []:
        characteristic, separator, group = text.partition("=")
        if not separator or not characteristic.strip() or not group.strip():
            raise TownhallError(f"'{text}' is not a reference group townhall can read. Give it as "
                                "'Characteristic=Group', for example --reference 'Sex=Female'.")
        chosen[characteristic.strip()] = group.strip()
    return chosen


@friendly_errors
def audit(
    model: Annotated[str, typer.Argument(help="The name of a trained model, e.g. hidden-hmos.")],
    band: BandOption = DEFAULT_BAND,
    reference: ReferenceOption = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Audit a trained model for bias: the findings first, then rates and ratios by group for each characteristic."""
    from townhall.decisions import audit_model

    opened = open_workspace(workspace)
    result = audit_model(opened, model, band=band, reference_groups=parse_references(reference))
    console.print(f"[bold]Bias audit of {escape(result.model)}[/bold] (training run {escape(str(result.run_id))}): "
                  f"{result.predictions:,} out-of-time predictions over {len(result.splits)} test period(s).")
    print_audit(result, DisclosureRule.from_workspace(opened))
    opened.audit.record(current_actor(), "risk.audit", model, details={"model": model})


@friendly_errors
def audit_scores(
    file: Annotated[Path, typer.Argument(help="A CSV file of scores the council did not make, one row per case.")],
    score: Annotated[str, typer.Option("--score", help="The column holding each case's score.")],
    outcome: Annotated[str, typer.Option("--outcome", help="The column saying whether the outcome followed (yes or "
                                                           "no; blank while not known).")],
    group: Annotated[list[str], typer.Option("--group", help="A column to audit by, e.g. Ethnicity (repeat for "
                                                             "more).")],
    threshold: Annotated[float | None, typer.Option("--threshold", help="Cases scoring at or above this are on "
                                                                        "the list.")] = None,
    list_size: Annotated[int | None, typer.Option("--list-size", help="Or: the top N cases by score are on the "
                                                                      "list.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="A column saying which period each case is from, "
                                                                "to audit period by period too.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="What the scores are, for the card.")] = None,
    supplier: Annotated[str, typer.Option("--supplier", help="Who made the scores, for the card.")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="A folder to write the card (card.html) and "
                                                           "transparency record (atrs.json) into.")] = None,
    band: BandOption = DEFAULT_BAND,
    reference: ReferenceOption = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Audit scores the council did not make (a vendor's or another team's) for bias, from a CSV file."""
    from townhall.decisions import SUPPLIED_MARK, audit_supplied_scores

    opened = open_workspace(workspace)
    result = audit_supplied_scores(file, score=score, outcome=outcome, groups=group, threshold=threshold,
                                   list_size=list_size, period=period, title=title, supplier=supplier, band=band,
                                   reference_groups=parse_references(reference))
    rule = DisclosureRule.from_workspace(opened)
    console.print(f"[bold]Bias audit of {escape(result.title)}[/bold] ({SUPPLIED_MARK.lower()}): "
                  f"{result.audited:,} of {result.rows:,} rows have a score and a recorded outcome; the list is "
                  f"{escape(result.selection)} ({result.listed:,} cases).")
    for note in result.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]")
    for label, value in result.figure_rows():
        console.print(f"  {escape(label)}: {escape(value)}")
    print_audit(result.audit, rule)
    if out is not None:
        html_path, json_path = result.write(out, rule, opened.config.council_name)
        console.print(f"Wrote the card to {escape(str(html_path))} and the transparency record to "
                      f"{escape(str(json_path))}, both marked '{SUPPLIED_MARK}'.")
    opened.audit.record(current_actor(), "risk.audit_scores", file.name, details={
        "file": file.name, "rows": result.rows, "audited": result.audited, "findings": len(result.audit.findings)})


@friendly_errors
def card(
    model: Annotated[str, typer.Argument(help="The name of a trained model, e.g. hidden-hmos.")],
    out: Annotated[Path, typer.Option("--out", help="The folder to write card.html and atrs.json into (created "
                                                    "if missing).")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Write a trained model's card as standalone HTML and its transparency record (ATRS) as JSON."""
    from townhall.decisions import model_card

    opened = open_workspace(workspace)
    html_path, json_path = model_card(opened, model).write(out)
    console.print(f"Wrote the model card to {escape(str(html_path))} and the Algorithmic Transparency Recording "
                  f"Standard record to {escape(str(json_path))}.")
    console.print("Counts in the card's bias audit are protected by disclosure control, so it can be published.")
    opened.audit.record(current_actor(), "risk.card", model, details={"model": model})


def print_audit(result: BiasAudit, rule: DisclosureRule) -> None:
    """The findings (intervals wholly outside the band) one sentence each, then the flags that may be chance, then
    one table per characteristic (protected counts, rates, ratios with intervals), then small groups and notes."""
    from townhall.decisions import RATES

    console.print(f"Each group's rates are divided by its reference group's (a ratio of 1 is no difference); ratios "
                  f"outside {result.band_text()} are flagged, each with a 95% interval (the range the true ratio "
                  f"plausibly lies in). Groups under {result.minimum_group_size} are too small to judge.")
    findings = result.findings
    if findings:
        console.print(f"[bold]Findings: {len(findings)} ratio(s) whose whole interval lies outside the band[/bold]")
        for number, flag in enumerate(findings, start=1):
            console.print(f"[bold red]{number}. {escape(flag.sentence)}[/bold red]")
    else:
        console.print("[bold]No ratio's whole interval lies outside the band.[/bold]")
    chance = result.may_be_chance
    if chance:
        console.print(f"[bold]May be chance: {len(chance)} ratio(s) outside the band whose interval reaches back "
                      "into it[/bold]")
        for flag in chance:
            console.print(f"  - {escape(flag.sentence)}")
    rows = result.published_rows(rule)
    for characteristic in result.characteristics:
        table = Table(title=f"{characteristic.characteristic} (reference: {characteristic.reference})")
        table.add_column("Group")
        for column in ("Cases", "On the list", "With the outcome"):
            table.add_column(column, justify="right")
        for label, _, _ in RATES.values():
            table.add_column(f"{label} (ratio)", justify="right")
        for row in rows:
            if row["characteristic"] != characteristic.characteristic:
                continue
            name = escape(row["group"]) + (" (reference)" if row["reference"] else "")
            name += " (too small)" if row["too_small"] else ""
            cells = []
            for rate in RATES:
                text = escape(row[rate])
                if not row["reference"]:
                    text += f"\n{escape(row[f'{rate}_ratio'])}"
                cells.append(f"[bold red]{text}[/bold red]" if rate in row["flagged"] else text)
            table.add_row(name, escape(row["size"]), escape(row["selected"]), escape(row["positives"]), *cells)
        console.print(table)
    flagged = {flag.sentence for flag in result.flags}
    for sentence in result.summary_sentences():
        if sentence not in flagged:
            console.print(escape(sentence))
    console.print(f"[dim]{escape(rule.describe())} {HIDDEN} means hidden to protect privacy; a group's rates are "
                  "hidden with its counts.[/dim]")
