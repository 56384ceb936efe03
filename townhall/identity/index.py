"""The person and household index: who is who across the council's systems, and nothing more.

The index holds only core identity (best name, date of birth, current address, NHS number where known) and
pointers to source records (source, record id, spreadsheet row) with a confidence per link. Service data stays in
the source tables and is read through these pointers, so each department keeps ownership of its records.

Tables, in the DuckDB schema ``identity`` of the analytics store:

- ``identity.records``: one row per linked source record (opted-out people excluded).
- ``identity.persons``: one row per person, with their best identity and household.
- ``identity.households``: people sharing an address (UPRN, or standardised address) at their latest record.
- ``identity.pairs``: record pairs scored near the threshold, with the evidence for the clerical review page.
- ``identity.opted_out``: records of people who opted out, so that every capability can leave them out.
- ``identity.left_out``: records left out for another reason (no name, an organisation, only a name, their source
  left out), with no personal values: what ``townhall link --left-out`` lists.
- ``identity.runs``: one row per linkage run: when, at what threshold, with which settings, sizes, fields used and
  the version of every source it read.

All of it is replaced in one transaction by ``write_index``, so readers see the old index or the new one.
``index_status`` says whether the index is out of date: a source has a new version since the last successful run,
or the last run failed (recorded in ``models/linkage/last-failure.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from townhall.errors import TownhallError
from townhall.store.files import atomic_write_text

if TYPE_CHECKING:
    import duckdb

    from townhall.workspace import Workspace

SCHEMA = "identity"

RECORD_COLUMNS: dict[str, str] = {
    "unique_id": "varchar",  # "<source>:<record id>", unique across the index
    "source": "varchar",
    "record_id": "varchar",
    "row_number": "bigint",  # spreadsheet row in the source table (header is row 1): the pointer back
    "person_id": "varchar",
    "household_id": "varchar",
    # Highest match probability joining this record to another record of the same person; null when the person
    # is known from this record alone.
    "link_confidence": "double",
    "first_name": "varchar",  # standardised (lower case, no titles): what linkage compared
    "surname": "varchar",
    "date_of_birth": "date",
    "nhs_number": "varchar",  # only valid NHS numbers; invalid ones are dropped as identifiers
    "postcode": "varchar",
    "address": "varchar",  # the address as the source wrote it, tidied to one line
    "address_key": "varchar",  # flat|house|street|postcode (see identity.standardise.address_key)
    "uprn": "varchar",
    "record_date": "date",  # the record's own date (referral, claim start, call-out...), when it has one
    "address_withheld": "boolean",  # the source flagged this record's address as not to be disclosed
}

PERSON_COLUMNS: dict[str, str] = {
    "person_id": "varchar",
    "household_id": "varchar",
    "first_name": "varchar",  # display form ("Margaret"), the most common across the person's records
    "surname": "varchar",
    "date_of_birth": "date",
    "nhs_number": "varchar",
    "address": "varchar",  # current address: from the latest dated record that has one
    "postcode": "varchar",
    "uprn": "varchar",
    # The person's or a household member's address is withheld: show no address to anyone but governance.
    "address_withheld": "boolean",
    "record_count": "integer",
    "sources": "varchar[]",
}

HOUSEHOLD_COLUMNS: dict[str, str] = {
    "household_id": "varchar",
    "address": "varchar",
    "postcode": "varchar",
    "uprn": "varchar",
    "address_key": "varchar",
    "members": "integer",
    "address_withheld": "boolean",
}

PAIR_COLUMNS: dict[str, str] = {
    "left_unique_id": "varchar",
    "right_unique_id": "varchar",
    "match_weight": "double",
    "match_probability": "double",
    # JSON list, one item per comparison: {"comparison", "level", "match_weight", "left", "right"}; the first item
    # is the prior ("comparison": "starting point"). Enough to draw the waterfall without the linkage model.
    "evidence": "varchar",
}

OPTED_OUT_COLUMNS: dict[str, str] = {
    "unique_id": "varchar",
    "source": "varchar",
    "record_id": "varchar",
    "row_number": "bigint",
}

LEFT_OUT_COLUMNS: dict[str, str] = {
    "source": "varchar",
    "record_id": "varchar",
    "row_number": "bigint",
    "reason": "varchar",
}
# The reason given for records of people who opted out, beside those of identity.left_out.
OPTED_OUT = "opted out"

RUN_COLUMNS: dict[str, str] = {
    "run_id": "integer",
    "finished_at": "timestamp",
    "run_by": "varchar",
    "threshold": "double",
    "records": "integer",
    "persons": "integer",
    "households": "integer",
    "opted_out_records": "integer",
    "sources": "varchar",  # JSON list of {"source", "records", "fields"}
    "settings": "varchar",  # JSON: the Splink model used (settings with trained m and u probabilities)
    # JSON: fields used with counts, records left out by reason, how the prior was estimated, training rounds,
    # warnings, and {"source_versions": {source: version}} for telling when the index is out of date.
    "summary": "varchar",
}

TABLES: dict[str, dict[str, str]] = {
    "records": RECORD_COLUMNS,
    "persons": PERSON_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "pairs": PAIR_COLUMNS,
    "opted_out": OPTED_OUT_COLUMNS,
    "left_out": LEFT_OUT_COLUMNS,
    "runs": RUN_COLUMNS,
}


class IndexNotBuiltError(TownhallError):
    """Raised when something needs the person index before ``townhall link`` has been run."""

    def __init__(self) -> None:
        super().__init__(
            "There is no person index yet. Run 'townhall link' to link the council's records into people and "
            "households first."
        )


def create_index_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the identity schema and its tables if missing (empty)."""
    connection.execute(f"create schema if not exists {SCHEMA}")
    for table, columns in TABLES.items():
        column_sql = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        connection.execute(f"create table if not exists {SCHEMA}.{table} ({column_sql})")
        for name, kind in columns.items():  # an index written by an earlier version lacks the newer columns
            connection.execute(f"alter table {SCHEMA}.{table} add column if not exists {name} {kind}")


