"""The single view over the linked demo council: tolerant search, the person page's identity, household, flags and
timeline, masking of withheld addresses, opt-outs, purposes and what goes to the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.identity import NAME_GROUPS
from townhall.identity.index import SCHEMA, IndexNotBuiltError, read_index
from townhall.identity.single_view import (
    DEFAULT_PURPOSES,
    PersonNotFoundError,
    PurposeError,
    SearchInputError,
    check_purpose,
    confidence_label,
    field_label,
    format_value,
    lookup_purposes,
    person_view,
    record_person_view,
    record_search,
    search_fields_used,
    search_people,
)
from townhall.store import quote_identifier
from townhall.workspace import Workspace


@pytest.fixture(scope="module")
def demo(linked_demo_folder: Path) -> Iterator[Workspace]:
    """The linked demo, opened read-only in spirit: these tests only read it."""
    opened = Workspace.open(linked_demo_folder)
    yield opened
    opened.close()


def _people(workspace: Workspace, where: str = "true", parameters: list | None = None) -> pd.DataFrame:
    return read_index(workspace, f"select * from {SCHEMA}.persons where {where} order by person_id", parameters)


def _records(workspace: Workspace, person_id: str) -> pd.DataFrame:
    return read_index(workspace, f"select * from {SCHEMA}.records where person_id = ?", [person_id])


def _well_known_person(workspace: Workspace) -> pd.Series:
    """Someone with a date of birth, a postcode, several records and no withheld address."""
    found = _people(workspace, "date_of_birth is not null and postcode is not null and address is not null "
                               "and not address_withheld and record_count >= 3 and first_name is not null "
                               "and surname is not null")
    assert len(found), "the linked demo should have people known to several services"
    return found.iloc[0]


def _truth_people(workspace: Workspace, person_id: str) -> set[str]:
    """The true people (ground truth ids) behind an index person's records."""
    links = pd.read_csv(workspace.path / "demo-data" / "truth" / "record_links.csv", dtype=str)
    records = _records(workspace, person_id)
    merged = records.merge(links, on=["source", "record_id"], how="left", suffixes=("", "_true"))
    return set(merged["person_id_true"].dropna())


def _withhold_household_of(workspace: Workspace, person_id: str) -> None:
    """Flag the person's records as address withheld, as a source would, and propagate it as linkage does (the
    person and everyone in their household)."""
    with workspace.analytics.transaction() as connection:
        household = connection.execute(f"select household_id from {SCHEMA}.persons where person_id = ?",
                                       [person_id]).fetchone()[0]
        connection.execute(f"update {SCHEMA}.records set address_withheld = true where person_id = ?", [person_id])
        connection.execute(f"update {SCHEMA}.persons set address_withheld = true where household_id = ?", [household])
        connection.execute(f"update {SCHEMA}.households set address_withheld = true where household_id = ?",
                           [household])


# --- search --------------------------------------------------------------------------------------------------------


def test_a_name_and_date_of_birth_find_the_person_first(demo: Workspace) -> None:
    person = _well_known_person(demo)
    matches = search_people(demo, name=f"{person.first_name} {person.surname}", date_of_birth=person.date_of_birth)
    assert matches[0].person_id == person.person_id
    assert matches[0].score == 1.0
    assert matches[0].matched_on == ["surname", "first name", "date of birth"]
    assert matches[0].postcode == person.postcode


def test_search_tolerates_typos_nicknames_swapped_day_and_month_and_a_mistyped_postcode(demo: Workspace) -> None:
    people = _people(demo, "date_of_birth is not null and postcode is not null and not address_withheld "
                           "and first_name is not null and length(surname) >= 5 and day(date_of_birth) <= 12 "
                           "and day(date_of_birth) <> month(date_of_birth)")
    nicknamed = people[people["first_name"].str.lower().isin(NAME_GROUPS)].iloc[0]
    nickname = NAME_GROUPS[nicknamed.first_name.lower()][0]
    surname = nicknamed.surname
    typo = surname[0] + surname[2] + surname[1] + surname[3:]  # two letters swapped
    born = nicknamed.date_of_birth
    swapped = f"{born.month}/{born.day}/{born.year}"  # written American-style
    matches = search_people(demo, name=f"{nickname} {typo}", date_of_birth=swapped)
    found = [match for match in matches if match.person_id == nicknamed.person_id]
    assert found, f"{nickname} {typo} born {swapped} should find {nicknamed.person_id}"
    assert "date of birth (day and month swapped)" in found[0].matched_on
    assert "first name (a short form or other form of it)" in found[0].matched_on
    postcode = nicknamed.postcode.replace(" ", "")
    mistyped = postcode[:-1] + ("A" if postcode[-1] != "A" else "B")
    by_postcode = search_people(demo, name=f"{nicknamed.first_name} {surname}", postcode=mistyped)
    assert nicknamed.person_id in [match.person_id for match in by_postcode]


