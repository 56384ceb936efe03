"""Turn every person-bearing source into one table of standardised identities, the input to Splink.

One row per source record: ``unique_id`` ("<source>:<record id>"), forename, middle names, surname, sex, date of
birth (and the same date with day and month swapped, for the transposition level), NHS number (valid ones only: an
invalid number is dropped as an identifier, not the record), another personal code, postcode (a UK postcode, or a
code kept as written where the column is not of UK postcodes), house number, street, town, address key, UPRN, the
record's own date and its "address withheld" flag.

Records that cannot be told apart from others are left out, each with its reason, so that nobody is lost silently:
no name, a name that is an organisation's ("Swan Barbers Ltd"), or a name with nothing else to tell people of that
name apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from townhall.identity.standardise import (
    canonical_first_names,
    looks_like_organisations,
    parse_addresses,
    split_full_names,
    split_given_names,
    standardise_dates,
    standardise_house_number,
    standardise_middle_names,
    standardise_names,
    standardise_nhs_numbers,
    standardise_postal_codes,
    standardise_sexes,
    standardise_street,
    standardise_town,
    standardise_uprns,
)
from townhall.identity.standardise._series import map_distinct, map_distinct_to_frame
from townhall.identity.standardise.organisations import looks_like_organisation  # noqa: F401 - its old home
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.identity.linkage.sources import SourcePlan
    from townhall.workspace import Workspace

LINKAGE_COLUMNS = ("unique_id", "source", "record_id", "row_number", "first_name", "middle_names", "surname",
                   "first_name_group", "sex", "date_of_birth", "date_of_birth_swapped", "birth_year", "nhs_number",
                   "other_id", "other_id_kind", "postcode", "postcode_sector", "postcode_district", "postcode_area",
                   "address", "address_key", "house_street", "house_number", "street", "town", "uprn",
                   "record_date", "address_withheld")
# The linkage columns that come from one role of the plan each, for the summary's "fields used, with counts".
ROLE_COLUMNS = ("first_name", "middle_names", "surname", "sex", "date_of_birth", "birth_year", "nhs_number",
                "other_id", "postcode", "house_number", "street", "town", "uprn")
# A source whose names are mostly organisations is not a list of people (e.g. business ratepayers).
ORGANISATION_SHARE_TO_LEAVE_OUT = 0.5
_TRUE_WORDS = frozenset({"y", "yes", "true", "1", "t"})
_NOT_CODE = re.compile(r"[^A-Z0-9]+")
# Date formats a person would expect by default; any other is said in the run's notes.
_USUAL_DATE_FORMATS = frozenset({"yyyy-mm-dd", "dd/mm/yyyy", "d/m/yyyy"})

# Reasons a record is left out of the index, as the link summary and ``townhall link --left-out`` give them.
NO_NAME = "no name"
ORGANISATION = "an organisation, not a person"
ONLY_A_NAME = "a name with nothing else to tell people of that name apart"


@dataclass
class PreparedSource:
    """One source's standardised records, the records left out (with their reasons), and how many records had
    each field after standardisation."""

    plan: SourcePlan
    records: pd.DataFrame
    left_out: pd.DataFrame  # source, record_id, row_number, reason
    filled: dict[str, int] = field(default_factory=dict)  # linkage column -> records that have it
    written: dict[str, int] = field(default_factory=dict)  # linkage column -> records whose field was filled at all
    notes: list[str] = field(default_factory=list)  # formats decided from the values, in plain English

    @property
    def organisations(self) -> int:
        """Records left out because the name is an organisation's."""
        return int((self.left_out["reason"] == ORGANISATION).sum())

    @property
    def too_little(self) -> int:
        """Records left out with a name but nothing else to tell people of that name apart."""
        return int((self.left_out["reason"] == ONLY_A_NAME).sum())


def swapped_day_and_month(born: pd.Series) -> pd.Series:
    """'2010-04-05' -> '2010-05-04' as text, for dates that can be read both ways (day 12 or under, not 5/5)."""
    swapped = born.dt.strftime("%Y-%d-%m").astype("str")
    return swapped.where((born.dt.day <= 12) & (born.dt.day != born.dt.month))


def school_year_starts(values: pd.Series) -> pd.Series:
    """'2024/25' or '2024-2025' -> 1 September 2024 (the start of the school year); anything else -> missing."""
    start = pd.to_numeric(values.str.extract(r"^\s*((?:19|20)\d\d)\s*[/-]\s*\d{2,4}\s*$")[0], errors="coerce")
    text = start.astype("Int64").astype("str").where(start.notna()) + "-09-01"
    return pd.to_datetime(text, errors="coerce").astype("datetime64[s]")


