"""Tell us once: a resident's change of address, told to the council once and passed on to every system holding them.

``record_move`` checks the new address, keeps the move in application state, sets the person's current address in
the index, and writes one change notice per department listing the records it should update. ``townhall link``
rebuilds the index from the departments' records, so it calls ``apply_recorded_moves`` afterwards to put the recorded
moves back, finding each person by their source records rather than by person id (a re-link may change the ids).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from townhall.errors import AccessDeniedError, TownhallError
from townhall.identity.index import SCHEMA, IndexNotBuiltError, index_exists
from townhall.identity.standardise import parse_address, standardise_postcode, standardise_uprn
from townhall.store import atomic_write_bytes
from townhall.store.state import AddressChangeRecord

if TYPE_CHECKING:
    import duckdb

    from townhall.workspace import Workspace

NOTICES_FOLDER = Path("outputs") / "tell-us-once"
NOTICE_COLUMNS = ("change_reference", "source", "department", "record_id", "address_held_now", "new_address",
                  "new_postcode", "new_uprn", "effective_date", "action")
NO_OWNER = "Owner not recorded"
# How far ahead a move may be dated: people tell the council a few weeks before they go, rarely a year.
LATEST_EFFECTIVE_DAYS_AHEAD = 366

UPDATE_ADDRESS = "Update the address to the new address"
ALREADY_UP_TO_DATE = "No change needed: this record already holds the new address"
ADD_ADDRESS = "Add the new address, if this system keeps addresses"
WITHHELD_ACTION = ("Update the address. The address is withheld (the person may be at risk), so it is not in this "
                   "notice: ask Information Governance for it through a secure route, and do not contact the person "
                   "at the old address")

_POSTCODE_IN_TEXT = re.compile(r"\b[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\b")
_PART_BREAKS = re.compile(r"\s*[\n\r;]+\s*")
_PERSON_ID = re.compile(r"P-[A-Z0-9]{4,20}")


@dataclass(frozen=True)
class NewAddress:
    """A new address as checked: one tidy line ending in its postcode, the postcode ('AB1 2CD') and any UPRN."""

    address: str
    postcode: str
    uprn: str | None


@dataclass(frozen=True)
class AddressChange:
    """One recorded move, as kept in application state."""

    change_id: int
    person_id: str
    record_unique_ids: list[str]
    new_address: str
    postcode: str
    uprn: str | None
    effective_date: date
    address_withheld: bool
    recorded_by: str
    recorded_at: datetime

    @property
    def reference(self) -> str:
        """The reference departments quote back: 'TUO-12'."""
        return f"TUO-{self.change_id}"


@dataclass(frozen=True)
class ChangeNotice:
    """One department's notice: the file written and how many of its records need looking at."""

    department: str
    path: Path
    records: int
    sources: list[str]


@dataclass(frozen=True)
class MoveResult:
    """What recording a move did: the change kept and the notices written (in ``folder``)."""

    change: AddressChange
    notices: list[ChangeNotice]
    folder: Path


@dataclass(frozen=True)
class PersonToMove:
    """Who a move is for, as the move form shows them (the address left out when it is withheld from the viewer)."""

    person_id: str
    first_name: str | None
    surname: str | None
    date_of_birth: date | None
    address: str | None
    postcode: str | None
    address_withheld: bool
    record_count: int
    sources: list[str]


def check_new_address(address: str, *, postcode: str | None = None, uprn: str | None = None) -> NewAddress:
    """The new address checked and tidied; raises TownhallError in plain words when it is not usable.

    The postcode may be inside ``address`` or given apart; it must be a valid UK postcode either way. A UPRN, when
    given, must be a valid UPRN.
    """
    text = _PART_BREAKS.sub(", ", (address or "").strip())
    text = re.sub(r"\s+", " ", text).strip(" ,")
    parsed = parse_address(text)
    given = None
    if postcode is not None and postcode.strip():
        given = standardise_postcode(postcode)
        if given is None:
            raise TownhallError(f"'{postcode.strip()}' is not a valid UK postcode. Enter a postcode like AY1 4QT.")
    if given and parsed.postcode and parsed.postcode != given:
        raise TownhallError(f"The address contains the postcode {parsed.postcode} but the postcode given is {given}. "
                            "Check which one is right and enter it once.")
    chosen = given or parsed.postcode
    if chosen is None:
        raise TownhallError("The new address has no valid postcode. Add the postcode (like AY1 4QT): townhall needs "
                            "it to tell the departments which property the person has moved to.")
    if not (parsed.house_number or parsed.house_name or parsed.street):
        raise TownhallError("The new address needs its first line (house number or name, and street), not only a "
                            "postcode.")
    checked_uprn = None
    if uprn is not None and uprn.strip():
        checked_uprn = standardise_uprn(uprn)
        if checked_uprn is None:
            raise TownhallError(f"'{uprn.strip()}' is not a valid UPRN: a UPRN is a number of up to 12 digits. Leave "
                                "it out if you do not know it.")
    without_postcode = _POSTCODE_IN_TEXT.sub(
        lambda match: "" if standardise_postcode(match.group(0)) == chosen else match.group(0), text)
    line = re.sub(r"\s*,\s*(,\s*)*", ", ", without_postcode).strip(" ,")
    return NewAddress(address=f"{line} {chosen}" if line else chosen, postcode=chosen, uprn=checked_uprn)


