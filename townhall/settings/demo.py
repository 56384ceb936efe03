"""``[demo]``: where the demo council keeps its generated files. Only the demo and its evaluation read these."""

from __future__ import annotations

from townhall.settings.base import SettingsModel


class DemoSettings(SettingsModel):
    """The demo's size, seed and folders (relative to the workspace)."""

    section = "demo"

    residents: int | None = None
    seed: int | None = None
    truth_folder: str | None = None
    geography_folder: str | None = None
