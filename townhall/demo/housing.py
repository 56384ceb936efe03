"""Housing systems: council tenancies, repairs, rent arrears, homelessness applications, the HMO licence register,
past HMO inspections, and the address gazetteer (LLPG extract) that gives every property its UPRN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.errors import abbreviate_streets, blank_out, corrupt_nhs_numbers, mixed_date_text, untidy_postcodes
from townhall.demo.formats import (
    NOT_A_DATE,
    PERIOD_END,
    PERIOD_START,
    add_years,
    format_dates,
    spaced_nhs_numbers,
    text_column,
)
from townhall.demo.geography import COUNCIL_NAME
from townhall.demo.outcomes import sigmoid
from townhall.demo.population import HMO_TENANT
from townhall.demo.properties import BLOCK_FLAT, CONVERTED_FLAT
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
from townhall.demo.world import DemoWorld, address_lines, address_parts, one_line, person_view

_CLASSIFICATION_DESCRIPTIONS = {
    "RD02": "Detached", "RD03": "Semi-Detached", "RD04": "Terraced",
    "RD06": "Self Contained Flat (Includes Maisonette / Apartment)", "RH03": "HMO Not Further Divided",
    "PP": "Property Shell", "CR08": "Shop / Showroom", "CO01": "Office / Work Studio",
    "CI04": "Warehouse / Store / Storage Depot", "CI03": "Workshop / Light Industrial",
    "CR07": "Restaurant / Cafeteria", "CR06": "Public House / Bar / Nightclub",
    "CH03": "Hotel / Motel / Boarding / Guest House",
}


def council_tenancies(world: DemoWorld) -> pd.DataFrame:
    """Each household's stay in a council-owned home (a tenancy), with ids shared by the housing systems."""
    if "tenancies" in world.facts:
        return world.facts["tenancies"]
    rng = world.random("tenancy ids")
    residencies = world.population.residencies
    council = world.units["council_owned"].to_numpy()[residencies["property_id"].to_numpy()]
    regular = world.households["household_type_index"].to_numpy()[residencies["household_id"].to_numpy()] != HMO_TENANT
    tenancies = residencies.loc[council & regular].reset_index(drop=True)
    start = tenancies["start_date"].to_numpy(dtype="datetime64[D]")
    tenancies["tenancy_ref"] = record_ids("TEN", len(tenancies), rng, width=6, order=start.astype(np.int64))
    stock = np.flatnonzero(world.units["council_owned"].to_numpy())
    stock_number = np.full(len(world.units), -1)
    stock_number[stock] = np.arange(1, stock.size + 1)
    tenancies["property_ref"] = "HSG" + pd.Series(stock_number[tenancies["property_id"].to_numpy()]).astype(
        str).str.zfill(5).to_numpy(dtype=object)
    bedrooms = world.units["bedrooms"].to_numpy()[tenancies["property_id"].to_numpy()]
    tenancies["weekly_rent"] = np.round(72 + 17 * bedrooms + rng.normal(0, 4, len(tenancies)), 2)
    people = world.people
    reference = people.loc[people["role"] == "reference"].drop_duplicates("household_id").set_index("household_id")
    tenancies["person_id"] = reference["person_id"].reindex(tenancies["household_id"]).to_numpy()
    world.facts["tenancies"] = tenancies
    return tenancies


