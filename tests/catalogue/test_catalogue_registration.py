"""Registering sources: storage, versions, all-or-nothing failure, and what the audit log does (and never) holds."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

import townhall.catalogue.catalogue as catalogue_module
from townhall.catalogue import Catalogue
from townhall.errors import InputFileError, TownhallError
from townhall.workspace import Workspace

PEOPLE = """person_id,forename,surname,date_of_birth,postcode,nhs_number,email,visits
P1,Priyanka,Oyelaran,14/07/1961,M15 4AB,9434765919,priyanka.o@example.org,3
P2,Siobhan,Kowalczyk,02/11/1990,M16 9QQ,4010232137,s.kowalczyk@example.org,1
P3,Tomasz,Achterberg,30/06/1948,WA15 8XY,4505577104,tomasz@example.org,7
"""
PERSONAL_VALUES = ["Priyanka", "Oyelaran", "Siobhan", "Kowalczyk", "Tomasz", "Achterberg", "14/07/1961",
                   "1961-07-14", "M15 4AB", "WA15 8XY", "9434765919", "4010232137", "priyanka.o@example.org"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def table_exists(workspace: Workspace, name: str) -> bool:
    return workspace.analytics.table_exists("sources", name)


def catalogue_rows(workspace: Workspace, name: str) -> tuple[int, int, int]:
    """Rows about ``name`` in the catalogue's sources, fields and failing_rows tables."""
    if not workspace.analytics.table_exists("catalogue", "sources"):
        return (0, 0, 0)
    with workspace.analytics.connect(read_only=True) as connection:
        counts = [connection.execute(f"SELECT count(*) FROM catalogue.{table} WHERE {column} = ?", [name])
                  .fetchone()[0] for table, column in (("sources", "name"), ("fields", "source"),
                                                       ("failing_rows", "source"))]
    return (counts[0], counts[1], counts[2])


def files_under(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_registration_stores_rows_metadata_and_a_read_only_copy(workspace: Workspace, tmp_path: Path) -> None:
    original = write(tmp_path, "people.csv", PEOPLE)
    steps: list[tuple[str, float]] = []
    source = workspace.catalogue.add_source(original, "people", owner="Adult social care",
                                            description="Clients known to adult social care", actor="analyst",
                                            progress=lambda step, done: steps.append((step, done)))
    assert source.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
    copy = workspace.path / "sources" / "people" / "v1-people.csv"
    assert copy.read_bytes() == original.read_bytes()
    assert not copy.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert files_under(workspace.path / "sources") == ["v1-people.csv"]
    assert source.registered_by == "analyst" and source.description == "Clients known to adult social care"
    assert [done for _step, done in steps] == sorted(done for _step, done in steps) and steps[-1] == ("done", 1.0)
    assert workspace.catalogue.table_name("people") == 'sources."people"'
    with workspace.analytics.connect(read_only=True) as connection:
        columns = [row[0] for row in connection.execute('DESCRIBE sources."people"').fetchall()]
        assert columns[0] == "_row_number" and columns[1:] == [field.name for field in source.field_profiles]
        assert connection.execute('SELECT _row_number, forename, visits FROM sources."people" ORDER BY 1')\
            .fetchall() == [(2, "Priyanka", 3), (3, "Siobhan", 1), (4, "Tomasz", 7)]
    assert catalogue_rows(workspace, "people")[:2] == (1, 8)
    assert [summary.name for summary in workspace.catalogue.list_sources()] == ["people"]
    assert not list(workspace.path.glob(".townhall-*"))


def test_list_sources_is_empty_before_anything_is_registered(workspace: Workspace) -> None:
    assert workspace.catalogue.list_sources() == []
    with pytest.raises(TownhallError, match="no sources are registered yet"):
        workspace.catalogue.get_source("people")


def test_an_unknown_source_names_the_known_ones(workspace: Workspace, tmp_path: Path) -> None:
    workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people")
    workspace.catalogue.add_source(write(tmp_path, "more.csv", PEOPLE), "more_people")
    for call in (lambda: workspace.catalogue.get_source("peeple"), lambda: workspace.catalogue.table_name("peeple"),
                 lambda: workspace.catalogue.failing_rows("peeple", "postcode")):
        with pytest.raises(TownhallError, match="Known sources: more_people, people"):
            call()


@pytest.mark.parametrize("name", ["People", "council tax", "2024_tax", "tax-2024", "", "_tax", "a" * 64])
def test_source_names_must_be_lower_snake_case(workspace: Workspace, tmp_path: Path, name: str) -> None:
    with pytest.raises(TownhallError, match="lower-case letters, digits and underscores"):
        workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), name)


def test_an_existing_name_is_refused_without_replace(workspace: Workspace, tmp_path: Path) -> None:
    workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people")
    with pytest.raises(TownhallError, match=r"already registered .version 1, from people.csv.*--replace"):
        workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people")


