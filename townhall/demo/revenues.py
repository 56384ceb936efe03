"""Revenues and benefits systems: council tax accounts, housing benefit / council tax reduction claims, business
rates (NNDR) accounts, and the business rates rating history and revenue-protection reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.errors import (
    abbreviate_streets,
    blank_out,
    mixed_date_text,
    untidy_postcodes,
)
from townhall.demo.formats import PERIOD_END, PERIOD_START, format_dates, text_column
from townhall.demo.outcomes import _relief_names, sigmoid
from townhall.demo.population import HMO_TENANT
from townhall.demo.records import NameErrors, SourceTable, garble_names, links_frame, pick, record_ids, titles
from townhall.demo.world import DemoWorld, address_lines, address_parts, one_line, person_view

PAYMENT_METHODS = ("Direct Debit", "Cash", "Card", "Online", "Standing Order", "PayPoint")


def council_tax(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Council tax accounts (one per household per home, one per HMO), Windows-1252 CSV from a legacy system.

    Returns the source table and the accounts' hidden facts (for the letter trial).
    """
    rng = world.random("council tax")
    households = world.households
    people = world.people
    hmo = world.facts["hmo"]
    residencies = world.population.residencies
    regular = households["hmo_unit"].to_numpy()[residencies["household_id"].to_numpy()] < 0
    columns = ["household_id", "property_id", "start_date", "end_date"]
    accounts = residencies.loc[regular, columns].reset_index(drop=True)
    accounts["start_date"] = accounts["start_date"].to_numpy(dtype="datetime64[D]")
    reference = people.loc[people["role"] == "reference"].drop_duplicates("household_id").set_index("household_id")
    accounts["person_id"] = reference["person_id"].reindex(accounts["household_id"]).to_numpy()
    end = accounts["end_date"].to_numpy(dtype="datetime64[D]")
    snapshot = np.where(np.isnat(end), PERIOD_END, end - 1)

    # Adults (18+) living in the household on the snapshot date decide the single person discount.
    member = people[["household_id", "date_of_birth", "date_of_death"]].merge(
        accounts[["household_id"]].assign(account=np.arange(len(accounts)), snapshot=snapshot), on="household_id")
    member_snapshot = member["snapshot"].to_numpy(dtype="datetime64[D]")
    death = member["date_of_death"].to_numpy(dtype="datetime64[D]")
    adult = (member["date_of_birth"].to_numpy(dtype="datetime64[D]") <= member_snapshot - 6575) & (
        np.isnat(death) | (death > member_snapshot))
    adults = np.bincount(member["account"].to_numpy(), weights=adult, minlength=len(accounts))
    single_discount = (adults <= 1) | (rng.random(len(accounts)) < 0.04)  # a few claim it wrongly

    # HMOs: licensed ones are billed to the landlord; hidden ones often to one tenant, without the discount.
    hmo_rows = hmo.loc[hmo["is_hmo"]]
    tenants_by_unit = households.loc[households["household_type_index"] == HMO_TENANT].reset_index()
    first_tenant = tenants_by_unit.groupby("hmo_unit")["household_id"].first()
    tenant_named = ~hmo_rows["licensed_at_end"].to_numpy() & (rng.random(len(hmo_rows)) < 0.55)
    tenant_household = first_tenant.reindex(hmo_rows["property_id"]).to_numpy()
    tenant_person = reference["person_id"].reindex(tenant_household).to_numpy()
    landlord = hmo_rows["landlord_person_id"].to_numpy()
    hmo_person = np.where(tenant_named, tenant_person, landlord)
    hmo_household = np.where(hmo_person >= 0, people["household_id"].to_numpy()[np.maximum(hmo_person, 0)], -1)
    hmo_accounts = pd.DataFrame({
        "household_id": hmo_household, "property_id": hmo_rows["property_id"].to_numpy(),
        "start_date": np.where(np.isnat(hmo_rows["licence_start"].to_numpy(dtype="datetime64[D]")),
                               PERIOD_START - rng.integers(200, 3000, len(hmo_rows)).astype("timedelta64[D]"),
                               hmo_rows["licence_start"].to_numpy(dtype="datetime64[D]")),
        "end_date": np.datetime64("NaT"), "person_id": hmo_person,
        "company": np.where(hmo_person >= 0, "", hmo_rows["landlord_company"].to_numpy()),
    })
    hmo_discount = tenant_named & (rng.random(len(hmo_rows)) < 0.15)
    accounts["company"] = ""
    accounts = pd.concat([accounts, hmo_accounts], ignore_index=True)
    single_discount = np.concatenate([single_discount, hmo_discount])
    is_hmo_account = np.r_[np.zeros(len(accounts) - len(hmo_rows), dtype=bool), np.ones(len(hmo_rows), dtype=bool)]
    count = len(accounts)
    end = accounts["end_date"].to_numpy(dtype="datetime64[D]")
    snapshot = np.where(np.isnat(end), PERIOD_END, end - 1)
    start = accounts["start_date"].to_numpy(dtype="datetime64[D]")

    person = accounts["person_id"].to_numpy(dtype=np.int64)
    has_person = person >= 0
    name_date = np.where(rng.random(count) < 0.6, snapshot, np.maximum(start, PERIOD_START))
    view = person_view(world, np.maximum(person, 0), name_date, rng)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.03, nickname=0.02, spelling_variant=0.01, swapped=0.005, case_and_spacing=0.0), rng)
    lead_name = surname.str.upper() + ", " + forename
    lead_name = lead_name.where(has_person, text_column(accounts["company"].to_numpy()).str.upper())

    household_id = np.maximum(accounts["household_id"].to_numpy(), 0)
    partner = people.loc[people["role"] == "partner"].drop_duplicates("household_id").set_index("household_id")
    partner_id = partner["person_id"].reindex(household_id).fillna(-1).to_numpy(dtype=np.int64)
    joint = has_person & ~is_hmo_account & (partner_id >= 0) & (rng.random(count) < 0.5)
    partner_view = person_view(world, np.maximum(partner_id, 0), name_date, rng)
    joint_name = (partner_view["surname"].str.upper() + ", " + partner_view["first_name"]).where(joint, "")

    parts = address_parts(world, accounts["property_id"].to_numpy())
    line_one, line_two = address_lines(parts)
    hardship = world.households["hardship"].to_numpy()[household_id]
    owner = world.households["tenure"].to_numpy()[household_id] == "Owner occupied"
    age = (snapshot - view["date_of_birth"].to_numpy()).astype(np.int64) / 365.25
    direct_debit = rng.random(count) < sigmoid(0.6 - 0.9 * hardship + 0.6 * owner + 0.5 * (age > 45) - 0.5 * (
        ~has_person))
    other_method = pick(PAYMENT_METHODS[1:], count, rng, [0.18, 0.3, 0.3, 0.12, 0.1])
    traits = world.facts["household_traits"]
    claim_end = traits["claim_end"].to_numpy(dtype="datetime64[D]")[household_id]
    claim_start = traits["claim_start"].to_numpy(dtype="datetime64[D]")[household_id]
    reduction = has_person & (claim_start <= snapshot) & (np.isnat(claim_end) | (claim_end >= snapshot))
    balance = np.where(rng.random(count) < sigmoid(-1.6 + 0.9 * hardship), rng.gamma(2, 220, count),
                       np.where(rng.random(count) < 0.1, -rng.gamma(1.5, 40, count), 0.0))

    account_ref = record_ids("CT", count, rng, width=8, order=start.astype(np.int64), start=10_000_000)
    frame = pd.DataFrame({
        "AccountRef": account_ref,
        "LeadLiableName": lead_name,
        "LeadLiableTitle": np.where(has_person, titles(view["sex"].to_numpy(), joint, rng), ""),
        "JointLiableName": joint_name,
        "LiableDOB": np.where(has_person & (rng.random(count) < 0.45),
                              mixed_date_text(view["date_of_birth"].to_numpy(), "dd/mm/yyyy", rng,
                                              day_month_swap_rate=0.01), ""),
        "UPRN": np.where(rng.random(count) < 0.96, parts["uprn"].astype(str), ""),
        "Addr1": line_one.str.upper(),
        "Addr2": line_two.str.upper(),
        "Addr3": "ASHBURY",
        "Postcode": blank_out(parts["postcode"], 0.01, rng),
        "Band": world.units["council_tax_band"].to_numpy()[accounts["property_id"].to_numpy()],
        "AccountStart": mixed_date_text(start, "dd/mm/yyyy", rng, other_styles={"d-MMM-yy": 0.05}),
        "AccountEnd": mixed_date_text(end, "dd/mm/yyyy", rng, other_styles={"d-MMM-yy": 0.05}),
        "PaymentMethod": np.where(direct_debit, "Direct Debit", other_method),
        "SPD": np.where(single_discount, "Y", "N"),
        "CTR": np.where(reduction, "Y", "N"),
        "Balance": np.round(balance, 2),
    })
    facts = pd.DataFrame({
        "account_ref": account_ref, "person_id": person, "household_id": accounts["household_id"].to_numpy(),
        "property_id": accounts["property_id"].to_numpy(), "start_date": start, "end_date": end,
        "direct_debit": direct_debit, "hardship": hardship, "age": age, "has_person": has_person,
        "ward_index": parts["ward_index"].to_numpy(),
    })
    table = SourceTable(
        name="council_tax", file_name="council_tax_accounts.csv", file_format="csv-windows-1252",
        owner="Revenues and Benefits",
        description="Council tax accounts for every home, with the liable person, band, payment method and discounts.",
        frame=frame, record_id_column="AccountRef",
        links=links_frame(account_ref, person, np.where(person >= 0, accounts["household_id"].to_numpy(), -1)),
        errors=("typos and nicknames in names", "SURNAME, Forename style", "names outside Windows-1252 become '?'",
                "day/month swapped in some dates of birth", "some dates as d-MMM-yy", "missing postcodes and UPRNs",
                "HMOs billed to one tenant or the landlord", "a few wrongly claimed single person discounts"),
    )
    return table, facts


