"""Shared fixtures for the decision-support tests (all four engineers use them; keep this small).

- ``register_csv(workspace, name, text)``: register a CSV text as a source, as an analyst would.
- ``tiny_housing``: a workspace with a five-address gazetteer, police noise reports, HMO inspections and licences,
  council tax accounts and business rates accounts, dated around 1 January 2024, for checking windows by hand.
- ``FOOD_INSPECTIONS_DEFINITION``: a model ranking food inspections at their own dates (Inspection ID, Licence,
  Inspected, Inspector, Criticals, Facility), for the tests of cases at their own dates.
- ``load_small_area_deprivation(workspace)``: put the demo's IMD deciles into ``places.indicators`` (the table
  ``townhall.places.load_indicators`` fills; written directly here to keep the tests quick) for the deprivation audit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from townhall.decisions.dataset import UnitDataset
from townhall.workspace import Workspace

GAZETTEER = """UPRN,SMALL_AREA_CODE,CLASSIFICATION_CODE,SAO_TEXT,PAO_START_NUMBER,PAO_START_SUFFIX,PAO_TEXT,\
STREET_DESCRIPTOR,TOWN_NAME,POSTCODE_LOCATOR
100000000001,E01000001,RD04,,1,,,Mill Street,Testham,TE1 1AA
100000000002,E01000001,RD04,,2,,,Mill Street,Testham,TE1 1AA
100000000003,E01000002,RD03,,3,,,Mill Street,Testham,TE1 1AA
100000000004,E01000002,RD06,Flat 1,4,,,Mill Street,Testham,TE1 1AB
100000000005,E01000003,CR08,,5,,,Mill Street,Testham,TE1 1AB
"""
# Noise reports carry an address, not a UPRN: "2 Mill Street" must be matched through the gazetteer.
POLICE = """Incident,Reported,Category,Location,Postcode
N1,2023-12-31 22:00:00,Noise,1 Mill Street,TE1 1AA
N2,2024-01-01 01:00:00,Noise,1 Mill Street,TE1 1AA
N3,2023-01-01 12:00:00,Noise,1 Mill Street,TE1 1AA
N4,2022-12-31 12:00:00,Noise,1 Mill Street,TE1 1AA
N5,2023-06-01 12:00:00,Street drinking,1 Mill Street,TE1 1AA
N6,2023-07-01 09:00:00,Noise,2 Mill Street,TE1 1AA
"""
INSPECTIONS = """inspection_id,uprn,inspection_date,result
I1,100000000001,2024-01-01,HMO found
I2,100000000002,2024-12-31,HMO found
I3,100000000004,2025-01-01,HMO found
I4,100000000004,2023-03-01,No HMO found
"""
# Home 3 is licensed on 1 January 2024; home 4's licence expired before then.
LICENCES = """Licence Number,UPRN,Licence Start,Licence Expiry
L1,100000000003,2020-06-01,2025-05-31
L2,100000000004,2018-01-01,2022-12-31
"""
COUNCIL_TAX = """AccountRef,UPRN,AccountStart,AccountEnd,SPD,Band
A1,100000000001,2015-04-01,2023-05-31,Y,B
A2,100000000001,2023-06-01,,N,B
A3,100000000002,2019-01-01,2024-06-30,Y,A
A4,100000000003,2024-02-01,,N,C
"""
# Business rates accounts at the shop (UPRN 5): B3 starts after 1 January 2024; B4 shows the extract ran to 2025.
BUSINESS_RATES = """Account Number,UPRN,Description,Floor Area (m2),Rateable Value,Relief,Liability Start
B1,100000000005,Shop and premises,100,20000,Small business rate relief,2010-01-01
B2,100000000005,Offices and premises,50,5000,None,2023-06-01
B3,100000000005,Shop and premises,40,8000,Small business rate relief,2024-03-01
B4,100000000005,Shop and premises,80,16000,None,2025-06-01
"""


def register_csv(workspace: Workspace, name: str, text: str) -> None:
    """Register CSV text as source ``name`` in the workspace's catalogue."""
    path = workspace.path.parent / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    workspace.catalogue.add_source(path, name, owner="Tests", actor="analyst")


@pytest.fixture(scope="session")
def tiny_housing_folder(tmp_path_factory: pytest.TempPathFactory,
                        building_secrets: Callable[[Path], AbstractContextManager[None]]) -> Path:
    """The tiny housing workspace, registered once per test run (copy it with ``tiny_housing`` to use it)."""
    with building_secrets(tmp_path_factory.mktemp("tiny-housing-secrets")):
        folder = tmp_path_factory.mktemp("tiny-housing") / "council"
        with Workspace.create(folder, "Testshire") as created:
            for name, text in (("address_gazetteer", GAZETTEER), ("police_asb", POLICE),
                               ("housing_inspections", INSPECTIONS), ("hmo_licences", LICENCES),
                               ("council_tax", COUNCIL_TAX), ("business_rates", BUSINESS_RATES)):
                register_csv(created, name, text)
    return folder


@pytest.fixture
def tiny_housing(tiny_housing_folder: Path, tmp_path: Path,
                 copy_and_open: Callable[[Path, Path], AbstractContextManager[Workspace]]) -> Iterator[Workspace]:
    """A fresh copy of a workspace with five addresses and a handful of dated housing events (see above)."""
    with copy_and_open(tiny_housing_folder, tmp_path / "council") as opened:
        yield opened


