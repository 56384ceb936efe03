"""The address gazetteer service: the one place that knows which registered source is the council's LLPG (or
AddressBase extract) and which of its columns holds each part of an address.

Risk features, the review queue, cohorts and places all ask here, through ``[gazetteer]`` in townhall.toml, so a
council that names its gazetteer or its columns differently sets it once. A use that needs a part the gazetteer
lacks stops with a message naming the setting to change, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from townhall.errors import TownhallError
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.settings.gazetteer import GazetteerSettings
    from townhall.workspace import Workspace

# What each column role means, for messages.
ROLE_DESCRIPTIONS = {
    "uprn": "the property's UPRN", "parent_uprn": "the parent building's UPRN", "sub_building": "the flat or unit",
    "building_number": "the building number", "building_suffix": "the building number's suffix",
    "building_name": "the building name", "street": "the street", "locality": "the locality", "town": "the town",
    "full_address": "the one-line address", "postcode": "the postcode", "latitude": "latitude",
    "longitude": "longitude", "classification": "the property classification code", "small_area": "the small-area "
    "code (LSOA)", "ward": "the ward code", "ward_name": "the ward name",
}
# Address parts in the order a one-line address is written.
_LINE_ROLES = ("sub_building", "building_name", "street", "locality")


class GazetteerError(TownhallError):
    """The address gazetteer is missing, or lacks a column a use needs."""


@dataclass(frozen=True)
class Gazetteer:
    """A registered gazetteer source, its DuckDB table and the columns it really has, by role."""

    source: str
    table: str  # qualified and quoted, e.g. sources."address_gazetteer"
    columns: dict[str, str]  # role -> the column's name in the source (only roles the source has)
    settings: GazetteerSettings

    def has(self, *roles: str) -> bool:
        """Whether the gazetteer has every one of these parts."""
        return all(role in self.columns for role in roles)

    def column(self, role: str, *, needed_for: str) -> str:
        """The column holding ``role``; a plain message naming the setting when the gazetteer lacks it."""
        if role in self.columns:
            return self.columns[role]
        configured = getattr(self.settings.columns, role, None)
        described = ROLE_DESCRIPTIONS.get(role, role)
        if configured:
            problem = f"has no column '{configured}' for {described}"
        else:
            problem = f"has no column set for {described}"
        raise GazetteerError(
            f"The address gazetteer '{self.source}' {problem}, which {needed_for} needs. Set [gazetteer] "
            f"columns.{role} in townhall.toml to the column that holds it.")

    def sql(self, role: str, *, needed_for: str, alias: str = "") -> str:
        """The quoted column for ``role`` as SQL (``g."UPRN"``), cast to text."""
        prefix = f"{alias}." if alias else ""
        return f"cast({prefix}{quote_identifier(self.column(role, needed_for=needed_for))} as varchar)"

    def uprn_sql(self, *, alias: str = "", needed_for: str) -> str:
        """The UPRN as text without leading zeros, the form every townhall table joins on."""
        return f"ltrim(trim({self.sql('uprn', needed_for=needed_for, alias=alias)}), '0')"

    def postcode_key_sql(self, *, alias: str = "", needed_for: str) -> str:
        """The postcode upper-cased without spaces ('AY14QT'), for joins."""
        return f"replace(upper({self.sql('postcode', needed_for=needed_for, alias=alias)}), ' ', '')"

    def address_sql(self, *, alias: str = "") -> str:
        """A one-line address ("Flat 2, 19 Pembroke Court, Newbold, Ashbury AY3 1NT") built in SQL from the parts
        the gazetteer has, or its one-line address column."""
        prefix = f"{alias}." if alias else ""

        def part(role: str) -> str:
            if role not in self.columns:
                return "null"
            return f"nullif(trim(cast({prefix}{quote_identifier(self.columns[role])} as varchar)), '')"

        town_and_postcode = f"nullif(concat_ws(' ', {part('town')}, {part('postcode')}), '')"
        if "full_address" in self.columns:
            return f"nullif(concat_ws(' ', {part('full_address')}, {part('postcode')}), '')"
        number = f"nullif(concat({part('building_number')}, {part('building_suffix')}), '')"
        street = f"nullif(concat_ws(' ', {number}, {part('street')}), '')"
        lines = [part("sub_building"), part("building_name"), street, part("locality"), town_and_postcode]
        return f"nullif(concat_ws(', ', {', '.join(lines)}), '')"


def _present(wanted: str | None, names: list[str]) -> str | None:
    """The source's column matching ``wanted`` exactly, else ignoring capitals."""
    if not wanted:
        return None
    if wanted in names:
        return wanted
    lowered = {name.lower(): name for name in names}
    return lowered.get(wanted.lower())


def find_gazetteer(workspace: Workspace) -> Gazetteer | None:
    """The configured gazetteer, or None when no source of that name is registered."""
    settings = workspace.settings.gazetteer
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    if settings.source not in registered:
        return None
    detail = workspace.catalogue.get_source(settings.source)
    names = [profile.name for profile in detail.field_profiles]
    columns = {}
    for role, wanted in settings.columns.model_dump().items():
        found = _present(wanted, names)
        if found:
            columns[role] = found
    return Gazetteer(source=settings.source, table=workspace.catalogue.table_name(settings.source), columns=columns,
                     settings=settings)


def open_gazetteer(workspace: Workspace, *, needed_for: str, roles: tuple[str, ...] = ("uprn",)) -> Gazetteer:
    """The configured gazetteer with the parts ``needed_for`` needs; a plain message when it is not there."""
    gazetteer = find_gazetteer(workspace)
    if gazetteer is None:
        source = workspace.settings.gazetteer.source
        raise GazetteerError(
            f"No address gazetteer is registered as '{source}', which {needed_for} needs. Register the council's "
            f"LLPG or AddressBase extract with 'townhall sources add FILE --name {source}', or set [gazetteer] "
            "source in townhall.toml to the source that holds it.")
    for role in roles:
        gazetteer.column(role, needed_for=needed_for)
    return gazetteer
