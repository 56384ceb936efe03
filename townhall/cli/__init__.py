"""The `townhall` command line: a thin layer over the library, one module per command group.

Each command group's module is imported only when that command runs (or its own help is asked for), so
``townhall --help`` and a quick command such as ``townhall sources list`` start without loading pandas, scikit-learn,
Splink or the web app. The top-level help needs only each command's name and one line, kept in ``COMMANDS`` below.
To add a command group: write ``townhall/cli/<group>.py`` with a Typer ``app`` (heavy imports inside its commands)
and add one line to ``COMMANDS``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from townhall.cli.common import console, friendly_errors

# Command name -> (module, attribute, one line for the top-level help). The attribute is a Typer app (a group of
# commands) or a command function; either is loaded on first use.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("townhall.cli.demo", "demo", "Build the demo council 'Ashbury' as a ready workspace and serve it."),
    "serve": ("townhall.cli.serve", "serve", "Serve the web app on this machine."),
    "sources": ("townhall.cli.sources", "app", "Register source files and check their fields, tags and quality."),
    "link": ("townhall.cli.link", "link", "Link records into a person and household index."),
    "link-charts": ("townhall.cli.link", "link_charts", "Chart the linkage model and how a pair of records scored."),
    "identity": ("townhall.cli.identity", "app", "Export the person index and record a change of address once."),
    "cohort": ("townhall.cli.cohort", "app", "Find households meeting criteria across linked sources."),
    "places": ("townhall.cli.places", "app", "Load geography, place records in areas, map, and analyse places."),
    "risk": ("townhall.cli.risk", "app", "Train, score, audit and review risk models for targeted work."),
    "trial": ("townhall.cli.trial", "app", "Register, size, randomise and analyse trials of council services."),
    "forecast": ("townhall.cli.forecast", "app", "Forecast service demand and project children with EHC plans."),
    "users": ("townhall.cli.users", "app", "Add and list the people who can sign in, and their roles."),
    "audit": ("townhall.cli.audit", "app", "Read the audit log and check nobody has altered it."),
    "text": ("townhall.cli.text", "app", "Redact, theme, classify and route what residents write."),
    "assistant": ("townhall.cli.assistant", "app", "Serve and check the residents' assistant and its service flows."),
    "sensors": ("townhall.cli.sensors", "app", "Take in sensor readings, check devices, raise alerts, forecast bins."),
    "routes": ("townhall.cli.routes", "app", "Plan collection rounds and school transport routes with PyVRP."),
}


class LazyGroup(TyperGroup):
    """A Typer group whose commands are imported only when used; its help lists them from ``COMMANDS`` alone.

    ``commands`` (read by tools that walk every command, such as tests/test_docs.py) loads them all.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: dict[str, Any] = {}
        self._listing = False
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, Any]:  # type: ignore[override]
        """Every command, each loaded."""
        for name in COMMANDS:
            self._load(name)
        return self._loaded

    @commands.setter
    def commands(self, value: dict[str, Any]) -> None:
        self._loaded = dict(value)

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands' names, without loading any."""
        return [*COMMANDS, *(name for name in self._loaded if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command, loaded now; while the top-level help is written, a stand-in with its one line of help."""
        if cmd_name in self._loaded:
            return self._loaded[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name][2])
        return self._load(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Write the help from the commands' names and one-line help, loading none of them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def _load(self, name: str) -> Any:
        if name not in self._loaded:
            module, attribute, _help = COMMANDS[name]
            target = getattr(importlib.import_module(module), attribute)
            if isinstance(target, typer.Typer):
                command = typer.main.get_group(target)  # a group even when it has one command
            else:
                single = typer.Typer(rich_markup_mode="rich")
                single.command(name)(target)
                command = typer.main.get_command(single)
            command.name = name
            self._loaded[name] = command
        return self._loaded[name]


app = typer.Typer(
    name="townhall",
    cls=LazyGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


@app.callback()
def townhall() -> None:
    """townhall: bring a council's data together safely, support decisions, test what works."""


@app.command("init")
@friendly_errors
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new workspace (created if missing).")],
    council: Annotated[str, typer.Option(help="The council's name, shown on pages and reports.")],
) -> None:
    """Create an empty workspace for a council: a folder with townhall.toml and its two stores."""
    from townhall.workspace import Workspace

    workspace = Workspace.create(folder, council)
    console.print(f"Created a workspace for [bold]{council}[/bold] in {workspace.path}.")
    console.print("Next: add a user with 'townhall users add' and a source with 'townhall sources add'.")


def main() -> None:
    """Entry point for the `townhall` console script."""
    app()
