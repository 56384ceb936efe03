"""Residents in households over 2019-01-01 .. 2026-09-30: who lives where, births, deaths, moves and marriages.

All steps are vectorised over households or people. The result is the ground truth that every siloed system's
records are drawn from (and that truth/people.csv and truth/households.csv publish).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from townhall.demo.formats import NOT_A_DATE, PERIOD_END, PERIOD_START, new_nhs_numbers
from townhall.demo.geography import ETHNIC_GROUPS, Geography
from townhall.demo.names import (
    BIRTH_ERAS,
    BRITISH_FEMALE_FIRST_NAMES,
    BRITISH_MALE_FIRST_NAMES,
    BRITISH_SURNAMES,
    FEMALE_HERITAGE_SURNAMES,
    HERITAGE_FIRST_NAMES,
    HERITAGE_SURNAMES,
    HERITAGES,
    list_weights,
)
from townhall.demo.properties import BLOCK_FLAT, CONVERTED_FLAT, PropertyLayout

DAYS_PER_YEAR = 365.25
PERIOD_DAYS = int((PERIOD_END - PERIOD_START).astype(int))

HOUSEHOLD_TYPES = np.array([
    "One person aged 66 or over", "One person under 66", "Couple, no children", "Couple with dependent children",
    "Couple with non-dependent children", "Lone parent with dependent children",
    "Lone parent with non-dependent children", "Three generations", "Unrelated adults sharing",
    "HMO tenant",
], dtype=object)
_TYPE_SHARES = np.array([0.14, 0.16, 0.18, 0.18, 0.07, 0.07, 0.04, 0.04, 0.03])
SINGLE_OLDER, SINGLE, COUPLE, COUPLE_DEPENDENT, COUPLE_GROWN_UP, LONE_DEPENDENT, LONE_GROWN_UP, THREE_GENERATIONS, \
    SHARERS, HMO_TENANT = range(10)
_ADULTS = np.array([1, 1, 2, 2, 2, 1, 1, 3, 2, 1])
_COUPLE_TYPES = [COUPLE, COUPLE_DEPENDENT, COUPLE_GROWN_UP, THREE_GENERATIONS]

# Ethnicity (index into geography.ETHNICITIES) -> (heritages, probabilities) used for names.
_HERITAGE_OF_ETHNICITY: dict[int, tuple[tuple[str, ...], tuple[float, ...]]] = {
    0: (("british",), (1.0,)), 1: (("irish",), (1.0,)), 2: (("irish",), (1.0,)),
    3: (("eastern_european",), (1.0,)), 4: (("eastern_european", "southern_european"), (0.6, 0.4)),
    5: (("british",), (1.0,)), 6: (("british",), (1.0,)), 7: (("british",), (1.0,)), 8: (("british",), (1.0,)),
    9: (("south_asian_muslim",), (1.0,)), 10: (("east_asian",), (1.0,)),
    11: (("south_asian_hindu_sikh", "south_asian_muslim"), (0.8, 0.2)), 12: (("south_asian_muslim",), (1.0,)),
    13: (("south_asian_hindu_sikh", "east_asian", "south_asian_muslim"), (0.4, 0.3, 0.3)),
    14: (("west_african", "east_african"), (0.65, 0.35)), 15: (("caribbean",), (1.0,)),
    16: (("caribbean", "west_african"), (0.5, 0.5)), 17: (("arab",), (1.0,)),
    18: (("arab", "southern_european", "british"), (0.3, 0.3, 0.4)),
}


_HERITAGE_SORTER = np.argsort(np.array(HERITAGES, dtype=object))


@dataclass
class Population:
    """People, households and residencies (which property each household lived in, and when)."""

    people: pd.DataFrame
    households: pd.DataFrame
    residencies: pd.DataFrame


def build_population(residents: int, layout: PropertyLayout, geography: Geography,
                     rng: np.random.Generator) -> Population:
    """Draw households and people, place them in homes, and play out births, deaths, moves and marriages."""
    units = layout.units
    hmo_units = np.flatnonzero(units["is_hmo"].to_numpy())
    hmo_occupants = rng.integers(3, 8, hmo_units.size)
    hmo_people = int(hmo_occupants.sum())
    households, people = _draw_households(max(residents - hmo_people, 1), rng)
    households, people = _add_hmo_tenants(households, people, hmo_units, hmo_occupants, rng)
    people = _sort_by_household(_add_births(households, people, rng))
    _place_households(households, units, rng)
    _draw_tenure_and_hardship(households, people, units, geography, rng)
    _draw_ethnicity(households, people, units, geography, rng)
    _draw_names(households, people, rng)
    people["nhs_number"] = new_nhs_numbers(len(people), rng)
    _draw_deaths(people, rng)
    residencies = _draw_moves(households, people, units, rng)
    _draw_marriages(households, people, rng)
    _draw_disability(households, people, rng)
    people.index.name = "person_id"
    people.insert(0, "person_id", np.arange(len(people)))
    households.index.name = "household_id"
    return Population(people=people, households=households, residencies=residencies)


def _sort_by_household(people: pd.DataFrame) -> pd.DataFrame:
    """Sort people by household and position, keeping the mother/father/twin row references pointing right."""
    order = np.lexsort((people["position"].to_numpy(), people["household_id"].to_numpy()))
    new_row = np.empty(len(people), dtype=np.int64)
    new_row[order] = np.arange(len(people))
    people = people.iloc[order].reset_index(drop=True)
    for column in ("mother_row", "father_row", "twin_of"):
        values = people[column].to_numpy()
        people[column] = np.where(values >= 0, new_row[np.maximum(values, 0)], -1)
    return people


def _years(days: np.ndarray) -> np.ndarray:
    return days / DAYS_PER_YEAR


def _birth_date_from_age(age_years: np.ndarray) -> np.ndarray:
    return PERIOD_START - np.round(age_years * DAYS_PER_YEAR).astype("timedelta64[D]")


def _draw_households(target_people: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Household types and members (sex, role, date of birth, parents) adding up to exactly ``target_people``."""
    guess = int(target_people / 2.0) + 20
    kind = rng.choice(9, size=guess, p=_TYPE_SHARES / _TYPE_SHARES.sum())
    children = np.zeros(guess, dtype=np.int64)
    dependent = np.isin(kind, [COUPLE_DEPENDENT, LONE_DEPENDENT])
    children[dependent] = rng.choice([1, 2, 3, 4], size=int(dependent.sum()), p=[0.42, 0.38, 0.14, 0.06])
    grown = np.isin(kind, [COUPLE_GROWN_UP, LONE_GROWN_UP])
    children[grown] = rng.choice([1, 2, 3], size=int(grown.sum()), p=[0.62, 0.3, 0.08])
    three = kind == THREE_GENERATIONS
    children[three] = rng.choice([0, 1, 2, 3], size=int(three.sum()), p=[0.3, 0.35, 0.25, 0.1])
    size = _ADULTS[kind] + children
    total = np.cumsum(size)
    keep = int(np.searchsorted(total, target_people, side="right"))
    remainder = target_people - (int(total[keep - 1]) if keep else 0)
    kind = np.concatenate([kind[:keep], np.full(remainder, SINGLE)])
    children = np.concatenate([children[:keep], np.zeros(remainder, dtype=np.int64)])
    count = kind.size
    adults = _ADULTS[kind]
    size = adults + children

    households = pd.DataFrame({"household_type_index": kind, "adults": adults, "children": children})
    # Ages of the woman (or only parent) in each household drive the parents' and children's ages.
    mother_age = np.select(
        [kind == COUPLE_DEPENDENT, kind == COUPLE_GROWN_UP, kind == LONE_DEPENDENT, kind == LONE_GROWN_UP,
         kind == THREE_GENERATIONS],
        [rng.normal(37, 6.5, count).clip(20, 55), rng.normal(54, 6, count).clip(40, 75),
         rng.normal(35, 7.5, count).clip(18.5, 60), rng.normal(58, 9, count).clip(38, 88),
         rng.normal(38, 6, count).clip(24, 55)],
        np.nan)
    young_couple = rng.random(count) < 0.3
    mother_age = np.where(kind == COUPLE, np.where(young_couple, rng.normal(30, 5, count).clip(19, 42),
                                                   rng.normal(62, 11, count).clip(40, 96)), mother_age)
    households["opposite_sex"] = np.isin(kind, _COUPLE_TYPES) & (rng.random(count) < 0.96)
    households["reference_is_male"] = rng.random(count) < np.where(households["opposite_sex"], 0.6, 0.5)

    household_id = np.repeat(np.arange(count), size)
    position = np.arange(household_id.size) - np.repeat(np.cumsum(size) - size, size)
    member_kind = kind[household_id]
    is_adult = position < adults[household_id]
    role = np.where(~is_adult, "child", np.where(position == 0, "reference", np.where(
        member_kind == SHARERS, "sharer", np.where(position == 1, "partner", "grandparent"))))
    people = pd.DataFrame({"household_id": household_id, "position": position, "role": role})
    n = len(people)
    mother = mother_age[household_id]

    # Sex: couples are a man and a woman (96%); singles and lone parents follow census patterns.
    opposite = households["opposite_sex"].to_numpy()[household_id]
    reference_male = households["reference_is_male"].to_numpy()[household_id]
    random_sex = rng.random(n)
    male = np.select(
        [role == "child", role == "grandparent", role == "sharer",
         (role == "reference") & np.isin(member_kind, _COUPLE_TYPES) & opposite,
         (role == "partner") & opposite,
         np.isin(member_kind, _COUPLE_TYPES),
         member_kind == SINGLE_OLDER, member_kind == SINGLE, member_kind == LONE_DEPENDENT,
         member_kind == LONE_GROWN_UP],
        [random_sex < 0.51, random_sex < 0.35, random_sex < 0.5, reference_male, ~reference_male,
         reference_male, random_sex < 0.38, random_sex < 0.55, random_sex < 0.1, random_sex < 0.25],
        random_sex < 0.5)
    people["sex"] = np.where(male, "M", "F")

    # Ages at the start of the period: the woman (or either partner in a same-sex couple) anchors the couple.
    age = np.full(n, np.nan)
    couple_adult = np.isin(role, ["reference", "partner"]) & np.isin(member_kind, _COUPLE_TYPES)
    anchor = couple_adult & np.where(opposite, ~male, role == "reference")
    lone_parent = (role == "reference") & np.isin(member_kind, [LONE_DEPENDENT, LONE_GROWN_UP])
    age[anchor | lone_parent] = mother[anchor | lone_parent]
    other_adult = couple_adult & ~anchor
    age[other_adult] = (mother[other_adult] + rng.normal(2, 3.5, int(other_adult.sum()))).clip(18.5, 99)
    single_older = (member_kind == SINGLE_OLDER)
    age[single_older] = 66 + np.minimum(rng.gamma(2.0, 6.0, int(single_older.sum())), 36)
    single = member_kind == SINGLE
    age[single] = 18 + rng.beta(1.7, 1.5, int(single.sum())) * 47
    sharer = member_kind == SHARERS
    age[sharer] = rng.uniform(19, 36, int(sharer.sum()))
    grandparent = role == "grandparent"
    age[grandparent] = rng.normal(76, 7, int(grandparent.sum())).clip(62, 98)
    child = role == "child"
    grown_children = child & np.isin(member_kind, [COUPLE_GROWN_UP, LONE_GROWN_UP])
    highest_dependent = np.minimum(17.99, mother - 18)
    age[child & ~grown_children] = (rng.random(n) ** 0.8 * highest_dependent)[child & ~grown_children]
    highest_grown = np.maximum(np.minimum(40, mother - 18), 18.5)
    age[grown_children] = (18 + rng.random(n) * (highest_grown - 18))[grown_children]
    people["date_of_birth"] = _birth_date_from_age(age) - rng.integers(0, 2, n).astype("timedelta64[D]")

    # Twins: in 3% of families with two or more children the first two share a birthday.
    first_child = child & (position == adults[household_id])
    second_child = child & (position == adults[household_id] + 1)
    twin_households = np.flatnonzero((children >= 2) & (rng.random(count) < 0.03))
    twin_rows_second = np.flatnonzero(second_child & np.isin(household_id, twin_households))
    twin_rows_first = np.flatnonzero(first_child & np.isin(household_id, twin_households))
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]").copy()
    dob[twin_rows_second] = dob[twin_rows_first]
    people["date_of_birth"] = dob
    people["twin_of"] = -1
    people.loc[twin_rows_second, "twin_of"] = twin_rows_first
    people.loc[twin_rows_first, "twin_of"] = twin_rows_second
    people["born_in_period"] = False
    _link_parents(households, people)
    households["household_type"] = HOUSEHOLD_TYPES[kind]
    return households, people


