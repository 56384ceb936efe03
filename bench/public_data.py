"""Generated people files in US and Australian formats, for ``bench/linkage_public.py``: two registers each, with
households (couples, children, twins, sons named after their fathers), typos, swapped day and month, missing values
and moves, and the true person of every record.

US: ``voters.csv`` (FIRST_NAME, MIDDLE_NAME, LAST_NAME, BIRTH_DATE mm/dd/yyyy, SEX M/F, RES_STREET_ADDRESS
"123 OAK ST", RES_CITY, ZIP_CODE 5 digits) and ``clinic.csv`` ("Patient Name" "Last, First", "DOB" yyyymmdd, Gender
Male/Female, Street, City, "Zip" ZIP+4 or 5 digits).
Australia: ``enrolments.csv`` (given_names, family_name, date_of_birth dd/mm/yyyy, street_number, street_name,
suburb, state, postcode 4 digits) and ``members.csv`` (Member First, Member Surname, Born yyyy-mm-dd, Address
"12 Smith Street", Locality, Post Code).
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

US_FORENAMES = (  # noqa: SIM905 - a list literal would not fit the line limit
    "james mary robert patricia john jennifer michael linda david elizabeth william barbara richard susan "
    "joseph jessica thomas sarah charles karen christopher nancy daniel lisa matthew betty anthony "
    "margaret mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle kenneth "
    "carol kevin amanda brian melissa george deborah timothy stephanie ronald rebecca carlos maria jose "
    "ana luis sofia "
).split()
US_SURNAMES = (  # noqa: SIM905 - a list literal would not fit the line limit
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez "
    "wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark "
    "ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams "
    "nelson baker hall rivera campbell mitchell carter roberts kim patel chen "
).split()
AU_FORENAMES = (  # noqa: SIM905 - a list literal would not fit the line limit
    "jack oliver william noah thomas james lucas henry ethan samuel charlotte olivia amelia isla mia ava "
    "grace chloe zoe sophie liam harrison lachlan cooper riley ruby matilda evie harper ella lily archie "
    "hunter mason isabella sienna willow georgia jessica emily hannah "
).split()
AU_SURNAMES = (  # noqa: SIM905 - a list literal would not fit the line limit
    "smith jones williams brown wilson taylor johnson white martin anderson thompson nguyen thomas walker "
    "harris lee ryan robinson kelly king davis wright evans roberts green hall wood jackson clarke patel "
    "khan lewis james phillips mitchell campbell young morris turner cooper murphy obrien mcdonald "
    "stewart "
).split()
US_STREETS = ("oak st", "maple ave", "cedar ln", "pine st", "elm st", "washington blvd", "lake dr", "hill rd",
              "park ave", "main st", "2nd st", "sunset blvd", "river rd", "church st", "highland ave")
AU_STREETS = ("george street", "victoria road", "church street", "high street", "king street", "queen street",
              "railway parade", "station street", "park road", "william street", "albert street", "bridge road")
US_CITIES = (("springfield", "627"), ("riverside", "925"), ("madison", "537"), ("fairview", "970"),
             ("franklin", "370"), ("clinton", "284"))
AU_SUBURBS = (("parramatta", "2150", "nsw"), ("fitzroy", "3065", "vic"), ("toowong", "4066", "qld"),
              ("glenelg", "5045", "sa"), ("fremantle", "6160", "wa"), ("sandy bay", "7005", "tas"))


def _typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: two letters swapped, one dropped or one doubled."""
    if len(text) < 4:
        return text
    position = rng.randrange(1, len(text) - 2)
    kind = rng.random()
    if kind < 0.4:
        return text[:position] + text[position + 1] + text[position] + text[position + 2:]
    if kind < 0.7:
        return text[:position] + text[position + 1:]
    return text[:position] + text[position] + text[position:]


def _people(count: int, forenames: tuple[str, ...] | list[str], surnames: list[str], rng: random.Random,
            place: callable) -> pd.DataFrame:
    """People in households of two adults and children (some twins, some sons named after their fathers)."""
    rows: list[dict[str, object]] = []
    household = 0
    while len(rows) < count:
        surname = rng.choice(surnames)
        home = place(rng)
        father, mother = rng.choice(forenames), rng.choice(forenames)
        father_born = pd.Timestamp(rng.randint(1945, 1990), rng.randint(1, 12), rng.randint(1, 28))
        members = [("m", father, rng.choice(forenames), father_born),
                   ("f", mother, rng.choice(forenames), father_born + pd.Timedelta(days=rng.randint(-1500, 1500)))]
        for child in range(rng.choice((0, 1, 1, 2, 2, 3))):
            born = father_born + pd.Timedelta(days=rng.randint(20 * 365, 40 * 365))
            kind = rng.random()
            if child == 0 and kind < 0.1:
                members.append(("m", father, rng.choice(forenames), born))  # named after his father
            elif child == 0 and kind < 0.2:
                members += [("f", rng.choice(forenames), rng.choice(forenames), born),
                            ("m", rng.choice(forenames), rng.choice(forenames), born)]  # twins
            else:
                members.append((rng.choice("mf"), rng.choice(forenames), rng.choice(forenames), born))
        for number, (sex, first, middle, born) in enumerate(members):
            rows.append({"person": f"P{household}-{number}", "sex": sex, "first": first, "middle": middle,
                         "last": surname, "born": born, **home})
        household += 1
    return pd.DataFrame(rows[:count])