def person_to_move(workspace: Workspace, person_id: str, *, show_withheld_address: bool = False) -> PersonToMove:
    """The person a move is for; raises TownhallError when the index holds nobody with that id (or they opted out)."""
    row = _person_row(workspace, _clean_person_id(person_id))
    withheld = bool(row["address_withheld"])
    hide = withheld and not show_withheld_address
    return PersonToMove(
        person_id=row["person_id"], first_name=row["first_name"], surname=row["surname"],
        date_of_birth=_as_date(row["date_of_birth"]), address=None if hide else row["address"],
        postcode=None if hide else row["postcode"], address_withheld=withheld,
        record_count=int(row["record_count"] or 0), sources=list(row["sources"] or []),
    )


def record_move(workspace: Workspace, person_id: str, address: str, *, recorded_by: str,
                postcode: str | None = None, uprn: str | None = None, effective_date: date | None = None,
                allow_withheld: bool = True) -> MoveResult:
    """Record that a person has moved: keep the move, set their current address in the index, write the notices.

    ``allow_withheld=False`` refuses people whose address is withheld (the web form passes it for everyone but
    governance officers). Their notices never contain an address. Audit-logged with counts, never the address.
    """
    new = check_new_address(address, postcode=postcode, uprn=uprn)
    today = date.today()
    effective = effective_date or today
    if effective > today + timedelta(days=LATEST_EFFECTIVE_DAYS_AHEAD):
        raise TownhallError("The date of the move is more than a year ahead. Record the move nearer the time.")
    if effective.year < 1900:
        raise TownhallError("The date of the move is before 1900. Check the date and enter it again.")
    person = _person_row(workspace, _clean_person_id(person_id))
    records = _person_records(workspace, person["person_id"])
    withheld = bool(person["address_withheld"]) or any(bool(value) for value in records["address_withheld"])
    if withheld and not allow_withheld:
        raise AccessDeniedError(
            "This person's address is withheld (for example because they may be at risk), so only an information "
            "governance officer can record their change of address. Ask your information governance team.")
    recorded_at = datetime.now(UTC)
    unique_ids = sorted(records["unique_id"])
    with workspace.state.session() as session:
        stored = AddressChangeRecord(
            person_id=person["person_id"], record_unique_ids=json.dumps(unique_ids), new_address=new.address,
            postcode=new.postcode, uprn=new.uprn, effective_date=effective, address_withheld=withheld,
            recorded_by=recorded_by, recorded_at=recorded_at)
        session.add(stored)
        session.flush()
        change = _to_change(stored)
        # The index is updated inside the state transaction: if either store fails, neither keeps the move.
        with workspace.analytics.transaction() as connection:
            _apply(connection, _stored_moves(session))  # the new move is flushed, so it is among them
    notices, folder = write_change_notices(workspace, change)
    workspace.audit.record(recorded_by, "identity.address_changed", change.person_id, details={
        "change": change.reference, "records": len(unique_ids), "departments": len(notices),
        "address_withheld": withheld, "uprn_given": new.uprn is not None,
    })
    return MoveResult(change=change, notices=notices, folder=folder)


def recorded_moves(workspace: Workspace, person_id: str | None = None) -> list[AddressChange]:
    """Moves recorded so far, oldest first; only one person's when ``person_id`` is given."""
    with workspace.state.session() as session:
        moves = _stored_moves(session)
    return [move for move in moves if person_id is None or move.person_id == person_id]