def _conform(frame: pd.DataFrame, columns: dict[str, str], table: str) -> pd.DataFrame:
    """The frame's columns in the table's order; a missing column is a programming error, named plainly."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"identity.{table} needs columns {missing}")
    return frame[list(columns)]


def write_index(workspace: Workspace, *, records: pd.DataFrame, persons: pd.DataFrame, households: pd.DataFrame,
                pairs: pd.DataFrame, opted_out: pd.DataFrame, left_out: pd.DataFrame, run: dict[str, Any]) -> None:
    """Replace the whole index in one transaction (a new run appends its row to ``identity.runs``)."""
    frames = {"records": records, "persons": persons, "households": households, "pairs": pairs,
              "opted_out": opted_out, "left_out": left_out}
    with workspace.analytics.transaction() as connection:
        create_index_tables(connection)
        for table, frame in frames.items():
            conformed = _conform(frame, TABLES[table], table)
            view = f"_incoming_{table}"
            connection.register(view, conformed)
            casts = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in TABLES[table].items())
            connection.execute(f"delete from {SCHEMA}.{table}")
            # Stored in person order, so the single view reads one person's rows from few blocks.
            order = " order by person_id" if "person_id" in TABLES[table] else ""
            connection.execute(f"insert into {SCHEMA}.{table} select {casts} from {view}{order}")
            connection.unregister(view)
        next_run = connection.execute(f"select coalesce(max(run_id), 0) + 1 from {SCHEMA}.runs").fetchone()[0]
        row = {**{name: None for name in RUN_COLUMNS}, **run, "run_id": next_run}
        placeholders = ", ".join("?" for _ in RUN_COLUMNS)
        connection.execute(f"insert into {SCHEMA}.runs ({', '.join(RUN_COLUMNS)}) values ({placeholders})",
                           [row[name] for name in RUN_COLUMNS])


@dataclass(frozen=True)
class LinkageRun:
    """The latest linkage run, as recorded in ``identity.runs``."""

    run_id: int
    finished_at: Any
    run_by: str
    threshold: float
    records: int
    persons: int
    households: int
    opted_out_records: int
    sources: list[dict[str, Any]]
    settings: dict[str, Any]
    summary: dict[str, Any]


def index_exists(workspace: Workspace) -> bool:
    """Whether ``townhall link`` has built the index in this workspace."""
    if not workspace.analytics.table_exists(SCHEMA, "runs"):
        return False
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(f"select count(*) from {SCHEMA}.runs").fetchone()[0] > 0


def latest_run(workspace: Workspace) -> LinkageRun:
    """The latest linkage run; raises IndexNotBuiltError when there has been none."""
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    with workspace.analytics.connect(read_only=True) as connection:
        present = {row[0] for row in connection.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = 'runs'",
            [SCHEMA]).fetchall()}
        selected = ", ".join(name if name in present else f"null as {name}" for name in RUN_COLUMNS)
        row = connection.execute(f"select {selected} from {SCHEMA}.runs order by run_id desc limit 1").fetchone()
    values = dict(zip(RUN_COLUMNS, row, strict=True))
    for name, empty in (("sources", "[]"), ("settings", "{}"), ("summary", "{}")):
        values[name] = json.loads(values[name] or empty)
    return LinkageRun(**values)


def left_out_records(workspace: Workspace) -> pd.DataFrame:
    """Every record the latest run left out of the index: source, record id, spreadsheet row and reason (people
    who opted out included, as 'opted out'); no personal values."""
    latest_run(workspace)  # raises IndexNotBuiltError before the first run
    parts = [f"select source, record_id, row_number, '{OPTED_OUT}' as reason from {SCHEMA}.opted_out"]
    if workspace.analytics.table_exists(SCHEMA, "left_out"):
        parts.insert(0, f"select source, record_id, row_number, reason from {SCHEMA}.left_out")
    return read_index(workspace, " union all ".join(parts) + " order by source, row_number")


FAILURE_FILE = Path("models") / "linkage" / "last-failure.json"


def record_failed_link(workspace: Workspace, error: BaseException) -> None:
    """Remember that a linkage run failed (when, and the message), so the index says it is out of date. Never
    raises: the run's own error is what the person needs to see."""
    try:
        path = workspace.path / FAILURE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        message = str(error) if isinstance(error, TownhallError) else type(error).__name__
        atomic_write_text(path, json.dumps({"failed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                            "message": message}))
    except Exception:
        pass


def clear_failed_link(workspace: Workspace) -> None:
    """Forget an earlier failed run once a run has succeeded."""
    (workspace.path / FAILURE_FILE).unlink(missing_ok=True)


@dataclass(frozen=True)
class IndexStatus:
    """Whether the person index is up to date with the sources, and if not, why, in plain English."""

    out_of_date: bool
    reasons: list[str]

    @property
    def message(self) -> str:
        """One sentence for a page, an export or a cohort: what is stale and what to do."""
        if not self.out_of_date:
            return ""
        return ("The person index is out of date: " + "; ".join(self.reasons)
                + ". Run 'townhall link' to bring it up to date.")


def index_status(workspace: Workspace) -> IndexStatus:
    """Compare the latest successful run with the catalogue (a source with a new version, a new source of people,
    a source removed) and with the last failed run. Quick: two small queries and one file."""
    reasons: list[str] = []
    failure = workspace.path / FAILURE_FILE
    if failure.exists():
        try:
            failed = json.loads(failure.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            failed = {}
        reasons.append(f"the last 'townhall link' failed ({failed.get('failed_at', 'time unknown')}: "
                       f"{failed.get('message', 'no message')}), so the index is from the run before")
    if not index_exists(workspace):
        return IndexStatus(bool(reasons), reasons)
    run = latest_run(workspace)
    linked_versions = run.summary.get("source_versions")
    if linked_versions is None:
        return IndexStatus(bool(reasons), reasons)
    with workspace.analytics.connect(read_only=True) as connection:
        current = dict(connection.execute("select name, version from catalogue.sources").fetchall())
        with_names = {row[0] for row in connection.execute(
            "select distinct source from catalogue.fields where tags like '%\"name\"%'").fetchall()}
    when = f"{run.finished_at:%d/%m/%Y %H:%M}" if hasattr(run.finished_at, "strftime") else str(run.finished_at)
    for name, version in sorted(current.items()):
        if name in linked_versions and version != linked_versions[name]:
            reasons.append(f"{name} has a new version (version {version}) since the last link on {when}")
        elif name not in linked_versions and name in with_names:
            reasons.append(f"{name} was registered since the last link on {when}")
    removed = sorted(set(linked_versions) - set(current))
    if removed:
        reasons.append(f"{', '.join(removed)} {'was' if len(removed) == 1 else 'were'} removed since the last link")
    return IndexStatus(bool(reasons), reasons)


def read_index(workspace: Workspace, query: str, parameters: list[Any] | None = None) -> pd.DataFrame:
    """Run a read-only query against the analytics store (index and source tables); raises if no index yet."""
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(query, parameters or []).df()


def opted_out_record_ids(workspace: Workspace, source: str) -> set[str]:
    """Record ids in one source that belong to people who opted out: leave them out of any output."""
    if not index_exists(workspace):
        return set()
    frame = read_index(workspace, f"select record_id from {SCHEMA}.opted_out where source = ?", [source])
    return set(frame["record_id"])


def age_on(date_of_birth: date | None, on: date) -> int | None:
    """Whole years of age on a date (None when the date of birth is unknown)."""
    if date_of_birth is None or pd.isna(date_of_birth):
        return None
    born = pd.Timestamp(date_of_birth).date()
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