def read_dates(values: pd.Series, *, birth_date: bool = False) -> tuple[pd.Series, str | None]:
    """A column of dates (datetime64[s]), its format decided from its values, and a note of the format when it is
    not the usual ISO or day-first UK one (yyyymmdd, US month first, Excel serials...)."""
    frame = standardise_dates(values, birth_date=birth_date)
    choice = frame.attrs["date_format"]
    unusual = [written for written in choice.formats if written not in _USUAL_DATE_FORMATS]
    return frame["date"], (f"dates read as {', '.join(choice.formats)}" if unusual else None)


def read_postcodes(values: pd.Series) -> tuple[pd.Series, bool, str]:
    """Postcodes as 'AB1 2CD' when the column holds UK postcodes; otherwise each value kept as a code (a US zip,
    an Australian postcode). Also whether the column is of UK postcodes, and why, in words."""
    frame = standardise_postal_codes(values)
    choice = frame.attrs["postcode_format"]
    return frame["postcode"].astype("str"), choice.uk_specific, choice.reason


def _code(value: object) -> str | None:
    """An identifier as written, without spaces, punctuation or case: 'AB 12-34' -> 'AB1234'."""
    return _NOT_CODE.sub("", str(value).upper()) or None


def _postcode_parts(postcode: str) -> tuple[str | None, str | None, str | None]:
    """A UK postcode's sector, district and area: 'AY1 4QT' -> ('AY1 4', 'AY1', 'AY'); a code without the UK
    shape (a postcode from the address text of a column that is not UK) is treated as a code."""
    if " " not in postcode:
        return _code_parts(postcode)
    outward, inward = postcode.split(" ", 1)
    return f"{outward} {inward[:1]}", outward, re.match(r"[A-Z]*", outward).group(0) or None  # type: ignore[union-attr]


def _code_parts(code: str) -> tuple[str | None, str | None, str | None]:
    """A postcode that is not a UK one has no sector or district; its area is its first two characters (an
    Australian postcode's or a US zip code's region)."""
    return None, None, code[:2] or None


def _read_columns(workspace: Workspace, plan: SourcePlan) -> pd.DataFrame:
    """The fields the plan uses, as text, with the spreadsheet row number."""
    roles = (plan.record_id, plan.first_name, plan.middle_names, plan.surname, plan.full_name, plan.sex,
             plan.date_of_birth, plan.age, plan.nhs_number, plan.other_id, plan.postcode, plan.house_number,
             plan.street, plan.town, plan.uprn, plan.record_date, plan.address_withheld)
    wanted = list(dict.fromkeys(name for name in (*roles, *plan.address) if name))
    selected = ", ".join(f"cast({quote_identifier(name)} as varchar) as {quote_identifier(name)}" for name in wanted)
    table = workspace.catalogue.table_name(plan.source)
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(
            f"select _row_number, {selected} from {table} order by _row_number").df()


def _empty(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="str")


def _join_address(frame: pd.DataFrame, fields: list[str]) -> pd.Series:
    """The address fields joined into one line, skipping empty parts (column by column: a join row by row in Python
    took most of the time of standardising a large source)."""
    joined = _empty(frame.index)
    for field_name in fields:
        part = frame[field_name].astype("str").str.strip().replace("", pd.NA)
        joined = (joined + ", " + part).fillna(joined).fillna(part)
    return joined.astype("str")


def _address_parts(raw: pd.DataFrame, plan: SourcePlan, address: pd.Series) -> pd.DataFrame:
    """Flat, house number or name, street, town and postcode: a part's own field where the source has one, else read
    out of the address line. (``standardise_address_parts`` does the same but joins the lines row by row.)"""
    parsed = parse_addresses(address)
    parts = {part: parsed[part].astype("str") for part in ("flat", "house_number", "house_name", "street", "town",
                                                           "postcode")}
    for part, field_name, standardiser in (("house_number", plan.house_number, standardise_house_number),
                                           ("street", plan.street, standardise_street),
                                           ("town", plan.town, standardise_town)):
        if field_name:
            parts[part] = map_distinct(raw[field_name], standardiser).fillna(parts[part]).astype("str")
    return pd.DataFrame(parts, index=raw.index)


