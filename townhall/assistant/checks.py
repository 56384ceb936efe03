"""What the assistant looks up for a resident: addresses at a postcode, a home's collection day, a bin sensor's last
reading. Only sources about places are read (the gazetteer, the collection calendar, the sensor feed), read-only, and
a source whose fields the catalogue tags as being about people (names, dates of birth, NHS numbers, phone numbers,
email addresses, special-category data) is refused, so the public site can never reach a resident's records.

The bin-sensor reading comes straight from the registered source through the catalogue for now; when
``townhall.sensors`` offers a reading service, this is the one place to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace


class AssistantLookupError(TownhallError):
    """A lookup the assistant needs cannot be made (a source missing or holding personal data)."""


# Tags that mean a field is about a person rather than a place: a source with any of them is never read.
PEOPLE_TAGS = ("name", "date_of_birth", "nhs_number", "phone", "email", "ethnicity", "health", "religion",
               "sexual_orientation", "disability")


def _refuse_personal_source(workspace: Workspace, source: str) -> str:
    """The source's table, after checking the catalogue tags none of its fields as being about a person."""
    detail = workspace.catalogue.get_source(source)
    about_people = [profile.name for profile in detail.field_profiles
                    if any(tag in PEOPLE_TAGS for tag in profile.tags)]
    if about_people:
        raise AssistantLookupError(f"The assistant will not read '{source}': the catalogue tags its fields "
                           f"{', '.join(about_people[:3])} as data about people, and the public site reads only data "
                           "about places.")
    return workspace.catalogue.table_name(source)


@dataclass(frozen=True)
class PlaceSources:
    """The sources the assistant reads, found and checked in the catalogue once (the catalogue is slow to ask on
    every page): the gazetteer, the collection calendar's table, and the sensor feed's table (None without one)."""

    gazetteer: Any
    collection_table: str
    sensor_table: str | None


def place_sources(workspace: Workspace) -> PlaceSources:
    """Find and check the assistant's sources; a missing one or one about people stops with a plain message."""
    from townhall.catalogue.gazetteer import open_gazetteer

    settings = workspace.settings.assistant
    gazetteer = open_gazetteer(workspace, needed_for="the assistant's address lookup", roles=("uprn", "postcode"))
    _refuse_personal_source(workspace, gazetteer.source)
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    if settings.collection_source not in registered:
        raise AssistantLookupError(f"The collection calendar '{settings.collection_source}' is not registered, which "
                                   "the missed-bin check needs. Register it, or set [assistant] collection_source.")
    collection = _refuse_personal_source(workspace, settings.collection_source)
    sensors = None
    if settings.bin_sensor_source and settings.bin_sensor_source in registered:
        sensors = _refuse_personal_source(workspace, settings.bin_sensor_source)
    return PlaceSources(gazetteer=gazetteer, collection_table=collection, sensor_table=sensors)


@dataclass(frozen=True)
class Address:
    """One address from the gazetteer."""

    uprn: str
    text: str
    street: str


def addresses_at(workspace: Workspace, postcode: str, sources: PlaceSources | None = None) -> list[Address]:
    """The homes at a postcode, in address order (empty when the gazetteer has none)."""
    needed = "the assistant's address lookup"
    gazetteer = (sources or place_sources(workspace)).gazetteer
    key = postcode.replace(" ", "").upper()
    street = gazetteer.sql("street", needed_for=needed) if gazetteer.has("street") else "''"
    number = (f"try_cast({gazetteer.sql('building_number', needed_for=needed)} as integer)"
              if gazetteer.has("building_number") else "null")
    residential = " or ".join(
        f"upper({gazetteer.sql('classification', needed_for=needed)}) like '{code.upper()}%'"
        for code in gazetteer.settings.residential_classes if code.isalnum()) if gazetteer.has("classification") else ""
    where = f"{gazetteer.postcode_key_sql(needed_for=needed)} = ?" + (f" and ({residential})" if residential else "")
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            f"select {gazetteer.uprn_sql(needed_for=needed)}, {gazetteer.address_sql()}, {street} "
            f"from {gazetteer.table} where {where} order by {street}, {number}, 2", [key]).fetchall()
    return [Address(uprn=str(uprn), text=str(text), street=str(street or "")) for uprn, text, street in rows if text]


@dataclass(frozen=True)
class BinCollection:
    """What the missed-bin check found: the home's collection day, and the nearest bin sensor's last reading."""

    day: str | None
    frequency: str | None
    sensor_fill: float | None = None
    sensor_read_at: datetime | None = None
    sensor_street: str | None = None


def bin_collection(workspace: Workspace, uprn: str, street: str,
                   sources: PlaceSources | None = None) -> BinCollection:
    """The collection day of a home ([assistant] collection_source) and, where a bin sensor stands in its street,
    that sensor's latest reading ([assistant] bin_sensor_source)."""
    from townhall.store.analytics import quote_identifier

    settings = workspace.settings.assistant
    columns = settings.collection_columns
    found_sources = sources or place_sources(workspace)
    table = found_sources.collection_table
    frequency = f"cast({quote_identifier(columns.frequency)} as varchar)" if columns.frequency else "null"
    with workspace.analytics.connect(read_only=True) as connection:
        row = connection.execute(
            f"select cast({quote_identifier(columns.day)} as varchar), {frequency} from {table} "
            f"where ltrim(trim(cast({quote_identifier(columns.uprn)} as varchar)), '0') = ? limit 1",
            [uprn.lstrip("0")]).fetchone()
    day, how_often = (row if row else (None, None))
    found = BinCollection(day=day, frequency=how_often)
    sensors = found_sources.sensor_table
    if sensors is None or not street:
        return found
    sensor = settings.bin_sensor_columns
    with workspace.analytics.connect(read_only=True) as connection:
        reading = connection.execute(
            f"select {quote_identifier(sensor.fill_level)}, {quote_identifier(sensor.reading_time)} from {sensors} "
            f"where lower(trim(cast({quote_identifier(sensor.site)} as varchar))) = lower(trim(?)) "
            f"order by {quote_identifier(sensor.reading_time)} desc limit 1", [street]).fetchone()
    if reading is None:
        return found
    read_at = reading[1] if isinstance(reading[1], datetime) else None
    return BinCollection(day=day, frequency=how_often, sensor_fill=float(reading[0]), sensor_read_at=read_at,
                         sensor_street=street)
