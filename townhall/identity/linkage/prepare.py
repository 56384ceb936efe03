"""Turn every person-bearing source into one table of standardised identities, the input to Splink.

One row per source record: ``unique_id`` ("<source>:<record id>"), names, date of birth (and the same date with
day and month swapped, for the transposition level), NHS number (valid ones only: an invalid number is dropped as an
identifier, not the record), postcode, address key, UPRN, the record's own date and its "address withheld" flag.
Records whose name is an organisation ("Swan Barbers Ltd") are left out: the index is about people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from townhall.identity.standardise import (
    address_keys,
    canonical_first_names,
    parse_addresses,
    split_full_names,
    standardise_dates,
    standardise_names,
    standardise_nhs_numbers,
    standardise_postcodes,
    standardise_uprns,
)
from townhall.identity.standardise._series import map_distinct
from townhall.identity.standardise.organisations import looks_like_organisation  # moved there; kept for callers
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.identity.linkage.sources import SourcePlan
    from townhall.workspace import Workspace

LINKAGE_COLUMNS = ("unique_id", "source", "record_id", "row_number", "first_name", "surname", "first_name_group",
                   "date_of_birth", "date_of_birth_swapped", "birth_year", "nhs_number", "postcode", "address",
                   "address_key", "house_street", "uprn", "record_date", "address_withheld")
# A source whose names are mostly organisations is not a list of people (e.g. business ratepayers).
ORGANISATION_SHARE_TO_LEAVE_OUT = 0.5
_TRUE_WORDS = frozenset({"y", "yes", "true", "1", "t"})


@dataclass
class PreparedSource:
    """One source's standardised records, and how many were left out as organisations."""

    plan: SourcePlan
    records: pd.DataFrame
    organisations: int  # records left out because the name is an organisation's
    too_little: int  # records left out with a name but nothing else to tell people of that name apart


def swapped_day_and_month(born: pd.Series) -> pd.Series:
    """'2010-04-05' -> '2010-05-04' as text, for dates that can be read both ways (day 12 or under, not 5/5)."""
    swapped = born.dt.strftime("%Y-%d-%m").astype("str")
    return swapped.where((born.dt.day <= 12) & (born.dt.day != born.dt.month))


def house_and_street(address_keys: pd.Series) -> pd.Series:
    """The address key without its postcode or town ('2|14|mill road|AY1 4QT' -> '2|14|mill road'), so that
    sources which give only one of them still match."""
    return address_keys.str.replace(r"\|[^|]*$", "", regex=True).replace("||", pd.NA)


def school_year_starts(values: pd.Series) -> pd.Series:
    """'2024/25' or '2024-2025' -> 1 September 2024 (the start of the school year); anything else -> missing."""
    start = pd.to_numeric(values.str.extract(r"^\s*((?:19|20)\d\d)\s*[/-]\s*\d{2,4}\s*$")[0], errors="coerce")
    text = start.astype("Int64").astype("str").where(start.notna()) + "-09-01"
    return pd.to_datetime(text, errors="coerce").astype("datetime64[s]")


def _read_columns(workspace: Workspace, plan: SourcePlan) -> pd.DataFrame:
    """The fields the plan uses, as text, with the spreadsheet row number."""
    roles = (plan.record_id, plan.first_name, plan.surname, plan.full_name, plan.date_of_birth, plan.age,
             plan.nhs_number, plan.postcode, plan.uprn, plan.record_date, plan.address_withheld)
    wanted = [name for name in roles if name]
    wanted += [name for name in plan.address if name not in wanted]
    selected = ", ".join(f"cast({quote_identifier(name)} as varchar) as {quote_identifier(name)}" for name in wanted)
    table = workspace.catalogue.table_name(plan.source)
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(
            f"select _row_number, {selected} from {table} order by _row_number").df()


def _empty(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="str")


def _first_word(names: pd.Series) -> pd.Series:
    return names.str.split(" ").str[0]


def _join_address(frame: pd.DataFrame, fields: list[str]) -> pd.Series:
    """The address fields joined into one line, skipping empty parts."""
    if not fields:
        return _empty(frame.index)
    parts = frame[fields].apply(lambda column: column.str.strip()).replace("", pd.NA)
    joined = parts.apply(lambda row: ", ".join(value for value in row if isinstance(value, str)), axis=1)
    return joined.replace("", pd.NA).astype("str")


