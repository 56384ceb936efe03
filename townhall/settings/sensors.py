"""``[sensors]``: where sensor readings come from, what their columns are called, how readings are checked, the
alert rules and who is told.

Every name here is the demo's (its bin sensors, building thermometers and sheltered-housing sensors); a council sets
its own feeds, measures and rules in townhall.toml.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from townhall.settings.base import SettingsModel


class _Table(BaseModel):
    """A nested table of settings: unknown keys refused, like the top-level tables."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSettings(_Table):
    """One feed: a registered source or a file of readings, and which of its columns hold what.

    Wide feeds name a column per measure (``measures = { fill_pct = "fill_level_pct" }``); long feeds name the
    column holding the measure's name and the one holding its value (``measure_column``, ``value_column``).
    """

    source: str | None = None  # a registered source holding the readings (else a file is given to the command)
    device: str = "device_id"  # the column naming the sensor
    time: str = "reading_time"  # the column holding when the reading was taken
    measures: dict[str, str] = Field(default_factory=dict)  # measure -> column, for wide feeds
    measure_column: str | None = None  # for long feeds: the column naming the measure
    value_column: str | None = None  # for long feeds: the column holding the value
    asset_type: str = "sensor"  # what the sensors are fitted to: bin, room, sheltered_room, hot_water ...
    asset_type_column: str | None = None  # a column giving each device's asset type, instead of one for all
    asset: str | None = None  # the column naming the asset (the bin, the room); the device when unset
    asset_name: list[str] = Field(default_factory=list)  # columns joined to name the asset on pages
    latitude: str | None = None
    longitude: str | None = None
    flag_column: str | None = None  # a true/false column the supplier sets on readings it doubts
    team: str = "Facilities Management"  # who is told about this feed's alerts unless a rule says otherwise
    timezone: str = "Europe/London"  # the clock of times written without an offset

    @model_validator(mode="after")
    def _wide_or_long(self) -> FeedSettings:
        long_format = self.measure_column is not None or self.value_column is not None
        if long_format and (self.measure_column is None or self.value_column is None):
            raise ValueError("a long feed needs both measure_column and value_column")
        if long_format == bool(self.measures):
            raise ValueError("a feed needs either measures (one column per measure) or measure_column and "
                             "value_column, not both")
        return self


class MeasureSettings(_Table):
    """What a measure's readings can be: the range a sensor can report, how fast it can change, when it is stuck."""

    unit: str = ""
    lowest: float | None = None  # readings below this are impossible: status "out of range"
    highest: float | None = None
    max_change_per_hour: float | None = None  # a faster change is an impossible jump: status "jump"
    stuck_hours: float = Field(default=24.0, ge=0)  # the same value this long (4 readings or more): "stuck"; 0: never


class RuleSettings(_Table):
    """An alert rule: a threshold or a rate of change for one measure on one type of asset.

    Kinds: ``above`` / ``below`` a threshold; ``between`` a low and a high value (``threshold`` and ``high``);
    ``rising`` / ``falling`` faster than ``threshold`` units an hour. ``clear`` is where the alert ends (hysteresis),
    so a reading hovering around the threshold raises one alert, not many.
    """

    name: str
    asset_type: str
    measure: str
    kind: Literal["above", "below", "between", "rising", "falling"]
    threshold: float
    high: float | None = None  # the top of the range, for "between"
    clear: float | None = None  # above/below: the value that ends the alert; between: the margin outside the range
    for_minutes: float = 0.0  # the condition must hold this long before the alert is raised
    team: str | None = None  # the team told; the feed's team when unset
    description: str = ""  # one plain sentence for pages and emails

    @model_validator(mode="after")
    def _consistent(self) -> RuleSettings:
        if self.kind == "between" and (self.high is None or self.high <= self.threshold):
            raise ValueError(f"rule '{self.name}': 'between' needs high above threshold")
        if self.kind == "above" and self.clear is not None and self.clear > self.threshold:
            raise ValueError(f"rule '{self.name}': an 'above' alert must clear at or below its threshold")
        if self.kind == "below" and self.clear is not None and self.clear < self.threshold:
            raise ValueError(f"rule '{self.name}': a 'below' alert must clear at or above its threshold")
        if self.kind in ("rising", "falling", "between") and self.clear is not None and self.clear < 0:
            raise ValueError(f"rule '{self.name}': clear must not be negative for '{self.kind}'")
        return self


class CollectionLogSettings(_Table):
    """A supplier's log of collections (bin, time, fill before emptying), such as Enevo's export that Edinburgh
    published. Defaults are that export's headings; a heading matches exactly, ignoring capitals, or by its start."""

    bin: str = "Site"
    bin_name: str | None = "Site name"
    time: str = "Date & Time of bin collection"
    fill_before: str = "Fill level before collection"
    fill_after: str | None = "Fill level after"
    flag: str | None = "Frozen"
    volume_litres: str | None = "Volume (litres3)"
    weight_kg: str | None = "Weight (kg)"
    sheet: str | None = None  # the first sheet when unset
    full_means_pct: float = Field(default=80.0, gt=0, le=100)  # the log's 100% is a bin this full in fact
    timezone: str = "Europe/London"