def benefits(world: DemoWorld) -> SourceTable:
    """Housing benefit and council tax reduction claims: semicolon-separated CSV with decimal commas."""
    rng = world.random("benefits")
    households = world.households
    people = world.people
    traits = world.facts["household_traits"]
    claimant_households = np.flatnonzero(traits["benefit_claim"].to_numpy())
    claim_start = traits["claim_start"].to_numpy(dtype="datetime64[D]")[claimant_households]
    claim_end = traits["claim_end"].to_numpy(dtype="datetime64[D]")[claimant_households]
    residencies = world.population.residencies
    first_start = residencies.groupby("household_id")["start_date"].min().to_numpy(dtype="datetime64[D]")
    claim_start = np.maximum(claim_start, first_start[claimant_households])
    keep = np.isnat(claim_end) | (claim_end >= PERIOD_START)
    claimant_households, claim_start, claim_end = claimant_households[keep], claim_start[keep], claim_end[keep]
    reference = people.loc[people["role"] == "reference"].drop_duplicates("household_id").set_index("household_id")
    person = reference["person_id"].reindex(claimant_households).to_numpy()
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")[person]
    claim_end = np.where(~np.isnat(death) & (np.isnat(claim_end) | (death < claim_end)), death, claim_end)
    count = person.size
    snapshot = np.where(np.isnat(claim_end), PERIOD_END, claim_end)
    view = person_view(world, person, snapshot, rng, stale_address_rate=0.12, stale_surname_rate=0.3)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.035, nickname=0.03, spelling_variant=0.015, swapped=0.0, case_and_spacing=0.0), rng)
    reversed_order = rng.random(count) < 0.04
    full_name = (forename + " " + surname).where(~reversed_order, surname + " " + forename).str.upper()
    partner = people.loc[people["role"] == "partner"].drop_duplicates("household_id").set_index("household_id")
    partner_id = partner["person_id"].reindex(claimant_households).fillna(-1).to_numpy(dtype=np.int64)
    partner_view = person_view(world, np.maximum(partner_id, 0), snapshot, rng)
    partner_name = (partner_view["first_name"] + " " + partner_view["surname"]).str.upper().where(
        (partner_id >= 0) & (rng.random(count) < 0.8), "")
    parts = address_parts(world, view["property_id"].to_numpy())
    tenure = households["tenure"].to_numpy()[claimant_households]
    renting = tenure != "Owner occupied"
    benefit = np.where(renting & (rng.random(count) < 0.75), "Housing Benefit and Council Tax Reduction",
                       np.where(renting & (rng.random(count) < 0.5), "Housing Benefit", "Council Tax Reduction"))
    award = np.where(np.char.startswith(benefit.astype(str), "Housing"), rng.uniform(55, 190, count),
                     rng.uniform(4, 28, count))
    claim_ref = record_ids("HB", count, rng, width=7, order=claim_start.astype(np.int64), start=1_000_000)
    frame = pd.DataFrame({
        "CLAIM REF": claim_ref,
        "FULL NAME": full_name,
        "DATE OF BIRTH": mixed_date_text(view["date_of_birth"].to_numpy(), "yyyy-mm-dd", rng,
                                         other_styles={"dd/mm/yyyy": 0.1}, day_month_swap_rate=0.01),
        "ADDRESS": abbreviate_streets(one_line(parts, with_town=False), 0.25, rng).str.upper(),
        "POSTCODE": untidy_postcodes(blank_out(parts["postcode"], 0.015, rng), 0.08, rng),
        "UPRN": np.where(rng.random(count) < 0.75, parts["uprn"].astype(str), ""),
        "BENEFIT": benefit,
        "OUT OF WORK": np.where(traits["out_of_work_benefits"].to_numpy()[claimant_households], "Y", "N"),
        "WEEKLY AWARD": np.round(award, 2),
        "CLAIM START": format_dates(claim_start, "yyyy-mm-dd"),
        "CLAIM END": format_dates(claim_end, "yyyy-mm-dd"),
        "PARTNER NAME": partner_name,
        "DEPENDANTS": households["children"].to_numpy()[claimant_households],
    })
    return SourceTable(
        name="benefits", file_name="benefit_claims.csv", file_format="csv-semicolon",
        owner="Revenues and Benefits",
        description="Housing benefit and council tax reduction claims, with the claimant, award and claim dates.",
        frame=frame, record_id_column="CLAIM REF", links=links_frame(claim_ref, person, claimant_households),
        errors=("upper-case FULL NAME, sometimes surname first", "typos, nicknames and variant spellings",
                "stale addresses after moves", "old surnames after marriage", "mixed date formats",
                "abbreviated streets", "untidy or missing postcodes", "decimal commas"),
    )


