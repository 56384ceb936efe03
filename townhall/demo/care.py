"""People-centred systems: adult social care, children's social care referrals, school attendance, the
vulnerability register and the data-sharing opt-out list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.errors import (
    blank_out,
    corrupt_nhs_numbers,
    mixed_date_text,
    shift_years,
    untidy_postcodes,
    use_nicknames,
)
from townhall.demo.formats import (
    NOT_A_DATE,
    PERIOD_END,
    PERIOD_START,
    add_years,
    date_parts,
    format_dates,
    new_unique_pupil_numbers,
    spaced_nhs_numbers,
    swap_day_and_month,
    text_column,
)
from townhall.demo.geography import ETHNICITY_NAMES
from townhall.demo.records import (
    NameErrors,
    SourceTable,
    garble_names,
    links_frame,
    pick,
    record_ids,
    titles,
    uniform_dates,
)
from townhall.demo.world import DemoWorld, address_parts, one_line, person_view

# DfE ethnicity codes used by children's services and schools, in the order of geography.ETHNICITIES.
DFE_ETHNICITY_CODES = np.array(["WBRI", "WIRI", "WIRT", "WROM", "WOTH", "MWAS", "MWBA", "MWBC", "MOTH", "ABAN",
                                "CHNE", "AIND", "APKN", "AOTH", "BAFR", "BCRB", "BOTH", "OOTH", "OOTH"], dtype=object)
_SUPPORT_REASONS = {
    "Physical": ("Physical Support: Personal Care Support", "Physical Support: Access and Mobility Only"),
    "Sensory": ("Sensory Support: Support for Visual Impairment", "Sensory Support: Support for Hearing Impairment"),
    "Memory and cognition": ("Support with Memory and Cognition",),
    "Learning disability": ("Learning Disability Support",),
    "Mental health": ("Mental Health Support",),
    "Long-term condition": ("Physical Support: Personal Care Support", "Social Support: Support for Social Isolation"),
}


def _alive_window(world: DemoWorld, person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dob = world.people["date_of_birth"].to_numpy(dtype="datetime64[D]")[person]
    death = world.people["date_of_death"].to_numpy(dtype="datetime64[D]")[person]
    return np.maximum(dob, PERIOD_START), np.where(np.isnat(death), PERIOD_END, death)


def adult_social_care(world: DemoWorld) -> SourceTable:
    """Adult social care clients with needs, NHS number and ethnicity: an Excel workbook with real date cells."""
    rng = world.random("adult social care")
    clients = np.flatnonzero(world.facts["person_traits"]["adult_social_care_client"].to_numpy())
    # About 2.5% of clients were registered twice (a second record, opened later, with its own number).
    duplicated = clients[rng.random(clients.size) < 0.025]
    person = np.concatenate([clients, duplicated])
    count = person.size
    first_day, last_day = _alive_window(world, person)
    adult_from = add_years(world.people["date_of_birth"].to_numpy(dtype="datetime64[D]")[person], 18)
    earliest = np.maximum(first_day - 3 * 365, adult_from)
    start = uniform_dates(earliest, last_day - 30, rng)
    start[clients.size:] = start[clients.size:] + rng.integers(60, 700, duplicated.size).astype("timedelta64[D]")
    start = np.minimum(start, PERIOD_END)
    died = ~np.isnat(world.people["date_of_death"].to_numpy(dtype="datetime64[D]")[person])
    ended_early = ~died & (rng.random(count) < 0.3)
    planned_end = start + rng.integers(60, 900, count).astype("timedelta64[D]")
    end = np.where(died, last_day, np.where(ended_early & (planned_end < PERIOD_END), planned_end, NOT_A_DATE))
    seen = np.where(rng.random(count) < 0.5, np.where(np.isnat(end), PERIOD_END, end), np.maximum(start, PERIOD_START))
    view = person_view(world, person, seen, rng, stale_address_rate=0.2, stale_surname_rate=0.2)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.025, nickname=0.03, spelling_variant=0.01, swapped=0.004, case_and_spacing=0.02), rng)
    duplicate_rows = np.arange(clients.size, count)
    forename.iloc[duplicate_rows] = use_nicknames(forename.iloc[duplicate_rows], 0.3, rng).to_numpy()
    nhs, _ = corrupt_nhs_numbers(view["nhs_number"].to_numpy(), 0.08, 0.015, rng)
    dob = view["date_of_birth"].to_numpy()
    swap = rng.random(count) < 0.01
    dob = np.where(swap, swap_day_and_month(dob), dob)
    ethnicity = np.where(rng.random(count) < 0.05, "Not stated", ETHNICITY_NAMES[view["ethnicity_index"].to_numpy()])
    disability = world.people["disability_type"].to_numpy()[person]
    reason = np.empty(count, dtype=object)
    for kind, options in _SUPPORT_REASONS.items():
        rows = np.flatnonzero(disability == kind)
        reason[rows] = pick(options, rows.size, rng)
    parts = address_parts(world, view["property_id"].to_numpy())
    age = (seen - view["date_of_birth"].to_numpy()).astype(np.int64) / 365.25
    service = np.where(age >= 75, pick(["Home care", "Residential care", "Nursing care", "Reablement", "Day care"],
                                       count, rng, [45, 20, 10, 15, 10]),
                       pick(["Home care", "Direct payment", "Supported living", "Day care", "Reablement"], count, rng,
                            [25, 30, 20, 15, 10]))
    client_no = 100_000 + np.cumsum(rng.integers(1, 5, count))[np.argsort(np.argsort(start, kind="stable"))]
    frame = pd.DataFrame({
        "Client No": client_no,
        "Title": titles(view["sex"].to_numpy(), rng.random(count) < 0.6, rng),
        "Forename": forename,
        "Surname": surname,
        "Date of Birth": dob,
        "NHS Number": spaced_nhs_numbers(nhs),
        "Gender": np.where(view["sex"].to_numpy() == "M", "Male", "Female"),
        "Ethnicity": ethnicity,
        "Primary Support Reason": reason,
        "Address": one_line(parts),
        "Postcode": untidy_postcodes(blank_out(parts["postcode"], 0.01, rng), 0.03, rng),
        "Service Type": service,
        "Service Start": start,
        "Service End": end,
    })
    return SourceTable(
        name="adult_social_care", file_name="adult_social_care_clients.xlsx", file_format="xlsx",
        owner="Adult Social Care",
        description="Adult social care clients with their needs, services, NHS number, ethnicity and disability.",
        frame=frame, record_id_column="Client No", sheet="Clients",
        date_cell_columns=("Date of Birth", "Service Start", "Service End"),
        links=links_frame(client_no.astype(str), person, view["household_id"].to_numpy()),
        errors=("about 2.5% of clients registered twice", "missing and mistyped NHS numbers", "stale addresses",
                "typos and nicknames", "a few dates of birth with day and month swapped", "ethnicity 'Not stated'"),
    )


def childrens_social_care_referrals(world: DemoWorld) -> SourceTable:
    """Referrals to children's social care, with source and outcome (including escalations): UTF-8 CSV."""
    rng = world.random("childrens referrals")
    referrals = world.facts["referrals"]
    children = world.facts["children"].set_index("person_id")
    person = referrals["person_id"].to_numpy()
    count = person.size
    date = referrals["referral_date"].to_numpy(dtype="datetime64[D]")
    view = person_view(world, person, date, rng, stale_address_rate=0.05)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.03, nickname=0.03, spelling_variant=0.015, swapped=0.005, case_and_spacing=0.02), rng)
    factor = {name: children[name].reindex(person).to_numpy() for name in
              ("anti_social_behaviour", "domestic_abuse", "low_school_attendance", "parental_mental_health")}
    weights = np.column_stack([
        2 + 8 * (factor["anti_social_behaviour"] | factor["domestic_abuse"]),  # Police
        3 + 6 * factor["low_school_attendance"],                               # Schools
        3 + 5 * factor["parental_mental_health"],                              # Health services
        np.full(count, 2.0), np.full(count, 1.5), np.full(count, 1.0), np.full(count, 1.0),
    ]).astype(float)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    sources = np.array(["Police", "Schools", "Health services", "Local authority services", "Individual",
                        "Anonymous", "Other"], dtype=object)
    source = sources[(rng.random(count)[:, None] > cumulative).sum(axis=1).clip(0, 6)]
    outcome = referrals["outcome"].to_numpy(dtype=object).copy()
    ordinary = outcome == ""
    outcome[ordinary] = pick(["No further action", "Early help", "Child in need"], int(ordinary.sum()), rng,
                             [40, 30, 30])
    nhs, _ = corrupt_nhs_numbers(view["nhs_number"].to_numpy(), 0.0, 0.02, rng)
    people = world.people
    parent_row = np.where(people["mother_row"].to_numpy()[person] >= 0, people["mother_row"].to_numpy()[person],
                          people["father_row"].to_numpy()[person])
    parent_view = person_view(world, np.maximum(parent_row, 0), date, rng)
    parent = (parent_view["first_name"] + " " + parent_view["surname"]).where(
        (parent_row >= 0) & (rng.random(count) < 0.7), "")
    parts = address_parts(world, view["property_id"].to_numpy())
    referral_id = record_ids("CR", count, rng, width=6, order=date.astype(np.int64))
    frame = pd.DataFrame({
        "Referral ID": referral_id,
        "Child Forename": forename,
        "Child Surname": surname,
        "DOB": mixed_date_text(view["date_of_birth"].to_numpy(), "dd/mm/yyyy", rng, other_styles={"yyyy-mm-dd": 0.02},
                               day_month_swap_rate=0.02),
        "Gender": np.where(view["sex"].to_numpy() == "M", "Male", "Female"),
        "Ethnicity": np.where(rng.random(count) < 0.03, pick(["REFU", "NOBT"], count, rng),
                              DFE_ETHNICITY_CODES[view["ethnicity_index"].to_numpy()]),
        "Referral Date": format_dates(date, "dd/mm/yyyy"),
        "Referral Source": source,
        "Outcome": outcome,
        "Postcode": untidy_postcodes(blank_out(parts["postcode"], 0.02, rng), 0.05, rng),
        "NHS No": np.where(rng.random(count) < 0.45, nhs, ""),
        "Parent/Carer": parent,
    })
    return SourceTable(
        name="childrens_social_care_referrals", file_name="childrens_social_care_referrals.csv", file_format="csv",
        owner="Children's Services",
        description="Referrals to children's social care with the child, referral source and outcome, including "
                    "escalation to a child protection plan or care.",
        frame=frame, record_id_column="Referral ID",
        links=links_frame(referral_id, person, view["household_id"].to_numpy()),
        errors=("DfE ethnicity codes, some refused or not obtained", "day/month swapped in about 2% of dates of birth",
                "typos and nicknames", "NHS number on fewer than half", "a historical referral bias (see truth)"),
    )


