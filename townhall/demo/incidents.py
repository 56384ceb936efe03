"""Emergency and enforcement systems: police anti-social behaviour records (partial identities, no NHS number)
and fire and ambulance call-outs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.demo.errors import blank_out, corrupt_nhs_numbers, introduce_typos, use_nicknames
from townhall.demo.formats import PERIOD_END, PERIOD_START, format_dates, format_times
from townhall.demo.population import DAYS_PER_YEAR, household_property_at
from townhall.demo.records import NameErrors, SourceTable, age_on, garble_names, links_frame, pick, uniform_dates
from townhall.demo.world import DemoWorld, address_parts, one_line, person_view

_ASB_CATEGORIES = ["Rowdy or inconsiderate behaviour", "Neighbour dispute", "Noise", "Vehicle nuisance", "Drugs",
                   "Street drinking"]


def _random_time_of_day(dates: np.ndarray, rng: np.random.Generator, evening: bool = False) -> np.ndarray:
    hours = np.where(evening & (rng.random(dates.size) < 0.6), rng.integers(18, 24, dates.size),
                     rng.integers(0, 24, dates.size))
    minutes = hours * 60 + rng.integers(0, 60, dates.size)
    return dates.astype("datetime64[m]") + minutes.astype("timedelta64[m]")


def police_asb(world: DemoWorld) -> SourceTable:
    """Anti-social behaviour incidents from the police, one row per person involved: partial identities."""
    rng = world.random("police asb")
    people = world.people
    households = world.households
    traits = world.facts["household_traits"]
    hmo = world.facts["hmo"]

    # A: households known for anti-social behaviour; the subject is a member aged 12 or over.
    asb_households = np.flatnonzero(traits["anti_social_behaviour"].to_numpy())
    per_household = 1 + rng.poisson(1.0, asb_households.size)
    household_a = np.repeat(asb_households, per_household)
    date_a = uniform_dates(PERIOD_START, PERIOD_END, rng, household_a.size)
    members = people[["person_id", "household_id", "date_of_birth"]]
    members = members.loc[members["household_id"].isin(asb_households)]
    members = members.sample(frac=1.0, random_state=int(rng.integers(2**31)))
    older = members.loc[members["date_of_birth"] < np.datetime64("2012-01-01")]
    subject_of = older.drop_duplicates("household_id").set_index("household_id")["person_id"]
    subject_a = subject_of.reindex(household_a).fillna(-1).to_numpy(dtype=np.int64)
    property_a = household_property_at(world.population, household_a, date_a)
    category_a = pick(_ASB_CATEGORIES, household_a.size, rng, [30, 20, 20, 10, 10, 10])

    # B: noise complaints about a property (many at HMOs); the subject is often unknown.
    noisy = np.repeat(hmo["property_id"].to_numpy(), hmo["noise_complaints"].to_numpy())
    date_b = uniform_dates(PERIOD_START, PERIOD_END, rng, noisy.size)
    occupants = households.loc[:, ["property_id", "hmo_unit"]].reset_index()
    occupants["home"] = np.where(occupants["hmo_unit"] >= 0, occupants["hmo_unit"], occupants["property_id"])
    occupant_of = occupants.sample(frac=1.0, random_state=int(rng.integers(2**31))).drop_duplicates(
        "home").set_index("home")["household_id"]
    household_b = occupant_of.reindex(noisy).fillna(-1).to_numpy(dtype=np.int64)
    reference = people.loc[people["role"] == "reference"].drop_duplicates("household_id").set_index("household_id")
    named = (household_b >= 0) & (rng.random(noisy.size) < np.where(hmo["is_hmo"].to_numpy()[noisy], 0.35, 0.6))
    subject_b = np.where(named, reference["person_id"].reindex(np.maximum(household_b, 0)).to_numpy(), -1)

    # C: incidents in public places with nobody identified.
    public_count = world.scaled(160)
    streets = rng.integers(0, len(world.units), public_count)
    date_c = uniform_dates(PERIOD_START, PERIOD_END, rng, public_count)

    incident_property = np.concatenate([property_a, noisy, streets])
    incident_date = np.concatenate([date_a, date_b, date_c])
    incident_subject = np.concatenate([subject_a, subject_b, np.full(public_count, -1)])
    incident_category = np.concatenate([category_a, np.full(noisy.size, "Noise", dtype=object),
                                        pick(_ASB_CATEGORIES, public_count, rng, [40, 0, 5, 25, 15, 15])])
    street_only = np.concatenate([rng.random(household_a.size) < 0.5, np.zeros(noisy.size, dtype=bool),
                                  np.ones(public_count, dtype=bool)])
    incidents = incident_date.size
    moment = _random_time_of_day(incident_date, rng, evening=True)
    order = np.argsort(moment, kind="stable")
    year = incident_date.astype("datetime64[Y]").astype(np.int64) + 1970
    serial = np.empty(incidents, dtype=np.int64)
    serial[order] = pd.Series(np.arange(incidents)).groupby(year[order]).cumcount().to_numpy() + 1
    incident_no = ("ASB/" + pd.Series(year % 100).astype(str).str.zfill(2) + "/" + pd.Series(serial).astype(
        str).str.zfill(6)).to_numpy(dtype=object)

    # A reporter (a neighbour in the same small area) is named on about 40% of incidents.
    area = world.units["small_area"].to_numpy()[incident_property]
    adults = people.loc[people["role"].isin(["reference", "partner"]), ["person_id", "household_id"]]
    adult_area = households["small_area"].to_numpy()[adults["household_id"].to_numpy()]
    adult_order = np.argsort(adult_area, kind="stable")
    sorted_area = adult_area[adult_order]
    low = np.searchsorted(sorted_area, area, side="left")
    high = np.searchsorted(sorted_area, area, side="right")
    has_reporter = (high > low) & (rng.random(incidents) < 0.4)
    chosen = low + (rng.random(incidents) * np.maximum(high - low, 1)).astype(np.int64)
    reporter = np.where(has_reporter, adults["person_id"].to_numpy()[adult_order][np.minimum(
        chosen, len(adult_order) - 1)], -1)

    # One row per person involved; incidents with nobody named keep one row with no person.
    subject_rows = np.flatnonzero(incident_subject >= 0)
    reporter_rows = np.flatnonzero(reporter >= 0)
    nobody = np.flatnonzero((incident_subject < 0) & (reporter < 0))
    row_incident = np.concatenate([subject_rows, reporter_rows, nobody])
    row_person = np.concatenate([incident_subject[subject_rows], reporter[reporter_rows], np.full(nobody.size, -1)])
    row_role = np.concatenate([np.full(subject_rows.size, "Subject", dtype=object),
                               np.full(reporter_rows.size, "Reporter", dtype=object),
                               np.full(nobody.size, "", dtype=object)])
    role_rank = np.concatenate([np.zeros(subject_rows.size), np.ones(reporter_rows.size), np.full(nobody.size, 2)])
    arrange = np.lexsort((role_rank, order.argsort()[row_incident]))
    row_incident, row_person, row_role = row_incident[arrange], row_person[arrange], row_role[arrange]
    count = row_incident.size
    has_person = row_person >= 0
    view = person_view(world, np.maximum(row_person, 0), incident_date[row_incident], rng)
    forename, surname = garble_names(view["first_name"], view["surname"], NameErrors(
        typo=0.04, nickname=0.08, spelling_variant=0.02, swapped=0.01, case_and_spacing=0.05), rng)
    style = rng.random(count)
    name = np.select([style < 0.5, style < 0.75, style < 0.9],
                     [forename + " " + surname, forename.str.slice(0, 1) + ". " + surname, surname],
                     forename + " " + surname.str.upper())
    name = np.where(has_person, name, "")
    age = age_on(view["date_of_birth"].to_numpy(), incident_date[row_incident])
    age = age + np.where(rng.random(count) < 0.25, rng.integers(-3, 4, count), 0)
    dob_given = has_person & (rng.random(count) < 0.3)
    parts = address_parts(world, incident_property[row_incident])
    location = pd.Series(one_line(parts, with_town=False)).where(~street_only[row_incident], parts["street"])
    ward_names = world.geography.wards["name"].to_numpy()
    involvement = ("INV" + pd.Series(np.arange(count) + 1).astype(str).str.zfill(7)).to_numpy(dtype=object)
    frame = pd.DataFrame({
        "Involvement ID": involvement,
        "Incident No": incident_no[row_incident],
        "Reported": format_times(moment[row_incident]),
        "Category": incident_category[row_incident],
        "Location": location,
        "Postcode": np.where(rng.random(count) < 0.5, parts["postcode"], ""),
        "Ward": ward_names[parts["ward_index"].to_numpy()],
        "Role": row_role,
        "Name": name,
        "Age": pd.array(np.where(has_person, age, -1), dtype="Int64"),
        "DOB": np.where(dob_given, format_dates(view["date_of_birth"].to_numpy(), "dd/mm/yy"), ""),
        "Gender": np.where(has_person, view["sex"].to_numpy(), ""),
    })
    frame["Age"] = frame["Age"].mask(frame["Age"] < 0)
    household = np.where(has_person, view["household_id"].to_numpy(), -1)
    return SourceTable(
        name="police_asb", file_name="police_asb_incidents.csv", file_format="csv", owner="Community Safety (Police)",
        description="Anti-social behaviour incidents shared by the police, one row for each person involved.",
        frame=frame, record_id_column="Involvement ID", links=links_frame(involvement, row_person, household),
        errors=("partial identities: initial and surname, or surname only", "approximate ages, date of birth rarely",
                "two-digit-year dates of birth", "no NHS number", "many incidents with nobody named",
                "nicknames and typos"),
    )


def fire_ambulance_callouts(world: DemoWorld) -> SourceTable:
    """Ambulance call-outs (patients) and fire call-outs (properties): Parquet with timestamps."""
    rng = world.random("fire and ambulance")
    people = world.people
    traits = world.facts["person_traits"]
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]")
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    start = np.maximum(dob, PERIOD_START)
    end = np.where(np.isnat(death), PERIOD_END, death)
    years = np.maximum((end - start).astype(np.int64), 0) / DAYS_PER_YEAR
    age = traits["age_at_end"].to_numpy()
    rate = (0.012 + 0.09 * (age >= 75) + 0.03 * people["disabled"].to_numpy()
            + 0.03 * traits["mental_health"].to_numpy())
    patient = np.repeat(np.arange(len(people)), rng.poisson(rate * years))
    patient_date = uniform_dates(start[patient], end[patient], rng)
    patient_age = age_on(dob[patient], patient_date)
    ambulance_type = np.where(patient_age >= 70, pick(["Fall", "Breathing problems", "Chest pain", "Unconscious",
                                                       "Stroke"], patient.size, rng, [45, 20, 15, 10, 10]),
                              pick(["Injury", "Breathing problems", "Chest pain", "Mental health crisis", "Overdose",
                                    "Fall"], patient.size, rng, [25, 15, 15, 20, 10, 15]))
    household = people["household_id"].to_numpy()[patient]
    patient_property = household_property_at(world.population, household, patient_date)

    hmo = world.facts["hmo"]
    units = world.units
    fire_rate = np.where(units["is_business"].to_numpy(), 0.02, 0.004) + 0.12 * hmo["is_hmo"].to_numpy() + 0.01 * (
        hmo["occupants"].to_numpy())
    period_years = (PERIOD_END - PERIOD_START).astype(np.int64) / DAYS_PER_YEAR
    fire_property = np.repeat(np.arange(len(units)), rng.poisson(fire_rate * period_years))
    fire_date = uniform_dates(PERIOD_START, PERIOD_END, rng, fire_property.size)
    fire_type = pick(["Automatic fire alarm", "Smoke alarm actuation", "Kitchen fire", "Electrical fire", "Bin fire",
                      "Flooding"], fire_property.size, rng, [35, 25, 15, 8, 10, 7])

    service = np.concatenate([np.full(patient.size, "Ambulance", dtype=object),
                              np.full(fire_property.size, "Fire", dtype=object)])
    property_id = np.concatenate([patient_property, fire_property])
    date = np.concatenate([patient_date, fire_date])
    moment = _random_time_of_day(date, rng).astype("datetime64[s]")
    person = np.concatenate([patient, np.full(fire_property.size, -1)])
    count = person.size
    has_person = person >= 0
    view = person_view(world, np.maximum(person, 0), date, rng)
    forename = introduce_typos(use_nicknames(view["first_name"], 0.05, rng), 0.02, rng)
    surname = introduce_typos(view["surname"], 0.02, rng)
    named = has_person & (rng.random(count) < 0.8)
    nhs, _ = corrupt_nhs_numbers(view["nhs_number"].to_numpy(), 0.0, 0.02, rng)
    parts = address_parts(world, property_id)
    ages = np.concatenate([patient_age, np.zeros(fire_property.size, dtype=np.int64)])
    ages = ages + np.where(rng.random(count) < 0.1, rng.integers(-2, 3, count), 0)
    outcome = np.where(has_person, pick(["Conveyed to hospital", "Treated at scene", "Referred to GP"], count, rng,
                                        [60, 30, 10]),
                       pick(["False alarm - good intent", "Fire extinguished", "No action required",
                             "Make safe"], count, rng, [40, 30, 20, 10]))
    order = np.argsort(moment, kind="stable")
    incident_id = np.empty(count, dtype=np.int64)
    incident_id[order] = 5_000_000 + np.arange(count)
    frame = pd.DataFrame({
        "incident_id": incident_id,
        "service": service,
        "call_time": moment,
        "incident_type": np.concatenate([ambulance_type, fire_type]),
        "address": one_line(parts),
        "postcode": blank_out(parts["postcode"], 0.02, rng),
        "latitude": parts["latitude"].to_numpy(),
        "longitude": parts["longitude"].to_numpy(),
        "patient_name": np.where(named, forename + " " + surname, ""),
        "patient_age": pd.array(np.where(has_person, ages, -1), dtype="Int64"),
        "patient_nhs_number": np.where(has_person & (rng.random(count) < 0.3), nhs, ""),
        "outcome": outcome,
    }).iloc[order].reset_index(drop=True)
    frame["patient_age"] = frame["patient_age"].mask(frame["patient_age"] < 0)
    links = links_frame(incident_id.astype(str), person, np.where(has_person, household_of(world, person), -1))
    links = links.iloc[order].reset_index(drop=True)
    return SourceTable(
        name="fire_ambulance_callouts", file_name="fire_ambulance_callouts.parquet", file_format="parquet",
        owner="Fire and Rescue / Ambulance Service",
        description="Fire and ambulance call-outs with time, type, address and, for ambulances, the patient.",
        frame=frame, record_id_column="incident_id", links=links,
        errors=("patient name missing on a fifth of ambulance calls", "approximate ages", "NHS number on 30%",
                "fire call-outs name no person"),
    )


def household_of(world: DemoWorld, person: np.ndarray) -> np.ndarray:
    """The household of each person id (negative ids give -1)."""
    return np.where(person >= 0, world.people["household_id"].to_numpy()[np.maximum(person, 0)], -1)