def housing_tenancies(world: DemoWorld) -> SourceTable:
    """Council housing tenancies from the housing management system: UTF-8 CSV with a byte-order mark."""
    rng = world.random("housing tenancies")
    tenancies = council_tenancies(world)
    count = len(tenancies)
    start = tenancies["start_date"].to_numpy(dtype="datetime64[D]")
    end = tenancies["end_date"].to_numpy(dtype="datetime64[D]")
    snapshot = np.where(np.isnat(end), PERIOD_END, end - 1)
    seen = np.where(rng.random(count) < 0.5, snapshot, np.maximum(start, PERIOD_START))
    person = tenancies["person_id"].to_numpy()
    view = person_view(world, person, seen, rng)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.02, nickname=0.02, spelling_variant=0.01, swapped=0.003, case_and_spacing=0.02), rng)
    people = world.people
    partner = people.loc[people["role"] == "partner"].drop_duplicates("household_id").set_index("household_id")
    partner_id = partner["person_id"].reindex(tenancies["household_id"]).fillna(-1).to_numpy(dtype=np.int64)
    partner_view = person_view(world, np.maximum(partner_id, 0), seen, rng)
    joint = (partner_id >= 0) & (rng.random(count) < 0.6)
    parts = address_parts(world, tenancies["property_id"].to_numpy())
    line_one, line_two = address_lines(parts)
    members = world.households["adults"].to_numpy() + world.households["children"].to_numpy()
    frame = pd.DataFrame({
        "tenancy_ref": tenancies["tenancy_ref"].to_numpy(),
        "property_ref": tenancies["property_ref"].to_numpy(),
        "uprn": pd.array(np.where(rng.random(count) < 0.9, parts["uprn"].to_numpy(), -1), dtype="Int64"),
        "address_line_1": line_one,
        "address_line_2": line_two,
        "town": COUNCIL_NAME,
        "postcode": untidy_postcodes(parts["postcode"], 0.03, rng),
        "lead_tenant_title": titles(view["sex"].to_numpy(), joint, rng),
        "lead_tenant_forename": forename,
        "lead_tenant_surname": surname,
        "lead_tenant_dob": mixed_date_text(view["date_of_birth"].to_numpy(), "yyyy-mm-dd", rng,
                                           other_styles={"dd/mm/yyyy": 0.03}, day_month_swap_rate=0.005),
        "joint_tenant_name": (partner_view["first_name"] + " " + partner_view["surname"]).where(joint, ""),
        "tenancy_start_date": format_dates(start, "yyyy-mm-dd"),
        "tenancy_end_date": format_dates(end, "yyyy-mm-dd"),
        "tenure_type": pick(["Secure", "Introductory", "Flexible", "Affordable rent"], count, rng, [78, 8, 6, 8]),
        "bedrooms": world.units["bedrooms"].to_numpy()[tenancies["property_id"].to_numpy()],
        "household_members": members[tenancies["household_id"].to_numpy()],
        "weekly_rent": tenancies["weekly_rent"].to_numpy(),
    })
    frame["uprn"] = frame["uprn"].mask(frame["uprn"] < 0)
    return SourceTable(
        name="housing_tenancies", file_name="housing_tenancies.csv", file_format="csv-bom", owner="Housing",
        description="Council housing tenancies with the lead and joint tenants, property, dates and weekly rent.",
        frame=frame, record_id_column="tenancy_ref",
        links=links_frame(frame["tenancy_ref"].to_numpy(), person, tenancies["household_id"].to_numpy()),
        errors=("typos and nicknames", "a few dates of birth in dd/mm/yyyy", "UPRN missing on 10%",
                "untidy postcodes"),
    )


