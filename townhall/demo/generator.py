"""Generate the demo council: build the fictional borough, draw every system's export, write sources, geography
and truth, and swap the new folders into place only once everything has been written.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from townhall.demo import care, feeds, housing, incidents, places_data, revenues, sheltered, transport, words
from townhall.demo.formats import PERIOD_END, PERIOD_START, format_dates, nhs_number_is_valid
from townhall.demo.geography import AUTHORITY_CODE, COUNCIL_NAME, ETHNIC_GROUPS, ETHNICITY_NAMES, build_geography
from townhall.demo.outcomes import plant_outcomes
from townhall.demo.population import build_population, household_property_at
from townhall.demo.properties import build_properties
from townhall.demo.records import SourceTable
from townhall.demo.world import DemoWorld, random_stream
from townhall.demo.writer import write_csv, write_geojson, write_source
from townhall.errors import TownhallError

Progress = Callable[[str, float], None]


@dataclass
class DemoSource:
    """One siloed system's file, as it would be registered in the catalogue."""

    name: str
    file: Path
    owner: str
    description: str
    sheet: str | None = None
    file_format: str = ""
    record_id_column: str | None = None
    rows: int = 0
    deliberate_errors: tuple[str, ...] = ()

    def read(self) -> pd.DataFrame:
        """Read the file exactly as written (CSV columns as text), for tests and evaluation notebooks."""
        if self.file_format == "parquet":
            return pd.read_parquet(self.file)
        if self.file_format == "xlsx":
            return pd.read_excel(self.file, sheet_name=self.sheet or 0)
        options = {"csv": {}, "csv-bom": {"encoding": "utf-8-sig"}, "csv-windows-1252": {"encoding": "cp1252"},
                   "csv-semicolon": {"sep": ";"}}[self.file_format]
        return pd.read_csv(self.file, dtype=str, keep_default_na=False, **options)


