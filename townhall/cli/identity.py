"""`townhall identity`: export the person index to CSV, and record a change of address once (tell us once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.errors import TownhallError
from townhall.identity.export import export_index
from townhall.identity.standardise import standardise_date
from townhall.identity.tell_us_once import record_move
from townhall.workspace import current_actor

app = typer.Typer(help="Work with the person index: export it, and record a change of address once.",
                  no_args_is_help=True)


@app.command("export")
@friendly_errors
def export(
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write, for example index.csv.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Write the person index to CSV: one row per source record with its person, household and link confidence."""
    opened = open_workspace(workspace)
    written = export_index(opened, out, actor=current_actor())
    console.print(f"Wrote {written.records:,} records of {written.persons:,} people in {written.households:,} "
                  f"households, from {written.sources:,} sources, to {escape(str(written.path))}.")
    console.print("Columns: source, record_id, person_id, household_id, link_confidence (blank when a person has "
                  "only one record). People who opted out of data sharing are not in the index, so not in the file.")
    if written.out_of_date:
        console.print(f"[bold yellow]Warning:[/bold yellow] {escape(written.out_of_date)}")


@app.command("move")
@friendly_errors
def move(
    person: Annotated[str, typer.Argument(help="The person id from the index, for example P-3F9A2C71D0.")],
    to: Annotated[str, typer.Option("--to", help="The new address in one line, with its postcode, in quotes.")],
    uprn: Annotated[str | None, typer.Option(help="The new property's UPRN, if you know it.")] = None,
    moved_on: Annotated[str | None, typer.Option(
        "--date", help="The date of the move, like 27/03/2026 (default today).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Record a change of address once and write a notice per department listing the records to update."""
    effective = None
    if moved_on is not None:
        parsed = standardise_date(moved_on)
        if parsed.date is None:
            raise TownhallError(f"'{moved_on}' is not a date. Give the date of the move like 27/03/2026 or "
                                "2026-03-27.")
        effective = parsed.date
    opened = open_workspace(workspace)
    result = record_move(opened, person, to, uprn=uprn, effective_date=effective, recorded_by=current_actor())
    change = result.change
    if change.address_withheld:
        console.print(f"Recorded change of address [bold]{change.reference}[/bold] for {change.person_id}, moving on "
                      f"{change.effective_date:%d/%m/%Y}.")
        console.print("[bold yellow]This person's address is withheld[/bold yellow] (for example because they may be "
                      "at risk). Only information governance officers can see the new address in townhall. The "
                      "notices do NOT contain the old or the new address: each asks the department to get it from "
                      "information governance through a secure route. Do not send the address by email.")
    else:
        console.print(f"Recorded change of address [bold]{change.reference}[/bold] for {change.person_id}: "
                      f"{escape(change.new_address)}, moving on {change.effective_date:%d/%m/%Y}.")
    if not result.notices:
        console.print("No department holds a record of this person any more, so no notices were written.")
        return
    table = Table(title=f"Notices in {escape(str(result.folder))}")
    for column in ("Department", "Records to check", "Sources", "File"):
        table.add_column(column, justify="right" if column == "Records to check" else "left")
    for notice in result.notices:
        table.add_row(escape(notice.department), f"{notice.records:,}", ", ".join(notice.sources), notice.path.name)
    console.print(table)
    console.print("Send each department its notice. The next 'townhall link' keeps this address as the person's "
                  "current address.")