def housing_repairs(world: DemoWorld) -> SourceTable:
    """Repairs jobs on council homes: semicolon-separated CSV with decimal commas and dd.mm.yyyy dates."""
    rng = world.random("housing repairs")
    tenancies = council_tenancies(world)
    start = np.maximum(tenancies["start_date"].to_numpy(dtype="datetime64[D]"), PERIOD_START)
    end = tenancies["end_date"].to_numpy(dtype="datetime64[D]")
    end = np.where(np.isnat(end), PERIOD_END, end)
    years = np.maximum((end - start).astype(np.int64), 0) / 365.25
    household = tenancies["household_id"].to_numpy()
    property_id = tenancies["property_id"].to_numpy()
    kind = world.units["type_index"].to_numpy()[property_id]
    hardship = world.households["hardship"].to_numpy()[household]
    is_flat = np.isin(kind, [CONVERTED_FLAT, BLOCK_FLAT])
    jobs = rng.poisson(years * (0.9 + 0.4 * is_flat + 0.15 * np.maximum(hardship, 0)))
    tenancy_of_job = np.repeat(np.arange(len(tenancies)), jobs)
    count = tenancy_of_job.size
    reported = uniform_dates(start[tenancy_of_job], end[tenancy_of_job], rng)
    size = (world.households["adults"] + world.households["children"]).to_numpy()[household[tenancy_of_job]]
    bedrooms = world.units["bedrooms"].to_numpy()[property_id[tenancy_of_job]]
    damp_weight = 1.0 + 1.5 * is_flat[tenancy_of_job] + 0.8 * (size > bedrooms + 1)
    categories = ["Damp and mould", "Plumbing", "Heating and hot water", "Electrical", "Roofing",
                  "Windows and doors", "Kitchen", "Bathroom", "Pest control", "Communal areas", "Overcrowding concern"]
    base = np.array([8, 16, 14, 10, 4, 10, 8, 8, 4, 6, 0.0])
    weights = np.tile(base, (count, 1))
    weights[:, 0] *= damp_weight
    weights[:, 10] = np.where(size > bedrooms + 1, 6.0, 0.2)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    category = np.array(categories, dtype=object)[(rng.random(count)[:, None] > cumulative).sum(axis=1).clip(0, 10)]
    priority = pick(["Emergency", "Urgent", "Routine"], count, rng, [10, 30, 60])
    days_to_fix = np.select([priority == "Emergency", priority == "Urgent"],
                            [rng.integers(0, 2, count), rng.integers(1, 8, count)], rng.integers(5, 61, count))
    completed = reported + days_to_fix.astype("timedelta64[D]")
    completed = np.where((completed > PERIOD_END) | (rng.random(count) < 0.02), NOT_A_DATE, completed)
    cost = np.round(rng.lognormal(np.log(np.where(category == "Roofing", 650, 140)), 0.8), 2)

    # Who reported it: usually a tenant (partial identity: title, initial and surname), sometimes staff.
    people = world.people
    adults = people.loc[people["role"].isin(["reference", "partner"]), ["person_id", "household_id"]]
    adults = adults.sample(frac=1.0, random_state=int(rng.integers(2**31))).drop_duplicates(
        ["household_id"], keep="first").set_index("household_id")
    by_tenant = rng.random(count) < 0.82
    person = np.where(by_tenant, adults["person_id"].reindex(household[tenancy_of_job]).to_numpy(), -1)
    view = person_view(world, np.maximum(person, 0), reported, rng, stale_surname_rate=0.2)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.03, nickname=0.0, spelling_variant=0.0, swapped=0.0, case_and_spacing=0.03), rng)
    title = titles(view["sex"].to_numpy(), rng.random(count) < 0.5, rng)
    reporter = (pd.Series(title) + " " + forename.str.slice(0, 1) + " " + surname).where(
        by_tenant, pd.Series(pick(["Housing Officer", "Neighbour", "Contractor", "Caretaker"], count, rng)))
    phone = world.facts["household_traits"]["phone"].to_numpy()[household[tenancy_of_job]]
    job_no = record_ids("R", count, rng, width=7, order=reported.astype(np.int64), start=2_000_000)
    frame = pd.DataFrame({
        "Job No": job_no,
        "Property Ref": tenancies["property_ref"].to_numpy()[tenancy_of_job],
        "Reported": format_dates(reported, "dd.mm.yyyy"),
        "Category": category,
        "Priority": priority,
        "Completed": format_dates(completed, "dd.mm.yyyy"),
        "Cost": cost,
        "Reported By": reporter,
        "Contact Tel": np.where(by_tenant & (rng.random(count) < 0.6), phone, ""),
    })
    return SourceTable(
        name="housing_repairs", file_name="housing_repairs.csv", file_format="csv-semicolon", owner="Housing",
        description="Repairs jobs reported on council homes, with category, priority, dates, cost and who reported it.",
        frame=frame, record_id_column="Job No",
        links=links_frame(job_no, person, np.where(person >= 0, household[tenancy_of_job], -1)),
        errors=("reporter named only by title, initial and surname", "some reports by staff, with no person",
                "dd.mm.yyyy dates", "decimal commas in costs"),
    )


