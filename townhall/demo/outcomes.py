"""Hidden traits and outcomes with real signal: hardship-driven needs, hidden HMOs, under-billed business rates,
children's-services escalation, and one known historical bias in who gets referred.

What is planted here is written to truth/planted_effects.json so tests and model audits can check it is found.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.formats import NOT_A_DATE, PERIOD_END, PERIOD_START, add_years
from townhall.demo.geography import ETHNIC_GROUPS
from townhall.demo.names import BUSINESS_KINDS, BUSINESS_LEGAL_SUFFIXES, BUSINESS_NAME_STEMS, LANDLORD_COMPANY_NAMES
from townhall.demo.population import DAYS_PER_YEAR, HMO_TENANT, PERIOD_DAYS
from townhall.demo.properties import BUSINESS_CATEGORIES, TERRACED
from townhall.demo.records import fictional_phone_numbers, record_ids
from townhall.demo.world import DemoWorld

BIAS_GROUP = "Black, Black British, Black Welsh, Caribbean or African"
REFERRAL_BIAS_MULTIPLIER = 1.8
_REFERRAL_BASE_RATE = 0.035  # referrals per child-year at need 0
_REFERRAL_NEED_SLOPE = 0.9


def sigmoid(values: np.ndarray) -> np.ndarray:
    """Logistic function, used to turn a risk score into a probability."""
    return 1 / (1 + np.exp(-values))


def plant_outcomes(world: DemoWorld) -> None:
    """Draw every latent trait and outcome, storing them in ``world.facts`` and the record in ``world.planted``."""
    _household_traits(world)
    _person_traits(world)
    _children(world)
    _hmos(world)
    _business_rates(world)


def _household_traits(world: DemoWorld) -> None:
    """Benefits, rent arrears, anti-social behaviour and domestic abuse, all likelier with household hardship."""
    rng = world.random("household traits")
    households = world.households
    count = len(households)
    hardship = households["hardship"].to_numpy()
    hmo_tenant = households["household_type_index"].to_numpy() == HMO_TENANT
    working_age = households["reference_age"].to_numpy() + 4 < 66
    council = households["tenure"].to_numpy() == "Council tenant"
    claims = rng.random(count) < sigmoid(np.where(working_age, -1.8 + 1.4 * hardship, -1.3 + 1.0 * hardship)
                                         + 0.9 * hmo_tenant)
    out_of_work = claims & working_age & (rng.random(count) < sigmoid(0.6 + 0.8 * hardship))
    claim_start = PERIOD_START - 3 * 365 + (rng.random(count) * (PERIOD_DAYS + 3 * 365 - 90)).astype(
        "timedelta64[D]")
    claim_length = np.round(rng.exponential(3.0, count) * DAYS_PER_YEAR).astype("timedelta64[D]") + 60
    claim_end = np.where(claim_start + claim_length < PERIOD_END, claim_start + claim_length, NOT_A_DATE)

    people = world.people
    adult_woman = (people["sex"].to_numpy() == "F") & people["role"].isin(["reference", "partner"]).to_numpy()
    has_adult_woman = np.bincount(people["household_id"].to_numpy(), weights=adult_woman, minlength=count) > 0
    traits = pd.DataFrame({
        "benefit_claim": claims,
        "out_of_work_benefits": out_of_work,
        "claim_start": np.where(claims, claim_start, NOT_A_DATE),
        "claim_end": np.where(claims, claim_end, NOT_A_DATE),
        "rent_arrears": council & (rng.random(count) < sigmoid(-1.0 + 1.1 * hardship)),
        "anti_social_behaviour": rng.random(count) < sigmoid(-3.1 + 0.9 * hardship + 0.5 * hmo_tenant),
        "domestic_abuse": has_adult_woman & (rng.random(count) < sigmoid(-4.3 + 0.8 * hardship)),
        "phone": fictional_phone_numbers(count, rng),
    })
    traits.index.name = "household_id"
    world.facts["household_traits"] = traits


def _person_traits(world: DemoWorld) -> None:
    """Mental-health needs and adult social care clients; parents' mental health feeds children's need."""
    rng = world.random("person traits")
    people = world.people
    count = len(people)
    hardship = world.households["hardship"].to_numpy()[people["household_id"].to_numpy()]
    age_at_end = (PERIOD_END - people["date_of_birth"].to_numpy(dtype="datetime64[D]")).astype(np.int64) / DAYS_PER_YEAR
    adult = age_at_end >= 18
    disability = people["disability_type"].to_numpy()
    mental_health = adult & ((disability == "Mental health") | (rng.random(count) < sigmoid(-3.3 + 0.5 * hardship)))
    draw = rng.random(count)
    care_client = people["disabled"].to_numpy() & adult & (
        ((age_at_end >= 65) & (draw < 0.28))
        | (np.isin(disability, ["Learning disability", "Mental health"]) & (draw < 0.18))
        | ((disability == "Physical") & (draw < 0.05)))
    traits = pd.DataFrame({"age_at_end": np.round(age_at_end, 2), "mental_health": mental_health,
                           "adult_social_care_client": care_client})
    traits.index.name = "person_id"
    world.facts["person_traits"] = traits
    parents = people["role"].isin(["reference", "partner"]).to_numpy() & mental_health
    world.facts["household_traits"]["parental_mental_health"] = np.bincount(
        people["household_id"].to_numpy(), weights=parents, minlength=len(world.households)) > 0


def _children(world: DemoWorld) -> None:
    """Children's true need, the referrals recorded (with the planted bias) and the true escalation label."""
    rng = world.random("children")
    people = world.people
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]")
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    eighteenth = add_years(dob, 18)
    start = np.maximum(dob, PERIOD_START)
    end = np.minimum(np.minimum(eighteenth, PERIOD_END), np.where(np.isnat(death), PERIOD_END, death))
    is_child = end > start + 30
    ids = np.flatnonzero(is_child)
    household = people["household_id"].to_numpy()[ids]
    traits = world.facts["household_traits"]
    deprivation = world.geography.small_areas["deprivation"].to_numpy()[
        world.households["small_area"].to_numpy()[household]]
    absence_tendency = 0.55 * world.households["hardship"].to_numpy()[household] + 0.55 * rng.normal(0, 1, ids.size)
    absence_rate = np.clip(0.028 + 0.04 * np.exp(0.75 * absence_tendency), 0.01, 0.7)
    low_attendance = absence_rate > 0.10
    factors = {
        "rent_arrears": traits["rent_arrears"].to_numpy()[household],
        "anti_social_behaviour": traits["anti_social_behaviour"].to_numpy()[household],
        "low_school_attendance": low_attendance,
        "out_of_work_benefits": traits["out_of_work_benefits"].to_numpy()[household],
        "domestic_abuse": traits["domestic_abuse"].to_numpy()[household],
        "parental_mental_health": traits["parental_mental_health"].to_numpy()[household],
    }
    weights = {"rent_arrears": 0.8, "anti_social_behaviour": 0.9, "low_school_attendance": 0.8,
               "out_of_work_benefits": 0.6, "domestic_abuse": 1.6, "parental_mental_health": 0.9}
    need = -0.5 + 0.3 * deprivation + rng.normal(0, 0.6, ids.size)
    for name, weight in weights.items():
        need = need + weight * factors[name]
    true_escalation = rng.random(ids.size) < sigmoid(-3.4 + 1.5 * need)

    group = ETHNIC_GROUPS[people["ethnicity_index"].to_numpy()[ids]]
    in_bias_group = group == BIAS_GROUP
    exposure_days = (end[ids] - start[ids]).astype(np.int64)
    expected_without_bias = _REFERRAL_BASE_RATE * np.exp(_REFERRAL_NEED_SLOPE * need) * exposure_days / DAYS_PER_YEAR
    expected = expected_without_bias * np.where(in_bias_group, REFERRAL_BIAS_MULTIPLIER, 1.0)
    referral_count = rng.poisson(expected)

    child_of_referral = np.repeat(np.arange(ids.size), referral_count)
    referral_date = start[ids][child_of_referral] + (rng.random(child_of_referral.size) * exposure_days[
        child_of_referral]).astype("timedelta64[D]")
    escalates = rng.random(child_of_referral.size) < np.where(true_escalation[child_of_referral], 0.5, 0.03)
    looked_after = escalates & (rng.random(child_of_referral.size) < 0.3)
    referrals = pd.DataFrame({
        "person_id": ids[child_of_referral], "referral_date": referral_date, "escalated": escalates,
        "outcome": np.where(looked_after, "Looked after", np.where(escalates, "Child protection plan", "")),
    }).sort_values(["referral_date", "person_id"], kind="stable").reset_index(drop=True)
    recorded_escalation = np.bincount(child_of_referral, weights=escalates, minlength=ids.size) > 0

    children = pd.DataFrame({"person_id": ids, "household_id": household,
                             "ethnic_group": group, "in_bias_group": in_bias_group,
                             "absence_rate": np.round(absence_rate, 4), **factors,
                             "need_score": np.round(need, 4),
                             "true_escalation_needed": true_escalation,
                             "exposure_years": np.round(exposure_days / DAYS_PER_YEAR, 3),
                             "expected_referrals_without_bias": np.round(expected_without_bias, 5),
                             "recorded_referrals": referral_count,
                             "recorded_escalation": recorded_escalation})
    world.facts["children"] = children
    world.facts["referrals"] = referrals
    world.planted["childrens_referrals"] = {
        "bias_group": BIAS_GROUP,
        "bias_applies_to": "ethnic group (ONS 2021 broad group) of the child",
        "referral_rate_multiplier": REFERRAL_BIAS_MULTIPLIER,
        "meaning": ("At the same underlying need, children in the bias group were referred 1.8 times as often, "
                    "so they were also escalated about 1.8 times as often; the true need for escalation "
                    "(childrens_escalation_truth.csv true_escalation_needed) does not depend on ethnicity."),
        "referrals_per_child_year_at_need_zero": _REFERRAL_BASE_RATE,
        "referral_rate_need_slope": _REFERRAL_NEED_SLOPE,
        "need_weights": weights,
        "true_escalation_model": "P = 1 / (1 + exp(-(-3.4 + 1.5 * need_score)))",
        "escalation_per_referral": {"when_escalation_truly_needed": 0.5, "otherwise": 0.03},
        "children": int(ids.size),
        "children_in_bias_group": int(in_bias_group.sum()),
        "referrals": int(referral_count.sum()),
        "true_escalation_rate": round(float(true_escalation.mean()), 4),
        "recorded_escalation_rate": round(float(recorded_escalation.mean()), 4),
    }


