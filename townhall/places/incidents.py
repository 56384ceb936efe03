"""Incident lists (Surrey's Vulnerable People Emergency Response): in a flood or fire, the linked vulnerable people
living inside the incident area, with their needs and contact details, sorted so the most urgent needs come first.

Only the emergency-planning team (practitioners in the team named by ``[places] emergency_planning_team``) and
governance officers may pull a list. Every list and every export is written to the audit log with the incident's
name, the purpose, the area and the count, never a name. A person whose address is withheld (e.g. fleeing domestic
abuse) is still listed, because responders need to know someone is there, but without the address: the entry says
to contact the duty officer. Only governance officers see withheld addresses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from townhall.errors import AccessDeniedError, InputFileError, TownhallError
from townhall.governance.users import Role, User
from townhall.identity.index import IndexNotBuiltError, index_exists
from townhall.places.locations import (
    METRES_PER_DEGREE_LATITUDE,
    haversine_metres,
    located_gazetteer,
    points_sql,
    postcode_centres_sql,
)
from townhall.store.analytics import quote_identifier
from townhall.store.files import atomic_write_bytes
from townhall.workspace import Workspace

WITHHELD_ADDRESS = "Address withheld: contact the duty officer"
LARGEST_AREA_SQUARE_KM = 100.0  # bigger than any single flood or fire cordon in one borough
LARGEST_RADIUS_METRES = 5_000.0
BOROUGH_MARGIN_DEGREES = 0.01  # about a kilometre around the borough's addresses

# Needs in the order responders act on them: life-sustaining equipment first. (Keyword in the text -> the need.)
NEED_PRIORITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Oxygen", ("oxygen",)),
    ("Dialysis", ("dialysis",)),
    ("Mobility", ("mobility", "wheelchair")),
    ("Personal care", ("personal care",)),
    ("Sight", ("sight", "visual", "blind")),
    ("Hearing", ("hearing", "deaf")),
    ("Memory and cognition", ("memory", "cognition", "dementia")),
    ("Learning disability", ("learning disab",)),
    ("Mental health", ("mental health",)),
    ("Social isolation", ("isolation",)),
)
OTHER_NEED = "Other"


@dataclass(frozen=True)
class IncidentArea:
    """The incident's area: a polygon (lon/lat), or a centre and radius in metres; with a description for the log."""

    polygon: BaseGeometry | None = None
    centre: tuple[float, float] | None = None  # (latitude, longitude)
    radius_metres: float | None = None

    @property
    def shape(self) -> BaseGeometry:
        """The area as a polygon in longitude/latitude (a circle is drawn with 72 sides)."""
        if self.polygon is not None:
            return self.polygon
        assert self.centre is not None and self.radius_metres is not None
        latitude, longitude = self.centre
        angles = np.linspace(0, 2 * np.pi, 73)[:-1]
        north = self.radius_metres * np.sin(angles) / METRES_PER_DEGREE_LATITUDE
        east = self.radius_metres * np.cos(angles) / (METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude)))
        return Polygon(np.column_stack([longitude + east, latitude + north]))

    def contains(self, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
        """Which points are inside (a circle uses the exact distance; points on a polygon's edge count as inside)."""
        if self.polygon is None:
            assert self.centre is not None and self.radius_metres is not None
            return haversine_metres(latitude, longitude, self.centre[0], self.centre[1]) <= self.radius_metres
        shapely.prepare(self.polygon)
        return shapely.intersects_xy(self.polygon, np.asarray(longitude, dtype=float),
                                     np.asarray(latitude, dtype=float))

    def describe(self) -> dict[str, Any]:
        """The area for the audit log: the circle's centre and radius, or the polygon's bounding box."""
        if self.polygon is None:
            assert self.centre is not None
            return {"centre": [round(self.centre[0], 5), round(self.centre[1], 5)],
                    "radius_metres": round(float(self.radius_metres or 0), 1)}
        west, south, east, north = self.polygon.bounds
        return {"bounding_box": [round(west, 5), round(south, 5), round(east, 5), round(north, 5)]}

    def to_geojson(self) -> dict[str, Any]:
        """The area as a GeoJSON Feature, to draw on the map."""
        return {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(self.shape)}


def square_kilometres(geometry: BaseGeometry) -> float:
    """A lon/lat polygon's area in square kilometres (flat-earth approximation, fine at borough scale)."""
    latitude = geometry.centroid.y
    scale = METRES_PER_DEGREE_LATITUDE ** 2 * math.cos(math.radians(latitude))
    return geometry.area * scale / 1e6


def circle_area(latitude: float, longitude: float, radius_metres: float) -> IncidentArea:
    """An incident area given as a point and radius (e.g. a fire cordon of 200 metres)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise TownhallError(f"{latitude}, {longitude} is not a position on the map: give the latitude (e.g. 53.4) "
                            "then the longitude (e.g. -2.2) in degrees.")
    if not radius_metres or radius_metres <= 0 or not math.isfinite(radius_metres):
        raise TownhallError("Give the radius of the incident area in metres, more than 0.")
    if radius_metres > LARGEST_RADIUS_METRES:
        raise TownhallError(f"A radius of {radius_metres:,.0f} metres is larger than an incident area is expected to "
                            f"be (at most {LARGEST_RADIUS_METRES:,.0f} metres). Check the figure, or draw the area "
                            "as a polygon instead.")
    return IncidentArea(centre=(float(latitude), float(longitude)), radius_metres=float(radius_metres))


def polygon_area(geojson: str | Mapping[str, Any] | BaseGeometry, *, file_name: str = "the polygon") -> IncidentArea:
    """An incident area from a GeoJSON polygon (a geometry, a Feature or a FeatureCollection of polygons, in lon/lat).

    Raises InputFileError when it is not a polygon, or is larger than any incident could be.
    """
    if isinstance(geojson, BaseGeometry):
        geometry = geojson
    else:
        try:
            data = json.loads(geojson) if isinstance(geojson, str) else dict(geojson)
        except (json.JSONDecodeError, TypeError, ValueError):
            raise InputFileError(file_name, "it is not GeoJSON: it could not be read as JSON.") from None
        geometry = _geometry_of(data, file_name)
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise InputFileError(file_name, "it must be a polygon (the outline of the incident area), not a "
                             f"{geometry.geom_type}.")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise InputFileError(file_name, "it does not use longitude and latitude in degrees (WGS 84, EPSG:4326). "
                             "Export it from your GIS in that coordinate system.")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        geometry = shapely.union_all([part for part in getattr(geometry, "geoms", [geometry])
                                      if part.geom_type in ("Polygon", "MultiPolygon")])
    size = square_kilometres(geometry)
    if size > LARGEST_AREA_SQUARE_KM:
        raise InputFileError(file_name, f"it covers {size:,.0f} square kilometres, more than an incident area is "
                             f"expected to be (at most {LARGEST_AREA_SQUARE_KM:,.0f}). Check it is the incident's "
                             "outline and not, say, the whole borough.")
    return IncidentArea(polygon=geometry)


def _geometry_of(data: dict[str, Any], file_name: str) -> BaseGeometry:
    kind = data.get("type")
    try:
        if kind == "FeatureCollection":
            shapes = [shape(feature["geometry"]) for feature in data.get("features", []) if feature.get("geometry")]
            if not shapes:
                raise InputFileError(file_name, "it holds no shapes.")
            return shapely.union_all(shapes)
        if kind == "Feature":
            return shape(data["geometry"])
        return shape(data)
    except InputFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        raise InputFileError(file_name, "it is not a GeoJSON polygon: it has no readable geometry.") from None


# --- who may pull a list -----------------------------------------------------------------------------------------

def emergency_planning_team(workspace: Workspace) -> str:
    """The team whose practitioners may pull incident lists (``[places] emergency_planning_team``)."""
    return workspace.settings.places.emergency_planning_team


def may_pull_incident_list(workspace: Workspace, user: User | None) -> bool:
    """Governance officers, and practitioners in the emergency-planning team."""
    if user is None:
        return False
    if user.has_role(Role.GOVERNANCE):
        return True
    team = emergency_planning_team(workspace)
    return user.has_role(Role.PRACTITIONER) and (user.team or "").strip().lower() == team.strip().lower()


def _check_access(workspace: Workspace, user: User) -> None:
    if not may_pull_incident_list(workspace, user):
        raise AccessDeniedError(
            f"Incident lists are only for practitioners in the {emergency_planning_team(workspace)} team and for "
            "governance officers, because they show where vulnerable people live.")


# --- the list ----------------------------------------------------------------------------------------------------

@dataclass
class IncidentPerson:
    """One vulnerable person inside the incident area, as a responder needs them."""

    person_id: str
    name: str
    age: int | None
    address: str
    address_withheld: bool
    needs: list[str]
    support: list[str]  # the registers they are on, e.g. "Adult social care: Home care"
    contact_phone: str
    household_members: int | None
    placed_by: str  # "UPRN" (exact address) or "postcode" (the postcode's centre: less exact)

    @property
    def priority(self) -> int:
        """Lower is more urgent: the rank of their most urgent need."""
        ranks = [need_rank(need) for need in self.needs]
        return min(ranks) if ranks else len(NEED_PRIORITY) + 1


@dataclass
class IncidentList:
    """The people inside the area, most urgent needs first, and what could not be placed on the map."""

    incident_name: str
    purpose: str
    area: IncidentArea
    people: list[IncidentPerson]
    vulnerable_people: int  # in the whole borough
    not_placed: int  # vulnerable people with no known address position, so never in any list
    sources: list[str]
    pulled_on: date = field(default_factory=date.today)

    @property
    def count(self) -> int:
        """How many people are on the list."""
        return len(self.people)

    @property
    def withheld(self) -> int:
        """How many on the list have their address withheld from the person who pulled it."""
        return sum(1 for person in self.people if person.address_withheld)

    def frame(self) -> pd.DataFrame:
        """The list as a table for responders (one row a person), in priority order."""
        return pd.DataFrame([{
            "priority": number, "name": person.name, "age": person.age, "address": person.address,
            "needs": "; ".join(person.needs), "on registers": "; ".join(person.support),
            "contact phone": person.contact_phone, "people in household": person.household_members,
            "located by": "exact address" if person.placed_by == "UPRN" else "postcode centre",
            "person id": person.person_id,
        } for number, person in enumerate(self.people, start=1)],
            columns=["priority", "name", "age", "address", "needs", "on registers", "contact phone",
                     "people in household", "located by", "person id"]).astype(
            {"age": "Int64", "people in household": "Int64"})


_NEED_RANKS = {name: rank for rank, (name, _keywords) in enumerate(NEED_PRIORITY)}


def need_rank(need: str) -> int:
    """The position of a need in the responders' order (unknown needs come after the known ones)."""
    return _NEED_RANKS.get(need, len(NEED_PRIORITY))


def needs_from_text(text: object) -> list[str]:
    """Needs named in a register's free text ("Mobility; Oxygen", "Physical Support: Access and Mobility Only")."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    found = []
    for part in str(text).replace(",", ";").split(";"):
        lowered = part.strip().lower()
        if not lowered:
            continue
        named = [name for name, keywords in NEED_PRIORITY if any(keyword in lowered for keyword in keywords)]
        found.extend(named or [OTHER_NEED if lowered == "other" else part.strip()])
    return found


def vulnerable_source_settings(workspace: Workspace) -> dict[str, dict[str, str]]:
    """Which sources make a person vulnerable, and their needs/phone/end-date fields ([places] vulnerable_sources)."""
    return workspace.settings.places.vulnerable_sources


def vulnerable_people(workspace: Workspace) -> pd.DataFrame:
    """Every linked vulnerable person with position, needs and contact details (one row a person, not filtered by
    area). Opted-out people are not in the index, so never here."""
    settings = vulnerable_source_settings(workspace)
    key = _cache_key(workspace, settings)
    if key is not None and _CACHE.get("key") == key:
        return _CACHE["people"].copy()
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    sources = [name for name in settings if name in registered]
    if not sources:
        raise TownhallError("None of the sources that say who is vulnerable is registered ("
                            f"{', '.join(settings)}). Register them, or name yours in townhall.toml under "
                            "[places.vulnerable_sources.<source>].")
    gazetteer = located_gazetteer(workspace, needed_for="incident lists")
    tables = {source: workspace.catalogue.table_name(source) for source in sources}
    details = []
    with workspace.analytics.connect(read_only=True) as connection:
        for source in sources:
            details.append(_source_details(connection, tables[source], source, settings[source]))
        connection.register("vulnerable_records", pd.concat(details, ignore_index=True))
        people = connection.execute(f"""
            with chosen as (select person_id, string_agg(distinct needs, ';' order by needs) as needs_text,
                                   max(contact_phone) filter (where contact_phone <> '') as contact_phone,
                                   string_agg(distinct support, '|' order by support) as support_text,
                                   bool_or(address_withheld) as record_withheld
                            from vulnerable_records group by person_id),
            base as (select p.person_id, p.first_name, p.surname, p.date_of_birth, p.address, p.postcode,
                            coalesce(p.address_withheld, false) or coalesce(h.address_withheld, false)
                                or coalesce(chosen.record_withheld, false) as address_withheld,
                            h.members, h.address as household_address, h.postcode as household_postcode,
                            chosen.needs_text, coalesce(chosen.contact_phone, '') as contact_phone,
                            chosen.support_text,
                            ltrim(trim(cast(p.uprn as varchar)), '0') as person_uprn,
                            ltrim(trim(cast(h.uprn as varchar)), '0') as household_uprn,
                            replace(upper(cast(p.postcode as varchar)), ' ', '') as person_postcode,
                            replace(upper(cast(h.postcode as varchar)), ' ', '') as household_postcode_key
                     from chosen join identity.persons p using (person_id)
                     left join identity.households h on h.household_id = p.household_id),
            -- Only the addresses and postcodes of these people are looked up, not the whole gazetteer.
            wanted_uprns as (select person_uprn as uprn from base union select household_uprn from base),
            wanted_postcodes as (select person_postcode as postcode from base
                                 union select household_postcode_key from base),
            by_uprn as (select uprn, avg(latitude) as latitude, avg(longitude) as longitude
                        from ({points_sql(gazetteer)}) where uprn in (select uprn from wanted_uprns)
                        group by uprn),
            by_postcode as (select * from ({postcode_centres_sql(workspace, gazetteer)})
                            where postcode in (select postcode from wanted_postcodes))
            select base.* exclude (person_uprn, household_uprn, person_postcode, household_postcode_key),
                   coalesce(u1.latitude, u2.latitude, c1.latitude, c2.latitude) as latitude,
                   coalesce(u1.longitude, u2.longitude, c1.longitude, c2.longitude) as longitude,
                   case when coalesce(u1.latitude, u2.latitude) is not null then 'UPRN'
                        when coalesce(c1.latitude, c2.latitude) is not null then 'postcode' end as placed_by
            from base
            left join by_uprn u1 on u1.uprn = base.person_uprn
            left join by_uprn u2 on u2.uprn = base.household_uprn
            left join by_postcode c1 on c1.postcode = base.person_postcode
            left join by_postcode c2 on c2.postcode = base.household_postcode_key
            order by base.person_id
        """).df()
    # Needs are parsed once per distinct text (a register has few distinct combinations), not once per person.
    parsed = {text: sorted(set(needs_from_text(text)), key=lambda need: (need_rank(need), need))
              for text in people["needs_text"].dropna().unique()}
    people["needs"] = [parsed.get(text, []) if isinstance(text, str) else [] for text in people["needs_text"]]
    people["support"] = [text.split("|") if isinstance(text, str) else [] for text in people["support_text"]]
    people["address_withheld"] = people["address_withheld"].astype(bool)
    people = people.drop(columns=["needs_text", "support_text"])
    _CACHE.clear()
    _CACHE.update(key=key, people=people)
    return people.copy()


# The last vulnerable-people table read, kept while the analytics store is unchanged, so a second list in the same
# incident takes milliseconds. It lives only in this process's memory, like any page being served.
_CACHE: dict[str, Any] = {}


def _cache_key(workspace: Workspace, settings: dict[str, dict[str, str]]) -> tuple[Any, ...] | None:
    """What the table depends on: the store file (any write changes its size or time: a new index, source version
    or postcode lookup), the settings, and the day (adult social care cases end on a date)."""
    store = workspace.analytics.database_file
    if not store.exists():
        return None
    status = store.stat()
    return (str(store.resolve()), status.st_mtime_ns, status.st_size, json.dumps(settings, sort_keys=True),
            workspace.settings.places.model_dump_json(),
            workspace.settings.gazetteer.model_dump_json(), date.today().isoformat())


def _source_details(connection: Any, table: str, source: str, fields: dict[str, str]) -> pd.DataFrame:
    """One source's vulnerable people: needs, phone and register from the source row behind each index record."""
    columns = {row[0] for row in connection.execute(f"describe {table}").fetchall()}

    def column(key: str) -> str:
        name = fields.get(key)
        if name and name not in columns:
            raise TownhallError(f"The source '{source}' has no field '{name}' (set as its {key} field under "
                                f"[places.vulnerable_sources.{source}] in townhall.toml).")
        return f"cast(s.{quote_identifier(name)} as varchar)" if name else "null"

    withheld = "coalesce(r.address_withheld, false)"
    ends = fields.get("ends")
    still_open = ""
    if ends:
        column("ends")
        still_open = (f"and (s.{quote_identifier(ends)} is null or "
                      f"try_cast(s.{quote_identifier(ends)} as date) >= current_date)")
    label = fields.get("label", source.replace("_", " ").capitalize())
    service = fields.get("service")
    support = "cast(? as varchar)"  # the label is bound as a parameter, never written into the SQL
    if service:
        column("service")
        support = f"cast(? as varchar) || ': ' || coalesce(cast(s.{quote_identifier(service)} as varchar), '')"
    return connection.execute(f"""
        select r.person_id, {column("needs")} as needs, {column("phone")} as contact_phone,
               {withheld} as address_withheld, {support} as support
        from identity.records r join {table} s on s._row_number = r.row_number
        where r.source = ? {still_open}
    """, [label, source]).df()


def incident_list(workspace: Workspace, user: User, *, area: IncidentArea, incident_name: str, purpose: str,
                  people: pd.DataFrame | None = None) -> IncidentList:
    """The linked vulnerable people living inside ``area``, most urgent needs first; audit-logged (never names).

    ``people`` may pass in ``vulnerable_people(workspace)`` already read (e.g. for several areas in a row).
    """
    _check_access(workspace, user)
    if not incident_name or not incident_name.strip():
        raise TownhallError("Give the incident a name (e.g. 'River Ash flooding, 3 March'): it goes in the audit log.")
    if not purpose or not purpose.strip():
        raise TownhallError("Say why the list is needed (e.g. 'Evacuation welfare checks'): it goes in the audit log.")
    frame = vulnerable_people(workspace) if people is None else people
    placed = frame.dropna(subset=["latitude", "longitude"])
    inside = placed.loc[area.contains(placed["latitude"].to_numpy(), placed["longitude"].to_numpy())]
    sees_withheld = user.has_role(Role.GOVERNANCE)
    today = pd.Timestamp(date.today())
    born = pd.to_datetime(inside["date_of_birth"], errors="coerce")
    had_birthday = (born.dt.month < today.month) | ((born.dt.month == today.month) & (born.dt.day <= today.day))
    ages = (today.year - born.dt.year - (~had_birthday).astype(int)).astype("Int64")
    inside = inside.assign(age=ages.astype(object).where(ages.notna(), None))
    # Plain Python values: iterating over Arrow-backed text columns row by row is slow at thousands of people.
    listed = [_person(row, sees_withheld) for row in inside.astype(object).itertuples(index=False)]
    listed.sort(key=lambda person: (person.priority, -len(person.needs), person.person_id))
    result = IncidentList(incident_name=incident_name.strip(), purpose=purpose.strip(), area=area, people=listed,
                          vulnerable_people=len(frame), not_placed=len(frame) - len(placed),
                          sources=sorted(vulnerable_source_settings(workspace)))
    workspace.audit.record(user.username, "places.incident_list", result.incident_name, purpose=result.purpose,
                           details={"incident": result.incident_name, "area": area.describe(),
                                    "people": result.count, "addresses_withheld": result.withheld})
    return result


def _person(row: Any, sees_withheld: bool) -> IncidentPerson:
    """One row of the vulnerable-people table as the person who pulled the list may see it."""
    withheld = bool(row.address_withheld) and not sees_withheld
    address = row.address if isinstance(row.address, str) and row.address else row.household_address
    postcode = row.postcode if isinstance(row.postcode, str) and row.postcode else row.household_postcode
    shown = ", ".join(str(part) for part in (address, postcode) if isinstance(part, str) and part) or "Not known"
    if withheld:
        shown = WITHHELD_ADDRESS
    name = " ".join(str(part).title() for part in (row.first_name, row.surname) if isinstance(part, str) and part)
    return IncidentPerson(
        person_id=row.person_id, name=name or "Name not known", age=None if row.age is None else int(row.age),
        address=shown,
        address_withheld=bool(row.address_withheld), needs=list(row.needs) if isinstance(row.needs, list) else [],
        support=list(row.support) if isinstance(row.support, list) else [], contact_phone=row.contact_phone or "",
        household_members=None if pd.isna(row.members) else int(row.members), placed_by=row.placed_by or "postcode")


def incident_csv(workspace: Workspace, user: User, result: IncidentList, *, file_name: str = "") -> bytes:
    """The list as CSV bytes for responders (e.g. a web download); the export is audit-logged (never names)."""
    _check_access(workspace, user)
    data = result.frame().to_csv(index=False).encode("utf-8")
    workspace.audit.record(user.username, "places.incident_list.export", result.incident_name,
                           purpose=result.purpose, details={"incident": result.incident_name,
                                                            "area": result.area.describe(), "people": result.count,
                                                            "file": file_name})
    return data


def export_incident_list(workspace: Workspace, user: User, result: IncidentList, path: str | Path) -> Path:
    """Write the list as a CSV file for responders (atomically), and log the export (incident, purpose, count)."""
    target = Path(path)
    atomic_write_bytes(target, incident_csv(workspace, user, result, file_name=target.name))
    return target


def borough_bounds(workspace: Workspace) -> tuple[float, float, float, float]:
    """The (west, south, east, north) extent of the borough's addresses, for checking an area is in the borough."""
    gazetteer = located_gazetteer(workspace, needed_for="checking an incident area is in the borough")
    with workspace.analytics.connect(read_only=True) as connection:
        row = connection.execute(f"select min(longitude), min(latitude), max(longitude), max(latitude) "
                                 f"from ({points_sql(gazetteer)})").fetchall()[0]
    if row[0] is None:
        raise TownhallError(f"The address gazetteer '{gazetteer.source}' has no addresses with coordinates.")
    return tuple(float(value) for value in row)  # type: ignore[return-value]


def check_in_borough(workspace: Workspace, area: IncidentArea) -> None:
    """Raise a plain message when the incident area lies wholly outside the borough."""
    west, south, east, north = borough_bounds(workspace)
    margin = BOROUGH_MARGIN_DEGREES
    borough = shapely.box(west - margin, south - margin, east + margin, north + margin)
    if not area.shape.intersects(borough):
        raise TownhallError("The incident area is outside the borough: no address the council holds is near it. "
                            "Check the latitude and longitude are the right way round (latitude first, about "
                            f"{(south + north) / 2:.2f}; longitude about {(west + east) / 2:.2f}).")


def point_of_postcode(workspace: Workspace, postcode: str) -> tuple[float, float]:
    """The centre of a postcode (latitude, longitude), to centre an incident circle on."""
    gazetteer = located_gazetteer(workspace, needed_for="finding a postcode's centre")
    key = postcode.replace(" ", "").upper()
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(f"select latitude, longitude from ({postcode_centres_sql(workspace, gazetteer)}) "
                                  "where postcode = ?", [key]).fetchall()
    if not rows:
        raise TownhallError(f"The postcode '{postcode}' is not in the borough's address list. Check it, or give a "
                            "latitude and longitude instead.")
    return float(rows[0][0]), float(rows[0][1])