def business_rates(world: DemoWorld) -> SourceTable:
    """Business rates (NNDR) accounts with rateable value, relief and the amount billed: an Excel workbook."""
    rng = world.random("business rates source")
    facts = world.facts["business"]
    count = len(facts)
    parts = address_parts(world, facts["property_id"].to_numpy())
    descriptions = {"Shop": "Shop and premises", "Office": "Offices and premises",
                    "Warehouse": "Warehouse and premises",
                    "Workshop": "Workshop and premises", "Restaurant": "Restaurant and premises",
                    "Public house": "Public house and premises", "Hotel": "Hotel and premises"}
    account = facts["account_number"].to_numpy()
    frame = pd.DataFrame({
        "Account Number": account,
        "Ratepayer": facts["ratepayer"].to_numpy(),
        "UPRN": pd.array(np.where(rng.random(count) < 0.85, parts["uprn"].to_numpy(), -1), dtype="Int64"),
        "Property Address": one_line(parts),
        "Postcode": parts["postcode"],
        "Description": facts["category"].map(descriptions).to_numpy(),
        "Floor Area (m2)": facts["floor_area_m2"].to_numpy(),
        "Rateable Value": facts["recorded_rateable_value"].to_numpy(),
        "Relief": facts["recorded_relief"].to_numpy(),
        "Liability Start": facts["liability_start"].to_numpy(dtype="datetime64[D]"),
        "Amount Billed 2025/26": facts["billed_2025_26"].to_numpy(),
    })
    frame["UPRN"] = frame["UPRN"].mask(frame["UPRN"] < 0)
    return SourceTable(
        name="business_rates", file_name="business_rates.xlsx", file_format="xlsx", owner="Revenues and Benefits",
        description="Business rates accounts with ratepayer, rateable value, reliefs and amount billed for 2025/26.",
        frame=frame, record_id_column="Account Number", sheet="NNDR accounts", date_cell_columns=("Liability Start",),
        errors=("some rateable values out of date", "small business relief wrongly applied on a few accounts",
                "UPRN missing on about 15% of accounts"),
    )


