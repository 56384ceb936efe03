"""``[places]``: the geography files a workspace loads, the service sites for accessibility, the emergency-planning
team and the sources that say who is vulnerable in an incident."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from townhall.settings.base import SettingsModel

DEFAULT_EMERGENCY_PLANNING_TEAM = "Emergency Planning"


def _demo_vulnerable_sources() -> dict[str, dict[str, str]]:
    """The demo's registers (a council names its own): source -> its needs / phone / end-date / label fields."""
    return {
        "vulnerability_register": {"needs": "needs", "phone": "contact_phone", "label": "Vulnerability register"},
        "adult_social_care": {"needs": "Primary Support Reason", "ends": "Service End", "label": "Adult social care",
                              "service": "Service Type"},
    }


class ServiceSiteColumns(SettingsModel):
    """The service sites' column for each part (matched exactly, else ignoring capitals)."""

    name: str = "name"
    type: str = "type"
    latitude: str = "latitude"
    longitude: str = "longitude"


class PlacesSettings(SettingsModel):
    """Geography to load (paths relative to the workspace), service sites, and who may pull incident lists."""

    section = "places"

    attribution: str | None = None
    # Each entry: {file = "...", level = "ward", ...options of 'townhall places load'}.
    boundaries: list[dict[str, Any]] = Field(default_factory=list)
    indicators: list[dict[str, Any]] = Field(default_factory=list)
    postcodes: dict[str, Any] | None = None
    emergency_planning_team: str = DEFAULT_EMERGENCY_PLANNING_TEAM
    # Source -> its needs / phone / end-date / label / service fields.
    vulnerable_sources: dict[str, dict[str, str]] = Field(default_factory=_demo_vulnerable_sources)
    # The loaded indicators (their names as loaded, e.g. "total_population") giving each small area's residents and
    # homes, and other indicators that are counts or sizes: counts are added up for a ward, never averaged, and left
    # out of segmentation; the population weights ward averages and small-area centres.
    population_indicator: str = "population"
    homes_indicator: str = "homes"
    count_indicators: list[str] = Field(default_factory=lambda: ["area_hectares"])
    # The service sites for accessibility: a registered source's name, or a CSV file relative to the workspace.
    service_sites: str | None = None
    service_site_columns: ServiceSiteColumns = Field(default_factory=ServiceSiteColumns)
    # Older workspaces named the gazetteer here; [gazetteer] source is the setting now.
    gazetteer_source: str | None = None

    def counted_indicators(self) -> list[str]:
        """Every indicator that is a count or a size: the population, the homes and the other counts."""
        return list(dict.fromkeys([self.population_indicator, self.homes_indicator, *self.count_indicators]))
