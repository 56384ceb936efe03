"""Vehicles and journeys: the depot and tip the bin rounds use, and the pupils entitled to home-to-school transport.

The pupils source is what a council's passenger-transport system exports for route planning: a reference (no names),
the pick-up address and its location, the school and its bell time, the longest ride allowed, and whether the pupil
travels in a wheelchair or needs a passenger assistant (escort). Entitlement follows real policy loosely: children
with a disability, and a few who live far from school.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from townhall.demo.care import _schools
from townhall.demo.formats import PERIOD_END, date_parts
from townhall.demo.population import household_property_at
from townhall.demo.records import SourceTable, pick, record_ids
from townhall.demo.world import DemoWorld, address_parts

SPECIAL_SCHOOL_KINDS = ("Special School", "Academy (Special)", "Specialist College")
BELL_TIMES = ("08:40", "08:45", "08:50", "08:55", "09:00")


def _unit_in(world: DemoWorld, candidates: np.ndarray, rng: np.random.Generator) -> int:
    return int(candidates[rng.integers(0, candidates.size)])


def fleet_sites(world: DemoWorld) -> pd.DataFrame:
    """The street-cleansing depot, the waste tip, and the passenger-transport base: at business premises on the
    edge of town, where such sites usually are."""
    rng = world.random("fleet sites")
    units = world.units
    centrality = world.geography.small_areas["centrality"].to_numpy()[units["small_area"].to_numpy()]
    business = np.flatnonzero(units["is_business"].to_numpy())
    outer = business[centrality[business] <= np.quantile(centrality[business], 0.3)]
    chosen = rng.choice(outer if outer.size >= 3 else business, size=3, replace=False)
    names = ("Ashbury Street Cleansing Depot", "Ashbury Waste Transfer Station", "Ashbury Passenger Transport Base")
    kinds = ("depot", "tip", "transport base")
    return pd.DataFrame({"name": names, "type": kinds,
                         "latitude": np.round(units["latitude"].to_numpy()[chosen], 6),
                         "longitude": np.round(units["longitude"].to_numpy()[chosen], 6),
                         "postcode": units["postcode"].to_numpy()[chosen]})


def school_transport_pupils(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Pupils entitled to home-to-school transport in the autumn term of 2026, with their needs."""
    rng = world.random("school transport")
    people = world.people
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]")
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    year, month, _ = date_parts(dob)
    nc_year = 2026 - (year - (month < 9)) - 5  # national curriculum year in September 2026
    at_school = (nc_year >= 0) & (nc_year <= 13) & np.isnat(death)
    disabled = people["disabled"].to_numpy(dtype=bool)
    entitled = at_school & (disabled | (rng.random(len(people)) < 0.006))
    person = np.flatnonzero(entitled)
    homes = household_property_at(world.population, people["household_id"].to_numpy()[person],
                                  np.full(person.size, PERIOD_END))
    parts = address_parts(world, homes)
    ward = world.units["ward_index"].to_numpy()[homes]
    primary, secondary = _schools(world, world.random("school transport schools"))
    units = world.units
    # Special schools: one per ~40,000 residents (at least two), each at an address in a different ward.
    special_count = max(2, world.residents // 40_000)
    ward_ids = rng.permutation(len(world.geography.wards))[:special_count]
    wards = world.geography.wards["name"].to_numpy()
    special = [f"{wards[index]} {SPECIAL_SCHOOL_KINDS[number % len(SPECIAL_SCHOOL_KINDS)]}"
               for number, index in enumerate(ward_ids)]
    kind = people["disability_type"].to_numpy()[person]
    needs_special = disabled[person] & (rng.random(person.size) < np.where(
        np.isin(kind, ["Learning disability", "Physical", "Sensory"]), 0.75, 0.35))
    school = np.where(nc_year[person] <= 6, primary[ward], secondary[ward]).astype(object)
    special_choice = rng.integers(0, special_count, person.size)
    school[needs_special] = np.array(special, dtype=object)[special_choice[needs_special]]
    names = np.unique(school)
    ward_of_school = {}
    for name in names:
        match = [index for index, ward_name in enumerate(wards) if str(name).startswith(f"{ward_name} ")]
        ward_of_school[name] = match[0] if match else int(rng.integers(0, len(wards)))
    site = {}
    for name in names:
        candidates = np.flatnonzero(units["ward_index"].to_numpy() == ward_of_school[name])
        site[name] = _unit_in(world, candidates, rng)
    bell = {name: BELL_TIMES[int(rng.integers(0, len(BELL_TIMES)))] for name in names}
    school_unit = np.array([site[name] for name in school])
    wheelchair = (kind == "Physical") & (rng.random(person.size) < 0.35)
    escort = (wheelchair & (rng.random(person.size) < 0.5)) | (
        np.isin(kind, ["Learning disability", "Mental health"]) & (rng.random(person.size) < 0.3))
    max_ride = np.where(nc_year[person] <= 6, 45, 75).astype(object)
    # Some pupils have a shorter limit written into their plan (a medical need); others have none recorded.
    shorter = rng.random(person.size) < 0.08
    max_ride[shorter] = 30
    max_ride[rng.random(person.size) < 0.05] = ""
    order = np.argsort(parts["postcode"].to_numpy().astype(str), kind="stable")
    pupil_ref = record_ids("HTS", person.size, rng, width=5, order=order)
    frame = pd.DataFrame({
        "pupil_ref": pupil_ref,
        "pickup_address": (parts["street_line"] + ", " + parts["postcode"]).to_numpy(),
        "postcode": parts["postcode"].to_numpy(),
        "uprn": parts["uprn"].to_numpy(),
        "home_latitude": np.round(parts["latitude"].to_numpy(), 6),
        "home_longitude": np.round(parts["longitude"].to_numpy(), 6),
        "school": school,
        "school_latitude": np.round(units["latitude"].to_numpy()[school_unit], 6),
        "school_longitude": np.round(units["longitude"].to_numpy()[school_unit], 6),
        "bell_time": [bell[name] for name in school],
        "nc_year": nc_year[person].astype(np.int64),
        "max_ride_minutes": max_ride,
        "wheelchair": np.where(wheelchair, "Y", "N"),
        "needs_escort": np.where(escort, "Y", "N"),
        "transport_type": pick(["Shared vehicle", "Shared vehicle", "Individual taxi"], person.size, rng,
                               [60, 20, 20]),
    }).sort_values("pupil_ref", kind="stable").reset_index(drop=True)
    truth = pd.DataFrame({"pupil_ref": pupil_ref, "person_id": person})
    world.planted["school_transport"] = {
        "pupils": int(person.size), "schools": int(names.size), "special_schools": special,
        "wheelchair_users": int(wheelchair.sum()), "need_escort": int(escort.sum()),
        "entitlement": "children of school age with a disability, and a few living far from school",
    }
    table = SourceTable(
        name="school_transport_pupils", file_name="school_transport_pupils.csv", file_format="csv",
        owner="Passenger Transport",
        description="Pupils entitled to home-to-school transport: pick-up address and location, school and bell "
                    "time, longest ride allowed, wheelchair and escort needs.",
        frame=frame, record_id_column="pupil_ref",
        errors=("max_ride_minutes empty for a few pupils (the policy's limit applies)",
                "transport_type is this term's arrangement, not a recommendation"),
    )
    return table, truth


def demo_route_settings(sites_file: Path) -> dict[str, object]:
    """The [routes] table the demo writes: its depot, tip and passenger-transport base from fleet_sites.csv."""
    sites = pd.read_csv(sites_file)

    def site(kind: str) -> dict[str, object]:
        row = sites.loc[sites["type"] == kind].iloc[0]
        return {"name": str(row["name"]), "latitude": float(row["latitude"]), "longitude": float(row["longitude"])}

    return {"depot": site("depot"), "tip": site("tip"), "school": {"base": site("transport base")}}
