"""Tell us once: a change of address checked, kept, applied to the index, passed to each department, and kept when
the index is rebuilt."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from townhall.errors import AccessDeniedError, TownhallError
from townhall.identity.index import SCHEMA, read_index
from townhall.identity.tell_us_once import (
    ALREADY_UP_TO_DATE,
    NOTICE_COLUMNS,
    UPDATE_ADDRESS,
    apply_recorded_moves,
    check_new_address,
    department_file_name,
    record_move,
    recorded_moves,
)
from townhall.store.state import AddressChangeRecord
from townhall.workspace import Workspace

NEW_ADDRESS = "Flat 3, 27 Quarry Lane, Ashbury"
NEW_POSTCODE = "AY9 8ZX"


def _person_with_several_departments(workspace: Workspace) -> str:
    """A person whose address is not withheld, with records in at least two sources."""
    return read_index(workspace, f"""
        select person_id from {SCHEMA}.persons
        where not address_withheld and len(sources) >= 2 and address is not null
        order by record_count desc, person_id limit 1""")["person_id"][0]


def _withheld_person(workspace: Workspace) -> str:
    """A person with records in two sources, flagged as the vulnerability register flags someone fleeing abuse."""
    person_id = _person_with_several_departments(workspace)
    with workspace.analytics.transaction() as connection:
        connection.execute(f"update {SCHEMA}.records set address_withheld = true where person_id = ?", [person_id])
        connection.execute(f"update {SCHEMA}.persons set address_withheld = true where person_id = ?", [person_id])
    return person_id


def _current_address(workspace: Workspace, person_id: str) -> tuple[str, str, str | None]:
    row = read_index(workspace, f"select address, postcode, uprn from {SCHEMA}.persons where person_id = ?",
                     [person_id]).iloc[0]
    return row["address"], row["postcode"], row["uprn"]


def _read_notice(path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- checking the new address --------------------------------------------------------------------------------------


def test_a_new_address_is_tidied_to_one_line_ending_in_its_standard_postcode() -> None:
    checked = check_new_address("Flat 2,\n14 Mill Rd;  Ashbury ay14qt")
    assert checked.address == "Flat 2, 14 Mill Rd, Ashbury AY1 4QT"
    assert checked.postcode == "AY1 4QT"
    assert checked.uprn is None


def test_the_postcode_may_be_given_apart_from_the_address_with_a_uprn() -> None:
    checked = check_new_address("14 Mill Road, Ashbury", postcode="ay1-4qt", uprn="000100023336956")
    assert (checked.address, checked.postcode, checked.uprn) == ("14 Mill Road, Ashbury AY1 4QT", "AY1 4QT",
                                                                  "100023336956")


@pytest.mark.parametrize(("address", "postcode", "uprn", "message"), [
    ("14 Mill Road, Ashbury", None, None, "no valid postcode"),
    ("14 Mill Road, Ashbury XX", None, None, "no valid postcode"),
    ("14 Mill Road", "NOT A CODE", None, "not a valid UK postcode"),
    ("AY1 4QT", None, None, "needs its first line"),
    ("14 Mill Road AY1 4QT", "AY2 2AB", None, "contains the postcode AY1 4QT but the postcode given is AY2 2AB"),
    ("14 Mill Road AY1 4QT", None, "12ab", "not a valid UPRN"),
])
def test_an_unusable_new_address_is_refused_in_plain_words(address: str, postcode: str | None, uprn: str | None,
                                                           message: str) -> None:
    with pytest.raises(TownhallError, match=message):
        check_new_address(address, postcode=postcode, uprn=uprn)


def test_department_file_names_are_plain_and_safe() -> None:
    assert department_file_name("Children's Services") == "childrens-services.csv"
    assert department_file_name("Fire and Rescue / Ambulance Service") == "fire-and-rescue-ambulance-service.csv"
    assert department_file_name("../..") == "department.csv"


# --- recording a move ----------------------------------------------------------------------------------------------


def test_recording_a_move_updates_the_index_keeps_the_move_and_writes_a_notice_per_department(
        linked_demo: Workspace) -> None:
    person_id = _person_with_several_departments(linked_demo)
    records = read_index(linked_demo, f"select unique_id, source, record_id, address from {SCHEMA}.records "
                                      "where person_id = ? order by unique_id", [person_id])
    owners = {source.name: source.owner for source in linked_demo.catalogue.list_sources()}
    moved_on = date.today() - timedelta(days=3)

    result = record_move(linked_demo, person_id.lower(), NEW_ADDRESS, postcode=NEW_POSTCODE, uprn="100023336956",
                         effective_date=moved_on, recorded_by="pat.practitioner")

    assert _current_address(linked_demo, person_id) == (f"{NEW_ADDRESS} {NEW_POSTCODE}", NEW_POSTCODE,
                                                        "100023336956")
    with linked_demo.state.session() as session:
        stored = session.execute(select(AddressChangeRecord)).scalars().all()
        assert [(move.person_id, move.postcode, move.effective_date, move.recorded_by) for move in stored] == [
            (person_id, NEW_POSTCODE, moved_on, "pat.practitioner")]
    assert result.change.record_unique_ids == list(records["unique_id"])
    assert result.folder == linked_demo.path / "outputs" / "tell-us-once" / f"{date.today():%Y-%m-%d}-{person_id}"

    departments = {owners[source] for source in records["source"]}
    assert {notice.department for notice in result.notices} == departments
    assert len(result.notices) >= 1
    rows = []
    for notice in result.notices:
        assert notice.path.parent == result.folder
        assert notice.path.name == department_file_name(notice.department)
        notice_rows = _read_notice(notice.path)
        assert list(notice_rows[0]) == list(NOTICE_COLUMNS)
        assert {row["department"] for row in notice_rows} == {notice.department}
        assert len(notice_rows) == notice.records
        rows.extend(notice_rows)
    assert sorted((row["source"], row["record_id"]) for row in rows) == sorted(
        zip(records["source"], records["record_id"], strict=True))
    for row in rows:
        assert row["new_address"] == f"{NEW_ADDRESS} {NEW_POSTCODE}"
        assert row["new_uprn"] == "100023336956"
        assert row["effective_date"] == moved_on.isoformat()
        assert row["change_reference"] == result.change.reference
    assert UPDATE_ADDRESS in {row["action"] for row in rows}
    held = {(row["source"], row["record_id"]): row["address_held_now"] for row in rows}
    for record in records.itertuples():
        assert held[(record.source, record.record_id)] == (record.address if isinstance(record.address, str) else "")
    assert not list(result.folder.glob("*.partial"))


def test_a_move_is_audit_logged_with_counts_and_never_the_address(linked_demo: Workspace) -> None:
    person_id = _person_with_several_departments(linked_demo)
    result = record_move(linked_demo, person_id, f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="pat.practitioner")
    entry = linked_demo.audit.entries(action="identity.address_changed")[0]
    assert (entry.actor, entry.subject) == ("pat.practitioner", person_id)
    assert entry.details["change"] == result.change.reference
    assert entry.details["records"] == len(result.change.record_unique_ids)
    assert entry.details["departments"] == len(result.notices)
    logged = repr(entry)
    for personal in ("Quarry", NEW_POSTCODE, "Ashbury"):
        assert personal not in logged


def test_a_record_that_already_holds_the_new_address_is_marked_as_needing_no_change(linked_demo: Workspace) -> None:
    person_id = _person_with_several_departments(linked_demo)
    held = read_index(linked_demo, f"select address, postcode from {SCHEMA}.records where person_id = ? and address "
                                   "is not null and postcode is not null order by unique_id limit 1", [person_id])
    result = record_move(linked_demo, person_id, held["address"][0], postcode=held["postcode"][0],
                         recorded_by="pat.practitioner")
    actions = [row["action"] for notice in result.notices for row in _read_notice(notice.path)]
    assert ALREADY_UP_TO_DATE in actions


def test_people_not_in_the_index_cannot_be_moved_and_the_message_says_why(linked_demo: Workspace) -> None:
    with pytest.raises(TownhallError, match="opted out of data sharing are not in the index"):
        record_move(linked_demo, "P-0000000000", f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="pat.practitioner")
    with pytest.raises(TownhallError, match="is not a person id"):
        record_move(linked_demo, "Jane Smith", f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="pat.practitioner")
    assert recorded_moves(linked_demo) == []


def test_a_move_dated_more_than_a_year_ahead_is_refused(linked_demo: Workspace) -> None:
    person_id = _person_with_several_departments(linked_demo)
    with pytest.raises(TownhallError, match="more than a year ahead"):
        record_move(linked_demo, person_id, f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="pat.practitioner",
                    effective_date=date.today() + timedelta(days=400))


def test_a_withheld_address_person_is_moved_only_when_allowed_and_their_notices_hold_no_address(
        linked_demo: Workspace) -> None:
    person_id = _withheld_person(linked_demo)
    old_address, _old_postcode, _ = _current_address(linked_demo, person_id)
    with pytest.raises(AccessDeniedError, match="only an information governance officer"):
        record_move(linked_demo, person_id, f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="pat.practitioner",
                    allow_withheld=False)
    assert recorded_moves(linked_demo) == []

    result = record_move(linked_demo, person_id, f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="gina.governance")
    assert result.change.address_withheld
    withheld_flag = read_index(linked_demo, f"select address_withheld from {SCHEMA}.persons where person_id = ?",
                               [person_id])["address_withheld"][0]
    assert withheld_flag  # the move does not lift the protection
    assert result.notices
    for notice in result.notices:
        text = notice.path.read_text(encoding="utf-8-sig")
        assert "Quarry" not in text and NEW_POSTCODE not in text
        if old_address:
            assert old_address not in text
        for row in _read_notice(notice.path):
            assert row["address_held_now"] == row["new_address"] == row["new_postcode"] == ""
            assert "Information Governance" in row["action"]


# --- keeping moves across re-links ---------------------------------------------------------------------------------


def test_recorded_moves_are_put_back_after_a_relink_that_changes_person_ids(linked_demo: Workspace) -> None:
    person_id = _person_with_several_departments(linked_demo)
    original = _current_address(linked_demo, person_id)
    record_move(linked_demo, person_id, f"{NEW_ADDRESS} {NEW_POSTCODE}", recorded_by="pat.practitioner")
    # What a re-link does to this person: new person id, address taken from the source records again.
    with linked_demo.analytics.transaction() as connection:
        connection.execute(f"update {SCHEMA}.records set person_id = 'P-RELINKED01' where person_id = ?", [person_id])
        connection.execute(f"update {SCHEMA}.persons set person_id = 'P-RELINKED01', address = ?, postcode = ?, "
                           "uprn = ? where person_id = ?", [*original, person_id])

    assert apply_recorded_moves(linked_demo) == 1
    assert _current_address(linked_demo, "P-RELINKED01") == (f"{NEW_ADDRESS} {NEW_POSTCODE}", NEW_POSTCODE, None)
    assert apply_recorded_moves(linked_demo) == 1  # running it again changes nothing
    assert _current_address(linked_demo, "P-RELINKED01") == (f"{NEW_ADDRESS} {NEW_POSTCODE}", NEW_POSTCODE, None)
    others = read_index(linked_demo, f"select count(*) as moved from {SCHEMA}.persons where postcode = ?",
                        [NEW_POSTCODE])["moved"][0]
    assert others == 1


def test_the_latest_move_wins_by_date_of_move_whatever_order_they_were_recorded(linked_demo: Workspace) -> None:
    person_id = _person_with_several_departments(linked_demo)
    today = date.today()
    record_move(linked_demo, person_id, "1 Later Road, Ashbury AY3 3AA", recorded_by="pat.practitioner",
                effective_date=today)
    record_move(linked_demo, person_id, "2 Earlier Road, Ashbury AY2 2AA", recorded_by="pat.practitioner",
                effective_date=today - timedelta(days=30))
    assert _current_address(linked_demo, person_id)[1] == "AY3 3AA"
    assert apply_recorded_moves(linked_demo) == 1
    assert _current_address(linked_demo, person_id)[1] == "AY3 3AA"
    assert [move.postcode for move in recorded_moves(linked_demo, person_id)] == ["AY3 3AA", "AY2 2AA"]


def test_applying_moves_before_any_move_or_index_changes_nothing(workspace: Workspace, linked_demo: Workspace) -> None:
    assert apply_recorded_moves(workspace) == 0
    assert apply_recorded_moves(linked_demo) == 0