def _hmos(world: DemoWorld) -> None:
    """Licensed and hidden HMOs, noise complaints, and past inspections (labels seen only where inspected)."""
    rng = world.random("hmos")
    units = world.units
    households = world.households
    count = len(units)
    residential = ~units["is_business"].to_numpy()
    is_hmo = units["is_hmo"].to_numpy()
    tenants = households["hmo_unit"].to_numpy()
    occupants = np.bincount(tenants[tenants >= 0], minlength=count)
    licensed_at_start = is_hmo & (rng.random(count) < np.where(occupants >= 5, 0.55, 0.2))

    asb = world.facts["household_traits"]["anti_social_behaviour"].to_numpy()
    regular = tenants < 0
    asb_at_property = np.bincount(households["property_id"].to_numpy()[regular], weights=asb[regular],
                                  minlength=count)
    noise_rate = np.where(is_hmo, 0.35 + 0.12 * occupants, 0.012) + 0.3 * asb_at_property
    noise_complaints = np.where(residential, rng.poisson(noise_rate), 0)

    kind = units["type_index"].to_numpy()
    big_terrace = (kind == TERRACED) & (units["bedrooms"].to_numpy() >= 3)
    inspect_chance = 0.006 + 0.2 * (noise_complaints > 0) + 0.08 * is_hmo + 0.01 * big_terrace
    inspected = residential & ~licensed_at_start & (rng.random(count) < inspect_chance)
    inspection_date = np.datetime64("2019-03-01") + (rng.random(count) * 2450).astype("timedelta64[D]")
    no_access = rng.random(count) < 0.1
    found = inspected & ~no_access & is_hmo
    licence_start = np.where(
        licensed_at_start, np.datetime64("2014-06-01") + (rng.random(count) * 1800).astype("timedelta64[D]"),
        np.where(found, inspection_date + rng.integers(30, 150, count).astype("timedelta64[D]"), NOT_A_DATE))
    licensed_at_end = licensed_at_start | (found & (licence_start <= PERIOD_END))
    hidden = is_hmo & ~licensed_at_end

    landlord_person, landlord_company = _landlords(world, is_hmo, licensed_at_end, rng)
    hmo = pd.DataFrame({
        "property_id": np.arange(count), "uprn": units["uprn"].to_numpy(), "residential": residential,
        "landlord_person_id": landlord_person, "landlord_company": landlord_company,
        "is_hmo": is_hmo, "occupants": occupants, "licensed_at_start": licensed_at_start,
        "licensed_at_end": licensed_at_end, "licence_start": licence_start, "hidden_hmo": hidden,
        "noise_complaints": noise_complaints, "inspected": inspected,
        "inspection_date": np.where(inspected, inspection_date, NOT_A_DATE),
        "inspection_result": np.where(~inspected, "", np.where(no_access, "No access", np.where(
            is_hmo, "HMO found", "No HMO found"))),
    })
    world.facts["hmo"] = hmo
    homes = int(residential.sum())
    world.planted["hmos"] = {
        "residential_properties": homes,
        "hmo_properties": int(is_hmo.sum()),
        "hmo_base_rate": round(float(is_hmo.sum() / homes), 4),
        "hidden_hmo_properties_at_end": int(hidden.sum()),
        "hidden_hmo_base_rate": round(float(hidden.sum() / homes), 4),
        "licensed_at_end": int(licensed_at_end.sum()),
        "inspections": int(inspected.sum()),
        "inspections_finding_hmo": int(found.sum()),
        "signals": ["several unrelated adults at one address across council tax, benefits, call-outs and police",
                    "noise complaints", "no single-person discount", "terraced houses with many bedrooms",
                    "central, deprived small areas"],
        "inspection_selection": "complaint- and intelligence-led, so inspected properties are not a random sample",
    }


