"""What was planted can be found again from the data: the referral bias, the letter-trial effect, hidden HMOs,
under-billed business rates, and realistic record errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from townhall.demo import DemoCouncil


def _truth(council: DemoCouncil, name: str) -> pd.DataFrame:
    return pd.read_csv(council.folder / "truth" / name, dtype={"record_id": str, "nhs_number": str})


def _planted(council: DemoCouncil) -> dict:
    return json.loads((council.folder / "truth" / "planted_effects.json").read_text(encoding="utf-8"))


def test_the_bias_group_is_referred_about_1_8_times_as_often_at_equal_need(statistics_council: DemoCouncil) -> None:
    children = _truth(statistics_council, "childrens_escalation_truth.csv")
    links = _truth(statistics_council, "record_links.csv")
    referrals = links.loc[links["source"] == "childrens_social_care_referrals", "person_id"].value_counts()
    children["referrals"] = referrals.reindex(children["person_id"]).fillna(0).to_numpy()
    # Indirect standardisation: observed referrals over those expected from need alone, in each group.
    by_group = children.groupby("in_bias_group")[["referrals", "expected_referrals_without_bias"]].sum()
    ratio_to_expected = by_group["referrals"] / by_group["expected_referrals_without_bias"]
    rate_ratio = ratio_to_expected[True] / ratio_to_expected[False]
    planted = _planted(statistics_council)["childrens_referrals"]["referral_rate_multiplier"]
    assert abs(rate_ratio - planted) < 0.45, rate_ratio
    # The true need for escalation is not higher in the bias group: the difference is in the recording.
    true_rate = children.groupby("in_bias_group")["true_escalation_needed"].mean()
    assert true_rate[True] < 1.6 * true_rate[False]


def test_the_letter_trial_estimate_matches_the_planted_effect_within_noise(statistics_council: DemoCouncil) -> None:
    trial = statistics_council.source("letter_trial").read()
    assert set(trial["arm"]) == {"control", "new_letter"}
    assert abs((trial["arm"] == "new_letter").mean() - 0.5) < 0.01
    rates = trial.groupby("arm")["switched_to_direct_debit"].agg(["mean", "size"])
    estimate = rates.loc["new_letter", "mean"] - rates.loc["control", "mean"]
    standard_error = np.sqrt((rates["mean"] * (1 - rates["mean"]) / rates["size"]).sum())
    true_effect = _planted(statistics_council)["letter_trial"]["true_effect"]
    assert abs(estimate - true_effect) < 3 * standard_error, (estimate, standard_error)


def test_switchers_in_the_trial_pay_by_direct_debit_in_council_tax(small_council: DemoCouncil) -> None:
    trial = small_council.source("letter_trial").read()
    council_tax = small_council.source("council_tax").read().set_index("AccountRef")
    switched = trial.loc[trial["switched_to_direct_debit"], "account_ref"]
    assert (council_tax.loc[switched, "PaymentMethod"] == "Direct Debit").all()


def test_a_simple_score_from_sources_finds_hmos_far_above_the_base_rate(statistics_council: DemoCouncil) -> None:
    hmo = _truth(statistics_council, "hmo_truth.csv")
    homes = hmo.loc[hmo["residential"]].set_index("uprn")
    benefits = statistics_council.source("benefits").read()
    claimants = benefits.loc[benefits["UPRN"] != "", "UPRN"].astype("int64").value_counts()
    police = statistics_council.source("police_asb").read()
    gazetteer = statistics_council.source("address_gazetteer").read()
    number = gazetteer["PAO_START_NUMBER"] + gazetteer["PAO_START_SUFFIX"] + " " + gazetteer["STREET_DESCRIPTOR"]
    flat = (gazetteer["SAO_TEXT"] + ", ").where(gazetteer["SAO_TEXT"] != "", "")
    building = (gazetteer["PAO_TEXT"] + ", ").where(gazetteer["PAO_TEXT"] != "", "")
    location = pd.Series((flat + building + number).to_numpy(), index=gazetteer["UPRN"].astype("int64"))
    noise = location.map(police.loc[police["Category"] == "Noise", "Location"].value_counts()).fillna(0)
    score = claimants.reindex(homes.index).fillna(0) + noise.reindex(homes.index).fillna(0)
    score += np.random.default_rng(0).random(len(score)) * 1e-3  # break ties at random
    top = score.rank(ascending=False) <= 0.05 * len(score)
    base_rate = homes["is_hmo"].mean()
    assert 0.01 <= base_rate <= 0.03
    assert homes.loc[top, "is_hmo"].mean() >= 5 * base_rate
    hidden_base = homes["hidden_hmo"].mean()
    assert homes.loc[top, "hidden_hmo"].mean() >= 5 * hidden_base


def test_under_billed_business_rates_show_a_low_value_per_square_metre(statistics_council: DemoCouncil) -> None:
    truth = _truth(statistics_council, "business_rates_truth.csv")
    assert 0.03 < truth["under_billed"].mean() < 0.2
    value_per_m2 = truth["recorded_rateable_value"] / truth["floor_area_m2"]
    relative = value_per_m2 / value_per_m2.groupby(truth["category"]).transform("median")
    assert relative[truth["under_billed"]].median() < 0.85 * relative[~truth["under_billed"]].median()
    assert (truth.loc[truth["under_billed"], "shortfall"] > 0).all()


def test_records_carry_realistic_name_errors_and_stale_addresses(statistics_council: DemoCouncil) -> None:
    people = _truth(statistics_council, "people.csv").set_index("person_id")
    links = _truth(statistics_council, "record_links.csv")
    clients = statistics_council.source("adult_social_care").read()
    truth = links.loc[links["source"] == "adult_social_care"].set_index("record_id")["person_id"]
    person = people.loc[truth.reindex(clients["Client No"].astype(str)).to_numpy()]
    recorded = clients["Forename"].str.strip().str.lower().to_numpy()
    differs = (recorded != person["first_name"].str.lower().to_numpy()).mean()
    assert 0.01 < differs < 0.10
    benefits = statistics_council.source("benefits").read()
    assert benefits["FULL NAME"].str.isupper().all()
    assert (people["birth_surname"] != people["surname"]).any()
    assert people["twin_of"].notna().any()
    households = _truth(statistics_council, "households.csv")
    assert households["moved"].mean() > 0.05 and households["new_uprn"].notna().sum() == households["moved"].sum()


def test_a_few_vulnerable_people_have_their_address_withheld(statistics_council: DemoCouncil) -> None:
    register = statistics_council.source("vulnerability_register").read()
    withheld = register["address_withheld"] == "Y"
    assert 0 < withheld.mean() < 0.05
    assert (register.loc[withheld, ["address", "postcode"]] == "").all().all()


def test_opt_outs_are_about_one_and_a_half_percent_of_residents(statistics_council: DemoCouncil) -> None:
    opt_outs = statistics_council.source("opt_outs").read()
    assert 0.008 < len(opt_outs) / statistics_council.residents < 0.025


def test_sensor_feeds_behave_like_sensors(small_council: DemoCouncil) -> None:
    bins = small_council.source("bin_sensors").read()
    assert bins["fill_level_pct"].between(0, 100).all()
    one = bins.loc[bins["bin_id"] == bins["bin_id"].iloc[0]].sort_values("reading_time")
    assert (one["fill_level_pct"].diff() < -30).sum() >= 5  # collections empty the bin
    temperatures = small_council.source("building_temperatures").read()
    readings = pd.to_numeric(temperatures["temperature_c"])
    assert readings.between(10, 26).mean() > 0.9
    faults = _truth(small_council, "building_faults.csv")
    assert set(faults["fault"]) <= {"stuck sensor", "overheating", "heating failure", "spikes", "dropout"}


def test_service_demand_has_more_than_five_years_of_monthly_counts(small_council: DemoCouncil) -> None:
    demand = small_council.source("service_demand").read()
    months = sorted(demand["month"].unique())
    assert months[0] == "2019-01" and months[-1] == "2026-09" and len(months) == 93
    assert pd.to_numeric(demand["requests"]).ge(0).all()


def test_send_transitions_follow_the_open_send_model_layout(small_council: DemoCouncil) -> None:
    send = small_council.source("send_transitions").read()
    assert list(send.columns) == ["calendar-year", "setting-1", "need-1", "academic-year-1", "setting-2", "need-2",
                                  "academic-year-2", "count"]
    assert {"NONSEND"} < set(send["setting-1"]) and pd.to_numeric(send["count"]).gt(0).all()
