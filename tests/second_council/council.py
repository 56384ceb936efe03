"""A second council for tests: "Brinsford", made from the demo's generated files with other source names, other
column names and other date formats, registered with a townhall.toml that names them.

Every capability that works on Ashbury should work on Brinsford with nothing but settings. A code path that still
needs a demo name (a source called ``council_tax``, a gazetteer column called ``UPRN``) fails here. What is renamed:

- every source (``council_tax`` -> ``ctax_accounts``, ``address_gazetteer`` -> ``llpg``…: ``SOURCE_NAMES``);
- the columns of the gazetteer, council tax, the vulnerability register, adult social care, the opt-outs, tenancies
  and street reports (``COLUMN_NAMES``), e.g. ``AccountRef`` -> ``Account Ref``, ``UPRN`` -> ``UPRN Ref``;
- dates: the opt-outs' ISO dates written 31/12/2024, the vulnerability register's UK dates written 2024-12-31
  (``DATE_FORMATS``);
- the geography: boundaries with ONS field names (LSOA21CD, WD23CD, LAD23CD), a postcode lookup with ONS Postcode
  Directory names (pcds, lat, long, lsoa21cd, osward) and indicators under other headings ("IMD Decile", "Total
  population", "Dwellings"…: loaded as imd_decile, total_population, dwellings);
- the service sites: a registered source ``community_buildings`` (Site Name, Service, Lat, Lon) instead of a file;
- the emergency-planning team: "Civil Contingencies".

``SETTINGS`` is the townhall.toml that names all of these. Another capability that needs a setting for Brinsford
adds it there (and its renames to ``COLUMN_NAMES``); its tests take the ``second_council`` fixture.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

COUNCIL_NAME = "Brinsford"
ACTOR = "second-council-builder"
PASSWORD = "a long second-council password"  # every Brinsford account's password
INCOMING = "incoming"  # the folder inside the workspace where the renamed files are written before registering

# Demo source -> Brinsford source. Every demo source must be renamed: a new demo source needs a line here.
SOURCE_NAMES: dict[str, str] = {
    "address_gazetteer": "llpg",
    "adult_social_care": "asc_clients",
    "benefits": "hb_ctr_claims",
    "bin_sensors": "bin_fill_levels",
    "building_temperatures": "building_temps",
    "business_rates": "nndr_accounts",
    "business_rates_reviews": "nndr_reviews",
    "business_rates_valuations": "nndr_valuations",
    "childrens_social_care_referrals": "cs_referrals",
    "council_tax": "ctax_accounts",
    "fire_ambulance_callouts": "emergency_callouts",
    "hmo_licences": "hmo_register",
    "homelessness_applications": "housing_options",
    "housing_inspections": "psh_inspections",
    "housing_repairs": "repairs_jobs",
    "housing_tenancies": "tenancies",
    "letter_trial": "dd_letter_trial",
    "opt_outs": "sharing_objections",
    "police_asb": "asb_incidents",
    "rent_arrears": "arrears_cases",
    "resident_feedback": "customer_comments",
    "school_attendance": "pupil_attendance",
    "send_transitions": "ehcp_transitions",
    "service_demand": "contact_demand",
    "street_reports": "fix_my_street",
    "vulnerability_register": "at_risk_residents",
    "waste_collection_days": "bin_rounds",
    "school_transport_pupils": "home_to_school",
    "childrens_case_notes": "cs_case_notes",
}

# Demo source -> {demo column: Brinsford column}; columns not named keep their heading.
COLUMN_NAMES: dict[str, dict[str, str]] = {
    "address_gazetteer": {
        "UPRN": "UPRN Ref", "PARENT_UPRN": "Parent Ref", "SAO_TEXT": "Flat", "PAO_START_NUMBER": "House Number",
        "PAO_START_SUFFIX": "House Suffix", "PAO_TEXT": "Building Name", "STREET_DESCRIPTOR": "Street",
        "LOCALITY": "Locality Name", "TOWN_NAME": "Post Town", "POSTCODE_LOCATOR": "Post Code", "LATITUDE": "Lat",
        "LONGITUDE": "Long", "CLASSIFICATION_CODE": "Class Code", "SMALL_AREA_CODE": "LSOA Code",
        "WARD_CODE": "Electoral Ward", "CLASSIFICATION_DESCRIPTION": "Class Description", "LOGICAL_STATUS": "Status",
    },
    "council_tax": {
        "AccountRef": "Account Ref", "LeadLiableName": "Liable Name", "LeadLiableTitle": "Liable Title",
        "JointLiableName": "Joint Liable Name", "LiableDOB": "Liable Date of Birth", "UPRN": "Property UPRN",
        "Addr1": "Address 1", "Addr2": "Address 2", "Addr3": "Address 3", "Postcode": "Post Code",
        "AccountStart": "Liability Start", "AccountEnd": "Liability End",
    },
    "vulnerability_register": {
        "register_id": "Register No", "full_name": "Resident Name", "date_of_birth": "Born",
        "address": "Home Address", "postcode": "Post Code", "address_withheld": "Address Withheld",
        "needs": "Support Needs", "contact_phone": "Phone", "nhs_number": "NHS Number", "registered": "Registered On",
        "last_reviewed": "Last Reviewed",
    },
    "adult_social_care": {
        "Client No": "Client Ref", "Primary Support Reason": "Main Need", "Service Type": "Package",
        "Service Start": "Package Start", "Service End": "Package End",
    },
    "opt_outs": {
        "optout_ref": "Objection Ref", "forename": "First Name", "surname": "Last Name", "dob": "Date of Birth",
        "postcode": "Post Code", "nhs_number": "NHS No", "date_received": "Received", "scope": "Scope",
        "received_via": "Channel",
    },
    "housing_tenancies": {"uprn": "Property UPRN", "postcode": "Post Code"},
    "street_reports": {"latitude": "Lat", "longitude": "Lng", "category": "Problem"},
}

# Demo source -> {Brinsford column: (the demo's date format, Brinsford's)}.
DATE_FORMATS: dict[str, dict[str, tuple[str, str]]] = {
    "opt_outs": {"Date of Birth": ("%Y-%m-%d", "%d/%m/%Y"), "Received": ("%Y-%m-%d", "%d/%m/%Y")},
    "vulnerability_register": {"Born": ("%d/%m/%Y", "%Y-%m-%d"), "Registered On": ("%d/%m/%Y", "%Y-%m-%d"),
                               "Last Reviewed": ("%d/%m/%Y", "%Y-%m-%d")},
}

# The demo's geography files, renamed to the names ONS files use.
BOUNDARY_FIELDS: dict[str, dict[str, str]] = {
    "authority.geojson": {"code": "LAD23CD", "name": "LAD23NM"},
    "wards.geojson": {"code": "WD23CD", "name": "WD23NM", "authority_code": "LAD23CD"},
    "small_areas.geojson": {"code": "LSOA21CD", "name": "LSOA21NM", "ward_code": "WD23CD", "ward_name": "WD23NM",
                            "authority_code": "LAD23CD"},
}
POSTCODE_FIELDS = {"postcode": "pcds", "latitude": "lat", "longitude": "long", "small_area_code": "lsoa21cd",
                   "ward_code": "osward", "addresses": "addresses"}
INDICATOR_FIELDS = {"code": "LSOA code (2021)", "name": "LSOA name (2021)", "ward_code": "Ward code",
                    "imd_decile": "IMD Decile", "imd_score": "IMD Score", "population": "Total population",
                    "homes": "Dwellings", "area_hectares": "Area (hectares)", "median_age": "Median age",
                    "pct_aged_65_plus": "Aged 65 and over (%)", "pct_white_british": "White British (%)"}
SITE_SOURCE = "community_buildings"
SITE_FIELDS = {"name": "Site Name", "type": "Service", "latitude": "Lat", "longitude": "Lon", "postcode": "Post Code"}
GEOGRAPHY = "incoming/geography"
EMERGENCY_PLANNING_TEAM = "Civil Contingencies"

_GAZETTEER_ROLES = {"uprn": "UPRN", "parent_uprn": "PARENT_UPRN", "sub_building": "SAO_TEXT",
                    "building_number": "PAO_START_NUMBER", "building_suffix": "PAO_START_SUFFIX",
                    "building_name": "PAO_TEXT", "street": "STREET_DESCRIPTOR", "locality": "LOCALITY",
                    "town": "TOWN_NAME", "postcode": "POSTCODE_LOCATOR", "latitude": "LATITUDE",
                    "longitude": "LONGITUDE", "classification": "CLASSIFICATION_CODE",
                    "small_area": "SMALL_AREA_CODE", "ward": "WARD_CODE"}


def _renamed(source: str, column: str) -> str:
    return COLUMN_NAMES.get(source, {}).get(column, column)


def _sensor_feeds() -> dict[str, dict[str, Any]]:
    """The demo's sensor feeds, reading Brinsford's sources."""
    from townhall.settings.sensors import DEMO_FEEDS

    feeds = {name: feed.model_dump(exclude_none=True) for name, feed in DEMO_FEEDS.items()}
    feeds["bins"]["source"] = SOURCE_NAMES["bin_sensors"]
    feeds["buildings"]["source"] = SOURCE_NAMES["building_temperatures"]
    return feeds


# townhall.toml's settings for Brinsford: every name above that differs from the demo's default.
SETTINGS: dict[str, Any] = {
    "gazetteer": {
        "source": SOURCE_NAMES["address_gazetteer"],
        "columns": {role: _renamed("address_gazetteer", column) for role, column in _GAZETTEER_ROLES.items()},
    },
    "identity": {
        "opt_out_source": SOURCE_NAMES["opt_outs"],
        "threshold": 0.9,
        "review_band": [0.5, 0.99],
        "flags": {"Vulnerable person": [SOURCE_NAMES["vulnerability_register"]],
                  "Children's social care": [SOURCE_NAMES["childrens_social_care_referrals"]],
                  "Adult social care": [SOURCE_NAMES["adult_social_care"]]},
    },
    "places": {
        "attribution": "Fictional geography for the Brinsford test council",
        "boundaries": [{"file": f"{GEOGRAPHY}/authority.geojson", "level": "authority"},
                       {"file": f"{GEOGRAPHY}/wards.geojson", "level": "ward"},
                       {"file": f"{GEOGRAPHY}/small_areas.geojson", "level": "small_area"}],
        "indicators": [{"file": f"{GEOGRAPHY}/small_area_indicators.csv", "period": "2025",
                        "code_field": INDICATOR_FIELDS["code"],
                        "columns": [INDICATOR_FIELDS[name] for name in (
                            "imd_decile", "imd_score", "population", "homes", "median_age", "pct_aged_65_plus",
                            "pct_white_british")]}],
        "postcodes": {"file": f"{GEOGRAPHY}/postcodes.csv"},
        "population_indicator": "total_population",
        "homes_indicator": "dwellings",
        "emergency_planning_team": EMERGENCY_PLANNING_TEAM,
        "vulnerable_sources": {
            SOURCE_NAMES["vulnerability_register"]: {
                "needs": _renamed("vulnerability_register", "needs"),
                "phone": _renamed("vulnerability_register", "contact_phone"), "label": "At-risk residents"},
            SOURCE_NAMES["adult_social_care"]: {
                "needs": _renamed("adult_social_care", "Primary Support Reason"),
                "ends": _renamed("adult_social_care", "Service End"),
                "service": _renamed("adult_social_care", "Service Type"), "label": "Adult social care"},
        },
        "service_sites": SITE_SOURCE,
        "service_site_columns": {part: SITE_FIELDS[part] for part in ("name", "type", "latitude", "longitude")},
    },
    "governance": {"purposes": ["Safeguarding enquiry", "Council tax recovery", "Emergency response"]},
    "forecasting": {"demand_source": SOURCE_NAMES["service_demand"],
                    "send_source": SOURCE_NAMES["send_transitions"]},
    "text": {"feedback_source": SOURCE_NAMES["resident_feedback"],
             "case_notes_source": SOURCE_NAMES["childrens_case_notes"],
             "case_note_columns": {"outcome_source": SOURCE_NAMES["childrens_social_care_referrals"]}},
    "sensors": {"feeds": _sensor_feeds()},
    "routes": {"school": {"source": SOURCE_NAMES["school_transport_pupils"]}},
    "assistant": {"collection_source": SOURCE_NAMES["waste_collection_days"],
                  "bin_sensor_source": SOURCE_NAMES["bin_sensors"]},
}

# One account per role (user name, role, team), as a council's administrator would set them up.
USERS: tuple[tuple[str, str, str], ...] = (
    ("ana.lyst", "analyst", "Insight"),
    ("prue.practitioner", "practitioner", "Family Support"),
    ("gus.governance", "governance", "Information Governance"),
    ("meg.manager", "manager", "Chief Executive's Office"),
    ("ada.admin", "admin", "ICT"),
    ("cal.contingencies", "practitioner", EMERGENCY_PLANNING_TEAM),
)


@dataclass
class SecondCouncil:
    """Brinsford as built: its folder, the names it uses, and its accounts (all with ``PASSWORD``)."""

    folder: Path
    source_names: dict[str, str] = field(default_factory=lambda: dict(SOURCE_NAMES))
    column_names: dict[str, dict[str, str]] = field(default_factory=lambda: COLUMN_NAMES)
    users: dict[str, str] = field(default_factory=dict)  # role (and "emergency_planner") -> user name
    password: str = PASSWORD

    def source(self, demo_name: str) -> str:
        """Brinsford's name for a demo source."""
        return self.source_names[demo_name]

    def column(self, demo_source: str, demo_column: str) -> str:
        """Brinsford's heading for a demo source's column."""
        return _renamed(demo_source, demo_column)


