"""``[gazetteer]``: which registered source is the council's address gazetteer (LLPG), and its column names.

The defaults are AddressBase / LLPG names (the demo's), so a council that registers its LLPG extract under another
name or with other headings says so here once, and every capability (risk features, the review queue, cohorts,
places) reads the same mapping through ``townhall.catalogue.gazetteer``.
"""

from __future__ import annotations

from pydantic import Field

from townhall.settings.base import SettingsModel

DEFAULT_GAZETTEER_SOURCE = "address_gazetteer"


class GazetteerColumns(SettingsModel):
    """The gazetteer's column for each part of an address; leave one out (or set it to "") when the file lacks it."""

    uprn: str = "UPRN"
    parent_uprn: str | None = "PARENT_UPRN"
    sub_building: str | None = "SAO_TEXT"
    building_number: str | None = "PAO_START_NUMBER"
    building_suffix: str | None = "PAO_START_SUFFIX"
    building_name: str | None = "PAO_TEXT"
    street: str | None = "STREET_DESCRIPTOR"
    locality: str | None = "LOCALITY"
    town: str | None = "TOWN_NAME"
    # One-line address, used instead of the parts above when the gazetteer gives the address in one field.
    full_address: str | None = None
    postcode: str | None = "POSTCODE_LOCATOR"
    latitude: str | None = "LATITUDE"
    longitude: str | None = "LONGITUDE"
    classification: str | None = "CLASSIFICATION_CODE"
    small_area: str | None = "SMALL_AREA_CODE"
    ward: str | None = "WARD_CODE"
    ward_name: str | None = None


class GazetteerSettings(SettingsModel):
    """The address gazetteer: its source name, column mapping and which classification codes are homes."""

    section = "gazetteer"

    source: str = DEFAULT_GAZETTEER_SOURCE
    columns: GazetteerColumns = Field(default_factory=GazetteerColumns)
    # AddressBase classification codes that start with one of these are homes (R: residential).
    residential_classes: list[str] = Field(default_factory=lambda: ["R"])