@dataclass
class DemoCouncil:
    """What ``generate_demo_council`` wrote: the council, its sources and its reference geography."""

    name: str
    folder: Path
    residents: int
    seed: int
    sources: list[DemoSource] = field(default_factory=list)
    geography_files: dict[str, Path] = field(default_factory=dict)
    truth_folder: Path | None = None

    def source(self, name: str) -> DemoSource:
        """The source with this catalogue name (e.g. 'council_tax')."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"No demo source called {name!r}; there are {', '.join(s.name for s in self.sources)}")


def generate_demo_council(folder: Path, residents: int = 10_000, seed: int = 2026,
                          progress: Progress | None = None) -> DemoCouncil:
    """Write the fictional borough of Ashbury into ``folder`` (sources/, geography/, truth/); same seed, same bytes."""
    if isinstance(residents, bool) or not isinstance(residents, int) or residents < 500:
        raise TownhallError(f"The demo needs at least 500 residents (a whole number); got {residents!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise TownhallError(f"The demo seed must be a whole number of 0 or more; got {seed!r}.")
    report = progress or (lambda _step, _fraction: None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    building = folder / f".building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        for name in ("sources", "geography", "truth"):
            (building / name).mkdir(parents=True)
        council = _generate(building, residents, seed, report)
        _swap_in(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    council.folder = folder
    council.sources = [_moved(source, building, folder) for source in council.sources]
    council.geography_files = {key: folder / path.relative_to(building)
                               for key, path in council.geography_files.items()}
    council.truth_folder = folder / "truth"
    report("done", 1.0)
    return council


def _moved(source: DemoSource, old: Path, new: Path) -> DemoSource:
    source.file = new / source.file.relative_to(old)
    return source


def _swap_in(building: Path, folder: Path) -> None:
    """Replace folder/sources, geography and truth with the freshly written ones, keeping the old until done."""
    retired = folder / f".previous-{os.getpid()}"
    retired.mkdir(exist_ok=True)
    for name in ("sources", "geography", "truth"):
        if (folder / name).exists():
            os.replace(folder / name, retired / name)
        os.replace(building / name, folder / name)
    shutil.rmtree(retired, ignore_errors=True)


def build_world(residents: int, seed: int, report: Progress = lambda _s, _f: None) -> DemoWorld:
    """Build the whole fictional borough in memory (geography, homes, people, hidden outcomes)."""
    report("drawing the borough and its small areas", 0.02)
    geography = build_geography(residents, random_stream(seed, "geography"))
    report("laying out streets, homes and postcodes", 0.07)
    households_estimate = residents / 2.33
    layout = build_properties(geography, int(households_estimate * 1.05) + 5, int(households_estimate * 0.027),
                              max(10, residents // 35), random_stream(seed, "properties"))
    report("drawing residents, households, births, deaths and moves", 0.12)
    population = build_population(residents, layout, geography, random_stream(seed, "population"))
    world = DemoWorld(residents=residents, seed=seed, geography=geography, layout=layout, population=population)
    report("planting outcomes", 0.25)
    plant_outcomes(world)
    return world


def _generate(folder: Path, residents: int, seed: int, report: Progress) -> DemoCouncil:
    world = build_world(residents, seed, report)
    council = DemoCouncil(name=COUNCIL_NAME, folder=folder, residents=residents, seed=seed)
    truth_extras: dict[str, pd.DataFrame] = {}

    council_tax, accounts = revenues.council_tax(world)
    referrals = care.childrens_social_care_referrals(world)
    builders: list[tuple[str, Callable[[], SourceTable]]] = [
        ("address gazetteer", lambda: housing.address_gazetteer(world)),
        ("letter trial", lambda: feeds.letter_trial(world, council_tax, accounts)),
        ("council tax", lambda: council_tax),
        ("benefits", lambda: revenues.benefits(world)),
        ("business rates", lambda: revenues.business_rates(world)),
        ("business rates reviews", lambda: _keep_truth(revenues.business_rates_reviews(world), truth_extras,
                                                        "business_rates_history_truth")),
        ("business rates valuations", lambda: revenues.business_rates_valuations(world)),
        ("housing tenancies", lambda: housing.housing_tenancies(world)),
        ("housing repairs", lambda: housing.housing_repairs(world)),
        ("rent arrears", lambda: housing.rent_arrears(world)),
        ("homelessness applications", lambda: housing.homelessness_applications(world)),
        ("HMO licences", lambda: housing.hmo_licences(world)),
        ("housing inspections", lambda: housing.housing_inspections(world)),
        ("adult social care", lambda: care.adult_social_care(world)),
        ("children's social care referrals", lambda: referrals),
        ("children's case notes", lambda: _keep_truth(words.childrens_case_notes(world, referrals), truth_extras,
                                                      "case_notes_truth")),
        ("school attendance", lambda: care.school_attendance(world)),
        ("vulnerability register", lambda: care.vulnerability_register(world)),
        ("opt-outs", lambda: care.opt_outs(world)),
        ("police anti-social behaviour", lambda: incidents.police_asb(world)),
        ("fire and ambulance call-outs", lambda: incidents.fire_ambulance_callouts(world)),
        ("resident feedback", lambda: _keep_truth(words.with_contact_details(world, feeds.resident_feedback(world)),
                                                  truth_extras, "feedback_truth")),
        ("waste collection days", lambda: words.waste_collection_days(world)),
        ("bin sensors", lambda: _keep_truth(feeds.bin_sensors(world), truth_extras, "bin_collections")),
        ("building temperatures", lambda: _keep_truth(feeds.building_temperatures(world), truth_extras,
                                                       "building_faults")),
        ("service demand", lambda: feeds.service_demand(world)),
        ("SEND transitions", lambda: feeds.send_transitions(world)),
        ("street reports", lambda: _keep_truth(places_data.street_reports(world), truth_extras,
                                               "street_reports_truth")),
        ("school transport pupils", lambda: _keep_truth(transport.school_transport_pupils(world), truth_extras,
                                                        "school_transport_truth")),
    ]
    links: list[pd.DataFrame] = []
    for number, (step, build) in enumerate(builders):  # the letter trial runs before council tax is written
        report(f"writing {step}", 0.3 + 0.55 * number / len(builders))
        table = build()
        path = write_source(table, folder / "sources")
        council.sources.append(DemoSource(name=table.name, file=path, owner=table.owner,
                                          description=table.description, sheet=table.sheet,
                                          file_format=table.file_format, record_id_column=table.record_id_column,
                                          rows=len(table.frame), deliberate_errors=table.errors))
        if table.links is not None:
            links.append(table.links.assign(source=table.name))
    council.sources.sort(key=lambda source: source.name)
    report("writing geography", 0.87)
    council.geography_files = _write_geography(world, folder / "geography")
    write_csv(places_data.service_locations(world), folder / "geography" / "service_locations.csv")
    write_csv(transport.fleet_sites(world), folder / "geography" / "fleet_sites.csv")
    # A live sensor feed as its supplier delivers it (JSON lines): read by 'townhall sensors ingest', not registered.
    feed, events = sheltered.sheltered_housing_feed(world)
    sheltered.write_sheltered_feed(feed, folder / "sources")
    truth_extras["sheltered_housing_events"] = events
    report("writing ground truth", 0.93)
    _write_truth(world, folder / "truth", links, truth_extras)
    return council


def _keep_truth(result: tuple[SourceTable, pd.DataFrame], store: dict[str, pd.DataFrame], name: str) -> SourceTable:
    table, truth = result
    store[name] = truth
    return table


def _people_at_end(world: DemoWorld) -> tuple[np.ndarray, np.ndarray]:
    """Person ids alive at the end of the period and the small area they live in then."""
    people = world.people
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    alive = np.flatnonzero(np.isnat(death))
    homes = household_property_at(world.population, people["household_id"].to_numpy()[alive],
                                  np.full(alive.size, PERIOD_END))
    return alive, world.units["small_area"].to_numpy()[homes]


def _write_geography(world: DemoWorld, folder: Path) -> dict[str, Path]:
    """GeoJSON for small areas, wards and the authority; indicators and postcode lookup as CSV."""
    geography = world.geography
    areas = geography.small_areas
    wards = geography.wards
    small_area_shapes, ward_shapes, authority_shape = geography.shapes_in_degrees()
    files = {
        "small_areas": write_geojson(small_area_shapes, pd.DataFrame({
            "code": areas["code"], "name": areas["name"], "ward_code": areas["ward_code"],
            "ward_name": wards["name"].to_numpy()[areas["ward_index"].to_numpy()],
            "authority_code": AUTHORITY_CODE}), folder / "small_areas.geojson"),
        "wards": write_geojson(ward_shapes, pd.DataFrame({"code": wards["code"], "name": wards["name"],
                                                          "authority_code": AUTHORITY_CODE}),
                               folder / "wards.geojson"),
        "authority": write_geojson(np.array([authority_shape], dtype=object),
                                   pd.DataFrame({"code": [AUTHORITY_CODE], "name": [COUNCIL_NAME]}),
                                   folder / "authority.geojson"),
    }
    alive, area_of = _people_at_end(world)
    people = world.people
    age = (PERIOD_END - people["date_of_birth"].to_numpy(dtype="datetime64[D]")[alive]).astype(np.int64) / 365.25
    residents = pd.DataFrame({"area": area_of, "age": age,
                              "white_british": people["ethnicity_index"].to_numpy()[alive] == 0})
    summary = residents.groupby("area").agg(population=("age", "size"), median_age=("age", "median"),
                                            aged_65_plus=("age", lambda ages: float((ages >= 65).mean())),
                                            white_british=("white_british", "mean"))
    summary = summary.reindex(np.arange(len(areas)))
    homes = world.units.loc[~world.units["is_business"]]
    indicators = pd.DataFrame({
        "code": areas["code"], "name": areas["name"], "ward_code": areas["ward_code"],
        "imd_decile": areas["imd_decile"], "imd_score": areas["imd_score"],
        "population": summary["population"].fillna(0).astype(int).to_numpy(),
        "homes": np.bincount(homes["small_area"].to_numpy(), minlength=len(areas)),
        "area_hectares": np.round(areas["area_km2"].to_numpy() * 100, 1),
        "median_age": np.round(summary["median_age"].to_numpy(), 1),
        "pct_aged_65_plus": np.round(100 * summary["aged_65_plus"].to_numpy(), 1),
        "pct_white_british": np.round(100 * summary["white_british"].to_numpy(), 1),
    })
    files["small_area_indicators"] = write_csv(indicators, folder / "small_area_indicators.csv")
    postcodes = world.layout.postcodes
    counts = world.units.groupby("postcode").size()
    files["postcodes"] = write_csv(pd.DataFrame({
        "postcode": postcodes["postcode"], "latitude": postcodes["latitude"], "longitude": postcodes["longitude"],
        "small_area_code": postcodes["small_area_code"], "ward_code": postcodes["ward_code"],
        "addresses": counts.reindex(postcodes["postcode"]).fillna(0).astype(int).to_numpy(),
    }).sort_values("postcode", kind="stable"), folder / "postcodes.csv")
    return files


def _dates(values: pd.Series | np.ndarray) -> np.ndarray:
    return format_dates(np.asarray(values, dtype="datetime64[D]"), "yyyy-mm-dd")


def _write_truth(world: DemoWorld, folder: Path, links: list[pd.DataFrame], extras: dict[str, pd.DataFrame]) -> None:
    """Ground truth for evaluation only: never a source, never read by analyses."""
    record_links = pd.concat(links, ignore_index=True)[["source", "record_id", "person_id", "household_id"]]
    write_csv(record_links, folder / "record_links.csv")

    people = world.people

    def person_reference(column: str) -> pd.Series:
        ids = pd.Series(people[column].to_numpy(), dtype="Int64")
        return ids.mask(ids < 0)

    write_csv(pd.DataFrame({
        "person_id": people["person_id"], "household_id": people["household_id"], "role": people["role"],
        "first_name": people["first_name"], "middle_name": people["middle_name"], "surname": people["surname"],
        "birth_surname": people["birth_surname"], "surname_change_date": _dates(people["surname_change_date"]),
        "sex": people["sex"], "date_of_birth": _dates(people["date_of_birth"]),
        "date_of_death": _dates(people["date_of_death"]),
        "ethnicity": ETHNICITY_NAMES[people["ethnicity_index"].to_numpy()],
        "ethnic_group": ETHNIC_GROUPS[people["ethnicity_index"].to_numpy()],
        "disabled": people["disabled"], "disability_type": people["disability_type"],
        "nhs_number": people["nhs_number"],
        "mother_id": person_reference("mother_row"), "father_id": person_reference("father_row"),
        "twin_of": person_reference("twin_of"),
        "born_in_period": people["born_in_period"],
    }), folder / "people.csv")

    households = world.households
    traits = world.facts["household_traits"]
    uprn = world.units["uprn"].to_numpy()
    new_property = households["new_property_id"].to_numpy()
    write_csv(pd.DataFrame({
        "household_id": np.arange(len(households)), "household_type": households["household_type"],
        "tenure": households["tenure"], "uprn": uprn[households["property_id"].to_numpy()],
        "small_area_code": world.geography.small_areas["code"].to_numpy()[households["small_area"].to_numpy()],
        "moved": households["moved"], "move_date": _dates(households["move_date"]),
        "new_uprn": pd.Series(np.where(new_property >= 0, uprn[np.maximum(new_property, 0)], -1),
                              dtype="Int64").mask(lambda ids: ids < 0),
        "hmo_tenant": households["hmo_unit"].to_numpy() >= 0,
        "hardship": households["hardship"],
        **{name: traits[name].to_numpy() for name in ("benefit_claim", "out_of_work_benefits", "rent_arrears",
                                                      "anti_social_behaviour", "domestic_abuse",
                                                      "parental_mental_health")},
    }), folder / "households.csv")

    hmo = world.facts["hmo"]
    write_csv(pd.DataFrame({
        "uprn": hmo["uprn"], "residential": hmo["residential"], "is_hmo": hmo["is_hmo"], "occupants": hmo["occupants"],
        "licensed_at_start": hmo["licensed_at_start"], "licensed_at_end": hmo["licensed_at_end"],
        "hidden_hmo": hmo["hidden_hmo"], "noise_complaints": hmo["noise_complaints"], "inspected": hmo["inspected"],
        "inspection_result": hmo["inspection_result"],
        "landlord_person_id": pd.Series(hmo["landlord_person_id"].to_numpy(), dtype="Int64").mask(
            lambda ids: ids < 0),
        "landlord_company": hmo["landlord_company"],
    }), folder / "hmo_truth.csv")

    business = world.facts["business"]
    write_csv(business.assign(liability_start=_dates(business["liability_start"]))[[
        "account_number", "uprn", "category", "ratepayer", "floor_area_m2", "liability_start", "charity",
        "true_rateable_value", "recorded_rateable_value", "true_relief", "recorded_relief",
        "true_liability_2025_26", "billed_2025_26", "under_billed", "shortfall", "reason"]],
        folder / "business_rates_truth.csv")

    write_csv(world.facts["children"], folder / "childrens_escalation_truth.csv")
    for name, frame in extras.items():
        write_csv(frame, folder / f"{name}.csv")

    people_valid = bool(nhs_number_is_valid(people["nhs_number"]).all())
    planted = {
        "council": COUNCIL_NAME, "residents": world.residents, "seed": world.seed,
        "period": {"start": str(PERIOD_START), "end": str(PERIOD_END)},
        "people": len(people), "households": len(households),
        "births_in_period": int(people["born_in_period"].sum()),
        "deaths_in_period": int(people["date_of_death"].notna().sum()),
        "households_that_moved": int(households["moved"].sum()),
        "surname_changes_in_period": int(people["surname_change_date"].notna().sum()),
        "all_true_nhs_numbers_valid": people_valid,
        "nhs_numbers": "fictional: all start with 9, a range never issued to patients",
        **world.planted,
        "warning": "Ground truth for evaluation and tests only. Never register these files as sources.",
    }
    (folder / "planted_effects.json").write_text(json.dumps(planted, indent=2, sort_keys=False, default=_json_value),
                                                 encoding="utf-8")
    (folder / "README.txt").write_text(
        "GROUND TRUTH - for evaluation and tests only.\n"
        "These files say who is really behind each record and what was planted in the data.\n"
        "Never register them as sources and never read them in an analysis: doing so would leak the answers.\n",
        encoding="utf-8")


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Cannot write {type(value).__name__} to JSON")