# --- rewriting the demo's files ----------------------------------------------------------------------------------

_ENCODINGS = {"UTF-8": "utf-8", "UTF-8 with BOM": "utf-8-sig", "Windows-1252": "cp1252"}


def _reformat_date(text: str, formats: tuple[str, str]) -> str:
    if not text.strip():
        return text
    try:
        return datetime.strptime(text.strip(), formats[0]).strftime(formats[1])
    except ValueError:
        return text  # the demo's deliberate errors stay as they are


def _rewrite_csv(source: str, file: Path, target: Path, encoding: str, delimiter: str) -> None:
    """The CSV with its headings renamed and dates rewritten, in the file's own encoding and delimiter."""
    text = file.read_bytes().decode(_ENCODINGS.get(encoding, "utf-8"))
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [_renamed(source, name) for name in rows[0]]
    dates = {header.index(column): formats for column, formats in DATE_FORMATS.get(source, {}).items()}
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n" if "\r\n" in text[:2000] else "\n")
    writer.writerow(header)
    for row in rows[1:]:
        writer.writerow([_reformat_date(value, dates[position]) if position in dates else value
                         for position, value in enumerate(row)])
    target.write_bytes(output.getvalue().encode(_ENCODINGS.get(encoding, "utf-8")))


def _rewrite_excel(source: str, file: Path, target: Path, sheet: str | None) -> None:
    """The workbook with the source sheet's heading row renamed (found as the first row naming a known column)."""
    import openpyxl

    workbook = openpyxl.load_workbook(file)
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    renames = COLUMN_NAMES.get(source, {})
    for row in worksheet.iter_rows():
        if any(isinstance(cell.value, str) and cell.value.strip() in renames for cell in row):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip() in renames:
                    cell.value = renames[cell.value.strip()]
            break
    workbook.save(target)


