"""``[governance]``: the purposes a person may give for looking someone up."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from townhall.settings.base import SettingsModel


class GovernanceSettings(SettingsModel):
    """Look-up purposes: plain names, or tables with a name (and more, such as a lawful basis)."""

    section = "governance"

    purposes: list[str | dict[str, Any]] = Field(default_factory=list)