def _link_parents(households: pd.DataFrame, people: pd.DataFrame) -> None:
    """Record the mother and father (as row numbers) of each child living with them."""
    household_id = people["household_id"].to_numpy()
    role = people["role"].to_numpy()
    male = people["sex"].to_numpy() == "M"
    parent_row = np.isin(role, ["reference", "partner"]) & np.isin(
        households["household_type_index"].to_numpy()[household_id],
        [COUPLE_DEPENDENT, COUPLE_GROWN_UP, LONE_DEPENDENT, LONE_GROWN_UP, THREE_GENERATIONS])
    mother_of = np.full(len(households), -1)
    father_of = np.full(len(households), -1)
    rows = np.flatnonzero(parent_row & ~male)
    mother_of[household_id[rows]] = rows
    rows = np.flatnonzero(parent_row & male)
    father_of[household_id[rows]] = rows
    is_child = role == "child"
    people["mother_row"] = np.where(is_child, mother_of[household_id], -1)
    people["father_row"] = np.where(is_child, father_of[household_id], -1)


def _add_hmo_tenants(households: pd.DataFrame, people: pd.DataFrame, hmo_units: np.ndarray,
                     occupants: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each HMO tenant is a one-person household; several unrelated tenants share one HMO property."""
    count = int(occupants.sum())
    first_id = len(households)
    tenants = pd.DataFrame({
        "household_type_index": HMO_TENANT, "adults": 1, "children": 0, "opposite_sex": False,
        "reference_is_male": False, "household_type": HOUSEHOLD_TYPES[HMO_TENANT],
    }, index=np.arange(count))
    tenants["hmo_unit"] = np.repeat(hmo_units, occupants)
    households = pd.concat([households.assign(hmo_unit=-1), tenants], ignore_index=True)
    age = rng.uniform(19, 52, count)
    new_people = pd.DataFrame({
        "household_id": np.arange(first_id, first_id + count), "position": 0, "role": "reference",
        "sex": np.where(rng.random(count) < 0.65, "M", "F"),
        "date_of_birth": _birth_date_from_age(age), "twin_of": -1, "born_in_period": False,
        "mother_row": -1, "father_row": -1,
    })
    return households, pd.concat([people, new_people], ignore_index=True)


def _add_births(households: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Babies born during the period to women aged 18-44 living as mothers or partners (1.6% are twins)."""
    kind = households["household_type_index"].to_numpy()[people["household_id"].to_numpy()]
    age = _years((PERIOD_START - people["date_of_birth"].to_numpy(dtype="datetime64[D]")).astype(np.int64))
    woman = (people["sex"].to_numpy() == "F") & np.isin(people["role"].to_numpy(), ["reference", "partner"])
    eligible = woman & np.isin(kind, [COUPLE, COUPLE_DEPENDENT, LONE_DEPENDENT, THREE_GENERATIONS]) & (age < 43)
    rate = np.select([age < 20, age < 25, age < 35, age < 40], [0.04, 0.07, 0.11, 0.06], 0.02)
    rate = rate * np.where(kind == LONE_DEPENDENT, 0.5, 1.0)
    fertile_years = np.clip(45 - age, 0, PERIOD_DAYS / DAYS_PER_YEAR)
    gives_birth = eligible & (rng.random(len(people)) < 1 - np.exp(-rate * fertile_years))
    mothers = np.flatnonzero(gives_birth)
    window = np.round(fertile_years[mothers] * DAYS_PER_YEAR).astype(np.int64)
    birth = PERIOD_START + (rng.random(mothers.size) * window).astype("timedelta64[D]")
    twins = rng.random(mothers.size) < 0.016
    mothers = np.concatenate([mothers, mothers[twins]])
    birth = np.concatenate([birth, birth[twins]])
    first_new = len(people)
    count = mothers.size
    household_id = people["household_id"].to_numpy()[mothers]
    father = np.full(count, -1)
    couples = np.isin(kind[mothers], _COUPLE_TYPES)
    # The father is the mother's partner when she lives in a couple.
    partner_lookup = people.loc[people["role"].isin(["reference", "partner"]) & (people["sex"] == "M")]
    partner_of_household = pd.Series(partner_lookup.index.to_numpy(), index=partner_lookup["household_id"].to_numpy())
    partner_of_household = partner_of_household[~partner_of_household.index.duplicated()]
    father[couples] = partner_of_household.reindex(household_id[couples]).fillna(-1).to_numpy(dtype=np.int64)
    babies = pd.DataFrame({
        "household_id": household_id, "position": 100 + np.arange(count), "role": "child",
        "sex": np.where(rng.random(count) < 0.51, "M", "F"), "date_of_birth": birth,
        "twin_of": -1, "born_in_period": True, "mother_row": mothers, "father_row": father,
    }, index=np.arange(first_new, first_new + count))
    twin_second = np.arange(count - int(twins.sum()), count)
    twin_first = np.flatnonzero(twins)
    babies.loc[first_new + twin_second, "twin_of"] = first_new + twin_first
    babies.loc[first_new + twin_first, "twin_of"] = first_new + twin_second
    households["children"] = households["children"] + np.bincount(household_id, minlength=len(households))
    return pd.concat([people, babies])


def _place_households(households: pd.DataFrame, units: pd.DataFrame, rng: np.random.Generator) -> None:
    """Match households to homes (bigger households to more bedrooms); HMO tenants go to their HMO."""
    homes = np.flatnonzero(~units["is_business"].to_numpy() & ~units["is_hmo"].to_numpy())
    regular = np.flatnonzero(households["hmo_unit"].to_numpy() < 0)
    occupied = np.sort(rng.choice(homes, size=regular.size, replace=False))
    size = (households["adults"] + households["children"]).to_numpy()[regular]
    capacity = units["bedrooms"].to_numpy()[occupied] + 0.4 * ~units["type_index"].isin(
        [CONVERTED_FLAT, BLOCK_FLAT]).to_numpy()[occupied]
    household_order = regular[np.argsort(size + rng.normal(0, 1.1, size.size), kind="stable")]
    home_order = occupied[np.argsort(capacity + rng.normal(0, 1.1, capacity.size), kind="stable")]
    property_id = np.full(len(households), -1)
    property_id[household_order] = home_order
    hmo = households["hmo_unit"].to_numpy() >= 0
    property_id[hmo] = households["hmo_unit"].to_numpy()[hmo]
    households["property_id"] = property_id
    households["small_area"] = units["small_area"].to_numpy()[property_id]


def _draw_tenure_and_hardship(households: pd.DataFrame, people: pd.DataFrame, units: pd.DataFrame,
                              geography: Geography, rng: np.random.Generator) -> None:
    """Tenure (council, private rented, owner) and a hidden household hardship score that drives outcomes."""
    count = len(households)
    kind = households["household_type_index"].to_numpy()
    council = units["council_owned"].to_numpy()[households["property_id"].to_numpy()]
    deprivation = geography.small_areas["deprivation"].to_numpy()[households["small_area"].to_numpy()]
    reference = people.loc[people["role"] == "reference"].drop_duplicates("household_id")
    reference_dob = reference.set_index("household_id")["date_of_birth"].reindex(np.arange(count)).to_numpy(
        dtype="datetime64[D]")
    reference_age = _years((PERIOD_START - reference_dob).astype(np.int64))
    households["reference_age"] = np.round(reference_age, 1)
    is_flat = units["type_index"].isin([CONVERTED_FLAT, BLOCK_FLAT]).to_numpy()[households["property_id"].to_numpy()]
    renting_logit = (-1.7 + 1.3 * (reference_age < 35) + 0.7 * np.isin(kind, [SINGLE, SHARERS])
                     + 0.5 * deprivation + 0.8 * is_flat - 0.8 * (reference_age > 65))
    private_rented = (kind == HMO_TENANT) | (rng.random(count) < 1 / (1 + np.exp(-renting_logit)))
    households["tenure"] = np.where(council, "Council tenant", np.where(private_rented, "Private rented",
                                                                        "Owner occupied"))
    hardship = (0.6 * deprivation + 0.55 * council + 0.25 * (private_rented & ~council)
                + 0.5 * (kind == HMO_TENANT) + 0.2 * np.isin(kind, [LONE_DEPENDENT])
                + rng.normal(0, 0.75, count))
    households["hardship"] = np.round((hardship - hardship.mean()) / hardship.std(), 4)


def _draw_ethnicity(households: pd.DataFrame, people: pd.DataFrame, units: pd.DataFrame, geography: Geography,
                    rng: np.random.Generator) -> None:
    """Ethnicity by the home's small area; 8% of couples are mixed, and their children 'Mixed' categories."""
    area = households["small_area"].to_numpy()
    probabilities = geography.ethnicity_probabilities
    household_ethnicity = _draw_rows(probabilities[area], rng)
    household_id = people["household_id"].to_numpy()
    role = people["role"].to_numpy()
    ethnicity = household_ethnicity[household_id].copy()
    independent = (role == "sharer") | ((role == "partner") & (rng.random(len(people)) < 0.08))
    ethnicity[independent] = _draw_rows(probabilities[area[household_id[independent]]], rng)
    mother, father = people["mother_row"].to_numpy(), people["father_row"].to_numpy()
    has_two = (mother >= 0) & (father >= 0)
    mother_ethnicity = np.where(mother >= 0, ethnicity[np.maximum(mother, 0)], -1)
    father_ethnicity = np.where(father >= 0, ethnicity[np.maximum(father, 0)], -1)
    mixed = has_two & (mother_ethnicity != father_ethnicity)
    groups = ETHNIC_GROUPS
    white_parent = (groups[np.maximum(mother_ethnicity, 0)] == "White") | (groups[np.maximum(father_ethnicity, 0)]
                                                                           == "White")
    other_parent = np.where(groups[np.maximum(mother_ethnicity, 0)] == "White", father_ethnicity, mother_ethnicity)
    mixed_category = np.select(
        [white_parent & (other_parent == 15), white_parent & (other_parent == 14),
         white_parent & np.isin(other_parent, [9, 10, 11, 12, 13]), white_parent & (groups[np.maximum(
             other_parent, 0)] == "White")],
        [7, 6, 5, np.where(rng.random(len(people)) < 0.5, mother_ethnicity, father_ethnicity)], 8)
    ethnicity = np.where(mixed, mixed_category, ethnicity)
    people["ethnicity_index"] = ethnicity
    households["ethnicity_index"] = household_ethnicity


def _draw_rows(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1)


def _choose_names(pool: tuple[str, ...], count: int, rng: np.random.Generator, steepness: float = 0.5) -> np.ndarray:
    unique = tuple(dict.fromkeys(pool))
    weights = list_weights(len(unique), steepness)
    return np.array(unique, dtype=object)[rng.choice(len(unique), size=count, p=weights)]


def _heritage_of(ethnicity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    heritage = np.empty(ethnicity.size, dtype=object)
    for index, (options, weights) in _HERITAGE_OF_ETHNICITY.items():
        rows = np.flatnonzero(ethnicity == index)
        heritage[rows] = np.array(options, dtype=object)[rng.choice(len(options), size=rows.size, p=weights)]
    return heritage


def _first_names(sex: np.ndarray, birth_year: np.ndarray, heritage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """First names by sex and heritage; British names by birth era; some younger people have British names."""
    british = (heritage == "british") | ((birth_year >= 1985) & (rng.random(sex.size) < 0.25))
    british |= (heritage == "caribbean") & (rng.random(sex.size) < 0.5)
    era = np.searchsorted(np.array([end for _, end in BIRTH_ERAS]), birth_year).clip(0, len(BIRTH_ERAS) - 1)
    heritage_code = np.searchsorted(np.array(HERITAGES, dtype=object), heritage, sorter=_HERITAGE_SORTER)
    heritage_code = _HERITAGE_SORTER[heritage_code]
    # One pool per (sex, British era) or (sex, heritage): group rows by pool once, then draw pool by pool.
    pools: list[tuple[str, ...]] = []
    for lists, heritage_index in ((BRITISH_MALE_FIRST_NAMES, 0), (BRITISH_FEMALE_FIRST_NAMES, 1)):
        pools += list(lists)
        pools += [HERITAGE_FIRST_NAMES[name][heritage_index] if name in HERITAGE_FIRST_NAMES else lists[-1]
                  for name in HERITAGES]
    per_sex = len(BIRTH_ERAS) + len(HERITAGES)
    pool = np.where(british, era, len(BIRTH_ERAS) + heritage_code) + np.where(sex == "M", 0, per_sex)
    names = np.empty(sex.size, dtype=object)
    order = np.argsort(pool, kind="stable")
    bounds = np.searchsorted(pool[order], np.arange(len(pools) + 1))
    for index, choices in enumerate(pools):
        rows = order[bounds[index]:bounds[index + 1]]
        names[rows] = _choose_names(choices, rows.size, rng)
    return names


def _surnames(heritage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    surnames = np.empty(heritage.size, dtype=object)
    for heritage_name in HERITAGES:
        rows = np.flatnonzero(heritage == heritage_name)
        pool = BRITISH_SURNAMES if heritage_name == "british" else HERITAGE_SURNAMES[heritage_name]
        surnames[rows] = _choose_names(pool, rows.size, rng, steepness=0.35)
    return surnames


def _draw_names(households: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator) -> None:
    """First, middle and family names following how UK families are named (see module docstring)."""
    n = len(people)
    ethnicity = people["ethnicity_index"].to_numpy()
    heritage = _heritage_of(ethnicity, rng)
    household_id = people["household_id"].to_numpy()
    role = people["role"].to_numpy()
    male = people["sex"].to_numpy() == "M"
    birth_year = people["date_of_birth"].to_numpy(dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    first = _first_names(people["sex"].to_numpy(), birth_year, heritage, rng)
    middle = np.where(rng.random(n) < 0.55, _first_names(people["sex"].to_numpy(), birth_year, heritage, rng), "")
    own_surname = _surnames(heritage, rng)

    # The family surname is the man's in an opposite-sex couple, otherwise the reference person's.
    kind = households["household_type_index"].to_numpy()
    opposite = households["opposite_sex"].to_numpy()
    adult_rows = np.isin(role, ["reference", "partner"])
    family_row = np.full(len(households), -1)
    reference_rows = np.flatnonzero(role == "reference")
    family_row[household_id[reference_rows]] = reference_rows
    man_rows = np.flatnonzero(adult_rows & male & opposite[household_id])
    family_row[household_id[man_rows]] = man_rows
    family_surname = own_surname[family_row[household_id]]

    married = rng.random(len(households)) < np.where(opposite, 0.7, 0.45)
    surname = own_surname.copy()
    birth_surname = own_surname.copy()
    partner_of_family = adult_rows & (np.arange(n) != family_row[household_id]) & np.isin(
        kind[household_id], _COUPLE_TYPES)
    takes_name = partner_of_family & married[household_id]
    surname[takes_name] = family_surname[takes_name]
    # Many South Asian women keep a heritage surname (Begum, Bibi, Kaur) rather than the husband's.
    for heritage_name, female_names in FEMALE_HERITAGE_SURNAMES.items():
        rows = np.flatnonzero(~male & (heritage == heritage_name) & (role != "child") & (rng.random(n) < 0.45))
        chosen = np.array(female_names, dtype=object)[rng.integers(0, len(female_names), rows.size)]
        surname[rows] = chosen
        birth_surname[rows] = chosen
    grandparent = role == "grandparent"
    surname[grandparent & ~male] = family_surname[grandparent & ~male]
    birth_surname[grandparent & male] = family_surname[grandparent & male]
    surname[grandparent & male] = family_surname[grandparent & male]

    child = role == "child"
    father, mother = people["father_row"].to_numpy(), people["mother_row"].to_numpy()
    father_surname = np.where(father >= 0, surname[np.maximum(father, 0)], "")
    mother_surname = np.where(mother >= 0, surname[np.maximum(mother, 0)], "")
    parent_surname = np.where(father >= 0, father_surname, np.where(mother >= 0, mother_surname,
                                                                    family_surname))
    pick = rng.random(n)
    unmarried = ~married[household_id]
    both = (father >= 0) & (mother >= 0)
    child_surname = np.select(
        [both & unmarried & (pick < 0.15), both & unmarried & (pick < 0.3) & (father_surname != mother_surname),
         (father < 0) & (mother >= 0) & (pick < 0.35)],
        [mother_surname, father_surname + "-" + mother_surname, own_surname], parent_surname)
    surname[child] = child_surname[child]
    birth_surname[child] = child_surname[child]

    # Some fathers and sons share a first name, which linkage must not merge.
    sons = np.flatnonzero(child & male & (father >= 0) & (rng.random(n) < 0.06))
    first[sons] = first[father[sons]]

    people["first_name"] = first
    people["middle_name"] = middle
    people["surname"] = surname
    people["birth_surname"] = birth_surname
    people["heritage"] = heritage
    households["married_couple"] = married & np.isin(kind, _COUPLE_TYPES)


def _draw_deaths(people: pd.DataFrame, rng: np.random.Generator) -> None:
    """Deaths during the period with a Gompertz hazard by age (about 1% of residents a year)."""
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]").copy()
    start = np.maximum(dob, PERIOD_START)
    exposure = _years((PERIOD_END - start).astype(np.int64))
    age_mid = _years((start - dob).astype(np.int64)) + exposure / 2
    hazard = np.minimum(np.exp(-10.4 + 0.098 * age_mid), 0.6)
    dies = rng.random(len(people)) < 1 - np.exp(-hazard * exposure)
    offset = (rng.random(len(people)) * (PERIOD_END - start).astype(np.int64)).astype("timedelta64[D]")
    people["date_of_death"] = np.where(dies, start + offset, NOT_A_DATE)


def _draw_moves(households: pd.DataFrame, people: pd.DataFrame, units: pd.DataFrame,
                rng: np.random.Generator) -> pd.DataFrame:
    """Some households move home within the borough, each into a home vacated earlier in the same district."""
    count = len(households)
    tenure = households["tenure"].to_numpy()
    regular = households["hmo_unit"].to_numpy() < 0
    move_chance = np.select([tenure == "Private rented", tenure == "Council tenant"], [0.32, 0.16], 0.12)
    moves = regular & (rng.random(count) < move_chance)
    move_date = PERIOD_START + 60 + (rng.random(count) * (PERIOD_DAYS - 150)).astype("timedelta64[D]")
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    member_household = people["household_id"].to_numpy()
    members = np.bincount(member_household, minlength=count)
    dead = np.bincount(member_household, weights=~np.isnat(death), minlength=count)
    all_dead = dead == members
    final_death = pd.Series(death).groupby(member_household).max().reindex(np.arange(count)).to_numpy(
        dtype="datetime64[D]")
    household_end = np.where(all_dead, final_death, NOT_A_DATE)
    moves &= ~all_dead | (move_date < final_death)

    old_property = households["property_id"].to_numpy()
    district = units["postcode_district"].to_numpy()
    homes = ~units["is_business"].to_numpy() & ~units["is_hmo"].to_numpy()
    occupied = np.zeros(len(units), dtype=bool)
    occupied[old_property[regular]] = True
    vacant = np.flatnonzero(homes & ~occupied)
    vacant = rng.permutation(vacant)
    movers = np.flatnonzero(moves)
    mover_district = district[old_property[movers]]
    order = np.lexsort((move_date[movers].astype(np.int64), mover_district))
    movers, mover_district = movers[order], mover_district[order]
    vacant_district = district[vacant]
    vacant = vacant[np.argsort(vacant_district, kind="stable")]
    vacant_district = np.sort(vacant_district, kind="stable")
    # Within each district the first movers take the empty homes; each later mover takes the home vacated
    # by the mover that many places earlier, which by then is empty (a chain of moves).
    mover_rank = np.arange(movers.size) - np.searchsorted(mover_district, mover_district, side="left")
    vacancies_here = (np.searchsorted(vacant_district, mover_district, side="right")
                      - np.searchsorted(vacant_district, mover_district, side="left"))
    first_vacant = np.searchsorted(vacant_district, mover_district, side="left")
    can_move = vacancies_here > 0
    destination = np.full(movers.size, -1)
    takes_vacant = can_move & (mover_rank < vacancies_here)
    destination[takes_vacant] = vacant[first_vacant[takes_vacant] + mover_rank[takes_vacant]]
    chained = can_move & ~takes_vacant
    destination[chained] = old_property[movers[np.flatnonzero(chained) - vacancies_here[chained]]]
    movers, destination = movers[can_move], destination[can_move]

    households["moved"] = False
    households.loc[movers, "moved"] = True
    households["move_date"] = NOT_A_DATE
    households.loc[movers, "move_date"] = move_date[movers]
    households["new_property_id"] = -1
    households.loc[movers, "new_property_id"] = destination

    reference_age = households["reference_age"].to_numpy()
    years_back = np.where(households["hmo_unit"].to_numpy() >= 0, rng.uniform(0, 3, count),
                          rng.random(count) * np.clip(reference_age - 18, 0.2, 30))
    first_start = PERIOD_START - np.round(years_back * DAYS_PER_YEAR).astype("timedelta64[D]")
    moved = households["moved"].to_numpy()
    first = pd.DataFrame({
        "household_id": np.arange(count), "property_id": old_property, "start_date": first_start,
        "end_date": np.where(moved, households["move_date"].to_numpy(dtype="datetime64[D]"), household_end),
    })
    second = pd.DataFrame({
        "household_id": movers, "property_id": destination,
        "start_date": households["move_date"].to_numpy(dtype="datetime64[D]")[movers],
        "end_date": household_end[movers],
    })
    residencies = pd.concat([first, second], ignore_index=True)
    residencies["uprn"] = units["uprn"].to_numpy()[residencies["property_id"].to_numpy()]
    return residencies.sort_values(["household_id", "start_date"], kind="stable").reset_index(drop=True)


def _draw_marriages(households: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator) -> None:
    """15% of married women under 45 married during the period: before that date systems hold her maiden name."""
    household_id = people["household_id"].to_numpy()
    changed = (people["surname"].to_numpy() != people["birth_surname"].to_numpy()) & (people["role"].isin(
        ["reference", "partner"]).to_numpy()) & (people["sex"].to_numpy() == "F")
    age = _years((PERIOD_START - people["date_of_birth"].to_numpy(dtype="datetime64[D]")).astype(np.int64))
    recent = changed & (age < 45) & households["married_couple"].to_numpy()[household_id] & (
        rng.random(len(people)) < 0.15)
    date = PERIOD_START + 30 + (rng.random(len(people)) * (PERIOD_DAYS - 200)).astype("timedelta64[D]")
    people["surname_change_date"] = np.where(recent, date, NOT_A_DATE)


def _draw_disability(households: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator) -> None:
    """Disability under the Equality Act (about 18%), rising with age and household hardship."""
    age = _years((PERIOD_END - people["date_of_birth"].to_numpy(dtype="datetime64[D]")).astype(np.int64))
    hardship = households["hardship"].to_numpy()[people["household_id"].to_numpy()]
    chance = 1 / (1 + np.exp(-(-3.5 + 0.045 * age + 0.35 * hardship)))
    disabled = rng.random(len(people)) < chance
    people["disabled"] = disabled
    kinds = np.array(["Physical", "Mental health", "Learning disability", "Sensory", "Memory and cognition",
                      "Long-term condition"], dtype=object)
    older = age >= 65
    young_weights = np.array([0.28, 0.30, 0.12, 0.10, 0.02, 0.18])
    old_weights = np.array([0.42, 0.08, 0.02, 0.18, 0.14, 0.16])
    kind = np.where(older, rng.choice(6, size=len(people), p=old_weights), rng.choice(6, size=len(people),
                                                                                      p=young_weights))
    people["disability_type"] = np.where(disabled, kinds[kind], "")


def household_property_at(population: Population, household_ids: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """The property each household lived in on each date (after a move, the new one)."""
    households = population.households
    moved = households["moved"].to_numpy()[household_ids]
    after_move = moved & (dates >= households["move_date"].to_numpy(dtype="datetime64[D]")[household_ids])
    return np.where(after_move, households["new_property_id"].to_numpy()[household_ids],
                    households["property_id"].to_numpy()[household_ids])