def _rewrite_parquet(source: str, file: Path, target: Path) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(file)
    pq.write_table(table.rename_columns([_renamed(source, name) for name in table.column_names]), target)


def _rewrite_geography(demo_geography: Path, target: Path) -> None:
    """The demo's boundaries, postcode lookup and indicators under the names ONS files use."""
    import pandas as pd

    target.mkdir(parents=True, exist_ok=True)
    for name, fields in BOUNDARY_FIELDS.items():
        data = json.loads((demo_geography / name).read_text(encoding="utf-8"))
        for feature in data["features"]:
            feature["properties"] = {fields.get(key, key): value for key, value in feature["properties"].items()}
        (target / name).write_text(json.dumps(data), encoding="utf-8")
    postcodes = pd.read_csv(demo_geography / "postcodes.csv", dtype=str, keep_default_na=False)
    postcodes.rename(columns=POSTCODE_FIELDS).to_csv(target / "postcodes.csv", index=False)
    indicators = pd.read_csv(demo_geography / "small_area_indicators.csv", dtype=str, keep_default_na=False)
    indicators.rename(columns=INDICATOR_FIELDS).to_csv(target / "small_area_indicators.csv", index=False)
    sites = pd.read_csv(demo_geography / "service_locations.csv", dtype=str, keep_default_na=False)
    sites.rename(columns=SITE_FIELDS).to_csv(target / "community_buildings.csv", index=False)


