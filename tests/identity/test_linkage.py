"""Linkage: which sources and fields take part, how good the people and households are, and what is left out."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.identity import accuracy, latest_run, link_people, plan_sources, read_truth
from townhall.identity.index import read_index
from townhall.workspace import Workspace


def _plans(workspace: Workspace) -> dict[str, object]:
    return {plan.source: plan for plan in plan_sources(workspace)}


def test_the_subjects_name_is_used_and_other_peoples_names_are_not(linked_demo: Workspace) -> None:
    plans = _plans(linked_demo)
    assert plans["council_tax"].full_name == "LeadLiableName"  # not JointLiableName
    assert (plans["childrens_social_care_referrals"].first_name,
            plans["childrens_social_care_referrals"].surname) == ("Child Forename", "Child Surname")
    assert plans["benefits"].full_name == "FULL NAME"  # not PARTNER NAME
    assert plans["council_tax"].address == ["Addr1", "Addr2", "Addr3"]


def test_an_incident_location_is_not_taken_as_where_the_person_lives(linked_demo: Workspace) -> None:
    police = _plans(linked_demo)["police_asb"]
    assert police.address == [] and police.postcode is None
    assert police.age == "Age" and police.date_of_birth == "DOB"


def test_sources_without_people_are_left_out_with_a_plain_reason(linked_demo: Workspace) -> None:
    plans = _plans(linked_demo)
    assert "no field holds the name" in plans["bin_sensors"].left_out_because
    assert "no field holds the name" in plans["housing_repairs"].left_out_because  # only the reporter's name
    run = latest_run(linked_demo)
    assert "business_rates" not in {source["source"] for source in run.sources}  # ratepayers are organisations


def test_an_override_in_townhall_toml_must_name_a_real_role_and_field(linked_demo: Workspace) -> None:
    linked_demo.config.extra["identity"]["sources"] = {"council_tax": {"full_name": "NoSuchField"}}
    with pytest.raises(TownhallError, match="council_tax has no field of that name"):
        plan_sources(linked_demo)
    linked_demo.config.extra["identity"]["sources"] = {"council_tax": {"shoe_size": "Band"}}
    with pytest.raises(TownhallError, match="not a linkage role"):
        plan_sources(linked_demo)


def test_linked_people_match_the_demo_truth(linked_demo: Workspace) -> None:
    records = read_index(linked_demo, "select unique_id, person_id as cluster from identity.records")
    measured = accuracy(records, read_truth(linked_demo.path / "demo-data" / "truth"), 0.9)
    assert measured.records > 3_000
    assert measured.precision >= 0.95 and measured.recall >= 0.95, measured


def test_people_who_opted_out_are_nowhere_in_the_index(linked_demo: Workspace) -> None:
    truth = pd.read_csv(linked_demo.path / "demo-data" / "truth" / "record_links.csv", dtype=str)
    opted_out_people = set(truth.loc[truth["source"] == "opt_outs", "person_id"])
    their_records = set(truth.loc[truth["person_id"].isin(opted_out_people), "source"]
                        + ":" + truth.loc[truth["person_id"].isin(opted_out_people), "record_id"])
    indexed = set(read_index(linked_demo, "select unique_id from identity.records")["unique_id"])
    assert not any(unique_id.startswith("opt_outs:") for unique_id in indexed)
    leaked = their_records & indexed
    # Linkage is probabilistic: an opted-out person's record that was not linked to them cannot be found.
    assert len(leaked) <= 0.05 * len(their_records)
    assert latest_run(linked_demo).opted_out_records >= 0.9 * len(their_records)


def test_a_withheld_address_marks_the_person_and_everyone_in_their_household(linked_demo: Workspace) -> None:
    # The small demo may have nobody fleeing abuse: flag a few register entries as a department would.
    with linked_demo.analytics.transaction() as connection:
        connection.execute("update sources.vulnerability_register set address_withheld = true "
                           "where _row_number in (2, 3, 4, 5, 6)")
    link_people(linked_demo)
    withheld = read_index(linked_demo, """
        select distinct p.person_id, p.household_id, p.address_withheld from identity.records r
        join identity.persons p using (person_id) where r.address_withheld""")
    assert len(withheld) > 0 and withheld["address_withheld"].all()
    households = read_index(linked_demo, "select household_id, address_withheld from identity.households")
    marked = households.set_index("household_id").loc[withheld["household_id"].unique(), "address_withheld"]
    assert marked.all()
    members = read_index(linked_demo, "select address_withheld from identity.persons where household_id in "
                         "(select household_id from identity.households where address_withheld)")
    assert members["address_withheld"].all()


def test_households_group_people_at_the_same_property(linked_demo: Workspace) -> None:
    persons = read_index(linked_demo, "select household_id, uprn from identity.persons where uprn is not null")
    uprns_per_household = persons.groupby("household_id")["uprn"].nunique()
    assert (uprns_per_household == 1).all()
    assert persons.groupby("household_id").size().max() > 1


def _people_files(folder: Path, truth_people: pd.DataFrame) -> tuple[Path, Path, pd.DataFrame]:
    """Two lists of the same people under unfamiliar column names, with typos and a swapped date in one."""
    rng = random.Random(5)
    people = truth_people.sample(600, random_state=3).reset_index(drop=True)
    first = pd.DataFrame({"Ref": [f"A{i:05d}" for i in range(len(people))], "GivenName": people["first_name"],
                          "FamilyName": people["surname"], "BirthDate": people["date_of_birth"]})
    second_people = people.sample(400, random_state=4).reset_index(drop=True)

    def typo(name: str) -> str:
        if rng.random() < 0.15 and len(name) > 3:
            position = rng.randrange(1, len(name) - 1)
            return name[:position] + name[position + 1] + name[position] + name[position + 2:]
        return name

    born = pd.to_datetime(second_people["date_of_birth"])
    second = pd.DataFrame({"CaseNumber": [f"B{i:05d}" for i in range(len(second_people))],
                           "Client Name": [f"{typo(s).upper()}, {f}" for f, s in
                                           zip(second_people["first_name"], second_people["surname"], strict=True)],
                           "D.O.B.": born.dt.strftime("%d/%m/%Y")})
    first_path, second_path = folder / "register_a.csv", folder / "register_b.csv"
    first.to_csv(first_path, index=False)
    second.to_csv(second_path, index=False)
    truth = pd.concat([pd.DataFrame({"unique_id": "register_a:" + first["Ref"], "person": people["person_id"]}),
                       pd.DataFrame({"unique_id": "register_b:" + second["CaseNumber"],
                                     "person": second_people["person_id"]})])
    return first_path, second_path, truth


def test_link_works_on_any_two_files_of_people_with_unfamiliar_column_names(
        workspace: Workspace, linked_demo_folder: Path, tmp_path: Path) -> None:
    truth_people = pd.read_csv(linked_demo_folder / "demo-data" / "truth" / "people.csv", dtype=str)
    first, second, truth = _people_files(tmp_path, truth_people)
    workspace.catalogue.add_source(first, "register_a")
    workspace.catalogue.add_source(second, "register_b")
    summary = link_people(workspace)
    assert {source["source"] for source in summary.sources} == {"register_a", "register_b"}
    records = read_index(workspace, "select unique_id, person_id as cluster from identity.records")
    measured = accuracy(records, truth, summary.threshold)
    assert measured.true_pairs >= 380
    assert measured.precision >= 0.95 and measured.recall >= 0.95, measured


def test_link_refuses_plainly_when_no_source_holds_people(workspace: Workspace, tmp_path: Path) -> None:
    readings = tmp_path / "readings.csv"
    readings.write_text("sensor,reading\nS1,4\nS2,5\n", encoding="utf-8")
    workspace.catalogue.add_source(readings, "readings")
    with pytest.raises(TownhallError, match="nothing to link"):
        link_people(workspace)


def test_the_evidence_kept_for_review_adds_up_to_each_pairs_match_weight(linked_demo: Workspace) -> None:
    import json

    pairs = read_index(linked_demo, "select match_weight, evidence from identity.pairs")
    assert len(pairs) > 0
    for weight, evidence in zip(pairs["match_weight"], pairs["evidence"], strict=True):
        items = json.loads(evidence)
        assert items[0]["comparison"] == "starting point"
        assert {item["comparison"] for item in items[1:]} >= {"forename", "surname", "date of birth", "location"}
        assert sum(item["match_weight"] for item in items) == pytest.approx(weight, abs=0.01)


def test_school_records_are_dated_by_the_start_of_their_school_year(linked_demo: Workspace) -> None:
    assert _plans(linked_demo)["school_attendance"].record_date == "academic_year"
    dates = read_index(linked_demo, "select distinct record_date from identity.records "
                                    "where source = 'school_attendance'")["record_date"]
    assert len(dates) > 1 and all(day.month == 9 and day.day == 1 for day in pd.to_datetime(dates))


def test_reviewers_decisions_are_respected_on_the_next_run(linked_demo: Workspace) -> None:
    from townhall.identity.review import record_review_decision

    together = read_index(linked_demo, """
        select min(unique_id) as left_id, max(unique_id) as right_id from identity.records
        group by person_id having count(*) = 2 order by person_id limit 1""").iloc[0]
    apart = read_index(linked_demo, """
        select a.unique_id as left_id, b.unique_id as right_id from identity.records a, identity.records b
        where a.person_id < b.person_id and a.source = 'council_tax' and b.source = 'benefits'
        order by a.unique_id, b.unique_id limit 1""").iloc[0]
    record_review_decision(linked_demo, together.left_id, together.right_id, "different", reviewer="asha")
    record_review_decision(linked_demo, apart.left_id, apart.right_id, "same", reviewer="asha")
    summary = link_people(linked_demo)
    assert summary.decisions_applied == 2
    person_of = read_index(linked_demo, "select unique_id, person_id from identity.records").set_index(
        "unique_id")["person_id"]
    assert person_of[together.left_id] != person_of[together.right_id]
    assert person_of[apart.left_id] == person_of[apart.right_id]