def _names(raw: pd.DataFrame, plan: SourcePlan) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Forename, middle names and surname, standardised; and the raw names to check for organisations."""
    index = raw.index
    if plan.full_name:
        split = split_full_names(raw[plan.full_name])
        return (split["first"].astype("str"), split["middle"].astype("str"), split["last"].astype("str"),
                raw[plan.full_name])
    given = split_given_names(raw[plan.first_name]) if plan.first_name else pd.DataFrame(
        {"first": _empty(index), "middle": _empty(index)})
    middle = standardise_middle_names(raw[plan.middle_names]) if plan.middle_names else _empty(index)
    surname = standardise_names(raw[plan.surname]) if plan.surname else _empty(index)
    names = raw[plan.surname] if plan.surname else raw[plan.first_name]
    if plan.first_name and plan.surname:  # the whole name, so that "Smith & Sons" or "St Mary's Church" is seen
        names = (raw[plan.first_name].fillna("") + " " + raw[plan.surname].fillna("")).str.strip()
    return (given["first"].astype("str"), middle.fillna(given["middle"].astype("str")).astype("str"), surname,
            names)


def _dates_of(raw: pd.DataFrame, plan: SourcePlan, notes: list[str]) -> tuple[pd.Series, pd.Series]:
    """Date of birth and the record's own date, each read in the format its values show."""
    index = raw.index
    missing = pd.Series(pd.NaT, index=index, dtype="datetime64[s]")
    date_of_birth, record_date = missing, missing
    if plan.date_of_birth:
        date_of_birth, chosen = read_dates(raw[plan.date_of_birth], birth_date=True)
        if chosen:
            notes.append(f"{plan.date_of_birth}: {chosen}")
    if plan.record_date:
        record_date, _chosen = read_dates(raw[plan.record_date])
        record_date = record_date.fillna(school_year_starts(raw[plan.record_date]))
    return date_of_birth, record_date


def _places(raw: pd.DataFrame, plan: SourcePlan, notes: list[str]) -> pd.DataFrame:
    """Postcode (and its sector, district and area), house number, street, town, address and address key."""
    index = raw.index
    address = _join_address(raw, plan.address)
    parts = _address_parts(raw, plan, address)
    uk = True
    if plan.postcode:
        postcode, uk, why = read_postcodes(raw[plan.postcode])
        if not uk:
            notes.append(f"{plan.postcode}: {why}")
    else:
        postcode = _empty(index)
    if plan.address and postcode.isna().any():
        postcode = postcode.fillna(parts["postcode"])
    postcode = postcode.astype("str")
    house = parts["house_number"].fillna(parts["house_name"]).astype("str")
    street, town, flat = parts["street"].astype("str"), parts["town"].astype("str"), parts["flat"].astype("str")
    house_street = (flat.fillna("") + "|" + house.fillna("") + "|" + street.fillna("")).where(
        house.notna() | street.notna())
    place = postcode.fillna(town)
    address_key = (house_street + "|" + place.fillna("")).fillna(("|||" + place).where(place.notna()))
    areas = map_distinct_to_frame(postcode, _postcode_parts if uk else _code_parts, ("sector", "district", "area"))
    return pd.DataFrame({
        "postcode": postcode,
        "postcode_sector": areas["sector"],
        "postcode_district": areas["district"],
        "postcode_area": areas["area"],
        "address": address, "address_key": address_key.astype("str"), "house_street": house_street.astype("str"),
        "house_number": house, "street": street, "town": town,
    }, index=index)


