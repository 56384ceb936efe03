"""The audit log: an append-only record of who did or saw what, each entry hashed together with the one before.

Tampering with an entry changes its hash; deleting one breaks the chain; deleting the newest ones is caught by the
separately kept head (count and last hash). Details must never hold personal data: record ids and counts only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from townhall.store.state import AuditEntryRecord, AuditHeadRecord, StateStore

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One entry as read back from the log."""

    number: int
    recorded_at: str
    actor: str
    action: str
    subject: str
    purpose: str
    details: dict[str, Any]
    previous_hash: str
    entry_hash: str


@dataclass(frozen=True)
class AuditVerification:
    """The result of checking the chain: ``problems`` is empty when the log is intact."""

    entries_checked: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        """True when no entry was changed, removed or reordered."""
        return not self.problems


def _entry_hash(previous_hash: str, recorded_at: str, actor: str, action: str, subject: str, purpose: str,
                details_json: str) -> str:
    """The SHA-256 of an entry's fields together with the previous entry's hash."""
    payload = json.dumps(
        [previous_hash, recorded_at, actor, action, subject, purpose, details_json], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditLog:
    """Append to and read the workspace's audit log."""

    def __init__(self, state: StateStore) -> None:
        self._state = state

    def record(self, actor: str, action: str, subject: str = "", *, purpose: str = "",
               details: dict[str, Any] | None = None) -> AuditEntry:
        """Append one entry; the only way anything is written to the log."""
        details_json = json.dumps(details or {}, sort_keys=True, ensure_ascii=False, default=str)
        recorded_at = datetime.now(UTC).isoformat(timespec="microseconds")
        with self._state.session() as session:
            head = session.execute(select(AuditHeadRecord).with_for_update()).scalar_one_or_none()
            if head is None:
                head = AuditHeadRecord(id=1, entry_count=0, last_hash=GENESIS_HASH)
                session.add(head)
            previous_hash = head.last_hash
            entry_hash = _entry_hash(previous_hash, recorded_at, actor, action, subject, purpose, details_json)
            record = AuditEntryRecord(
                recorded_at=recorded_at, actor=actor, action=action, subject=subject, purpose=purpose,
                details=details_json, previous_hash=previous_hash, entry_hash=entry_hash,
            )
            session.add(record)
            head.entry_count += 1
            head.last_hash = entry_hash
            session.flush()
            return _to_entry(record)

    def entries(self, *, limit: int | None = None, action: str | None = None, actor: str | None = None,
                newest_first: bool = True) -> list[AuditEntry]:
        """Read entries, optionally filtered by action or actor."""
        query = select(AuditEntryRecord)
        if action:
            query = query.where(AuditEntryRecord.action == action)
        if actor:
            query = query.where(AuditEntryRecord.actor == actor)
        query = query.order_by(AuditEntryRecord.id.desc() if newest_first else AuditEntryRecord.id)
        if limit:
            query = query.limit(limit)
        with self._state.session() as session:
            return [_to_entry(record) for record in session.execute(query).scalars()]

    def verify(self) -> AuditVerification:
        """Walk the chain from the start and list every entry that was changed, removed or reordered."""
        problems: list[str] = []
        expected_previous = GENESIS_HASH
        count = 0
        with self._state.session() as session:
            head = session.execute(select(AuditHeadRecord)).scalar_one_or_none()
            records = session.execute(select(AuditEntryRecord).order_by(AuditEntryRecord.id)).scalars()
            for record in records:
                count += 1
                if record.previous_hash != expected_previous:
                    problems.append(
                        f"Entry {record.id} does not follow the entry before it: an entry was removed or reordered "
                        "just before it."
                    )
                recomputed = _entry_hash(record.previous_hash, record.recorded_at, record.actor, record.action,
                                         record.subject, record.purpose, record.details)
                if recomputed != record.entry_hash:
                    problems.append(f"Entry {record.id} ({record.action}) was changed after it was written.")
                expected_previous = record.entry_hash
            head_count = head.entry_count if head else 0
            head_hash = head.last_hash if head else GENESIS_HASH
        if head_count != count:
            problems.append(f"The log should hold {head_count} entries but holds {count}: entries were removed.")
        elif head_hash != expected_previous:
            problems.append("The newest entry is not the one last written: the end of the log was altered.")
        return AuditVerification(entries_checked=count, problems=problems)


def _to_entry(record: AuditEntryRecord) -> AuditEntry:
    return AuditEntry(
        number=record.id, recorded_at=record.recorded_at, actor=record.actor, action=record.action,
        subject=record.subject, purpose=record.purpose, details=json.loads(record.details or "{}"),
        previous_hash=record.previous_hash, entry_hash=record.entry_hash,
    )
