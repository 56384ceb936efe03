"""The generated borough as one object, with helpers every siloed system uses to draw its records.

A system's record is a person (or household, or property) seen on a date: ``person_view`` gives the name, date of
birth and address a system would have captured then, optionally out of date (stale address, old surname).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from townhall.demo.formats import join_nonempty, text_column
from townhall.demo.geography import COUNCIL_NAME, Geography
from townhall.demo.population import Population, household_property_at
from townhall.demo.properties import PropertyLayout


@dataclass
class DemoWorld:
    """Everything true about the fictional borough; sources are views of it, truth files are extracts of it."""

    residents: int
    seed: int
    geography: Geography
    layout: PropertyLayout
    population: Population
    facts: dict[str, pd.DataFrame] = field(default_factory=dict)  # latent traits and events, by name
    planted: dict[str, object] = field(default_factory=dict)      # what truth/planted_effects.json records

    @property
    def people(self) -> pd.DataFrame:
        """One row per person who lived in the borough during the period."""
        return self.population.people

    @property
    def households(self) -> pd.DataFrame:
        """One row per household."""
        return self.population.households

    @property
    def units(self) -> pd.DataFrame:
        """One row per addressable property (homes and business premises)."""
        return self.layout.units

    def random(self, stream: str) -> np.random.Generator:
        """An independent random stream per named step, so adding a source never changes the others."""
        return random_stream(self.seed, stream)

    def scaled(self, per_ten_thousand: float, minimum: int = 1) -> int:
        """A count that grows with the borough: ``per_ten_thousand`` at 10,000 residents."""
        return max(minimum, round(per_ten_thousand * self.residents / 10_000))


def random_stream(seed: int, stream: str) -> np.random.Generator:
    """A PCG64 generator seeded from the council seed and a stable hash of the step's name."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(stream.encode())])))


def person_view(world: DemoWorld, person_ids: np.ndarray, dates: np.ndarray, rng: np.random.Generator, *,
                stale_address_rate: float = 0.0, stale_surname_rate: float = 0.0) -> pd.DataFrame:
    """Each person as a system saw them on each date: surname then, and the home they lived at (maybe stale)."""
    people = world.people
    person_ids = np.asarray(person_ids, dtype=np.int64)
    dates = np.asarray(dates, dtype="datetime64[D]")
    household_ids = people["household_id"].to_numpy()[person_ids]
    change = people["surname_change_date"].to_numpy(dtype="datetime64[D]")[person_ids]
    before_change = ~np.isnat(change) & (dates < change)
    never_updated = ~np.isnat(change) & (rng.random(person_ids.size) < stale_surname_rate)
    surname = np.where(before_change | never_updated, people["birth_surname"].to_numpy()[person_ids],
                       people["surname"].to_numpy()[person_ids])
    households = world.households
    move_date = households["move_date"].to_numpy(dtype="datetime64[D]")[household_ids]
    moved_before = households["moved"].to_numpy()[household_ids] & (dates >= move_date)
    stale = moved_before & (rng.random(person_ids.size) < stale_address_rate)
    property_id = np.where(stale, households["property_id"].to_numpy()[household_ids],
                           household_property_at(world.population, household_ids, dates))
    return pd.DataFrame({
        "person_id": person_ids,
        "household_id": household_ids,
        "first_name": text_column(people["first_name"].to_numpy()[person_ids]),
        "middle_name": text_column(people["middle_name"].to_numpy()[person_ids]),
        "surname": text_column(surname),
        "sex": people["sex"].to_numpy()[person_ids],
        "date_of_birth": people["date_of_birth"].to_numpy(dtype="datetime64[D]")[person_ids],
        "nhs_number": people["nhs_number"].to_numpy()[person_ids],
        "ethnicity_index": people["ethnicity_index"].to_numpy()[person_ids],
        "property_id": property_id,
        "stale_address": stale,
    })


def address_parts(world: DemoWorld, property_ids: np.ndarray) -> pd.DataFrame:
    """Address pieces of each property: flat, building, number, street, town, postcode, UPRN and area."""
    units = world.units
    property_ids = np.asarray(property_ids, dtype=np.int64)

    def column(name: str) -> pd.Series:
        return text_column(units[name].to_numpy()[property_ids])

    number = text_column(units["building_number"].to_numpy()[property_ids].astype(str)) + column("number_suffix")
    parts = pd.DataFrame({
        "flat": column("flat"), "building_name": column("building_name"), "number": number,
        "street": column("street"), "postcode": column("postcode"),
    })
    parts["street_line"] = parts["number"] + " " + parts["street"]
    parts["town"] = COUNCIL_NAME
    parts["uprn"] = units["uprn"].to_numpy()[property_ids]
    parts["small_area"] = units["small_area"].to_numpy()[property_ids]
    parts["ward_index"] = units["ward_index"].to_numpy()[property_ids]
    parts["latitude"] = units["latitude"].to_numpy()[property_ids]
    parts["longitude"] = units["longitude"].to_numpy()[property_ids]
    return parts


def one_line(parts: pd.DataFrame, *, with_town: bool = True, separator: str = ", ") -> pd.Series:
    """'Flat 2, Alder Court, 14 Mill Road, Ashbury' from address parts."""
    pieces = [parts["flat"], parts["building_name"], parts["street_line"]]
    if with_town:
        pieces.append(text_column(np.full(len(parts), COUNCIL_NAME, dtype=object)))
    return join_nonempty(pieces, separator)


def address_lines(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Two address lines as most systems hold them: ('Flat 2, Alder Court', '14 Mill Road') or ('14 Mill Road', '')."""
    flat_and_building = join_nonempty([parts["flat"], parts["building_name"]], ", ")
    has_flat = flat_and_building != ""
    return flat_and_building.where(has_flat, parts["street_line"]), parts["street_line"].where(has_flat, "")