def prepare_source(workspace: Workspace, plan: SourcePlan) -> PreparedSource:
    """Standardise one source's records into the linkage columns; say which records are left out and why."""
    raw = _read_columns(workspace, plan)
    index = raw.index
    notes: list[str] = []
    first_name, middle_names, surname, names_for_check = _names(raw, plan)
    organisation = looks_like_organisations(names_for_check)
    date_of_birth, record_date = _dates_of(raw, plan, notes)
    places = _places(raw, plan, notes)
    record_id = raw[plan.record_id].astype("str") if plan.record_id else raw["_row_number"].astype("str")
    # Year of birth: from the date of birth, else estimated from an age on the record's date (a year either way).
    age = pd.to_numeric(raw[plan.age], errors="coerce") if plan.age else pd.Series(float("nan"), index=index)
    age = age.where((age >= 0) & (age < 120))
    birth_year = date_of_birth.dt.year.astype("Float64").fillna(
        (record_date.dt.year - age).astype("Float64")).astype("Int64")
    withheld = (raw[plan.address_withheld].str.strip().str.lower().isin(_TRUE_WORDS)
                if plan.address_withheld else pd.Series(False, index=index))
    other_id = map_distinct(raw[plan.other_id], _code) if plan.other_id else _empty(index)
    records = pd.DataFrame({
        "unique_id": plan.source + ":" + record_id,
        "source": plan.source,
        "record_id": record_id,
        "row_number": raw["_row_number"].astype("int64"),
        "first_name": first_name,
        "middle_names": middle_names,
        "surname": surname,
        "first_name_group": canonical_first_names(first_name),
        "sex": standardise_sexes(raw[plan.sex]).astype("str") if plan.sex else _empty(index),
        "date_of_birth": date_of_birth.dt.strftime("%Y-%m-%d").astype("str"),
        "date_of_birth_swapped": swapped_day_and_month(date_of_birth),
        "birth_year": birth_year,
        "nhs_number": standardise_nhs_numbers(raw[plan.nhs_number])["nhs_number"].astype("str")
        if plan.nhs_number else _empty(index),
        "other_id": other_id,
        # Codes from different fields are different schemes: a pupil number is never compared with a client number.
        "other_id_kind": pd.Series(plan.other_id.lower(), index=index, dtype="str").where(other_id.notna())
        if plan.other_id else _empty(index),
        **{column: places[column] for column in places.columns},
        "uprn": standardise_uprns(raw[plan.uprn]) if plan.uprn else _empty(index),
        "record_date": record_date,
        "address_withheld": withheld.astype(bool),
    })
    named = (records["first_name"].notna() | records["surname"].notna()).to_numpy()
    # An age alone (a year either way) is too loose to say who someone is; it only helps alongside other fields.
    identifiable = records[["date_of_birth", "nhs_number", "other_id", "postcode", "address_key", "uprn"]].notna().any(
        axis=1).to_numpy()
    is_organisation = organisation.to_numpy() & named
    reason = pd.Series(None, index=index, dtype="str")
    reason[~named] = NO_NAME
    reason[is_organisation] = ORGANISATION
    reason[named & ~is_organisation & ~identifiable] = ONLY_A_NAME
    keep = reason.isna().to_numpy()
    kept = records.loc[keep].reset_index(drop=True)
    left_out = pd.DataFrame({"source": plan.source, "record_id": record_id[~keep], "row_number":
                             records.loc[~keep, "row_number"], "reason": reason[~keep]}).reset_index(drop=True)
    raw_kept = raw.loc[keep]
    filled = {column: int(kept[column].notna().sum()) for column in ROLE_COLUMNS}
    # A year of birth counts as a field of its own only where it came from an age, not from a date of birth.
    filled["birth_year"] = int((kept["birth_year"].notna() & kept["date_of_birth"].isna()).sum())
    written = {column: int(raw_kept[plan.field_of(column)].notna().sum())
               for column in ROLE_COLUMNS if plan.field_of(column) and plan.field_of(column) in raw_kept}
    return PreparedSource(plan=plan, records=kept, left_out=left_out, filled=filled, written=written, notes=notes)


def _whole_source_left_out(workspace: Workspace, plan: SourcePlan) -> pd.DataFrame:
    """Every record of a source of people that is left out as a whole, with the source's reason."""
    table = workspace.catalogue.table_name(plan.source)
    key = f"cast({quote_identifier(plan.record_id)} as varchar)" if plan.record_id else "cast(_row_number as varchar)"
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"select {key} as record_id, _row_number as row_number from {table} "
                                   "order by _row_number").df()
    return frame.assign(source=plan.source, reason=f"source left out: {plan.left_out_because}")[
        ["source", "record_id", "row_number", "reason"]]


def _holds_people(plan: SourcePlan) -> bool:
    """Whether a source names the people its records are about (so its records count as people left out)."""
    return bool(plan.first_name or plan.surname or plan.full_name)


def prepare_linkage_input(workspace: Workspace, plans: list[SourcePlan],
                          progress: Callable[[str, float], None] | None = None,
                          ) -> tuple[pd.DataFrame, list[PreparedSource], pd.DataFrame]:
    """Standardised records from every linked source, stacked; the records left out, each with its reason; sources
    of organisations are left out as a whole (and said)."""
    prepared: list[PreparedSource] = []
    left_out: list[pd.DataFrame] = []
    linked = [plan for plan in plans if plan.linked]
    for position, plan in enumerate(linked):
        if progress:
            progress(f"Standardising {plan.source}", position / max(len(linked), 1))
        result = prepare_source(workspace, plan)
        total = len(result.records) + result.organisations
        if total and result.organisations / total > ORGANISATION_SHARE_TO_LEAVE_OUT:
            plan.left_out_because = (f"{result.organisations:,} of its {total:,} names are organisations, "
                                     "not people")
            continue
        prepared.append(result)
        left_out.append(result.left_out)
    left_out += [_whole_source_left_out(workspace, plan) for plan in plans
                 if not plan.linked and _holds_people(plan)]
    frames = [item.records for item in prepared if len(item.records)]
    left = (pd.concat(left_out, ignore_index=True) if left_out
            else pd.DataFrame({"source": [], "record_id": [], "row_number": [], "reason": []}))
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in LINKAGE_COLUMNS}), prepared, left
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[list(LINKAGE_COLUMNS)], prepared, left