def test_a_person_is_found_by_the_spelling_on_any_of_their_records(demo: Workspace) -> None:
    spellings = read_index(demo, f"""
        select r.person_id, r.surname as other_surname, r.first_name as other_first, p.date_of_birth
        from {SCHEMA}.records r join {SCHEMA}.persons p using (person_id)
        where r.surname is not null and lower(p.surname) <> r.surname and p.date_of_birth is not null
          and r.first_name is not null and not p.address_withheld
        order by r.person_id limit 1""")
    assert len(spellings), "the linked demo should have someone recorded under two surnames"
    row = spellings.iloc[0]
    matches = search_people(demo, name=f"{row.other_first} {row.other_surname}", date_of_birth=row.date_of_birth)
    assert row.person_id in [match.person_id for match in matches]


def test_a_valid_nhs_number_alone_finds_its_person(demo: Workspace) -> None:
    person = _people(demo, "nhs_number is not null and not address_withheld").iloc[0]
    spaced = f"{person.nhs_number[:3]} {person.nhs_number[3:6]} {person.nhs_number[6:]}"
    matches = search_people(demo, nhs_number=spaced)
    assert [match.person_id for match in matches] == [person.person_id]
    assert matches[0].matched_on == ["NHS number"]


@pytest.mark.parametrize("search", [
    {"name": "Smith"},
    {"date_of_birth": "1980-01-01", "postcode": "AY1 1AA"},
    {"postcode": "AY1 1AA"},
    {"nhs_number": "943 476 5910"},  # wrong check digit, and nothing else to go on
    {"name": "Smith", "date_of_birth": "31/02/1980"},
    {"name": "Smith", "nhs_number": "12345"},
    {},
])
def test_searches_too_broad_to_run_or_unreadable_are_refused_in_plain_english(demo: Workspace, search) -> None:
    with pytest.raises(SearchInputError) as raised:
        search_people(demo, **search)
    assert isinstance(raised.value, TownhallError)
    assert str(raised.value)[0].isupper()


def test_a_name_that_agrees_with_nothing_else_searched_for_finds_nobody(demo: Workspace) -> None:
    person = _well_known_person(demo)
    matches = search_people(demo, name=f"{person.first_name} {person.surname}", date_of_birth="01/01/1901")
    assert person.person_id not in [match.person_id for match in matches]


def test_search_results_are_limited(demo: Workspace) -> None:
    family = read_index(demo, f"""
        select surname, postcode from {SCHEMA}.persons where not address_withheld and postcode is not null
        group by surname, postcode having count(*) >= 3 order by surname, postcode limit 1""").iloc[0]
    everyone = search_people(demo, name=family.surname, postcode=family.postcode, limit=100)
    limited = search_people(demo, name=family.surname, postcode=family.postcode, limit=2)
    assert len(everyone) >= 3
    assert [match.person_id for match in limited] == [match.person_id for match in everyone[:2]]


def test_searching_by_each_persons_name_and_date_of_birth_finds_them_in_the_top_three(demo: Workspace) -> None:
    sample = _people(demo, "date_of_birth is not null and first_name is not null and surname is not null").sample(
        40, random_state=3)
    found = sum(person.person_id in [match.person_id for match in search_people(
        demo, name=f"{person.first_name} {person.surname}", date_of_birth=person.date_of_birth, limit=3)]
        for person in sample.itertuples())
    assert found == len(sample)