def recorded_move(workspace: Workspace, change_id: int) -> AddressChange:
    """One recorded move by its number (the N of its reference TUO-N); raises TownhallError when there is none."""
    with workspace.state.session() as session:
        record = session.get(AddressChangeRecord, int(change_id))
        if record is None:
            raise TownhallError(f"There is no recorded change of address TUO-{change_id}.")
        return _to_change(record)


def apply_recorded_moves(workspace: Workspace) -> int:
    """Set each person's current address to their latest recorded move; returns how many people it set.

    Called after each linkage run, which rebuilds ``identity.persons`` from the source records. A move is matched
    to today's people by its source records, so it survives a re-link that changes person ids. Safe to run again.
    """
    if not index_exists(workspace):
        return 0
    moves = recorded_moves(workspace)
    if not moves:
        return 0
    with workspace.analytics.transaction() as connection:
        return _apply(connection, moves)


def write_change_notices(workspace: Workspace, change: AddressChange) -> tuple[list[ChangeNotice], Path]:
    """Write one CSV per department for a recorded move, in outputs/tell-us-once/<date>-<person>/ (atomically).

    One row per source record of the person that the index still holds. A later move of the same person recorded
    on the same day (a correction) replaces that day's notices.
    """
    folder = notice_folder(workspace, change)
    rows = _notice_rows(workspace, change)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_file.setdefault(department_file_name(row["department"]), []).append(row)
    notices = []
    for file_name, department_rows in sorted(by_file.items()):
        path = folder / file_name
        atomic_write_bytes(path, _csv_bytes(department_rows))
        notices.append(ChangeNotice(department=department_rows[0]["department"], path=path,
                                    records=len(department_rows),
                                    sources=sorted({row["source"] for row in department_rows})))
    if folder.exists():
        for stale in folder.glob("*.csv"):
            if stale.name not in by_file:
                stale.unlink()
    return notices, folder


def notice_folder(workspace: Workspace, change: AddressChange) -> Path:
    """Where a move's notices are: outputs/tell-us-once/<date recorded>-<person id>/."""
    return workspace.path / NOTICES_FOLDER / f"{change.recorded_at:%Y-%m-%d}-{change.person_id}"


def department_file_name(department: str) -> str:
    """A department's notice file name: "Children's Services" -> 'childrens-services.csv'."""
    slug = re.sub(r"[^a-z0-9]+", "-", department.lower().replace("'", "").replace("’", "")).strip("-")
    return f"{slug or 'department'}.csv"


# --- helpers ------------------------------------------------------------------------------------------------------


def _clean_person_id(person_id: str) -> str:
    """A person id as the index writes it ('p-abc' -> 'P-ABC'); a plain error for anything else."""
    cleaned = (person_id or "").strip().upper()
    if not _PERSON_ID.fullmatch(cleaned):
        raise TownhallError(f"'{(person_id or '').strip()}' is not a person id. Person ids look like P-3F9A2C71D0: "
                            "copy it from the person's page or the index export.")
    return cleaned


def _not_in_index(person_id: str) -> TownhallError:
    return TownhallError(
        f"There is nobody with the person id {person_id} in the index. Check the id on the person's page. People "
        "who opted out of data sharing are not in the index, so their change of address cannot be recorded here: "
        "each department must be told directly.")


def _person_row(workspace: Workspace, person_id: str) -> dict[str, Any]:
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    with workspace.analytics.connect(read_only=True) as connection:
        cursor = connection.execute(
            f"select person_id, first_name, surname, date_of_birth, address, postcode, uprn, address_withheld, "
            f"record_count, sources from {SCHEMA}.persons where person_id = ?", [person_id])
        names = [column[0] for column in cursor.description]
        found = cursor.fetchone()
    if found is None:
        raise _not_in_index(person_id)
    return dict(zip(names, found, strict=True))


def _person_records(workspace: Workspace, person_id: str) -> pd.DataFrame:
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(
            f"select unique_id, source, record_id, address, address_withheld from {SCHEMA}.records "
            "where person_id = ? order by source, record_id", [person_id]).df()


