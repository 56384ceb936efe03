"""Errors that townhall shows to people: each says what went wrong and what to do, in plain English."""

from __future__ import annotations


class TownhallError(Exception):
    """A problem the user can act on; the CLI prints its message and exits non-zero."""

    exit_code = 1


class InputFileError(TownhallError):
    """A file could not be read as given: names the file and, where known, the row and field."""

    exit_code = 2

    def __init__(self, file: str, problem: str, *, row: int | None = None, field: str | None = None) -> None:
        self.file = file
        self.problem = problem
        self.row = row
        self.field = field
        where = [f"file {file}"]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"Could not read {', '.join(where)}: {problem}")


class WorkspaceError(TownhallError):
    """The workspace folder is missing, damaged or not a townhall workspace."""


class AccessDeniedError(TownhallError):
    """The person does not hold a role that allows this."""

    exit_code = 3