def test_search_fields_used_names_the_kinds_of_field_not_the_values() -> None:
    assert search_fields_used(name="Jo Bloggs", postcode="AY1 1AA") == ["name", "postcode"]
    with pytest.raises(SearchInputError):
        search_fields_used(name="Jo Bloggs")


def test_opted_out_people_are_never_found(demo: Workspace) -> None:
    opted = read_index(demo, f"select source, record_id, row_number from {SCHEMA}.opted_out where source = 'opt_outs'")
    assert len(opted), "the demo has people who opted out"
    links = pd.read_csv(demo.path / "demo-data" / "truth" / "record_links.csv", dtype=str)
    table = f"sources.{quote_identifier('opt_outs')}"
    checked = 0
    for row in opted.head(8).itertuples():
        with demo.analytics.connect(read_only=True) as connection:
            source_row = connection.execute(f"select forename, surname, dob from {table} where _row_number = ?",
                                            [int(row.row_number)]).fetchone()
        forename, surname, born = source_row
        if not surname or born is None:
            continue
        true_person = links.loc[(links["source"] == "opt_outs") & (links["record_id"] == row.record_id),
                                "person_id"].iloc[0]
        for match in search_people(demo, name=f"{forename or ''} {surname}", date_of_birth=born, limit=100):
            assert true_person not in _truth_people(demo, match.person_id)
        checked += 1
    assert checked >= 3


def test_search_before_linking_says_to_run_townhall_link(workspace: Workspace) -> None:
    with pytest.raises(IndexNotBuiltError, match="townhall link"):
        search_people(workspace, name="Jo Bloggs", date_of_birth="1980-01-01")


# --- the person page -----------------------------------------------------------------------------------------------


def test_the_person_view_shows_their_best_identity(demo: Workspace) -> None:
    person = _well_known_person(demo)
    view = person_view(demo, person.person_id, viewer_role="practitioner")
    assert (view.first_name, view.surname, view.date_of_birth) == (person.first_name, person.surname,
                                                                   person.date_of_birth.date())
    assert (view.address, view.postcode) == (person.address, person.postcode)
    assert view.nhs_number == (None if pd.isna(person.nhs_number) else person.nhs_number)
    assert view.record_count == person.record_count
    assert sorted(view.sources) == sorted(person.sources)
    assert view.address_shown and not view.address_withheld
    assert view.display_name == f"{person.first_name} {person.surname}"
    assert view.age is not None and 0 <= view.age < 120


def test_the_timeline_has_one_entry_per_record_newest_first_with_source_and_link_confidence(demo: Workspace) -> None:
    person = _well_known_person(demo)
    records = _records(demo, person.person_id)
    view = person_view(demo, person.person_id, viewer_role="practitioner")
    assert sorted((entry.source, entry.record_id) for entry in view.timeline) == sorted(
        zip(records["source"], records["record_id"], strict=True))
    dates = [entry.date for entry in view.timeline if entry.date is not None]
    assert dates == sorted(dates, reverse=True)
    assert all(entry.date is None for entry in view.timeline[len(dates):])  # undated ones come last
    confidence = dict(zip(records["record_id"], records["link_confidence"], strict=True))
    for entry in view.timeline:
        expected = confidence[entry.record_id]
        assert entry.link_confidence == (None if pd.isna(expected) else pytest.approx(expected))
        assert entry.confidence_label
        assert entry.source_owner  # the demo's sources all name their owner


def test_timeline_descriptions_come_from_the_source_row_without_identity_fields(demo: Workspace) -> None:
    row = read_index(demo, f"""
        select r.person_id, r.record_id, r.row_number from {SCHEMA}.records r join {SCHEMA}.persons p using (person_id)
        where r.source = 'police_asb' and not p.address_withheld order by r.person_id limit 1""").iloc[0]
    table = f"sources.{quote_identifier('police_asb')}"
    with demo.analytics.connect(read_only=True) as connection:
        category, name = connection.execute(
            f'select "Category", "Name" from {table} where _row_number = ?', [int(row.row_number)]).fetchone()
    view = person_view(demo, row.person_id, viewer_role="practitioner")
    entry = next(entry for entry in view.timeline if entry.source == "police_asb" and entry.record_id == row.record_id)
    assert f"Category: {category}" in entry.description
    assert {detail.label for detail in entry.details} >= {"Category", "Reported"}
    labels = {detail.name for detail in entry.details}
    assert not labels & {"Name", "DOB", "Involvement ID", "Latitude", "Longitude"}
    if name:
        assert name not in entry.description


