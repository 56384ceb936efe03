"""``[assistant]``: the residents' assistant: which team gets each flow's requests, how long transcripts are kept,
how sure intent matching must be, and the sources its checks read (collection days, bin sensors)."""

from __future__ import annotations

from pydantic import Field

from townhall.settings.base import SettingsModel

DEFAULT_FLOW_TEAMS = {
    "missed-bin": "Waste and Recycling",
    "housing-repair": "Housing Repairs",
    "single-person-discount": "Revenues and Benefits",
    "loft-conversion": "Planning",
}


class CollectionColumns(SettingsModel):
    """The collection calendar's columns: one row per property."""

    uprn: str = "UPRN"
    day: str = "Collection Day"
    frequency: str | None = "Frequency"


class BinSensorColumns(SettingsModel):
    """The bin-sensor readings' columns."""

    site: str = "site"  # the street the sensor's bin stands in
    reading_time: str = "reading_time"
    fill_level: str = "fill_level_pct"


class AssistantSettings(SettingsModel):
    """What the residents' assistant needs that a council names or decides for itself."""

    section = "assistant"

    # Flow name -> the team whose queue its service requests land in.
    flow_teams: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_FLOW_TEAMS))
    # Who takes a conversation handed over to a person.
    handover_team: str = "Customer Services"
    # A folder (relative to the workspace) of the council's own flow YAML files, used beside the built-in ones.
    flows_folder: str | None = None
    transcript_retention_days: int = Field(default=30, ge=1, le=3650)
    # Below this probability the assistant offers choices instead of guessing.
    confidence_threshold: float = Field(default=0.45, gt=0, lt=1)
    collection_source: str = "waste_collection_days"
    collection_columns: CollectionColumns = Field(default_factory=CollectionColumns)
    bin_sensor_source: str | None = "bin_sensors"
    bin_sensor_columns: BinSensorColumns = Field(default_factory=BinSensorColumns)
