"""``[forecasting]``: where demand series and SEND transitions come from, and the names of their columns.

The defaults are the demo's (a ``service_demand`` source with ``month``, ``ward_code``, ``ward_name``, ``service`` and
``requests``; a ``send_transitions`` source in the open SEND model's layout). A council whose demand extract is called
something else, or whose columns are headed differently, says so here once: the forecast pages, ``townhall
forecast``, area pilots and the State of the Borough report all read the same names. Set a source to "" to say the
workspace has none; pages then say plainly that nothing is set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from townhall.settings.base import SettingsModel

DEFAULT_DEMAND_SOURCE = "service_demand"
DEFAULT_SEND_SOURCE = "send_transitions"


class DemandColumns(SettingsModel):
    """The demand source's column for each part of a demand figure: one row per period, area and service."""

    date: str = "month"  # the period: a date, "2024-03", "2024Q1", "Mar 2024", a week or a financial year
    area: str | None = "ward_code"  # the area's code (leave "" for a borough-wide source)
    area_name: str | None = "ward_name"  # the area's name, shown on pages (the code is shown when there is none)
    service: str | None = "service"  # which service the figure counts (leave "" for a single service)
    value: str = "requests"  # the figure itself: requests, referrals, calls


class ForecastingSettings(SettingsModel):
    """The demand source and its columns, the SEND transitions source, and what to do with gaps in a series."""

    section = "forecasting"

    demand_source: str = DEFAULT_DEMAND_SOURCE
    demand_columns: DemandColumns = Field(default_factory=DemandColumns)
    send_source: str = DEFAULT_SEND_SOURCE
    # A period missing from a series: refuse to forecast it (the default), or fill it with 0 (only when a missing
    # period really means nothing happened), a straight line between its neighbours, or the period before.
    fill_gaps: Literal["refuse", "zero", "interpolate", "previous"] = "refuse"