def rent_arrears(world: DemoWorld) -> SourceTable:
    """Rent arrears recovery cases for council tenancies: an Excel workbook with dates typed as text."""
    rng = world.random("rent arrears")
    tenancies = council_tenancies(world)
    in_arrears = world.facts["household_traits"]["rent_arrears"].to_numpy()[tenancies["household_id"].to_numpy()]
    start = np.maximum(tenancies["start_date"].to_numpy(dtype="datetime64[D]"), PERIOD_START)
    end = tenancies["end_date"].to_numpy(dtype="datetime64[D]")
    end = np.where(np.isnat(end), PERIOD_END, end)
    long_enough = (end - start).astype(np.int64) > 60
    cases = np.where(in_arrears & long_enough, 1 + rng.poisson(0.6, len(tenancies)), 0)
    tenancy_of_case = np.repeat(np.arange(len(tenancies)), cases)
    count = tenancy_of_case.size
    opened = uniform_dates(start[tenancy_of_case], end[tenancy_of_case] - 30, rng)
    household = tenancies["household_id"].to_numpy()[tenancy_of_case]
    hardship = world.households["hardship"].to_numpy()[household]
    rent = tenancies["weekly_rent"].to_numpy()[tenancy_of_case]
    balance = np.round(rng.gamma(2.0, 260, count) * np.exp(0.3 * hardship), 2)
    weeks = np.round(balance / rent, 1)
    stage = np.select([weeks < 4, weeks < 8, weeks < 16],
                      ["Reminder letter", "Notice of seeking possession served", "Court action"], "Possession order")
    closed = opened + rng.integers(30, 400, count).astype("timedelta64[D]")
    is_closed = (closed <= end[tenancy_of_case]) & (rng.random(count) < 0.7)
    person = tenancies["person_id"].to_numpy()[tenancy_of_case]
    view = person_view(world, person, opened, rng)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.025, nickname=0.03, spelling_variant=0.01, swapped=0.0, case_and_spacing=0.0), rng)
    title = titles(view["sex"].to_numpy(), rng.random(count) < 0.5, rng)
    parts = address_parts(world, tenancies["property_id"].to_numpy()[tenancy_of_case])
    case_ref = record_ids("RA", count, rng, width=6, order=opened.astype(np.int64))
    frame = pd.DataFrame({
        "Case Ref": case_ref,
        "Tenancy Ref": tenancies["tenancy_ref"].to_numpy()[tenancy_of_case],
        "Tenant": pd.Series(title) + " " + forename + " " + surname,
        "Property": one_line(parts),
        "Opened": format_dates(opened, "dd/mm/yyyy"),
        "Arrears Balance (£)": balance,
        "Weekly Rent (£)": rent,
        "Weeks in Arrears": weeks,
        "Recovery Stage": stage,
        "Status": np.where(is_closed, "Closed", "Open"),
        "Closed": format_dates(np.where(is_closed, closed, NOT_A_DATE), "dd/mm/yyyy"),
    })
    return SourceTable(
        name="rent_arrears", file_name="rent_arrears.xlsx", file_format="xlsx", owner="Housing",
        description="Rent arrears recovery cases on council tenancies, with balance, recovery stage and status.",
        frame=frame, record_id_column="Case Ref", sheet="Arrears cases",
        links=links_frame(case_ref, person, household),
        errors=("tenant as one 'Title Forename Surname' field", "typos and nicknames", "dates stored as text"),
    )