def test_replace_makes_a_new_version_keeps_the_old_copy_and_confirmed_tags(workspace: Workspace,
                                                                            tmp_path: Path) -> None:
    workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people")
    workspace.catalogue.set_field_tags("people", "visits", ["identifier"], actor="analyst")
    workspace.catalogue.confirm_tags("people", actor="analyst")
    newer = PEOPLE + "P4,Ewa,Nowak,01/01/2001,M1 1AE,,ewa@example.org,2\n"
    second = workspace.catalogue.add_source(write(tmp_path, "people_april.csv", newer), "people", replace=True)
    assert second.version == 2 and second.rows == 4 and second.file_name == "people_april.csv"
    assert files_under(workspace.path / "sources" / "people") == ["v1-people.csv", "v2-people_april.csv"]
    assert second.field_profile("visits").tags == ["identifier"] and second.field_profile("visits").tags_confirmed
    assert second.field_profile("visits").data_type == "text"    # a confirmed id stays text
    assert second.tags_confirmed
    assert [summary.version for summary in workspace.catalogue.list_sources()] == [2]


def _assert_nothing_registered(workspace: Workspace, name: str) -> None:
    assert not table_exists(workspace, name)
    assert catalogue_rows(workspace, name) == (0, 0, 0)
    assert not (workspace.path / "sources" / name).exists()
    assert not list(workspace.path.glob(".townhall-*"))


def test_bad_input_leaves_nothing_half_registered(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        workspace.catalogue.add_source(write(tmp_path, "ragged.csv", "a,b\n1,2\n3\n"), "ragged")
    _assert_nothing_registered(workspace, "ragged")
    assert workspace.audit.entries(action="source.registered") == []


def test_a_failing_replace_leaves_the_earlier_version_intact(workspace: Workspace, tmp_path: Path) -> None:
    first = workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people")
    with pytest.raises(InputFileError, match="line 3"):
        workspace.catalogue.add_source(write(tmp_path, "broken.csv", "a,b\n1,2\n3\n"), "people", replace=True)
    kept = workspace.catalogue.get_source("people")
    assert (kept.version, kept.rows, kept.sha256) == (1, 3, first.sha256)
    assert files_under(workspace.path / "sources" / "people") == ["v1-people.csv"]
    with workspace.analytics.connect(read_only=True) as connection:
        assert connection.execute('SELECT count(*) FROM sources."people"').fetchone() == (3,)


def test_a_failure_inside_the_database_transaction_rolls_everything_back(workspace: Workspace, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people")

    def fail_after_renaming(source: Path, target: Path) -> None:
        os.rename(source, target)       # the copy is in place ...
        raise OSError("disk full")      # ... and then the transaction fails before it commits

    monkeypatch.setattr(catalogue_module.os, "replace", fail_after_renaming)
    with pytest.raises(OSError, match="disk full"):
        workspace.catalogue.add_source(write(tmp_path, "people2.csv", PEOPLE + "P4,A,B,,,,,1\n"), "people",
                                       replace=True)
    with pytest.raises(OSError, match="disk full"):
        workspace.catalogue.add_source(write(tmp_path, "other.csv", PEOPLE), "other")
    monkeypatch.undo()
    assert files_under(workspace.path / "sources" / "people") == ["v1-people.csv"]
    kept = workspace.catalogue.get_source("people")
    assert (kept.version, kept.rows, kept.sha256) == (1, 3, first.sha256)
    _assert_nothing_registered(workspace, "other")
    assert len(workspace.audit.entries(action="source.registered")) == 1


def test_registration_and_tag_changes_are_audited(workspace: Workspace, tmp_path: Path) -> None:
    source = workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people", actor="analyst")
    workspace.catalogue.set_field_tags("people", "visits", ["identifier"], actor="officer")
    workspace.catalogue.confirm_tags("people", actor="officer")
    registered = workspace.audit.entries(action="source.registered")
    assert len(registered) == 1
    entry = registered[0]
    assert (entry.actor, entry.subject) == ("analyst", "people")
    assert entry.details == {"version": 1, "rows": 3, "fields": 8, "sha256": source.sha256, "file_format": "csv",
                             "replaced": False}
    changes = workspace.audit.entries(action="source.tags_changed", newest_first=False)
    assert [change.details for change in changes] == [
        {"field": "visits", "tags": ["identifier"], "previous_tags": []},
        {"confirmed_all": True, "fields_newly_confirmed": 7},
    ]
    assert workspace.audit.verify().intact


def test_registration_never_writes_personal_values_into_the_audit_log(workspace: Workspace, tmp_path: Path) -> None:
    workspace.catalogue.add_source(write(tmp_path, "people.csv", PEOPLE), "people", actor="analyst")
    workspace.catalogue.set_field_tags("people", "forename", ["name"], actor="analyst")
    workspace.catalogue.confirm_tags("people", actor="analyst")
    with pytest.raises(InputFileError):
        workspace.catalogue.add_source(write(tmp_path, "bad.csv", "name,dob\nPriyanka Oyelaran,14/07/1961,x\n"),
                                       "bad")
    everything = json.dumps([vars(entry) for entry in workspace.audit.entries()], default=str)
    leaked = [value for value in PERSONAL_VALUES if value.lower() in everything.lower()]
    assert leaked == []


def test_a_bad_file_error_names_the_file_as_given_not_the_copy(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        workspace.catalogue.add_source(write(tmp_path, "odd.csv", "a,b\n1,2\n3,4,5\n"), "odd")
    assert caught.value.file == str(tmp_path / "odd.csv")
    assert ".partial" not in str(caught.value)


def test_the_catalogue_is_the_workspace_namespace(workspace: Workspace) -> None:
    assert isinstance(workspace.catalogue, Catalogue)
    assert workspace.catalogue is workspace.catalogue
