"""`townhall audit`: read and check the append-only audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, error_console, friendly_errors, open_workspace

app = typer.Typer(help="Read the audit log of who did or saw what, and check nobody has altered it.",
                  no_args_is_help=True)


@app.command("list")
@friendly_errors
def list_entries(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    limit: Annotated[int, typer.Option(help="How many of the newest entries to show.")] = 50,
    action: Annotated[str | None, typer.Option(help="Only entries of this kind, e.g. source.registered.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only entries by this person.")] = None,
) -> None:
    """Show the newest audit entries: when, who, what, and about which record."""
    opened = open_workspace(workspace)
    table = Table(title=f"Audit log: {opened.config.council_name}", show_lines=False)
    for column in ("No.", "When (UTC)", "Who", "What", "About", "Purpose"):
        table.add_column(column)
    for entry in opened.audit.entries(limit=limit, action=action, actor=actor):
        table.add_row(str(entry.number), entry.recorded_at[:19].replace("T", " "), entry.actor, entry.action,
                      entry.subject, entry.purpose)
    console.print(table)


@app.command("verify")
@friendly_errors
def verify(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Check the hash chain: finds any entry that was changed or deleted since it was written."""
    result = open_workspace(workspace).audit.verify()
    if result.intact:
        console.print(f"[green]The audit log is intact:[/green] {result.entries_checked} entries checked.")
        return
    error_console.print(f"[bold red]The audit log has been altered[/bold red] ({result.entries_checked} entries "
                        "checked):")
    for problem in result.problems:
        error_console.print(f"  • {problem}")
    raise typer.Exit(4)