REVIEW_RESULTS = ("Rateable value increased", "Relief removed", "No change")
_SMALL_BUSINESS_RELIEF = "Small business rate relief"


def _business_rates_history(world: DemoWorld) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Revenue-protection reviews since 2019 and the rating history they changed, planted on the business facts.

    Accounts under-billed in the past (a stale value, or small business relief above the threshold) were billed on
    the wrong value or relief from the start of liability until a review found them, and corrected on its date;
    accounts under-billed now have not been found (any review since they started missed it). Returns the reviews,
    the valuation rows and one truth row per account.
    """
    rng = world.random("business rates history")
    facts = world.facts["business"]
    count = len(facts)
    start = facts["liability_start"].to_numpy(dtype="datetime64[D]")
    first_day = np.maximum(start, PERIOD_START)
    old_account = start < np.datetime64("2015-04-01")
    true_value = facts["true_rateable_value"].to_numpy(dtype=float)
    category = facts["category"].to_numpy()
    charity = facts["charity"].to_numpy(dtype=bool)
    under_billed_now = facts["under_billed"].to_numpy(dtype=bool)

    # Past under-billing, found by a review between the account's first half year (or 2019) and the end.
    earliest_find = np.maximum(start + 180, PERIOD_START + 30)
    room = (PERIOD_END - earliest_find).astype(np.int64)
    can_find = ~under_billed_now & (room > 30)
    past_stale = can_find & (rng.random(count) < np.where(old_account, 0.35, 0.12))
    past_relief = (can_find & ~past_stale & ~charity & (true_value > 15_000)
                   & (rng.random(count) < np.where(old_account, 0.12, 0.05)))
    found = past_stale | past_relief
    found_date = np.where(found, earliest_find + (rng.random(count) * np.maximum(room, 1)).astype("timedelta64[D]"),
                          np.datetime64("NaT"))
    value_before = np.where(past_stale, np.maximum(np.floor(true_value * rng.uniform(0.45, 0.8, count) / 50) * 50,
                                                   500), facts["recorded_rateable_value"].to_numpy(dtype=float))
    relief_before = np.where(past_stale | past_relief,
                             _relief_names(value_before, category, charity, past_relief),
                             facts["recorded_relief"].to_numpy())

    # Routine reviews on a four-year cycle, intelligence-led reviews at random (more often of under-billed accounts).
    phase = (rng.random(count) * 1461).astype("timedelta64[D]")
    routine = [PERIOD_START + phase + cycle * 1461 + rng.integers(-20, 21, count).astype("timedelta64[D]")
               for cycle in range(2)]
    routine_dates = np.concatenate(routine)
    routine_accounts = np.tile(np.arange(count), 2)
    years_open = (PERIOD_END - first_day).astype(np.int64) / 365.25
    intelligence_rate = np.where(under_billed_now, 0.05, 0.03) * np.clip(years_open, 0, None)
    intelligence_count = rng.poisson(intelligence_rate)
    intelligence_accounts = np.repeat(np.arange(count), intelligence_count)
    intelligence_dates = first_day[intelligence_accounts] + (
        rng.random(intelligence_accounts.size) * (PERIOD_END - first_day)[intelligence_accounts].astype(np.int64)
    ).astype("timedelta64[D]")
    finding = np.flatnonzero(found)
    finding_reason = np.where(rng.random(finding.size) < 0.5, "intelligence", "routine cycle")
    accounts = np.concatenate([routine_accounts, intelligence_accounts, finding])
    dates = np.concatenate([routine_dates, intelligence_dates, found_date[finding]]).astype("datetime64[D]")
    reasons = np.concatenate([np.full(routine_dates.size, "routine cycle", dtype=object),
                              np.full(intelligence_dates.size, "intelligence", dtype=object),
                              finding_reason.astype(object)])
    results = np.concatenate([np.full(routine_dates.size + intelligence_dates.size, "No change", dtype=object),
                              np.where(past_stale[finding], REVIEW_RESULTS[0], REVIEW_RESULTS[1]).astype(object)])
    keep = (dates >= first_day[accounts]) & (dates <= PERIOD_END)
    # A routine review within 90 days of the review that found the account is the same visit: keep the finding.
    clash = ~np.isnat(found_date[accounts]) & (np.abs((dates - found_date[accounts]).astype(np.int64)) < 90) & (
        results == "No change")
    account_found = found_date[accounts]
    under_billed_then = under_billed_now[accounts] | (~np.isnat(account_found) & (dates <= account_found))
    # Most reviews of an under-billed account find it; only about 3 in 10 of the others miss it.
    found_anyway = under_billed_then & (results == "No change") & (rng.random(accounts.size) < 0.7)
    keep &= ~clash & ~found_anyway
    reviews = pd.DataFrame({"account": accounts[keep], "date": dates[keep], "reason": reasons[keep],
                            "result": results[keep], "under_billed_then": under_billed_then[keep]}
                           ).sort_values(["date", "account"], kind="stable")
    row_account = reviews["account"].to_numpy()
    reviews["missed"] = reviews["under_billed_then"] & (reviews["result"] == "No change")
    reviews["review_id"] = record_ids("RP", len(reviews), rng, width=6, start=100_000)

    first = pd.DataFrame({"account": np.arange(count), "date": start, "value": value_before, "relief": relief_before})
    corrected = pd.DataFrame({"account": finding, "date": found_date[finding],
                              "value": facts["recorded_rateable_value"].to_numpy(dtype=float)[finding],
                              "relief": facts["recorded_relief"].to_numpy()[finding]})
    valuations = pd.concat([first, corrected], ignore_index=True).sort_values(["date", "account"], kind="stable")
    truth = pd.DataFrame({
        "account_number": facts["account_number"].to_numpy(),
        "under_billed_now": under_billed_now,
        "past_under_billing": np.where(past_stale, "stale valuation", np.where(past_relief, "wrong relief", "")),
        "found_on": found_date.astype("datetime64[D]"),
        "rateable_value_before": value_before, "relief_before": relief_before,
        "reviews": np.bincount(row_account, minlength=count),
        "missed_reviews": np.bincount(row_account, weights=reviews["missed"].to_numpy(), minlength=count).astype(int),
    })
    world.planted["business_rates_history"] = {
        "reviews": len(reviews), "accounts_found_under_billed_since_2019": int(found.sum()),
        "found_by_stale_valuation": int(past_stale.sum()), "found_by_wrong_relief": int(past_relief.sum()),
        "past_stale_valuation_rate": {"accounts_before_2015": 0.35, "later": 0.12},
        "past_wrong_relief_rate_above_15000": {"accounts_before_2015": 0.12, "later": 0.05},
        "routine_cycle_years": 4, "intelligence_reviews_per_year": {"under_billed_now": 0.05, "others": 0.03},
        "reviews_that_missed_under_billing": int(reviews["missed"].sum()), "review_miss_rate": 0.3,
        "signal": "before a review finds it, the recorded rateable value per square metre is low",
    }
    return reviews, valuations, truth


def business_rates_reviews(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Revenue-protection reviews of business rates accounts since 2019 (CSV), with the planted truth per account."""
    reviews, _, truth = _business_rates_history(world)
    account = world.facts["business"]["account_number"].to_numpy()
    frame = pd.DataFrame({
        "Review ID": reviews["review_id"].to_numpy(),
        "Account Number": account[reviews["account"].to_numpy()],
        "Review Date": format_dates(reviews["date"].to_numpy(), "yyyy-mm-dd"),
        "Reason": reviews["reason"].to_numpy(),
        "Result": reviews["result"].to_numpy(),
    })
    table = SourceTable(
        name="business_rates_reviews", file_name="business_rates_reviews.csv", file_format="csv",
        owner="Revenues and Benefits",
        description="Revenue-protection reviews of business rates accounts since 2019, with why and what they found.",
        frame=frame, record_id_column="Review ID",
        errors=("reviews chosen partly on intelligence, not at random", "some reviews missed an under-billed account"),
    )
    return table, truth


def business_rates_valuations(world: DemoWorld) -> SourceTable:
    """Rating history of business rates accounts: one row per change of rateable value or relief (CSV)."""
    _, valuations, _ = _business_rates_history(world)
    facts = world.facts["business"]
    rows = valuations["account"].to_numpy()
    frame = pd.DataFrame({
        "Account Number": facts["account_number"].to_numpy()[rows],
        "Effective Date": format_dates(valuations["date"].to_numpy(), "yyyy-mm-dd"),
        "Rateable Value": valuations["value"].to_numpy().astype(np.int64),
        "Floor Area (m2)": facts["floor_area_m2"].to_numpy()[rows].astype(np.int64),
        "Relief": valuations["relief"].to_numpy(),
    })
    frame.insert(0, "Entry ID", [f"V{number:07d}" for number in range(1, len(frame) + 1)])
    return SourceTable(
        name="business_rates_valuations", file_name="business_rates_valuations.csv", file_format="csv",
        owner="Revenues and Benefits",
        description="Rating history of business rates accounts: rateable value and relief from each effective date.",
        frame=frame, record_id_column="Entry ID",
        errors=("stale rateable values stay until a review corrects them",),
    )