def _noisy(people: pd.DataFrame, share: float, rng: random.Random, seed: int) -> pd.DataFrame:
    """A register holding ``share`` of the people, with typos, swapped day and month, gaps and some moved house."""
    chosen = people.sample(frac=share, random_state=seed).reset_index(drop=True).copy()
    for column in ("first", "last"):
        chosen[column] = [_typo(value, rng) if rng.random() < 0.08 else value for value in chosen[column]]
    chosen["born"] = [born.replace(day=born.month, month=born.day) if rng.random() < 0.03 and born.day <= 12
                      else born for born in chosen["born"]]
    chosen["street"] = [_typo(value, rng) if rng.random() < 0.05 else value for value in chosen["street"]]
    chosen["middle"] = [None if rng.random() < 0.4 else value for value in chosen["middle"]]
    return chosen


def _us_place(rng: random.Random) -> dict[str, str]:
    city, zip_start = rng.choice(US_CITIES)
    return {"number": str(rng.randint(1, 9999)), "street": rng.choice(US_STREETS), "town": city,
            "code": f"{zip_start}{rng.randint(0, 99):02d}"}


def _au_place(rng: random.Random) -> dict[str, str]:
    suburb, postcode, state = rng.choice(AU_SUBURBS)
    return {"number": str(rng.randint(1, 400)), "street": rng.choice(AU_STREETS), "town": suburb,
            "code": postcode, "state": state}


def write_us(folder: Path, people_count: int, seed: int = 2026) -> tuple[dict[str, Path], pd.DataFrame]:
    """The US pair of registers in ``folder`` and the truth (unique_id '<source>:<id>' -> person)."""
    rng = random.Random(seed)
    people = _people(people_count, US_FORENAMES, US_SURNAMES, rng, _us_place)
    voters = _noisy(people, 0.85, rng, seed)
    clinic = _noisy(people, 0.6, rng, seed + 1)
    first = pd.DataFrame({
        "VOTER_ID": [f"NC{number:07d}" for number in range(len(voters))],
        "FIRST_NAME": voters["first"].str.upper(), "MIDDLE_NAME": voters["middle"].str.upper(),
        "LAST_NAME": voters["last"].str.upper(), "BIRTH_DATE": voters["born"].dt.strftime("%m/%d/%Y"),
        "SEX": voters["sex"].str.upper(),
        "RES_STREET_ADDRESS": (voters["number"] + " " + voters["street"]).str.upper(),
        "RES_CITY": voters["town"].str.upper(), "ZIP_CODE": voters["code"],
    })
    second = pd.DataFrame({
        "MRN": [f"M{number:06d}" for number in range(len(clinic))],
        "Patient Name": (clinic["last"].str.title() + ", " + clinic["first"].str.title()),
        "DOB": clinic["born"].dt.strftime("%Y%m%d"), "Gender": clinic["sex"].map({"m": "Male", "f": "Female"}),
        "Street": clinic["number"] + " " + clinic["street"].str.title(), "City": clinic["town"].str.title(),
        "Zip": [code + (f"-{rng.randint(1000, 9999)}" if rng.random() < 0.5 else "") for code in clinic["code"]],
    })
    paths = {"voters": folder / "voters.csv", "clinic": folder / "clinic.csv"}
    first.to_csv(paths["voters"], index=False)
    second.to_csv(paths["clinic"], index=False)
    truth = pd.concat([pd.DataFrame({"unique_id": "voters:" + first["VOTER_ID"], "person": voters["person"]}),
                       pd.DataFrame({"unique_id": "clinic:" + second["MRN"], "person": clinic["person"]})])
    return paths, truth


def write_au(folder: Path, people_count: int, seed: int = 2027) -> tuple[dict[str, Path], pd.DataFrame]:
    """The Australian pair of registers in ``folder`` and the truth (unique_id '<source>:<id>' -> person)."""
    rng = random.Random(seed)
    people = _people(people_count, AU_FORENAMES, AU_SURNAMES, rng, _au_place)
    enrolled = _noisy(people, 0.85, rng, seed)
    members = _noisy(people, 0.6, rng, seed + 1)
    first = pd.DataFrame({
        "elector_id": [f"E{number:07d}" for number in range(len(enrolled))],
        "given_names": (enrolled["first"] + " " + enrolled["middle"].fillna("")).str.strip(),
        "family_name": enrolled["last"], "date_of_birth": enrolled["born"].dt.strftime("%d/%m/%Y"),
        "street_number": enrolled["number"], "street_name": enrolled["street"], "suburb": enrolled["town"],
        "state": enrolled["state"], "postcode": enrolled["code"],
    })
    second = pd.DataFrame({
        "Member No": [f"{number:08d}" for number in range(len(members))],
        "Member First": members["first"].str.title(), "Member Surname": members["last"].str.title(),
        "Born": members["born"].dt.strftime("%Y-%m-%d"),
        "Address": members["number"] + " " + members["street"].str.title(), "Locality": members["town"].str.upper(),
        "Post Code": members["code"],
    })
    paths = {"enrolments": folder / "enrolments.csv", "members": folder / "members.csv"}
    first.to_csv(paths["enrolments"], index=False)
    second.to_csv(paths["members"], index=False)
    truth = pd.concat([
        pd.DataFrame({"unique_id": "enrolments:" + first["elector_id"], "person": enrolled["person"]}),
        pd.DataFrame({"unique_id": "members:" + second["Member No"], "person": members["person"]})])
    return paths, truth
