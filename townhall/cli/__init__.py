"""The `townhall` command line: a thin layer over the library, one module per command group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from townhall.cli import audit, sources, users
from townhall.cli import cohort as cohort_cli
from townhall.cli import forecast as forecast_cli
from townhall.cli import identity as identity_cli
from townhall.cli import places as places_cli
from townhall.cli import risk as risk_cli
from townhall.cli import routes as routes_cli
from townhall.cli import sensors as sensors_cli
from townhall.cli import trial as trial_cli
from townhall.cli.common import console, friendly_errors
from townhall.cli.demo import demo
from townhall.cli.link import link, link_charts
from townhall.cli.serve import serve
from townhall.workspace import Workspace

app = typer.Typer(
    name="townhall",
    help="townhall: bring a council's data together safely, support decisions, test what works.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.add_typer(audit.app, name="audit")
app.add_typer(users.app, name="users")
app.add_typer(sources.app, name="sources")
app.add_typer(cohort_cli.app, name="cohort")
app.add_typer(identity_cli.app, name="identity")
app.add_typer(forecast_cli.app, name="forecast")
app.add_typer(places_cli.app, name="places")
app.add_typer(trial_cli.app, name="trial")
app.add_typer(risk_cli.app, name="risk")
app.add_typer(sensors_cli.app, name="sensors")
app.add_typer(routes_cli.app, name="routes")
app.command("demo")(demo)
app.command("serve")(serve)
app.command("link")(link)
app.command("link-charts")(link_charts)


@app.command("init")
@friendly_errors
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new workspace (created if missing).")],
    council: Annotated[str, typer.Option(help="The council's name, shown on pages and reports.")],
) -> None:
    """Create an empty workspace for a council: a folder with townhall.toml and its two stores."""
    workspace = Workspace.create(folder, council)
    console.print(f"Created a workspace for [bold]{council}[/bold] in {workspace.path}.")
    console.print("Next: add a user with 'townhall users add' and a source with 'townhall sources add'.")


def main() -> None:
    """Entry point for the `townhall` console script."""
    app()
