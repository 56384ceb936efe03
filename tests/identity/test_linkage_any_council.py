"""Linkage on a council townhall has never seen: US dates and zip codes, yyyymmdd dates, unusual column names,
households full of relatives, records without a name, organisations, and training that cannot go as planned."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.errors import TownhallError
from townhall.identity import accuracy, link_people, plan_sources
from townhall.identity.export import export_index
from townhall.identity.index import index_status, latest_run, left_out_records, read_index
from townhall.identity.single_view import person_view
from townhall.workspace import Workspace

FORENAMES = ["james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
             "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "carlos", "maria",
             "daniel", "nancy", "matthew", "lisa", "anthony", "betty", "mark", "sandra", "donald", "ashley"]
SURNAMES = ["garcia", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson",
            "anderson", "thomas", "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white",
            "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright"]
STREETS = ["oak street", "maple avenue", "cedar lane", "pine road", "elm drive", "lake boulevard", "hill court"]
TOWNS = ["springfield", "riverside", "fairview", "madison"]


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    position = rng.randrange(1, len(text) - 2)
    return text[:position] + text[position + 1] + text[position] + text[position + 2:]


def _people(rng: random.Random) -> pd.DataFrame:
    """Households of a parent couple and children, with the traps: twins, a son named after his father."""
    rows = []
    for household in range(60):
        surname = SURNAMES[household % len(SURNAMES)] if household < 30 else rng.choice(SURNAMES)
        address = (str(rng.randint(1, 999)), rng.choice(STREETS), rng.choice(TOWNS), f"{rng.randint(10000, 99999)}")
        father_name = rng.choice(FORENAMES)
        father_born = pd.Timestamp(rng.randint(1950, 1975), rng.randint(1, 12), rng.randint(1, 28))
        members = [("m", father_name, father_born), ("f", rng.choice(FORENAMES),
                                                     father_born + pd.Timedelta(days=rng.randint(-900, 900)))]
        child_born = pd.Timestamp(rng.randint(1990, 2012), rng.randint(1, 12), rng.randint(1, 28))
        if household % 4 == 0:  # a son named after his father
            members.append(("m", father_name, child_born))
        elif household % 4 == 1:  # twins
            members += [("f", "emily", child_born), ("f", "olivia", child_born)]
        else:
            members.append((rng.choice("mf"), rng.choice(FORENAMES), child_born))
        for position, (sex, forename, born) in enumerate(members):
            rows.append({"person": f"H{household}P{position}", "household": household, "sex": sex,
                         "forename": forename, "surname": surname, "born": born, "number": address[0],
                         "street": address[1], "town": address[2], "zip": address[3]})
    return pd.DataFrame(rows)


def _write_council(folder: Path) -> tuple[Path, Path, pd.DataFrame]:
    """Two files about the same people, in US formats, under names no UK system uses, with typos and gaps."""
    rng = random.Random(11)
    people = _people(rng)
    clients = people.sample(frac=0.9, random_state=1).reset_index(drop=True)
    first = pd.DataFrame({
        "ClientRef": [f"C{i:04d}" for i in range(len(clients))],
        "GivenNm": [name.title() for name in clients["forename"]],
        "FamilyNm": [_typo(name, rng).title() if rng.random() < 0.1 else name.title() for name in clients["surname"]],
        "BirthDt": clients["born"].dt.strftime("%Y%m%d"),
        "Gender": clients["sex"].str.upper(),
        "StreetNo": clients["number"], "StreetNm": clients["street"].str.title(), "City": clients["town"].str.title(),
        "Zip": clients["zip"],
    })
    visits = people.sample(frac=0.7, random_state=2).reset_index(drop=True)
    second = pd.DataFrame({
        "VisitId": [f"V{i:04d}" for i in range(len(visits))],
        "Patient Name": [f"{surname.upper()}, {_typo(forename, rng) if rng.random() < 0.1 else forename}".title()
                         for forename, surname in zip(visits["forename"], visits["surname"], strict=True)],
        "DOB": visits["born"].dt.strftime("%m/%d/%Y"),
        "Sex": visits["sex"].map({"m": "Male", "f": "Female"}),
        "Home Address": [f"{number} {street.title()}, {town.title()}" for number, street, town in
                         zip(visits["number"], visits["street"], visits["town"], strict=True)],
        "Zip Code": visits["zip"],
    })
    # Records nobody can link: one without a name, one of a business.
    extra = pd.DataFrame({"VisitId": ["V9998", "V9999"], "Patient Name": [None, "Garcia & Sons Ltd"],
                          "DOB": ["01/02/1970", "03/04/1980"], "Sex": ["Male", None],
                          "Home Address": ["1 Oak Street, Madison", "2 Oak Street, Madison"],
                          "Zip Code": ["12345", "12345"]})
    second = pd.concat([second, extra], ignore_index=True)
    first_path, second_path = folder / "client_register.csv", folder / "clinic_visits.csv"
    first.to_csv(first_path, index=False)
    second.to_csv(second_path, index=False)
    truth = pd.concat([
        pd.DataFrame({"unique_id": "client_register:" + first["ClientRef"], "person": clients["person"]}),
        pd.DataFrame({"unique_id": "clinic_visits:" + second["VisitId"][:len(visits)], "person": visits["person"]}),
    ])
    return first_path, second_path, truth.assign(household=truth["person"].str.extract(r"^(H\d+)")[0])


@pytest.fixture(scope="module")
def us_council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, pd.DataFrame, object]]:
    """A small US-format council, registered and linked once for this module (copy it to change it)."""
    folder = tmp_path_factory.mktemp("us-council")
    first, second, truth = _write_council(folder)
    with Workspace.create(folder / "council", "Springfield") as workspace:
        workspace.catalogue.add_source(first, "client_register")
        workspace.catalogue.add_source(second, "clinic_visits")
        summary = link_people(workspace)
    yield folder / "council", truth, summary


def test_every_identity_field_is_found_from_unfamiliar_names_and_values(us_council) -> None:
    folder, _truth, _summary = us_council
    with Workspace.open(folder) as workspace:
        plans = {plan.source: plan for plan in plan_sources(workspace)}
    client = plans["client_register"]
    assert (client.first_name, client.surname, client.date_of_birth, client.sex) == (
        "GivenNm", "FamilyNm", "BirthDt", "Gender")
    assert (client.house_number, client.street, client.town, client.postcode) == ("StreetNo", "StreetNm", "City",
                                                                                  "Zip")
    visits = plans["clinic_visits"]
    assert (visits.full_name, visits.date_of_birth, visits.sex, visits.postcode) == (
        "Patient Name", "DOB", "Sex", "Zip Code")


def test_the_summary_lists_only_the_fields_used_with_how_many_records_had_each(us_council) -> None:
    _folder, _truth, summary = us_council
    used = summary.fields_used
    # yyyymmdd and US dates were both read: every linked record has its date of birth.
    assert used["date of birth"] == summary.records + summary.opted_out_records
    assert {"forename", "surname", "sex", "postcode", "house number", "street", "town"} <= set(used)
    assert "NHS number" not in used and "UPRN" not in used
    notes = " ".join(note for source in summary.sources for note in source["notes"])
    assert "Not UK postcodes" in notes
    assert "estimated from" in summary.prior_explained and len(summary.training_rounds) >= 2


def test_people_are_linked_and_the_household_traps_are_not(us_council) -> None:
    folder, truth, summary = us_council
    with Workspace.open(folder) as workspace:
        records = read_index(workspace, "select unique_id, person_id as cluster from identity.records")
    measured = accuracy(records, truth, summary.threshold)
    assert measured.true_pairs > 100
    assert measured.precision >= 0.97 and measured.recall >= 0.95, measured
    # Twins, and a son named after his father, share an address and a surname: never one person.
    joined = records.merge(truth, on="unique_id")
    people_per_index_person = joined.groupby("cluster")["person"].nunique()
    merged = joined.loc[joined["cluster"].isin(people_per_index_person[people_per_index_person > 1].index)]
    same_household_merges = merged.groupby("cluster")["household"].nunique().eq(1).sum()
    assert same_household_merges == 0, merged.sort_values("cluster")


def test_records_left_out_are_counted_by_reason_and_listed_without_personal_values(us_council) -> None:
    folder, _truth, summary = us_council
    assert summary.records_left_out == {"no name": 1, "an organisation, not a person": 1}
    with Workspace.open(folder) as workspace:
        listed = left_out_records(workspace)
    assert set(zip(listed["record_id"], listed["reason"], strict=True)) == {
        ("V9998", "no name"), ("V9999", "an organisation, not a person")}
    result = CliRunner().invoke(app, ["link", "--left-out", "--workspace", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "source,record_id,row_number,reason"
    assert "clinic_visits,V9999" in result.output and "Garcia" not in result.output


def test_training_on_a_source_with_no_date_of_birth_completes_and_says_how(workspace: Workspace,
                                                                          tmp_path: Path) -> None:
    first, _second, _truth = _write_council(tmp_path)
    no_birth_dates = pd.read_csv(first, dtype=str).drop(columns=["BirthDt"])
    doubled = pd.concat([no_birth_dates, no_birth_dates.sample(80, random_state=3).assign(
        ClientRef=lambda frame: frame["ClientRef"] + "X")], ignore_index=True)
    path = tmp_path / "no_birth_dates.csv"
    doubled.to_csv(path, index=False)
    workspace.catalogue.add_source(path, "tenants")
    summary = link_people(workspace)
    assert "date of birth" not in summary.fields_used
    assert len(summary.training_rounds) >= 2 and "same date of birth" not in summary.training_rounds
    assert summary.prior_explained and summary.persons < summary.records


def test_a_failed_training_leaves_the_previous_index_and_says_the_index_is_out_of_date(us_council,
                                                                                       tmp_path: Path) -> None:
    import shutil

    folder, _truth, _summary = us_council
    copy = tmp_path / "council"
    shutil.copytree(folder, copy)
    with Workspace.open(copy) as workspace:
        before = read_index(workspace, "select unique_id, person_id from identity.records order by unique_id")
        # A new version of a source in which nobody shares anything: no pairs can be found to train on.
        lonely = tmp_path / "client_register.csv"
        pd.DataFrame({"ClientRef": [f"A{number}" for number in range(6)],
                      "GivenNm": ["Ann", "Bob", "Cyril", "Dora", "Eve", "Fred"],
                      "FamilyNm": ["Ames", "Bell", "Cole", "Dunn", "Ely", "Ford"],
                      "BirthDt": [f"19{number}0010{number + 1}" for number in range(6)]}).to_csv(lonely, index=False)
        strangers = tmp_path / "clinic_visits.csv"
        pd.read_csv(lonely, dtype=str).assign(ClientRef=lambda frame: "B" + frame["ClientRef"],
                                              GivenNm=["Gus", "Hal", "Ida", "Jo", "Kit", "Lew"],
                                              FamilyNm=["Gale", "Hunt", "Irwin", "Judd", "Kerr", "Lowe"]
                                              ).to_csv(strangers, index=False)
        workspace.catalogue.add_source(lonely, "client_register", replace=True)
        workspace.catalogue.add_source(strangers, "clinic_visits", replace=True)
        assert "client_register has a new version" in index_status(workspace).message
        with pytest.raises(TownhallError, match="no two records agree"):
            link_people(workspace)
        after = read_index(workspace, "select unique_id, person_id from identity.records order by unique_id")
        status = index_status(workspace)
        export = export_index(workspace, tmp_path / "index.csv", actor="test")
        single_view = person_view(workspace, after["person_id"].iloc[0], viewer_role="analyst")
    assert "out of date" in single_view.index_out_of_date
    pd.testing.assert_frame_equal(before, after)
    assert status.out_of_date and "the last 'townhall link' failed" in status.message
    assert "Run 'townhall link'" in export.out_of_date
    result = CliRunner().invoke(app, ["identity", "export", "--out", str(tmp_path / "again.csv"),
                                      "--workspace", str(copy)])
    assert result.exit_code == 0 and "out of date" in " ".join(result.output.split())


def test_the_run_records_the_fields_used_left_out_counts_and_source_versions(us_council) -> None:
    folder, _truth, summary = us_council
    with Workspace.open(folder) as workspace:
        run = latest_run(workspace)
        assert not index_status(workspace).out_of_date
    assert run.summary["fields_used"] == summary.fields_used
    assert run.summary["source_versions"] == {"client_register": 1, "clinic_visits": 1}
    assert json.dumps(run.summary["records_left_out"]) == json.dumps(summary.records_left_out)


def _records(names: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": [f"s:{number}" for number in range(len(names))],
                         "first_name": [first for first, _surname, _born in names],
                         "surname": [surname for _first, surname, _born in names],
                         "date_of_birth": [born for _first, _surname, born in names],
                         "birth_year": [int(born[:4]) for _first, _surname, born in names]})


def test_the_prior_comes_from_near_certain_pairs_scaled_by_their_assumed_recall() -> None:
    import duckdb

    from townhall.identity.linkage.training import estimate_prior

    people = [(f"name{number}", "smith", f"19{50 + number}-01-01") for number in range(8)]
    connection = duckdb.connect()
    connection.register("records", _records([*people, people[0], people[1]]))
    prior, explained = estimate_prior(connection, 10, {"first_name", "surname", "date_of_birth", "birth_year"})
    assert prior == pytest.approx(2 / 0.8 / 45)  # 2 pairs found, taken as 80% of the matches, among 10*9/2 pairs
    assert "the 2 pairs of records with the same name and date of birth" in explained


def test_the_prior_is_a_stated_assumption_when_no_near_certain_rule_finds_a_pair() -> None:
    import duckdb

    from townhall.identity.linkage.training import estimate_prior

    connection = duckdb.connect()  # the case that crashed Splink with 'math domain error'
    connection.register("records", _records([(f"name{number}", f"surname{number}", "1970-01-01")
                                             for number in range(10)]))
    prior, explained = estimate_prior(connection, 10, {"first_name", "surname", "date_of_birth", "birth_year"})
    assert prior == pytest.approx(1 / 45)  # at least one match assumed among the 45 pairs
    assert explained.startswith("assumed, because no two records share a name")