def test_household_members_are_the_others_sharing_the_household(demo: Workspace) -> None:
    household = read_index(demo, f"select household_id from {SCHEMA}.persons group by household_id "
                                 "having count(*) >= 3 order by household_id limit 1")["household_id"][0]
    members = _people(demo, "household_id = ?", [household])
    first = members.iloc[0]
    view = person_view(demo, first.person_id, viewer_role="practitioner")
    assert view.household.household_id == household
    assert sorted(member.person_id for member in view.household.members) == sorted(members["person_id"][1:])
    assert first.person_id not in [member.person_id for member in view.household.members]


def test_flags_come_from_the_configured_sources(demo: Workspace) -> None:
    flags = demo.config.extra["identity"]["flags"]
    label = next(label for label, sources in flags.items() if "vulnerability_register" in sources)
    flagged = _people(demo, "list_contains(sources, 'vulnerability_register')").iloc[0]
    view = person_view(demo, flagged.person_id, viewer_role="practitioner")
    assert [flag.label for flag in view.flags if flag.label == label] == [label]
    assert next(flag for flag in view.flags if flag.label == label).sources == ["vulnerability_register"]
    flag_sources = [source for listed in flags.values() for source in listed]
    unflagged = _people(demo, "not list_has_any(sources, ?::varchar[])", [flag_sources]).iloc[0]
    assert person_view(demo, unflagged.person_id, viewer_role="practitioner").flags == []


def test_an_unknown_person_is_a_plain_error(demo: Workspace) -> None:
    for reference in ("P-0000000000", "not a reference", ""):
        with pytest.raises(PersonNotFoundError, match="Search for them again"):
            person_view(demo, reference, viewer_role="practitioner")


def test_opted_out_people_have_no_person_page(demo: Workspace) -> None:
    opted = read_index(demo, f"select unique_id from {SCHEMA}.opted_out")
    in_index = read_index(demo, f"select count(*) as found from {SCHEMA}.records where unique_id in "
                                f"(select unique_id from {SCHEMA}.opted_out)")
    assert len(opted) and in_index["found"][0] == 0


def test_a_withheld_address_is_hidden_everywhere_from_everyone_but_governance(linked_demo: Workspace) -> None:
    household = read_index(linked_demo, f"""
        select p.person_id from {SCHEMA}.persons p where p.address is not null and p.postcode is not null
          and p.household_id in (select household_id from {SCHEMA}.persons group by household_id having count(*) >= 2)
          and p.person_id in (select person_id from {SCHEMA}.records where source in ('council_tax', 'police_asb',
                                'fire_ambulance_callouts', 'housing_tenancies') group by person_id)
        order by p.record_count desc, p.person_id limit 1""")
    person_id = household["person_id"][0]
    before = person_view(linked_demo, person_id, viewer_role="practitioner")
    address, postcode, uprn = before.address, before.postcode, before.uprn
    assert address in json.dumps(asdict(before), default=str)
    _withhold_household_of(linked_demo, person_id)

    hidden = person_view(linked_demo, person_id, viewer_role="practitioner")
    assert hidden.address_withheld and not hidden.address_shown
    assert (hidden.address, hidden.postcode, hidden.uprn) == (None, None, None)
    assert (hidden.household.address, hidden.household.postcode) == (None, None)
    dumped = json.dumps(asdict(hidden), default=str)
    street = address.split(",")[0].upper()
    for secret in (address, postcode, postcode.replace(" ", ""), street, uprn):
        if secret:
            assert secret.upper() not in dumped.upper(), f"'{secret}' leaked into the practitioner's view"
    assert len(hidden.timeline) == len(before.timeline)

    seen = person_view(linked_demo, person_id, viewer_role="governance")
    assert seen.address_withheld and seen.address_shown
    assert (seen.address, seen.postcode) == (address, postcode)

    member = hidden.household.members[0].person_id
    assert person_view(linked_demo, member, viewer_role="practitioner").address is None

    # Searching by the withheld postcode neither finds nor shows it, except for governance.
    name = f"{hidden.first_name} {hidden.surname}"
    assert person_id not in [match.person_id for match in search_people(linked_demo, name=name, postcode=postcode)]
    by_birth = [match for match in search_people(linked_demo, name=name, date_of_birth=hidden.date_of_birth)
                if match.person_id == person_id] if hidden.date_of_birth else []
    for match in by_birth:
        assert match.address_withheld and match.postcode is None and match.address is None
    governance = search_people(linked_demo, name=name, postcode=postcode, viewer_role="governance")
    assert person_id in [match.person_id for match in governance]
    assert next(match for match in governance if match.person_id == person_id).postcode == postcode


