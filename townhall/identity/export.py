"""Export the person index as a CSV an analyst can open in Excel or load into another tool.

One row per linked source record: which source, the record's own id there, the person and household it belongs to,
and how sure the link is. No names, dates of birth or addresses: the departments' own systems hold those, and the
record ids are enough to join the index back to them. Opted-out people are never in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from townhall.errors import TownhallError
from townhall.identity.index import SCHEMA, IndexNotBuiltError, index_exists, index_status
from townhall.store import atomic_path

if TYPE_CHECKING:
    from townhall.workspace import Workspace

EXPORT_COLUMNS = ("source", "record_id", "person_id", "household_id", "link_confidence")

# Opted-out records are already absent from identity.records; the anti-join keeps them out even if that ever slips.
_EXPORT_QUERY = f"""
    select records.source, records.record_id, records.person_id, records.household_id,
           round(records.link_confidence, 4) as link_confidence
    from {SCHEMA}.records as records
    where not exists (select 1 from {SCHEMA}.opted_out as opted where opted.unique_id = records.unique_id)
    order by records.source, records.record_id
"""


@dataclass(frozen=True)
class IndexExport:
    """What an export wrote: the file and how many records, people, households and sources it holds."""

    path: Path
    records: int
    persons: int
    households: int
    sources: int
    out_of_date: str = ""  # said when a source changed or the last link failed since the index was built


def export_index(workspace: Workspace, target: Path | str, *, actor: str) -> IndexExport:
    """Write the index to ``target`` as CSV (atomically, so a failed export leaves any earlier file as it was).

    The export is audit-logged with its counts only. Raises IndexNotBuiltError before ``townhall link`` has run.
    """
    target = Path(target)
    if target.suffix.lower() != ".csv":
        raise TownhallError(f"The export is a CSV file: give a file name ending in .csv, not '{target.name}'.")
    if target.exists() and target.is_dir():
        raise TownhallError(f"{target} is a folder: give a file name ending in .csv for the export.")
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    with workspace.analytics.connect(read_only=True) as connection:
        records, persons, households, sources = connection.execute(
            f"select count(*), count(distinct person_id), count(distinct household_id), count(distinct source) "
            f"from ({_EXPORT_QUERY})"
        ).fetchone()  # type: ignore[misc]
        with atomic_path(target) as temporary:
            connection.execute(f"copy ({_EXPORT_QUERY}) to '{_sql_text(temporary)}' (format csv, header true)")
    export = IndexExport(path=target.resolve(), records=int(records), persons=int(persons),
                         households=int(households), sources=int(sources),
                         out_of_date=index_status(workspace).message)
    workspace.audit.record(actor, "identity.exported", target.name, details={
        "records": export.records, "persons": export.persons, "households": export.households,
        "sources": export.sources,
    })
    return export


def _sql_text(path: Path) -> str:
    """A file path as the inside of a SQL string literal."""
    return str(path).replace("'", "''")
