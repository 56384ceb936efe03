"""Shared pieces of the command line: the console, the workspace option, progress bars and error handling."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from townhall.errors import TownhallError

if TYPE_CHECKING:
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


# Exit code for a problem townhall did not foresee (sysexits' EX_SOFTWARE), and for a command stopped with Ctrl+C.
UNEXPECTED_ERROR_EXIT = 70
INTERRUPTED_EXIT = 130


def crash_reports_folder() -> Path:
    """Where the technical detail of unexpected errors goes: the user's own state folder, never the workspace
    (a traceback can hold values from a council's files, so it is kept readable by its owner only)."""
    configured = os.environ.get("TOWNHALL_CRASH_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "townhall" / "crash-reports"


def write_crash_report(error: BaseException) -> Path | None:
    """Save the traceback of an unexpected error to an owner-only file; None when it cannot be written."""
    import datetime
    import traceback

    folder = crash_reports_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = folder / f"townhall-{stamp}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)))
        return path
    except OSError:
        return None


def friendly_errors(command: CommandFunction) -> CommandFunction:
    """Turn every failure into a plain message and a non-zero exit instead of a traceback: townhall's own errors
    say what to do; anything unforeseen says so, and its technical detail goes to an owner-only crash report."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TownhallError as error:
            error_console.print(f"[bold red]Error:[/bold red] {error}", highlight=False)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            error_console.print("Stopped. Anything the command had not finished was not saved.", highlight=False)
            raise typer.Exit(INTERRUPTED_EXIT) from None
        except Exception as error:  # the last line of defence: no traceback reaches a user
            report = write_crash_report(error)
            where = f" The technical detail is in {report}." if report else ""
            error_console.print(
                f"[bold red]Error:[/bold red] townhall stopped because of a problem it did not expect "
                f"({type(error).__name__}). Anything the command had not finished was not saved.{where} "
                "Please report it to your townhall administrator.", highlight=False)
            raise typer.Exit(UNEXPECTED_ERROR_EXIT) from None

    return wrapper  # type: ignore[return-value]


def open_workspace(path: Path | None) -> Workspace:
    """Open the workspace named on the command line, or the current folder."""
    from townhall.workspace import Workspace

    return Workspace.open(path or Path(os.getcwd()))


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Callable[[str, float], None]]:
    """A Rich progress bar; yields ``update(step, fraction_done)`` for library functions that report progress."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        task = progress.add_task(description, total=1.0)

        def update(step: str, fraction_done: float) -> None:
            progress.update(task, description=f"{description}: {step}", completed=min(max(fraction_done, 0.0), 1.0))

        yield update
        progress.update(task, description=description, completed=1.0)