DEMO_FEEDS: dict[str, FeedSettings] = {
    "bins": FeedSettings(
        source="bin_sensors", device="bin_id", time="reading_time",
        measures={"fill_pct": "fill_level_pct", "battery_pct": "battery_pct"}, asset_type="bin",
        asset_name=["site"], latitude="latitude", longitude="longitude", team="Street Scene"),
    "buildings": FeedSettings(
        source="building_temperatures", device="sensor_id", time="reading_time",
        measures={"temperature_c": "temperature_c"}, asset_type="room", asset_name=["building_name", "room"],
        team="Facilities Management"),
    "sheltered": FeedSettings(
        device="device", time="time", measure_column="measure", value_column="value",
        asset_type_column="asset_type", asset="asset", asset_name=["scheme", "location"], latitude="latitude",
        longitude="longitude", team="Sheltered Housing"),
}

DEMO_MEASURES: dict[str, MeasureSettings] = {
    "fill_pct": MeasureSettings(unit="%", lowest=0, highest=100, stuck_hours=48),
    "battery_pct": MeasureSettings(unit="%", lowest=0, highest=100, stuck_hours=0),
    "temperature_c": MeasureSettings(unit="°C", lowest=-30, highest=90, max_change_per_hour=10, stuck_hours=24),
}

DEMO_RULES: list[RuleSettings] = [
    RuleSettings(name="bin-full", asset_type="bin", measure="fill_pct", kind="above", threshold=80, clear=30,
                 description="A litter bin is more than 80% full."),
    RuleSettings(name="cold-sheltered-room", asset_type="sheltered_room", measure="temperature_c", kind="below",
                 threshold=18, clear=19, for_minutes=180,
                 description="A sheltered-housing room has been below 18 °C for 3 hours."),
    RuleSettings(name="legionella-hot-water", asset_type="hot_water", measure="temperature_c", kind="between",
                 threshold=20, high=45, clear=2, for_minutes=60,
                 description="Hot water has been in the range where legionella bacteria grow (20 to 45 °C) for an "
                             "hour: it should be kept at 50 °C or more."),
    RuleSettings(name="legionella-cold-water", asset_type="cold_water", measure="temperature_c", kind="between",
                 threshold=20, high=45, clear=2, for_minutes=60,
                 description="Cold water has been in the range where legionella bacteria grow (20 to 45 °C) for an "
                             "hour: it should be kept below 20 °C."),
    RuleSettings(name="room-overheating", asset_type="room", measure="temperature_c", kind="above", threshold=26,
                 clear=24, for_minutes=120, description="A room in a council building has been above 26 °C for 2 "
                                                        "hours."),
    RuleSettings(name="heating-failing", asset_type="room", measure="temperature_c", kind="falling", threshold=3,
                 clear=0.5, description="A room in a council building is cooling by more than 3 °C an hour."),
]


class SensorsSettings(SettingsModel):
    """Feeds, measures, rules, and the live paths (HTTP inbox, MQTT, email)."""

    section = "sensors"

    feeds: dict[str, FeedSettings] = Field(default_factory=lambda: dict(DEMO_FEEDS))
    measures: dict[str, MeasureSettings] = Field(default_factory=lambda: dict(DEMO_MEASURES))
    rules: list[RuleSettings] = Field(default_factory=lambda: list(DEMO_RULES))
    bin_asset_type: str = "bin"  # the asset type of litter bins, whose fill is forecast and collected
    fill_measure: str = "fill_pct"  # the measure holding a bin's fill level, in percent
    battery_measure: str = "battery_pct"
    battery_low_pct: float = Field(default=20.0, ge=0, le=100)  # device health: replace the battery soon
    battery_flat_pct: float = Field(default=5.0, ge=0, le=100)  # readings taken below this get status "flat battery"
    gap_factor: float = Field(default=3.0, gt=1)  # silent for this many usual intervals: a gap
    late_after_minutes: float = Field(default=60.0, ge=0)  # received this long after being taken: a late reading
    inbox_folder: str = "sensors-inbox"  # where the web app leaves device batches for 'townhall sensors listen'
    listen_batch_seconds: float = Field(default=2.0, gt=0)  # the listener stores what arrived at most this often
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_topic: str = "townhall/readings/+"  # the last level of the topic is the device
    mqtt_username: str | None = None  # its password comes from TOWNHALL_MQTT_PASSWORD, never this file
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "townhall@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None  # its password comes from TOWNHALL_SMTP_PASSWORD, never this file
    team_emails: dict[str, list[str]] = Field(default_factory=dict)  # team -> addresses told of its alerts
    collection_log: CollectionLogSettings = Field(default_factory=CollectionLogSettings)
    timezone: str = "Europe/London"  # the clock pages and emails show times in
    app_url: str = ""  # the staff app's address, for links in emails ("https://townhall.example.gov.uk")

    @model_validator(mode="after")
    def _rules_name_known_measures(self) -> SensorsSettings:
        names = [rule.name for rule in self.rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must differ; repeated: {', '.join(repeated)}")
        return self