# --- building the workspace ------------------------------------------------------------------------------------------

def build_second_council(folder: Path, demo_folder: Path, *, link: bool = True) -> SecondCouncil:
    """Make Brinsford in ``folder`` from the demo workspace in ``demo_folder`` (its files, renamed), load its
    geography, add one account per role and (by default) link its records into people and households."""
    from townhall.governance.users import Role
    from townhall.places.geography import load_configured_geography
    from townhall.workspace import Workspace

    with Workspace.open(demo_folder) as demo:
        details = [demo.catalogue.get_source(summary.name) for summary in demo.catalogue.list_sources()]
        stored = {detail.name: demo.path / "sources" for detail in details}
        demo_geography = demo.path / (demo.settings.demo.geography_folder or "demo-data/geography")
    unmapped = sorted(detail.name for detail in details if detail.name not in SOURCE_NAMES)
    if unmapped:
        raise AssertionError(f"The second council has no name for the demo sources {unmapped}: add them to "
                             "SOURCE_NAMES in tests/second_council/council.py.")
    workspace = Workspace.create(folder, COUNCIL_NAME)
    try:
        workspace.config.extra.update(json.loads(json.dumps(SETTINGS)))
        workspace.save_config()
        incoming = folder / INCOMING
        incoming.mkdir()
        for detail in details:
            original = _demo_file(demo_folder, detail.file_name, stored[detail.name])
            renamed = SOURCE_NAMES[detail.name]
            target = incoming / f"{renamed}{original.suffix}"
            if detail.file_format == "csv":
                _rewrite_csv(detail.name, original, target, detail.encoding or "UTF-8", detail.delimiter or ",")
            elif detail.file_format == "xlsx":
                _rewrite_excel(detail.name, original, target, detail.sheet)
            else:
                _rewrite_parquet(detail.name, original, target)
            workspace.catalogue.add_source(target, renamed, owner=detail.owner, sheet=detail.sheet,
                                           description=detail.description, actor=ACTOR)
        _rewrite_geography(demo_geography, folder / GEOGRAPHY)
        workspace.catalogue.add_source(folder / GEOGRAPHY / "community_buildings.csv", SITE_SOURCE,
                                       owner="Property Services", actor=ACTOR,
                                       description="Libraries, family hubs and children's centres.")
        load_configured_geography(workspace)
        users = {}
        for username, role, team in USERS:
            workspace.users.add(username, Role(role), team=team, password=PASSWORD, added_by=ACTOR,
                                display_name=username.replace(".", " ").title())
            users["emergency_planner" if team == EMERGENCY_PLANNING_TEAM else role] = username
        if link:
            from townhall.identity import link_people

            link_people(workspace)
    finally:
        workspace.close()
    return SecondCouncil(folder=folder, users=users)


def _demo_file(demo_folder: Path, file_name: str, stored: Path) -> Path:
    """The demo's generated file for a source: as generated (demo-data/sources), else the catalogue's copy."""
    generated = demo_folder / "demo-data" / "sources" / file_name
    if generated.exists():
        return generated
    copies = sorted(stored.glob(f"**/{file_name}"))
    if not copies:
        raise AssertionError(f"The demo's file {file_name} was not found under {demo_folder}.")
    return copies[-1]


def demo_names_in(text: str) -> list[str]:
    """The demo source names (and the gazetteer's demo column names) that appear in ``text`` as whole words."""
    names = [*SOURCE_NAMES, *(column for column in COLUMN_NAMES["address_gazetteer"] if "_" in column)]
    return sorted(name for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text))