def prepare_source(workspace: Workspace, plan: SourcePlan) -> PreparedSource:
    """Standardise one source's records into the linkage columns."""
    raw = _read_columns(workspace, plan)
    index = raw.index
    if plan.full_name:
        split = split_full_names(raw[plan.full_name])
        first_name, surname = _first_word(split["first"].astype("str")), split["last"].astype("str")
        names_for_check = raw[plan.full_name]
    else:
        first_name = _first_word(standardise_names(raw[plan.first_name])) if plan.first_name else _empty(index)
        surname = standardise_names(raw[plan.surname]) if plan.surname else _empty(index)
        names_for_check = raw[plan.surname] if plan.surname else raw[plan.first_name]
    organisation = map_distinct(names_for_check, looks_like_organisation, dtype=bool).fillna(False).astype(bool)
    address = _join_address(raw, plan.address)
    parsed = parse_addresses(address)
    postcode = standardise_postcodes(raw[plan.postcode]) if plan.postcode else _empty(index)
    postcode = postcode.fillna(parsed["postcode"].astype("str"))
    keys = address_keys(address)
    date_of_birth = (standardise_dates(raw[plan.date_of_birth], birth_date=True)["date"]
                     if plan.date_of_birth else pd.Series(pd.NaT, index=index, dtype="datetime64[s]"))
    record_date = (standardise_dates(raw[plan.record_date])["date"]
                   if plan.record_date else pd.Series(pd.NaT, index=index, dtype="datetime64[s]"))
    if plan.record_date:
        record_date = record_date.fillna(school_year_starts(raw[plan.record_date]))
    record_id = raw[plan.record_id].astype("str") if plan.record_id else raw["_row_number"].astype("str")
    birth_text = date_of_birth.dt.strftime("%Y-%m-%d").astype("str")
    # Year of birth: from the date of birth, else estimated from an age on the record's date (a year either way).
    age = pd.to_numeric(raw[plan.age], errors="coerce") if plan.age else pd.Series(float("nan"), index=index)
    age = age.where((age >= 0) & (age < 120))
    birth_year = date_of_birth.dt.year.astype("Float64").fillna(
        (record_date.dt.year - age).astype("Float64")).astype("Int64")
    withheld = (raw[plan.address_withheld].str.strip().str.lower().isin(_TRUE_WORDS)
                if plan.address_withheld else pd.Series(False, index=index))
    records = pd.DataFrame({
        "unique_id": plan.source + ":" + record_id,
        "source": plan.source,
        "record_id": record_id,
        "row_number": raw["_row_number"].astype("int64"),
        "first_name": first_name,
        "surname": surname,
        "first_name_group": canonical_first_names(first_name),
        "date_of_birth": birth_text,
        "date_of_birth_swapped": swapped_day_and_month(date_of_birth),
        "birth_year": birth_year,
        "nhs_number": standardise_nhs_numbers(raw[plan.nhs_number])["nhs_number"].astype("str")
        if plan.nhs_number else _empty(index),
        "postcode": postcode,
        "address": address,
        "address_key": keys,
        "house_street": house_and_street(keys),
        "uprn": standardise_uprns(raw[plan.uprn]) if plan.uprn else _empty(index),
        "record_date": record_date,
        "address_withheld": withheld.astype(bool),
    })
    named = (records["first_name"].notna() | records["surname"].notna()).to_numpy()
    # An age alone (a year either way) is too loose to say who someone is; it only helps alongside other fields.
    identifiable = records[["date_of_birth", "nhs_number", "postcode", "address_key", "uprn"]].notna().any(axis=1)
    keep = ~organisation.to_numpy() & named & identifiable.to_numpy()
    return PreparedSource(plan=plan, records=records.loc[keep].reset_index(drop=True),
                          organisations=int(organisation.sum()),
                          too_little=int((~organisation.to_numpy() & named & ~identifiable.to_numpy()).sum()))


def prepare_linkage_input(workspace: Workspace, plans: list[SourcePlan],
                          progress: callable | None = None) -> tuple[pd.DataFrame, list[PreparedSource]]:
    """Standardised records from every linked source, stacked; sources of organisations are left out (and said)."""
    prepared: list[PreparedSource] = []
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
    frames = [item.records for item in prepared if len(item.records)]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in LINKAGE_COLUMNS}), prepared
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[list(LINKAGE_COLUMNS)], prepared