def homelessness_applications(world: DemoWorld) -> SourceTable:
    """Homelessness applications (H-CLIC style): UTF-8 CSV with two-digit-year dates like 3-Mar-85."""
    rng = world.random("homelessness")
    households = world.households
    traits = world.facts["household_traits"]
    count_households = len(households)
    hardship = households["hardship"].to_numpy()
    private = households["tenure"].to_numpy() == "Private rented"
    abuse = traits["domestic_abuse"].to_numpy()
    hmo = households["household_type_index"].to_numpy() == HMO_TENANT
    applies = rng.random(count_households) < sigmoid(-4.4 + 1.0 * hardship + 2.4 * abuse + 0.7 * private + 0.8 * hmo)
    applicants = np.flatnonzero(applies)
    moved = households["moved"].to_numpy()[applicants]
    move_date = households["move_date"].to_numpy(dtype="datetime64[D]")[applicants]
    before_move = move_date - rng.integers(20, 150, applicants.size).astype("timedelta64[D]")
    date = np.where(moved & (before_move > PERIOD_START), before_move,
                    uniform_dates(PERIOD_START, PERIOD_END - 20, rng, applicants.size))
    people = world.people
    adult_woman = people.loc[(people["sex"] == "F") & people["role"].isin(["reference", "partner"])]
    woman_of = adult_woman.drop_duplicates("household_id").set_index("household_id")["person_id"]
    reference = people.loc[people["role"] == "reference"].drop_duplicates("household_id").set_index("household_id")
    person = reference["person_id"].reindex(applicants).to_numpy()
    victim = woman_of.reindex(applicants).fillna(-1).to_numpy(dtype=np.int64)
    person = np.where(abuse[applicants] & (victim >= 0), victim, person)
    count = applicants.size
    view = person_view(world, person, date, rng)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.04, nickname=0.06, spelling_variant=0.02, swapped=0.01, case_and_spacing=0.04), rng)
    parts = address_parts(world, view["property_id"].to_numpy())
    nhs, _ = corrupt_nhs_numbers(view["nhs_number"].to_numpy(), 0.0, 0.02, rng)
    children = households["children"].to_numpy()[applicants]
    adults = households["adults"].to_numpy()[applicants]
    household_type = np.select([(adults == 1) & (children == 0), (adults >= 2) & (children == 0),
                                (adults == 1) & (children > 0)],
                               ["Single adult", "Couple", "Single parent"], "Couple with children")
    reason = np.where(abuse[applicants], "Domestic abuse", pick(
        ["End of private rented tenancy - assured shorthold", "Family or friends no longer willing to accommodate",
         "Relationship breakdown (non-violent)", "Rent arrears", "Mortgage arrears", "Leaving institution",
         "Property disrepair"], count, rng, [38, 26, 12, 10, 3, 5, 6]))
    year = date.astype("datetime64[Y]").astype(np.int64) + 1970
    serial = pd.Series(np.arange(count)).groupby(year[np.argsort(date, kind="stable")]).cumcount()
    ordered = np.empty(count, dtype=np.int64)
    ordered[np.argsort(date, kind="stable")] = serial.to_numpy() + 1
    application_id = ("HL/" + pd.Series(year).astype(str) + "/" + pd.Series(ordered).astype(str).str.zfill(5)
                      ).to_numpy(dtype=object)
    frame = pd.DataFrame({
        "application_id": application_id,
        "date_of_application": format_dates(date, "d-MMM-yy"),
        "applicant_first_name": forename,
        "applicant_last_name": surname,
        "applicant_dob": mixed_date_text(view["date_of_birth"].to_numpy(), "d-MMM-yy", rng, day_month_swap_rate=0.015,
                                         missing_rate=0.01),
        "nhs_number": np.where(rng.random(count) < 0.15, spaced_nhs_numbers(nhs), ""),
        "gender": np.where(view["sex"].to_numpy() == "M", "Male", "Female"),
        "previous_address": abbreviate_streets(one_line(parts), 0.3, rng),
        "previous_postcode": untidy_postcodes(blank_out(parts["postcode"], 0.03, rng), 0.1, rng),
        "household_type": household_type,
        "number_of_children": children,
        "main_reason": reason,
        "duty_decision": pick(["Prevention duty owed", "Relief duty owed", "Main duty accepted", "Not homeless",
                               "Intentionally homeless"], count, rng, [45, 30, 15, 7, 3]),
        "temporary_accommodation": np.where(rng.random(count) < 0.3, "Y", "N"),
    })
    return SourceTable(
        name="homelessness_applications", file_name="homelessness_applications.csv", file_format="csv",
        owner="Housing",
        description="Applications for homelessness help, with the applicant, previous address, reason and decision.",
        frame=frame, record_id_column="application_id", links=links_frame(application_id, person, applicants),
        errors=("dates as d-MMM-yy, so dates of birth have two-digit years", "nicknames and typos",
                "some first and last names swapped", "a few mistyped NHS numbers", "untidy postcodes"),
    )


