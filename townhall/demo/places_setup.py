"""The demo's places settings: its generated geography, its service sites and the attribution printed under its maps.

Only the demo builder and tests call these; a council names its own files in ``[places]`` of townhall.toml.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.places.geography import LoadSummary, Progress
    from townhall.workspace import Workspace

DEMO_ATTRIBUTION = "Fictional geography generated for the Ashbury demo"
DEMO_GEOGRAPHY_FOLDER = "demo-data/geography"
DEMO_SERVICE_SITES_FILE = "service_locations.csv"
DEMO_INDICATORS = ("imd_decile", "imd_score", "population", "homes", "median_age", "pct_aged_65_plus",
                   "pct_white_british")


def demo_places_settings(folder: str = DEMO_GEOGRAPHY_FOLDER) -> dict[str, object]:
    """The demo's ``[places]`` table: its boundaries, indicators, postcode lookup and service sites."""
    return {
        "attribution": DEMO_ATTRIBUTION,
        "boundaries": [{"file": f"{folder}/authority.geojson", "level": "authority"},
                       {"file": f"{folder}/wards.geojson", "level": "ward"},
                       {"file": f"{folder}/small_areas.geojson", "level": "small_area"}],
        "indicators": [{"file": f"{folder}/small_area_indicators.csv", "period": "2025",
                        "columns": list(DEMO_INDICATORS)}],
        "postcodes": {"file": f"{folder}/postcodes.csv"},
        "service_sites": f"{folder}/{DEMO_SERVICE_SITES_FILE}",
    }


def set_up_demo_geography(workspace: Workspace, progress: Progress | None = None) -> list[LoadSummary]:
    """Write the demo's [places] and [gazetteer] settings and load its generated geography."""
    from townhall.places.geography import load_configured_geography
    from townhall.settings.gazetteer import DEFAULT_GAZETTEER_SOURCE

    folder = workspace.settings.demo.geography_folder or DEMO_GEOGRAPHY_FOLDER
    places = workspace.config.extra.get("places")
    kept = {key: value for key, value in (places or {}).items() if key != "gazetteer_source"} \
        if isinstance(places, dict) else {}
    workspace.config.extra["places"] = {**kept, **demo_places_settings(folder)}
    workspace.config.extra.setdefault("gazetteer", {"source": DEFAULT_GAZETTEER_SOURCE})
    workspace.save_config()
    return load_configured_geography(workspace, progress)


def demo_service_locations(workspace: Workspace) -> Path:
    """The demo's service sites file (demo-data/geography/service_locations.csv)."""
    folder = workspace.settings.demo.geography_folder or DEMO_GEOGRAPHY_FOLDER
    path = workspace.path / folder / DEMO_SERVICE_SITES_FILE
    if not path.exists():
        raise TownhallError(f"This workspace has no demo service sites ({path} is missing).")
    return path
