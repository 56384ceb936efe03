"""The audit log is append-only and any tampering or deletion is found by verify."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError

from townhall.workspace import Workspace


def _write_entries(workspace: Workspace, count: int) -> None:
    for number in range(count):
        workspace.audit.record("alice", "person.viewed", f"P{number:05d}", purpose="early help",
                               details={"source_count": number})


def _raw_connection(workspace: Workspace) -> sqlite3.Connection:
    """An attacker with file access: drops the guards first, as a determined one would."""
    connection = sqlite3.connect(workspace.path / "app.db")
    connection.execute("drop trigger audit_log_no_update")
    connection.execute("drop trigger audit_log_no_delete")
    return connection


def test_a_fresh_log_with_entries_verifies_as_intact(workspace: Workspace) -> None:
    _write_entries(workspace, 5)
    result = workspace.audit.verify()
    assert result.intact, result.problems
    assert result.entries_checked == 6  # five plus workspace.created


def test_entries_are_chained_each_to_the_one_before(workspace: Workspace) -> None:
    _write_entries(workspace, 3)
    entries = workspace.audit.entries(newest_first=False)
    for earlier, later in itertools.pairwise(entries):
        assert later.previous_hash == earlier.entry_hash
    assert entries[0].previous_hash == "0" * 64


def test_the_database_refuses_to_update_or_delete_entries(workspace: Workspace) -> None:
    _write_entries(workspace, 2)
    with pytest.raises(DBAPIError, match="append-only"), workspace.state.engine.begin() as connection:
        connection.exec_driver_sql("update audit_log set actor = 'mallory' where id = 2")
    with pytest.raises(DBAPIError, match="append-only"), workspace.state.engine.begin() as connection:
        connection.exec_driver_sql("delete from audit_log where id = 2")
    assert workspace.audit.verify().intact


def test_verify_finds_a_changed_entry(workspace: Workspace) -> None:
    _write_entries(workspace, 5)
    with _raw_connection(workspace) as connection:
        connection.execute("update audit_log set subject = 'P99999' where id = 3")
    result = workspace.audit.verify()
    assert not result.intact
    assert any("Entry 3" in problem and "changed" in problem for problem in result.problems)


def test_verify_finds_a_deleted_entry_in_the_middle(workspace: Workspace) -> None:
    _write_entries(workspace, 5)
    with _raw_connection(workspace) as connection:
        connection.execute("delete from audit_log where id = 3")
    result = workspace.audit.verify()
    assert not result.intact
    assert any("Entry 4" in problem and "removed" in problem for problem in result.problems)


def test_verify_finds_the_newest_entry_deleted(workspace: Workspace) -> None:
    _write_entries(workspace, 5)
    with _raw_connection(workspace) as connection:
        connection.execute("delete from audit_log where id = (select max(id) from audit_log)")
    result = workspace.audit.verify()
    assert not result.intact
    assert any("should hold 6 entries but holds 5" in problem for problem in result.problems)


def test_verify_finds_a_rewritten_chain_whose_head_was_not_updated(workspace: Workspace) -> None:
    _write_entries(workspace, 3)
    with _raw_connection(workspace) as connection:
        connection.execute("update audit_log set entry_hash = 'f' || substr(entry_hash, 2) where id = 4")
    assert not workspace.audit.verify().intact


def test_entries_can_be_filtered_by_action_and_actor(workspace: Workspace) -> None:
    _write_entries(workspace, 3)
    workspace.audit.record("bob", "source.registered", "council_tax")
    assert [entry.subject for entry in workspace.audit.entries(action="source.registered")] == ["council_tax"]
    assert len(workspace.audit.entries(actor="alice")) == 3
    assert len(workspace.audit.entries(limit=2)) == 2