def hmo_licences(world: DemoWorld) -> SourceTable:
    """The public register of licensed HMOs: an Excel workbook with real date cells."""
    rng = world.random("hmo licences")
    hmo = world.facts["hmo"]
    licensed = hmo.loc[hmo["licensed_at_end"]].reset_index(drop=True)
    count = len(licensed)
    first_start = licensed["licence_start"].to_numpy(dtype="datetime64[D]")
    renewals = np.floor((PERIOD_END - first_start).astype(np.int64) / (5 * 365.25)).astype(np.int64).clip(0)
    current_start = add_years(first_start, 5 * renewals)
    expiry = add_years(current_start, 5) - 1
    parts = address_parts(world, licensed["property_id"].to_numpy())
    landlord = licensed["landlord_person_id"].to_numpy()
    view = person_view(world, np.maximum(landlord, 0), current_start, rng)
    holder = (pd.Series(titles(view["sex"].to_numpy(), rng.random(count) < 0.5, rng)) + " " + view["first_name"]
              + " " + view["surname"]).where(landlord >= 0, text_column(licensed["landlord_company"].to_numpy()))
    occupants = licensed["occupants"].to_numpy()
    year = first_start.astype("datetime64[Y]").astype(np.int64) + 1970
    licence_number = ("HMO/" + pd.Series(year).astype(str) + "/" + pd.Series(
        rng.permutation(count) + 1).astype(str).str.zfill(4)).to_numpy(dtype=object)
    frame = pd.DataFrame({
        "Licence Number": licence_number,
        "UPRN": pd.array(np.where(rng.random(count) < 0.7, parts["uprn"].to_numpy(), -1), dtype="Int64"),
        "Property Address": one_line(parts),
        "Postcode": parts["postcode"],
        "Licence Holder": holder,
        "Maximum Occupants": occupants + rng.integers(0, 3, count),
        "Storeys": rng.integers(2, 4, count),
        "Licence Type": np.where(occupants >= 5, "Mandatory", "Additional"),
        "Licence Start": current_start,
        "Licence Expiry": expiry,
    })
    frame["UPRN"] = frame["UPRN"].mask(frame["UPRN"] < 0)
    household = np.where(landlord >= 0, world.people["household_id"].to_numpy()[np.maximum(landlord, 0)], -1)
    return SourceTable(
        name="hmo_licences", file_name="hmo_licence_register.xlsx", file_format="xlsx", owner="Private Sector Housing",
        description="The register of licensed houses in multiple occupation, with holder, occupancy and licence dates.",
        frame=frame, record_id_column="Licence Number", sheet="Licensed HMOs",
        date_cell_columns=("Licence Start", "Licence Expiry"),
        links=links_frame(licence_number, landlord, household),
        errors=("UPRN missing on 30% of licences", "holder may be a company"),
    )


def housing_inspections(world: DemoWorld) -> SourceTable:
    """Past private-sector housing inspections and whether an HMO was found: the only HMO labels there are."""
    rng = world.random("housing inspections")
    hmo = world.facts["hmo"]
    done = hmo.loc[hmo["inspected"]].reset_index(drop=True)
    count = len(done)
    date = done["inspection_date"].to_numpy(dtype="datetime64[D]")
    parts = address_parts(world, done["property_id"].to_numpy())
    reason = np.where(done["noise_complaints"].to_numpy() > 0, pick(["Complaint", "Complaint", "Intelligence"],
                                                                     count, rng),
                      np.where(done["is_hmo"].to_numpy() & (rng.random(count) < 0.7), "Intelligence",
                               "Proactive survey"))
    inspection_id = record_ids("INS-", count, rng, width=5, order=date.astype(np.int64))
    frame = pd.DataFrame({
        "inspection_id": inspection_id,
        "uprn": parts["uprn"].to_numpy(),
        "address": one_line(parts),
        "postcode": parts["postcode"],
        "inspection_date": format_dates(date, "yyyy-mm-dd"),
        "reason": reason,
        "result": done["inspection_result"].to_numpy(),
        "officer": pick(["JS", "AK", "RP", "MH", "LD", "TB"], count, rng),
    })
    return SourceTable(
        name="housing_inspections", file_name="housing_inspections.csv", file_format="csv",
        owner="Private Sector Housing",
        description="Past inspections of private homes and whether an unlicensed HMO was found (labels only where "
                    "inspected).",
        frame=frame, record_id_column="inspection_id",
        errors=("inspections follow complaints and intelligence, so they are not a random sample",
                "about 10% 'No access' with no answer"),
    )