def load_small_area_deprivation(workspace: Workspace, deciles: dict[str, int] | None = None) -> None:
    """Create places.indicators (area_code, indicator, period, value) holding IMD deciles, as the places engineer's
    ``load_indicators`` would: from the demo's own small_area_indicators.csv, or from {area code: decile}."""
    import pandas as pd

    if deciles is None:
        figures = pd.read_csv(workspace.path / "demo-data" / "geography" / "small_area_indicators.csv")
        deciles = dict(zip(figures["code"], figures["imd_decile"], strict=True))
    rows = pd.DataFrame({"area_code": list(deciles), "indicator": "imd_decile", "period": "2019",
                         "value": [float(decile) for decile in deciles.values()]})
    with workspace.analytics.transaction() as connection:
        connection.execute("create schema if not exists places")
        connection.execute("create table if not exists places.indicators (area_code varchar, indicator varchar, "
                           "period varchar, value double)")
        connection.register("deprivation_rows", rows)
        connection.execute("delete from places.indicators where indicator = 'imd_decile'")
        connection.execute("insert into places.indicators (area_code, indicator, period, value) "
                           "select area_code, indicator, period, value from deprivation_rows")
        connection.unregister("deprivation_rows")


@pytest.fixture
def definitions_folder() -> Path:
    """The folder of the definitions shipped with townhall."""
    from townhall.decisions.definition import BUILTIN_FOLDER

    return BUILTIN_FOLDER


# --- Models (training and scoring tests): synthetic properties with a known signal, no workspace needed. ---

SYNTHETIC_WINDOW_MONTHS = 12


def synthetic_dataset(units: int = 500, *, seed: int = 11, signal: float = 1.0) -> UnitDataset:
    """Properties at seven as-of dates six months apart whose outcome depends on referrals, a noise complaint and
    the property type (floor area is noise); outcomes whose 12-month window is not over are missing."""
    import numpy as np
    import pandas as pd

    from townhall.decisions.dataset import AREA_CODE, AS_OF, OUTCOME, UNIT_ID

    generator = np.random.default_rng(seed)
    as_of_dates = pd.date_range("2021-01-01", "2024-01-01", freq="6MS")
    property_type = generator.choice(["Terraced", "Semi-detached", "Flat", "Detached"], size=units,
                                     p=[0.35, 0.25, 0.3, 0.1])
    propensity = generator.normal(0, 1, size=units)
    frames = []
    for as_of in as_of_dates:
        referrals = generator.poisson(np.exp(0.3 + 0.6 * propensity))
        noise = generator.random(units) < 1 / (1 + np.exp(-(propensity - 1)))
        floor_area = np.round(generator.normal(90, 25, size=units), 1)
        floor_area[generator.random(units) < 0.05] = np.nan
        log_odds = -3.6 + signal * (0.55 * referrals + 1.2 * noise + 0.9 * (property_type == "Terraced"))
        outcome = pd.array(generator.random(units) < 1 / (1 + np.exp(-log_odds)), dtype="boolean")
        if as_of + pd.DateOffset(months=SYNTHETIC_WINDOW_MONTHS) > as_of_dates[-1]:
            outcome = pd.array([pd.NA] * units, dtype="boolean")
        frames.append(pd.DataFrame({
            UNIT_ID: [f"U-{number:04d}" for number in range(units)], AS_OF: as_of, OUTCOME: outcome,
            AREA_CODE: [f"E0100{number % 7:04d}" for number in range(units)], "referrals": referrals,
            "noise_complaint": noise, "floor_area": floor_area, "property_type": pd.Categorical(property_type)}))
    frame = pd.concat(frames, ignore_index=True)
    sexes = np.where(generator.random(units) < 0.5, "Female", "Male")
    protected = pd.DataFrame({UNIT_ID: frame[UNIT_ID], AS_OF: frame[AS_OF], "characteristic": "Sex",
                              "group_value": np.tile(sexes, len(as_of_dates))})
    return UnitDataset(
        model="synthetic-hmos", unit="property", frame=frame,
        feature_columns=["referrals", "noise_complaint", "floor_area", "property_type"],
        categorical_columns=["property_type"], protected=protected,
        descriptions={"referrals": "Referrals in the 12 months before",
                      "noise_complaint": "Noise complaint in the year before", "floor_area": "Floor area (m2)",
                      "property_type": "Property type"})


@pytest.fixture(scope="session")
def synthetic_units() -> UnitDataset:
    """The synthetic properties with a known signal (shared: copy before changing)."""
    return synthetic_dataset()


@pytest.fixture(scope="session")
def make_synthetic_units():  # type: ignore[no-untyped-def]
    """``synthetic_dataset`` itself, for tests that need another size, seed or signal strength."""
    return synthetic_dataset


# --- Cases at their own dates: one definition of food inspections, used by the definition, feature and training
# tests (each changes what it needs with str.replace). -----------------------------------------------------------

FOOD_INSPECTIONS_DEFINITION = """
name: food-inspections
title: Food inspections
unit: inspection
framing: case_date
units: {source: food_inspections, id: Inspection ID, date: Inspected, link: Licence}
purpose: Rank the inspections due in a period by how likely each is to find a critical violation.
team: Food Safety
capacity: 20
owner: Tests
review_date: 2027-01-31
outcome:
  description: The inspection finds a critical violation
  on_the_case: {Criticals: {above: 0}}
features:
  - name: inspector
    description: The inspector assigned
    case_field: Inspector
    known_at_the_time: true
    categorical: true
  - name: earlier_criticals
    description: Earlier inspections of the licence that found a critical violation
    count: {source: food_inspections, date: Inspected, where: {Criticals: {above: 0}}}
protected:
  facility: {case_field: Facility, map: {Restaurant: Restaurant or café}}
training:
  train: {from: 2022-01-01, to: 2023-06-30}
  test: {from: 2023-07-01, to: 2023-12-31}
"""
