"""The analytics store: one DuckDB file holding source tables, the catalogue, the index, features and results.

Connections are short-lived because DuckDB lets only one process write a file at a time: the web app and the CLI
each open, work and close, so neither locks the other out for long.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from townhall.errors import WorkspaceError

_LOCK_RETRY_SECONDS = 10.0


def quote_identifier(name: str) -> str:
    """Quote a table or column name for DuckDB SQL, doubling any embedded quotes."""
    return '"' + name.replace('"', '""') + '"'


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for working tables (linkage, evaluation) that spills to the system's temporary folder,
    never to a ``.tmp`` folder in whatever folder the command was run from."""
    spill = Path(tempfile.gettempdir()) / f"townhall-spill-{os.getpid()}"
    spill.mkdir(exist_ok=True)
    return duckdb.connect(config={"temp_directory": str(spill)})


class AnalyticsStore:
    """Opens connections to the workspace's DuckDB file."""

    def __init__(self, database_file: Path) -> None:
        self.database_file = Path(database_file)

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a connection, waiting briefly if another townhall process holds the file, and close it after."""
        if read_only and not self.database_file.exists():
            raise WorkspaceError(f"The analytics store {self.database_file} does not exist yet.")
        deadline = time.monotonic() + _LOCK_RETRY_SECONDS
        while True:
            try:
                connection = duckdb.connect(str(self.database_file), read_only=read_only)
                break
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise WorkspaceError(
                        f"The analytics store {self.database_file} is busy (another townhall command is using it). "
                        "Try again when it has finished."
                    ) from error
                time.sleep(0.2)
        try:
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction: committed on success, rolled back on any error."""
        with self.connect() as connection:
            connection.begin()
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def table_exists(self, schema: str, table: str) -> bool:
        """Whether ``schema.table`` exists (a missing store file has no tables)."""
        if not self.database_file.exists():
            return False
        with self.connect(read_only=True) as connection:
            found = connection.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
        return bool(found and found[0])
