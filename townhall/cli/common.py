"""Shared pieces of the command line: the console, the workspace option, progress bars and error handling."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from townhall.errors import TownhallError
from townhall.workspace import Workspace

console = Console()
error_console = Console(stderr=True)

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", envvar="TOWNHALL_WORKSPACE",
        help="The workspace folder (defaults to the current folder, or TOWNHALL_WORKSPACE).",
    ),
]

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])


def friendly_errors(command: CommandFunction) -> CommandFunction:
    """Turn townhall's own errors into a plain message and a non-zero exit instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TownhallError as error:
            error_console.print(f"[bold red]Error:[/bold red] {error}", highlight=False)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


def open_workspace(path: Path | None) -> Workspace:
    """Open the workspace named on the command line, or the current folder."""
    return Workspace.open(path or Path(os.getcwd()))


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Callable[[str, float], None]]:
    """A Rich progress bar; yields ``update(step, fraction_done)`` for library functions that report progress."""
    with Progress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        task = progress.add_task(description, total=1.0)

        def update(step: str, fraction_done: float) -> None:
            progress.update(task, description=f"{description}: {step}", completed=min(max(fraction_done, 0.0), 1.0))

        yield update
        progress.update(task, description=description, completed=1.0)
