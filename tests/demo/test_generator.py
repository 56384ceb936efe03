"""The demo council generator: reproducible files, complete ground truth, valid identifiers, clear refusals."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from townhall.demo import DemoCouncil, generate_demo_council
from townhall.demo.formats import nhs_number_is_valid
from townhall.errors import TownhallError

EXPECTED_SOURCES = {
    "address_gazetteer", "adult_social_care", "benefits", "bin_sensors", "building_temperatures", "business_rates",
    "business_rates_reviews", "business_rates_valuations",
    "childrens_case_notes", "childrens_social_care_referrals", "council_tax", "fire_ambulance_callouts", "hmo_licences",
    "homelessness_applications", "housing_inspections", "housing_repairs", "housing_tenancies", "letter_trial",
    "opt_outs", "police_asb", "rent_arrears", "resident_feedback", "school_attendance", "school_transport_pupils",
    "send_transitions", "service_demand", "street_reports", "vulnerability_register", "waste_collection_days",
}
PERSON_BEARING = {
    "adult_social_care", "benefits", "childrens_social_care_referrals", "council_tax", "fire_ambulance_callouts",
    "hmo_licences", "homelessness_applications", "housing_repairs", "housing_tenancies", "opt_outs", "police_asb",
    "rent_arrears", "school_attendance", "vulnerability_register",
}


def _hashes(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_same_seed_gives_byte_identical_files_and_another_seed_does_not(
        small_council: DemoCouncil, tmp_path: Path) -> None:
    again = generate_demo_council(tmp_path / "again", residents=small_council.residents, seed=small_council.seed)
    other = generate_demo_council(tmp_path / "other", residents=small_council.residents, seed=small_council.seed + 1)
    first = _hashes(small_council.folder)
    assert first == _hashes(again.folder)
    different = _hashes(other.folder)
    assert first.keys() == different.keys()
    changed = [name for name in first if first[name] != different[name]]
    assert len(changed) >= len(first) - 2  # essentially every file changes with the seed


def test_every_system_is_written_once_with_an_owner_and_a_one_sentence_description(small_council: DemoCouncil) -> None:
    names = [source.name for source in small_council.sources]
    assert set(names) == EXPECTED_SOURCES and len(names) == len(set(names))
    for source in small_council.sources:
        assert source.file.parent == small_council.folder / "sources" and source.file.is_file()
        assert source.owner and source.description.endswith(".") and source.description.count(". ") == 0
        assert (source.sheet is not None) == (source.file_format == "xlsx")
        assert len(source.read()) == source.rows > 0
    assert small_council.name == "Ashbury" and small_council.residents == 2_000 and small_council.seed == 2026
    assert set(small_council.geography_files) == {"small_areas", "wards", "authority", "small_area_indicators",
                                                  "postcodes"}


def test_each_person_bearing_source_has_its_own_record_id_column_name(small_council: DemoCouncil) -> None:
    id_columns = [small_council.source(name).record_id_column for name in sorted(PERSON_BEARING)]
    assert None not in id_columns and len(set(id_columns)) == len(id_columns)
    for name in PERSON_BEARING:
        source = small_council.source(name)
        assert source.read()[source.record_id_column].astype(str).is_unique, name


def test_truth_links_every_person_bearing_record_to_its_true_person(small_council: DemoCouncil) -> None:
    links = pd.read_csv(small_council.folder / "truth" / "record_links.csv", dtype={"record_id": str})
    assert list(links.columns) == ["source", "record_id", "person_id", "household_id"]
    assert set(links["source"]) == PERSON_BEARING
    people = pd.read_csv(small_council.folder / "truth" / "people.csv", dtype={"nhs_number": str})
    for name in PERSON_BEARING:
        source = small_council.source(name)
        ids = set(source.read()[source.record_id_column].astype(str))
        assert ids == set(links.loc[links["source"] == name, "record_id"]), name
    linked = links["person_id"].dropna().astype(int)
    assert linked.isin(people["person_id"]).all()
    assert links["person_id"].notna().mean() > 0.9  # only police and fire rows may name nobody


def test_true_nhs_numbers_are_all_valid_and_some_recorded_ones_are_deliberately_wrong(
        small_council: DemoCouncil) -> None:
    people = pd.read_csv(small_council.folder / "truth" / "people.csv", dtype={"nhs_number": str})
    assert nhs_number_is_valid(people["nhs_number"]).all() and people["nhs_number"].is_unique
    assert people["nhs_number"].str.startswith("9").all()
    recorded = pd.concat([
        small_council.source("adult_social_care").read()["NHS Number"].dropna().astype(str),
        small_council.source("childrens_social_care_referrals").read()["NHS No"],
        small_council.source("vulnerability_register").read()["nhs_number"],
    ])
    recorded = recorded[recorded.str.strip() != ""]
    invalid = ~nhs_number_is_valid(recorded)
    assert 0 < invalid.sum() < 0.1 * len(recorded)


def test_planted_effects_are_recorded_and_truth_is_marked_as_not_a_source(small_council: DemoCouncil) -> None:
    truth = small_council.folder / "truth"
    planted = json.loads((truth / "planted_effects.json").read_text(encoding="utf-8"))
    assert planted["childrens_referrals"]["referral_rate_multiplier"] == 1.8
    assert planted["childrens_referrals"]["bias_group"].startswith("Black")
    assert planted["letter_trial"]["true_effect"] == 0.05
    assert 0.01 <= planted["hmos"]["hmo_base_rate"] <= 0.03
    assert planted["all_true_nhs_numbers_valid"] is True
    for name in ("people.csv", "households.csv", "hmo_truth.csv", "business_rates_truth.csv",
                 "childrens_escalation_truth.csv", "README.txt"):
        assert (truth / name).is_file(), name
    hmo = pd.read_csv(truth / "hmo_truth.csv")
    gazetteer = small_council.source("address_gazetteer").read()
    homes = gazetteer.loc[gazetteer["CLASSIFICATION_CODE"] != "PP", "UPRN"].astype("int64")
    assert set(hmo["uprn"]) == set(homes)


def test_regenerating_replaces_the_previous_demo_and_leaves_no_temporary_folders(tmp_path: Path) -> None:
    folder = tmp_path / "ashbury"
    generate_demo_council(folder, residents=600, seed=1)
    (folder / "sources" / "stale.csv").write_text("left over\n", encoding="utf-8")
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    steps: list[tuple[str, float]] = []
    generate_demo_council(folder, residents=600, seed=2, progress=lambda step, fraction: steps.append((step, fraction)))
    assert not (folder / "sources" / "stale.csv").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(path.name for path in folder.iterdir()) == ["geography", "notes.txt", "sources", "truth"]
    fractions = [fraction for _, fraction in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(steps) > 10


@pytest.mark.parametrize("residents", [0, 499, 1.5, True])
def test_too_few_residents_are_refused_with_a_clear_message(tmp_path: Path, residents: object) -> None:
    with pytest.raises(TownhallError, match="at least 500 residents"):
        generate_demo_council(tmp_path / "x", residents=residents)  # type: ignore[arg-type]
    assert not (tmp_path / "x" / "sources").exists()