def _as_date(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _to_change(record: AddressChangeRecord) -> AddressChange:
    return AddressChange(
        change_id=record.id, person_id=record.person_id, record_unique_ids=json.loads(record.record_unique_ids),
        new_address=record.new_address, postcode=record.postcode, uprn=record.uprn,
        effective_date=record.effective_date, address_withheld=bool(record.address_withheld),
        recorded_by=record.recorded_by, recorded_at=record.recorded_at)


def _stored_moves(session: Any) -> list[AddressChange]:
    records = session.execute(select(AddressChangeRecord).order_by(AddressChangeRecord.id)).scalars()
    return [_to_change(record) for record in records]


def _apply(connection: duckdb.DuckDBPyConnection, moves: list[AddressChange]) -> int:
    """Set each matched person's address to their latest move (by date of the move, then when it was recorded)."""
    rows = [
        {"change_id": move.change_id, "unique_id": unique_id, "new_address": move.new_address,
         "postcode": move.postcode, "uprn": move.uprn, "effective_date": move.effective_date,
         "recorded_at": pd.Timestamp(move.recorded_at).tz_localize(None) if pd.Timestamp(move.recorded_at).tzinfo
         else pd.Timestamp(move.recorded_at)}
        for move in moves for unique_id in move.record_unique_ids
    ]
    if not rows:
        return 0
    frame = pd.DataFrame(rows).astype({"change_id": "int64", "uprn": "object"})
    connection.register("_recorded_moves", frame)
    try:
        latest = connection.execute(f"""
            select records.person_id, moves.new_address, moves.postcode, moves.uprn
            from {SCHEMA}.records as records join _recorded_moves as moves on moves.unique_id = records.unique_id
            qualify row_number() over (partition by records.person_id
                                       order by moves.effective_date desc, moves.recorded_at desc,
                                                moves.change_id desc) = 1
        """).df()
    finally:
        connection.unregister("_recorded_moves")
    if latest.empty:
        return 0
    connection.register("_latest_moves", latest)
    try:
        connection.execute(f"""
            update {SCHEMA}.persons set address = moved.new_address, postcode = moved.postcode,
                   uprn = cast(moved.uprn as varchar)
            from _latest_moves as moved where {SCHEMA}.persons.person_id = moved.person_id
        """)
    finally:
        connection.unregister("_latest_moves")
    return len(latest)


def _notice_rows(workspace: Workspace, change: AddressChange) -> list[dict[str, Any]]:
    """One notice row per record of the move that the index still holds, with the department that owns it."""
    owners = {summary.name: summary.owner for summary in workspace.catalogue.list_sources()}
    with workspace.analytics.connect(read_only=True) as connection:
        records = connection.execute(
            f"select unique_id, source, record_id, address, postcode, uprn from {SCHEMA}.records "
            "where list_contains(?, unique_id) order by source, record_id", [change.record_unique_ids]).df()
    rows = []
    for record in records.itertuples(index=False):
        held = record.address if isinstance(record.address, str) and record.address.strip() else ""
        if change.address_withheld:
            action, held, new_address, postcode, uprn = WITHHELD_ACTION, "", "", "", ""
        else:
            new_address, postcode, uprn = change.new_address, change.postcode, change.uprn or ""
            if not held:
                action = ADD_ADDRESS
            elif _same_place(held, record.postcode, record.uprn, change):
                action = ALREADY_UP_TO_DATE
            else:
                action = UPDATE_ADDRESS
        rows.append({
            "change_reference": change.reference, "source": record.source,
            "department": (owners.get(record.source) or "").strip() or NO_OWNER, "record_id": record.record_id,
            "address_held_now": held, "new_address": new_address, "new_postcode": postcode, "new_uprn": uprn,
            "effective_date": change.effective_date.isoformat(), "action": action,
        })
    return rows


def _same_place(held: str, held_postcode: Any, held_uprn: Any, change: AddressChange) -> bool:
    """Whether a record's address is already the new one: the same UPRN, or the same flat, house and street at the
    same postcode (the record's postcode may sit in its own field rather than in the address text)."""
    if isinstance(held_uprn, str) and held_uprn and change.uprn:
        return held_uprn == change.uprn
    old, new = parse_address(held), parse_address(change.new_address)
    postcode = held_postcode if isinstance(held_postcode, str) and held_postcode else old.postcode
    return (postcode == change.postcode and new.street is not None
            and (old.flat, old.house_number or old.house_name, old.street)
            == (new.flat, new.house_number or new.house_name, new.street))


def _safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet will not run as a formula ('=...' becomes "'=...")."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """The notice as CSV with a byte-order mark, so Excel opens names and addresses with accents correctly."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=NOTICE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({name: _safe_cell(value) for name, value in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