def address_gazetteer(world: DemoWorld) -> SourceTable:
    """The council's LLPG extract: every property and parent building with its UPRN, parts, class and location."""
    units = world.units
    shells = world.layout.parent_shells
    hmo = world.facts["hmo"]
    areas = world.geography.small_areas
    ward_names = world.geography.wards["name"].to_numpy()
    classification = np.where(hmo["licensed_at_end"].to_numpy(), "RH03", units["classification_code"].to_numpy())
    unit_rows = pd.DataFrame({
        "UPRN": units["uprn"].to_numpy(),
        "PARENT_UPRN": units["parent_uprn"].array,
        "SAO_TEXT": units["flat"].to_numpy(),
        "PAO_START_NUMBER": units["building_number"].to_numpy(),
        "PAO_START_SUFFIX": units["number_suffix"].to_numpy(),
        "PAO_TEXT": units["building_name"].to_numpy(),
        "STREET_DESCRIPTOR": units["street"].to_numpy(),
        "LOCALITY": ward_names[units["ward_index"].to_numpy()],
        "TOWN_NAME": COUNCIL_NAME,
        "POSTCODE_LOCATOR": units["postcode"].to_numpy(),
        "LATITUDE": units["latitude"].to_numpy(),
        "LONGITUDE": units["longitude"].to_numpy(),
        "CLASSIFICATION_CODE": classification,
        "SMALL_AREA_CODE": units["small_area_code"].to_numpy(),
        "WARD_CODE": units["ward_code"].to_numpy(),
    })
    shell_rows = pd.DataFrame({
        "UPRN": shells["uprn"].to_numpy(),
        "PARENT_UPRN": pd.array([pd.NA] * len(shells), dtype="Int64"),
        "SAO_TEXT": "",
        "PAO_START_NUMBER": shells["building_number"].to_numpy(),
        "PAO_START_SUFFIX": "",
        "PAO_TEXT": shells["building_name"].to_numpy(),
        "STREET_DESCRIPTOR": shells["street"].to_numpy(),
        "LOCALITY": ward_names[areas["ward_index"].to_numpy()[shells["small_area"].to_numpy()]],
        "TOWN_NAME": COUNCIL_NAME,
        "POSTCODE_LOCATOR": shells["postcode"].to_numpy(),
        "LATITUDE": shells["latitude"].to_numpy(),
        "LONGITUDE": shells["longitude"].to_numpy(),
        "CLASSIFICATION_CODE": "PP",
        "SMALL_AREA_CODE": areas["code"].to_numpy()[shells["small_area"].to_numpy()],
        "WARD_CODE": areas["ward_code"].to_numpy()[shells["small_area"].to_numpy()],
    })
    frame = pd.concat([unit_rows, shell_rows], ignore_index=True).sort_values("UPRN", kind="stable")
    frame["CLASSIFICATION_DESCRIPTION"] = frame["CLASSIFICATION_CODE"].map(_CLASSIFICATION_DESCRIPTIONS)
    frame["LOGICAL_STATUS"] = 1
    frame = frame.reset_index(drop=True)
    return SourceTable(
        name="address_gazetteer", file_name="address_gazetteer.csv", file_format="csv", owner="Land and Property",
        description="The local land and property gazetteer: every property's UPRN, address parts, class and location.",
        frame=frame, record_id_column="UPRN",
        errors=("clean reference data; flats hang off a parent shell UPRN",),
    )
