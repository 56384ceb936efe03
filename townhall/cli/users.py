"""`townhall users`: add and list the people who can log in."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.governance.users import ROLE_DESCRIPTIONS, Role
from townhall.workspace import current_actor

app = typer.Typer(help="Add and list the people who can log in to the web app, and their roles.", no_args_is_help=True)


@app.command("add")
@friendly_errors
def add(
    username: Annotated[str, typer.Argument(help="Log-in name, e.g. j.smith.")],
    role: Annotated[Role, typer.Option(help="What the person does: " + "; ".join(
        f"{role.value} {text}" for role, text in ROLE_DESCRIPTIONS.items()))],
    team: Annotated[str | None, typer.Option(help="Their team, e.g. 'Housing enforcement'.")] = None,
    display_name: Annotated[str | None, typer.Option("--name", help="Name shown on pages.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Add a user with a random password, printed once: pass it on securely."""
    opened = open_workspace(workspace)
    user, password = opened.users.add(username, role, team=team, display_name=display_name, added_by=current_actor())
    console.print(f"Added [bold]{user.username}[/bold] as {user.role.value}"
                  + (f" in {user.team}" if user.team else "") + ".")
    console.print(f"Password (shown once): [bold]{password}[/bold]")


@app.command("list")
@friendly_errors
def list_users(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """List users with their roles and teams."""
    table = Table(title="Users")
    for column in ("User", "Name", "Role", "Team"):
        table.add_column(column)
    for user in open_workspace(workspace).users.list():
        table.add_row(user.username, user.display_name, user.role.value, user.team or "")
    console.print(table)