def test_the_person_view_before_linking_says_to_run_townhall_link(workspace: Workspace) -> None:
    with pytest.raises(IndexNotBuiltError):
        person_view(workspace, "P-0000000001", viewer_role="practitioner")


# --- purposes and the audit log ------------------------------------------------------------------------------------


def test_purposes_default_to_a_sensible_list_and_can_be_set_by_the_council(workspace: Workspace) -> None:
    assert lookup_purposes(workspace) == list(DEFAULT_PURPOSES)
    workspace.config.extra["governance"] = {"purposes": ["Youth offending case", {"name": "Fraud investigation"},
                                                         "Youth offending case", ""]}
    assert lookup_purposes(workspace) == ["Youth offending case", "Fraud investigation"]
    assert check_purpose(workspace, " fraud INVESTIGATION ") == "Fraud investigation"
    with pytest.raises(PurposeError, match="Youth offending case"):
        check_purpose(workspace, "Curiosity")
    with pytest.raises(PurposeError, match="choose a purpose"):
        check_purpose(workspace, "")


def test_views_and_searches_are_audit_logged_with_purpose_and_counts_only(linked_demo: Workspace) -> None:
    person = _well_known_person(linked_demo)
    view = person_view(linked_demo, person.person_id, viewer_role="practitioner")
    record_person_view(linked_demo, view, actor="pat", purpose="Safeguarding enquiry")
    record_search(linked_demo, actor="pat", purpose="Safeguarding enquiry", fields_used=["name", "date_of_birth"],
                  results=1, via="api")
    viewed, searched = (linked_demo.audit.entries(action=action)[0] for action in ("person.viewed", "people.searched"))
    assert (viewed.actor, viewed.subject, viewed.purpose) == ("pat", person.person_id, "Safeguarding enquiry")
    assert viewed.details["timeline_entries"] == len(view.timeline)
    assert viewed.details["via"] == "web"
    assert searched.details == {"fields": ["date_of_birth", "name"], "results": 1, "via": "api"}
    logged = json.dumps([viewed.details, searched.details, viewed.subject, searched.subject])
    for value in (person.first_name, person.surname, str(person.date_of_birth), person.postcode):
        assert value not in logged
    assert linked_demo.audit.verify().intact


# --- wording -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "label"), [
    ("referral_source", "Referral source"), ("CLAIM START", "Claim start"), ("LeadLiableTitle", "Lead liable title"),
    ("Arrears Balance (£)", "Arrears balance (£)"), ("SPD", "SPD"), ("UPRN", "UPRN"),
    ("calendar-year", "Calendar year"),
])
def test_field_names_are_written_in_sentence_case(name: str, label: str) -> None:
    assert field_label(name) == label


def test_values_are_written_in_words() -> None:
    assert format_value(date(2024, 3, 5)) == "5 March 2024"
    assert format_value(datetime(2024, 3, 5, 14, 5)) == "5 March 2024 at 2:05pm"
    assert format_value(datetime(2024, 3, 5)) == "5 March 2024"
    assert format_value(True) == "yes"
    assert format_value(Decimal("1234.50")) == "1,234.50"
    assert format_value(float("nan")) is None
    assert format_value("  ") is None


def test_link_confidence_is_said_in_words_with_the_figure() -> None:
    assert confidence_label(None) == "Only record: not linked to any other"
    assert confidence_label(0.9995) == "Very high (more than 99.9%)"
    assert confidence_label(0.96) == "High (96%)"
    assert confidence_label(0.85).startswith("Medium (85%)")
    assert confidence_label(0.5).startswith("Low (50%)")