def _landlords(world: DemoWorld, is_hmo: np.ndarray, licensed: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """HMO landlords: letting companies, or owner-occupiers living in the borough (some own several HMOs)."""
    people = world.people
    households = world.households
    owner = households["tenure"].to_numpy()[people["household_id"].to_numpy()] == "Owner occupied"
    age = world.facts["person_traits"]["age_at_end"].to_numpy()
    alive = np.isnat(people["date_of_death"].to_numpy(dtype="datetime64[D]"))
    candidates = np.flatnonzero(owner & alive & (age >= 35) & (age <= 78)
                                & people["role"].isin(["reference", "partner"]).to_numpy())
    hmo_rows = np.flatnonzero(is_hmo)
    pool = rng.choice(candidates, size=max(1, int(0.6 * hmo_rows.size)), replace=False) if candidates.size else \
        np.array([-1])
    person = np.full(is_hmo.size, -1)
    company = np.full(is_hmo.size, "", dtype=object)
    is_company = rng.random(hmo_rows.size) < np.where(licensed[hmo_rows], 0.55, 0.2)
    person[hmo_rows[~is_company]] = pool[rng.integers(0, pool.size, int((~is_company).sum()))]
    company[hmo_rows[is_company]] = np.array(LANDLORD_COMPANY_NAMES, dtype=object)[
        rng.integers(0, len(LANDLORD_COMPANY_NAMES), int(is_company.sum()))]
    return person, company


def _business_rates(world: DemoWorld) -> None:
    """True rateable values from floor area and location; some accounts billed on a stale value or wrong relief."""
    rng = world.random("business rates")
    units = world.units
    business = np.flatnonzero(units["is_business"].to_numpy())
    count = business.size
    category = units["business_category"].to_numpy()[business]
    category_index = np.searchsorted(BUSINESS_CATEGORIES, category, sorter=np.argsort(BUSINESS_CATEGORIES))
    category_index = np.argsort(BUSINESS_CATEGORIES)[category_index]
    median_area = np.array([80, 150, 800, 250, 120, 300, 900])[category_index]
    rate_per_m2 = np.array([180, 110, 40, 55, 160, 90, 50])[category_index]
    centrality = world.geography.small_areas["centrality"].to_numpy()[units["small_area"].to_numpy()[business]]
    floor_area = np.round(median_area * rng.lognormal(0, 0.5, count)).clip(12, None)
    true_value = floor_area * rate_per_m2 * (0.6 + 0.8 * centrality) * rng.lognormal(0, 0.12, count)
    true_value = np.maximum(np.floor(true_value / 50) * 50, 500)
    liability_start = np.datetime64("1995-04-01") + (rng.random(count) * 11500).astype("timedelta64[D]")
    old_account = liability_start < np.datetime64("2015-04-01")
    charity = (category == "Shop") & (rng.random(count) < 0.12)

    stale_valuation = rng.random(count) < np.where(old_account, 0.11, 0.03)
    recorded_value = np.where(stale_valuation, np.floor(true_value * rng.uniform(0.45, 0.8, count) / 50) * 50,
                              true_value)
    wrong_relief = (true_value > 15_000) & (rng.random(count) < 0.035)
    true_relief = _relief_names(true_value, category, charity, np.zeros(count, dtype=bool))
    recorded_relief = _relief_names(recorded_value, category, charity, wrong_relief)
    true_liability = _amount_billed(true_value, category, charity, np.zeros(count, dtype=bool))
    billed = _amount_billed(recorded_value, category, charity, wrong_relief)
    under_billed = billed < true_liability - 1

    stems = np.array(BUSINESS_NAME_STEMS, dtype=object)[rng.integers(0, len(BUSINESS_NAME_STEMS), count)]
    kinds = np.empty(count, dtype=object)
    for name, options in BUSINESS_KINDS.items():
        rows = np.flatnonzero(category == name)
        kinds[rows] = np.array(options, dtype=object)[rng.integers(0, len(options), rows.size)]
    suffix = np.array(BUSINESS_LEGAL_SUFFIXES, dtype=object)[rng.integers(0, len(BUSINESS_LEGAL_SUFFIXES), count)]
    ratepayer = pd.Series(stems + " " + kinds + " " + suffix).str.strip().to_numpy(dtype=object)
    ratepayer = np.where(charity, pd.Series(stems).to_numpy(dtype=object) + " Hospice Shop", ratepayer)

    facts = pd.DataFrame({
        "account_number": record_ids("", count, rng, width=8, order=liability_start.astype(np.int64), start=40_000_000),
        "property_id": business, "uprn": units["uprn"].to_numpy()[business], "category": category,
        "ratepayer": ratepayer, "floor_area_m2": floor_area, "liability_start": liability_start,
        "charity": charity, "true_rateable_value": true_value, "recorded_rateable_value": recorded_value,
        "true_relief": true_relief, "recorded_relief": recorded_relief,
        "true_liability_2025_26": true_liability, "billed_2025_26": billed,
        "under_billed": under_billed, "shortfall": np.round(np.maximum(true_liability - billed, 0), 2),
        "reason": np.where(stale_valuation & wrong_relief, "stale valuation and wrong relief", np.where(
            stale_valuation, "stale valuation (extension or change of use not assessed)", np.where(
                wrong_relief, "small business rate relief applied above the threshold", ""))),
    })
    facts["reason"] = np.where(under_billed, facts["reason"], "")
    world.facts["business"] = facts
    world.planted["business_rates"] = {
        "accounts": int(count),
        "under_billed_accounts": int(under_billed.sum()),
        "under_billed_rate": round(float(under_billed.mean()), 4) if count else 0.0,
        "total_shortfall_2025_26": round(float(facts["shortfall"].sum()), 2),
        "causes": {"stale_valuation_rate_accounts_before_2015": 0.11, "stale_valuation_rate_later": 0.03,
                   "stale_value_fraction_of_true": [0.45, 0.8],
                   "wrong_small_business_relief_rate_above_15000": 0.035},
        "signal": "recorded rateable value per square metre is low for the category and location",
        "multipliers_2025_26": {"small_business": 0.499, "standard": 0.555, "standard_from_rateable_value": 51_000},
    }


_RETAIL_HOSPITALITY = np.array(["Shop", "Restaurant", "Public house", "Hotel"], dtype=object)


def _relief_names(value: np.ndarray, category: np.ndarray, charity: np.ndarray,
                  wrongly_small: np.ndarray) -> np.ndarray:
    small = (value <= 15_000) | wrongly_small
    retail = np.isin(category, _RETAIL_HOSPITALITY)
    return np.select([charity, small & retail, small, retail],
                     ["Mandatory charitable relief", "Small business rate relief; Retail, hospitality and leisure",
                      "Small business rate relief", "Retail, hospitality and leisure"], "None")


def _amount_billed(value: np.ndarray, category: np.ndarray, charity: np.ndarray,
                   wrongly_small: np.ndarray) -> np.ndarray:
    """Business rates for 2025/26: multiplier, small business relief taper, charity and retail reliefs."""
    gross = value * np.where(value < 51_000, 0.499, 0.555)
    small_relief = np.where(wrongly_small, 1.0, np.clip((15_000 - value) / 3_000, 0, 1))
    after_small = gross * (1 - small_relief)
    after_charity = np.where(charity, after_small * 0.2, after_small)
    retail = np.isin(category, _RETAIL_HOSPITALITY) & ~charity
    return np.round(np.where(retail, after_charity * 0.6, after_charity), 2)