def _schools(world: DemoWorld, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A primary school per ward and a secondary school per ~4 wards, named after their wards."""
    wards = world.geography.wards["name"].to_numpy()
    primary = np.array([f"{name} {kind}" for name, kind in zip(
        wards, pick(["Primary School", "Community Primary School", "CE Primary School", "RC Primary School",
                     "Primary Academy"], len(wards), rng, [50, 20, 12, 10, 8]), strict=True)], dtype=object)
    secondary_of_ward = np.arange(len(wards)) // 4
    secondary_names = np.array([f"{wards[index * 4]} {kind}" for index, kind in enumerate(
        pick(["High School", "Academy", "Community College", "RC High School"], secondary_of_ward.max() + 1, rng,
             [50, 30, 12, 8]))], dtype=object)
    return primary, secondary_names[secondary_of_ward]


def school_attendance(world: DemoWorld) -> SourceTable:
    """Termly attendance and exclusions per pupil per academic year (Reception to Year 11): Parquet."""
    rng = world.random("school attendance")
    people = world.people
    children = world.facts["children"].set_index("person_id")
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]")
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    year, month, _ = date_parts(dob)
    school_year_of_birth = year - (month < 9)  # children born Sept-Aug share a school year
    rows_person: list[np.ndarray] = []
    rows_year: list[np.ndarray] = []
    for academic_year in range(2019, 2026):  # 2019/20 .. 2025/26
        nc_year = academic_year - school_year_of_birth - 5
        starts = np.datetime64(f"{academic_year}-09-01")
        on_roll = (nc_year >= 0) & (nc_year <= 11) & (np.isnat(death) | (death > starts))
        ids = np.flatnonzero(on_roll)
        rows_person.append(ids)
        rows_year.append(np.full(ids.size, academic_year))
    person = np.concatenate(rows_person)
    academic_year = np.concatenate(rows_year)
    count = person.size
    nc_year = academic_year - school_year_of_birth[person] - 5
    absence = children["absence_rate"].reindex(person).fillna(0.06).to_numpy()
    terms = {}
    for term in ("autumn", "spring", "summer"):
        rate = np.clip(absence * rng.gamma(6, 1 / 6, count), 0, 0.95)
        terms[term] = np.round(100 * (1 - rate), 1)
    terms["summer"] = np.where(academic_year == 2019, np.nan, terms["summer"])  # schools closed, summer 2020
    hardship = world.households["hardship"].to_numpy()[people["household_id"].to_numpy()[person]]
    suspensions = rng.poisson(np.where(nc_year >= 7, 0.06, 0.01) * np.exp(0.7 * hardship + 4 * absence))
    excluded = (suspensions >= 2) & (rng.random(count) < 0.04)
    census_day = np.array([f"{y}-10-01" for y in academic_year], dtype="datetime64[D]")
    view = person_view(world, person, census_day, rng, stale_address_rate=0.03)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.01, nickname=0.0, spelling_variant=0.005, swapped=0.0, case_and_spacing=0.0), rng)
    preferred = use_nicknames(view["first_name"], 0.12, rng)
    preferred = preferred.where(preferred != view["first_name"], "")
    upn_of_person = np.full(len(people), "", dtype=object)
    pupils = np.unique(person)
    upn_of_person[pupils] = new_unique_pupil_numbers(pupils.size, 999, rng)
    primary, secondary = _schools(world, rng)
    ward_index = world.units["ward_index"].to_numpy()[view["property_id"].to_numpy()]
    school = np.where(nc_year <= 6, primary[ward_index], secondary[ward_index])
    traits = world.facts["household_traits"]
    meals = traits["out_of_work_benefits"].to_numpy()[people["household_id"].to_numpy()[person]] | (
        rng.random(count) < 0.03)
    parts = address_parts(world, view["property_id"].to_numpy())
    attendance_id = record_ids("ATT", count, rng, width=8, order=academic_year * 10**7 + person)
    frame = pd.DataFrame({
        "attendance_id": attendance_id,
        "upn": upn_of_person[person],
        "legal_forename": forename,
        "legal_surname": surname,
        "preferred_forename": preferred,
        "date_of_birth": view["date_of_birth"].to_numpy().astype("datetime64[s]"),
        "gender": view["sex"].to_numpy(),
        "postcode": parts["postcode"],
        "school": school,
        "academic_year": pd.Series(academic_year).astype(str) + "/" + pd.Series((academic_year + 1) % 100).astype(
            str).str.zfill(2),
        "nc_year": nc_year.astype(np.int64),
        "autumn_attendance_pct": terms["autumn"],
        "spring_attendance_pct": terms["spring"],
        "summer_attendance_pct": terms["summer"],
        "suspensions": suspensions.astype(np.int64),
        "permanent_exclusion": excluded,
        "free_school_meals": meals,
    })
    return SourceTable(
        name="school_attendance", file_name="school_attendance.parquet", file_format="parquet", owner="Education",
        description="Termly school attendance, suspensions and exclusions for each pupil and academic year.",
        frame=frame, record_id_column="attendance_id",
        links=links_frame(attendance_id, person, view["household_id"].to_numpy()),
        errors=("few errors: schools keep legal names; preferred forenames are often nicknames",
                "summer 2020 attendance missing (schools closed)"),
    )


def vulnerability_register(world: DemoWorld) -> SourceTable:
    """People needing priority help in an emergency; some addresses withheld (e.g. fleeing domestic abuse)."""
    rng = world.random("vulnerability register")
    people = world.people
    count_people = len(people)
    traits = world.facts["person_traits"]
    age = traits["age_at_end"].to_numpy()
    disability = people["disability_type"].to_numpy()
    household = people["household_id"].to_numpy()
    abuse = world.facts["household_traits"]["domestic_abuse"].to_numpy()[household]
    adult_woman = (people["sex"].to_numpy() == "F") & people["role"].isin(["reference", "partner"]).to_numpy()
    draw = rng.random((6, count_people))
    needs = {
        "Mobility": (disability == "Physical") & (age >= 65) & (draw[0] < 0.25),
        "Sight": (disability == "Sensory") & (draw[1] < 0.3),
        "Hearing": (disability == "Sensory") & (draw[1] >= 0.7),
        "Oxygen": (age >= 55) & (draw[2] < 0.004 + 0.01 * people["disabled"].to_numpy()),
        "Mental health": traits["mental_health"].to_numpy() & (draw[3] < 0.08),
        "Dialysis": (age >= 18) & (draw[4] < 0.0008),
    }
    withheld = abuse & adult_woman & (draw[5] < 0.08)
    on_register = withheld.copy()
    for mask in needs.values():
        on_register |= mask
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    still_listed = np.isnat(death) | (rng.random(count_people) < 0.04)  # a few deceased people never removed
    person = np.flatnonzero(on_register & still_listed)
    count = person.size
    need_text = pd.Series([""] * count, dtype="str")
    for name, mask in needs.items():
        has = mask[person]
        need_text = need_text.where(~has, (need_text + "; " + name).str.lstrip("; "))
    need_text = need_text.where(need_text != "", "Other")
    is_withheld = withheld[person]
    registered = uniform_dates(PERIOD_START - 1500, PERIOD_END - 10, rng, count)
    first_day, last_day = _alive_window(world, person)
    registered = np.clip(registered, np.maximum(first_day - 1500, people["date_of_birth"].to_numpy(
        dtype="datetime64[D]")[person]), last_day)
    reviewed = uniform_dates(registered, np.minimum(last_day, PERIOD_END), rng)
    view = person_view(world, person, reviewed, rng, stale_address_rate=0.15, stale_surname_rate=0.15)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.03, nickname=0.04, spelling_variant=0.01, swapped=0.0, case_and_spacing=0.03), rng)
    title = titles(view["sex"].to_numpy(), rng.random(count) < 0.6, rng)
    parts = address_parts(world, view["property_id"].to_numpy())
    nhs, _ = corrupt_nhs_numbers(view["nhs_number"].to_numpy(), 0.5, 0.015, rng)
    phone = world.facts["household_traits"]["phone"].to_numpy()[view["household_id"].to_numpy()]
    register_id = record_ids("VR", count, rng, width=6, order=registered.astype(np.int64))
    frame = pd.DataFrame({
        "register_id": register_id,
        "full_name": pd.Series(title) + " " + forename + " " + surname,
        "date_of_birth": mixed_date_text(view["date_of_birth"].to_numpy(), "dd/mm/yyyy", rng,
                                         day_month_swap_rate=0.01, missing_rate=0.02),
        "address": one_line(parts).where(~is_withheld, ""),
        "postcode": parts["postcode"].where(~is_withheld, ""),
        "address_withheld": np.where(is_withheld, "Y", "N"),
        "needs": need_text,
        "contact_phone": blank_out(text_column(phone), 0.1, rng),
        "nhs_number": spaced_nhs_numbers(nhs),
        "registered": format_dates(registered, "dd/mm/yyyy"),
        "last_reviewed": format_dates(reviewed, "dd/mm/yyyy"),
    })
    return SourceTable(
        name="vulnerability_register", file_name="vulnerability_register.csv", file_format="csv-bom",
        owner="Emergency Planning",
        description="People who need priority help in an emergency, their needs and contact phone; some addresses "
                    "withheld.",
        frame=frame, record_id_column="register_id",
        links=links_frame(register_id, person, view["household_id"].to_numpy()),
        errors=("address withheld for people at risk (e.g. fleeing domestic abuse)",
                "a few deceased people not removed",
                "stale addresses", "half without NHS number", "name as one field with title"),
    )


def opt_outs(world: DemoWorld) -> SourceTable:
    """Residents who opted out of data sharing (about 1.5%), as captured from forms: UTF-8 CSV."""
    rng = world.random("opt outs")
    people = world.people
    age = world.facts["person_traits"]["age_at_end"].to_numpy()
    chance = np.where(age >= 18, 0.016, 0.008)
    person = np.flatnonzero(rng.random(len(people)) < chance)
    count = person.size
    first_day, last_day = _alive_window(world, person)
    received = uniform_dates(np.maximum(first_day, np.datetime64("2019-06-01")), last_day, rng)
    view = person_view(world, person, received, rng)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.01, nickname=0.05, spelling_variant=0.01, swapped=0.0, case_and_spacing=0.03), rng)
    parts = address_parts(world, view["property_id"].to_numpy())
    nhs = np.where(rng.random(count) < 0.6, view["nhs_number"].to_numpy(), "")
    optout_ref = record_ids("OPT-", count, rng, width=6, order=received.astype(np.int64))
    frame = pd.DataFrame({
        "optout_ref": optout_ref,
        "forename": forename,
        "surname": surname,
        "dob": format_dates(shift_years(view["date_of_birth"].to_numpy(), 0.003, rng), "yyyy-mm-dd"),
        "postcode": untidy_postcodes(parts["postcode"], 0.1, rng),
        "nhs_number": nhs,
        "date_received": format_dates(received, "yyyy-mm-dd"),
        "scope": pick(["All data sharing", "Research and planning only"], count, rng, [70, 30]),
        "received_via": pick(["Online form", "Letter", "Phone"], count, rng, [60, 25, 15]),
    })
    return SourceTable(
        name="opt_outs", file_name="data_sharing_opt_outs.csv", file_format="csv", owner="Information Governance",
        description="Residents who have opted out of their data being shared or used for planning.",
        frame=frame, record_id_column="optout_ref",
        links=links_frame(optout_ref, person, view["household_id"].to_numpy()),
        errors=("self-reported names (nicknames)", "NHS number only where given", "untidy postcodes"),
    )
