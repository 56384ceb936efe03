"""``[routes]``: the depot, the tip, the vehicles and their costs for collection rounds, and the school-transport
pupils source, its columns and the costs of minibuses and taxis.

Distances are along a road network when one is given (GeoJSON lines), otherwise straight-line times a stated factor.
The demo's builder writes its depot and tip here; other values are typical of an English council and are meant to be
replaced by the council's own.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from townhall.settings.base import SettingsModel

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def clock_minutes(text: str) -> int:
    """Minutes after midnight of a 24-hour clock time such as "06:30"."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a 24-hour clock time such as 06:30")
    return int(match.group(1)) * 60 + int(match.group(2))


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSettings(_Table):
    """A named place vehicles start from, end at or tip at."""

    name: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class VehicleSettings(_Table):
    """A kind of collection vehicle: how many, what it can carry, its shift and its costs."""

    name: str = "Litter collection vehicle"
    count: int = Field(default=2, ge=1)
    capacity_kg: float = Field(default=1_000, gt=0)
    capacity_litres: float = Field(default=6_000, gt=0)  # compacted load space, in litres of loose litter
    shift_start: str = "06:00"
    shift_hours: float = Field(default=8.0, gt=0, le=24)
    cost_per_mile: float = Field(default=1.20, ge=0)  # fuel, tyres and wear, in pounds
    cost_per_day: float = Field(default=450.0, ge=0)  # crew and vehicle for a day, in pounds

    @field_validator("shift_start")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_minutes(value)
        return value


class TimeWindowSettings(_Table):
    """Assets whose name contains ``name_contains`` may only be visited between two clock times."""

    name_contains: str
    earliest: str = "00:00"
    latest: str = "23:59"

    @field_validator("earliest", "latest")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_minutes(value)
        return value


class SchoolColumns(_Table):
    """The columns of the school-transport pupils source."""

    pupil: str = "pupil_ref"
    home_latitude: str = "home_latitude"
    home_longitude: str = "home_longitude"
    pickup_address: str = "pickup_address"
    school: str = "school"
    school_latitude: str = "school_latitude"
    school_longitude: str = "school_longitude"
    bell_time: str = "bell_time"
    max_ride_minutes: str = "max_ride_minutes"
    wheelchair: str = "wheelchair"
    escort: str = "needs_escort"


class MinibusSettings(_Table):
    """A minibus on a contract: seats, wheelchair spaces, whether a passenger assistant rides, and its costs."""

    count: int = Field(default=20, ge=1)
    seats: int = Field(default=12, ge=1)
    wheelchair_spaces: int = Field(default=2, ge=0)
    cost_per_mile: float = Field(default=2.10, ge=0)
    cost_per_day: float = Field(default=160.0, ge=0)  # driver and vehicle for the school run
    escort_cost_per_day: float = Field(default=70.0, ge=0)  # a passenger assistant, when a pupil needs one


class TaxiSettings(_Table):
    """A taxi (or private-hire car) contract: pounds per mile and per journey; one pupil per car."""

    cost_per_mile: float = Field(default=2.80, ge=0)
    cost_per_journey: float = Field(default=6.0, ge=0)
    wheelchair_cost_per_journey: float = Field(default=12.0, ge=0)  # extra for a wheelchair-accessible vehicle
    escort_cost_per_day: float = Field(default=70.0, ge=0)


class SchoolTransportSettings(_Table):
    """Home-to-school transport: the pupils source and what vehicles cost."""

    source: str = "school_transport_pupils"
    columns: SchoolColumns = Field(default_factory=SchoolColumns)
    default_max_ride_minutes: float = Field(default=45.0, gt=0)  # when a pupil's own limit is empty
    arrive_before_bell_minutes: float = Field(default=10.0, ge=0)  # latest arrival: this long before the bell
    arrival_window_minutes: float = Field(default=20.0, gt=0)  # earliest arrival: this much before the latest
    boarding_minutes: float = Field(default=2.0, ge=0)  # at each pick-up; a wheelchair takes three times as long
    minibus: MinibusSettings = Field(default_factory=MinibusSettings)
    taxi: TaxiSettings = Field(default_factory=TaxiSettings)
    days_a_year: int = Field(default=190, ge=1)  # school days, to turn a day's cost into a year's
    base: SiteSettings | None = None  # where minibuses start from; the depot when unset


class RoutesSettings(SettingsModel):
    """Collection rounds and school transport."""

    section = "routes"

    depot: SiteSettings | None = None  # where vehicles start and end their day
    tip: SiteSettings | None = None  # where full vehicles empty; the depot when unset
    road_network: str | None = None  # GeoJSON lines, relative to the workspace; straight-line distances when unset
    straight_line_factor: float = Field(default=1.3, ge=1)  # road distance ÷ straight-line distance
    average_speed_mph: float = Field(default=15.0, gt=0)  # driving speed on collection rounds, stops excluded
    vehicles: list[VehicleSettings] = Field(default_factory=lambda: [VehicleSettings()])
    bin_volume_litres: float = Field(default=240.0, gt=0)  # the size of a bin when the register does not say
    kg_per_litre: float = Field(default=0.07, gt=0)  # Edinburgh's 2016 export: weight = 0.07 kg per litre of fill
    service_minutes_per_bin: float = Field(default=2.0, ge=0)
    tip_minutes: float = Field(default=20.0, ge=0)  # time to empty at the tip
    collection_threshold_pct: float = Field(default=80.0, gt=0, le=100)  # a bin this full must be collected
    optional_from_pct: float = Field(default=50.0, ge=0, le=100)  # bins forecast above this may be collected early
    worth_detour_miles_at_full: float = Field(default=0.5, ge=0)  # extra driving worth collecting a full bin early
    round_days: list[str] = Field(default_factory=lambda: ["Mon", "Tue", "Wed", "Thu", "Fri"])
    fixed_schedule_every_days: int = Field(default=2, ge=1)  # today's fixed schedule: each bin every N round days
    time_windows: list[TimeWindowSettings] = Field(default_factory=list)
    solve_seconds: float = Field(default=10.0, gt=0)  # how long the route planner searches
    seed: int = Field(default=1, ge=0)  # the planner's random seed, so the same data gives the same routes
    school: SchoolTransportSettings = Field(default_factory=SchoolTransportSettings)

    @field_validator("round_days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        unknown = [day for day in value if day not in WEEKDAYS]
        if unknown or not value:
            raise ValueError(f"round_days must name days as {', '.join(WEEKDAYS)}")
        return value
