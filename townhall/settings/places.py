"""``[places]``: the geography files a workspace loads, the emergency-planning team and its vulnerable sources."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from townhall.settings.base import SettingsModel

DEFAULT_EMERGENCY_PLANNING_TEAM = "Emergency Planning"


class PlacesSettings(SettingsModel):
    """Geography to load (paths relative to the workspace) and who may pull incident lists."""

    section = "places"

    attribution: str | None = None
    # Each entry: {file = "...", level = "ward", ...options of 'townhall places load'}.
    boundaries: list[dict[str, Any]] = Field(default_factory=list)
    indicators: list[dict[str, Any]] = Field(default_factory=list)
    postcodes: dict[str, Any] | None = None
    emergency_planning_team: str = DEFAULT_EMERGENCY_PLANNING_TEAM
    # Source -> its needs / phone / end-date fields; the built-in list when empty.
    vulnerable_sources: dict[str, dict[str, str]] = Field(default_factory=dict)
    # A CSV of service sites (name, type, latitude, longitude), relative to the workspace, for accessibility.
    service_sites: str | None = None
    # Older workspaces named the gazetteer here; [gazetteer] source is the setting now.
    gazetteer_source: str | None = None
