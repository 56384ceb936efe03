"""`townhall risk audit` and `townhall risk card`: a trained model's bias audit on screen, and its model card and
transparency record written to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.decisions import DEFAULT_BAND, RATES, BiasAudit, audit_model, model_card
from townhall.errors import TownhallError
from townhall.governance import SUPPRESSED_MARK
from townhall.governance.disclosure import DisclosureRule
from townhall.workspace import current_actor

HIDDEN = escape(SUPPRESSED_MARK)  # "[c]" would otherwise be read as Rich markup


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
    band: Annotated[tuple[float, float], typer.Option(
        "--band", help="Flag ratios to the reference group below the first number or above the second.")]
        = DEFAULT_BAND,
    reference: Annotated[list[str] | None, typer.Option(
        "--reference", help="The reference group for a characteristic, as 'Characteristic=Group' (repeat for "
                            "more); by default each characteristic's largest group.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Audit a trained model for bias: rates and ratios by group for each protected characteristic, with flags."""
    opened = open_workspace(workspace)
    result = audit_model(opened, model, band=band, reference_groups=parse_references(reference))
    _print_audit(result, DisclosureRule.from_workspace(opened))
    opened.audit.record(current_actor(), "risk.audit", model, details={"model": model})


@friendly_errors
def card(
    model: Annotated[str, typer.Argument(help="The name of a trained model, e.g. hidden-hmos.")],
    out: Annotated[Path, typer.Option("--out", help="The folder to write card.html and atrs.json into (created "
                                                    "if missing).")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Write a trained model's card as standalone HTML and its transparency record (ATRS) as JSON."""
    opened = open_workspace(workspace)
    html_path, json_path = model_card(opened, model).write(out)
    console.print(f"Wrote the model card to {escape(str(html_path))} and the Algorithmic Transparency Recording "
                  f"Standard record to {escape(str(json_path))}.")
    console.print("Counts in the card's bias audit are protected by disclosure control, so it can be published.")
    opened.audit.record(current_actor(), "risk.card", model, details={"model": model})


def _print_audit(result: BiasAudit, rule: DisclosureRule) -> None:
    """One table per characteristic (protected counts, rates, ratios with intervals), then the flags in words."""
    console.print(f"[bold]Bias audit of {escape(result.model)}[/bold] (training run {escape(str(result.run_id))}): "
                  f"{result.predictions:,} out-of-time predictions over {len(result.splits)} split(s); ratios "
                  f"outside {result.band_text()} are flagged; groups under {result.minimum_group_size} are too small "
                  "to judge.")
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
    for sentence in result.summary_sentences():
        style = "bold red" if any(sentence == flag.sentence for flag in result.flags) else "default"
        console.print(f"[{style}]{escape(sentence)}[/{style}]")
    console.print(f"[dim]{escape(rule.describe())} {HIDDEN} means hidden to protect privacy; a group's rates are "
                  "hidden with its counts.[/dim]")
