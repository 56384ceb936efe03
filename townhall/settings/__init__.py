"""Settings from townhall.toml: one typed model per concern, each in its own module, defaults in one place.

Code asks ``workspace.settings.<concern>`` (``workspace.settings.gazetteer.source``) and never repeats a default;
anything a council names differently from the demo is a setting here, with the demo's value as its default. Each
concern's module is imported only when first asked for, so the command line stays quick to start.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from townhall.settings.base import SettingsError

if TYPE_CHECKING:
    from townhall.settings.assistant import AssistantSettings
    from townhall.settings.decisions import DecisionsSettings
    from townhall.settings.demo import DemoSettings
    from townhall.settings.forecasting import ForecastingSettings
    from townhall.settings.gazetteer import GazetteerSettings
    from townhall.settings.governance import GovernanceSettings
    from townhall.settings.identity import IdentitySettings
    from townhall.settings.places import PlacesSettings
    from townhall.settings.routes import RoutesSettings
    from townhall.settings.sensors import SensorsSettings
    from townhall.settings.text import TextSettings

# concern -> (module, model class); the concern is also the [table] name in townhall.toml.
CONCERNS: dict[str, tuple[str, str]] = {
    "decisions": ("townhall.settings.decisions", "DecisionsSettings"),
    "demo": ("townhall.settings.demo", "DemoSettings"),
    "forecasting": ("townhall.settings.forecasting", "ForecastingSettings"),
    "gazetteer": ("townhall.settings.gazetteer", "GazetteerSettings"),
    "governance": ("townhall.settings.governance", "GovernanceSettings"),
    "identity": ("townhall.settings.identity", "IdentitySettings"),
    "places": ("townhall.settings.places", "PlacesSettings"),
    "text": ("townhall.settings.text", "TextSettings"),
    "assistant": ("townhall.settings.assistant", "AssistantSettings"),
    "sensors": ("townhall.settings.sensors", "SensorsSettings"),
    "routes": ("townhall.settings.routes", "RoutesSettings"),
}


class WorkspaceSettings:
    """The typed settings of one workspace, read afresh from its configuration on each access (they are small),
    so a command that changes townhall.toml sees its own change."""

    if TYPE_CHECKING:
        decisions: DecisionsSettings
        demo: DemoSettings
        forecasting: ForecastingSettings
        gazetteer: GazetteerSettings
        governance: GovernanceSettings
        identity: IdentitySettings
        places: PlacesSettings
        text: TextSettings
        assistant: AssistantSettings
        sensors: SensorsSettings
        routes: RoutesSettings

    def __init__(self, tables: dict[str, Any], file: Path | str) -> None:
        self._tables = tables
        self._file = file

    def __getattr__(self, concern: str) -> Any:
        if concern.startswith("_") or concern not in CONCERNS:
            raise AttributeError(concern)
        module_name, class_name = CONCERNS[concern]
        model = getattr(importlib.import_module(module_name), class_name)
        data = self._tables.get(concern)
        if concern == "gazetteer" and data is None:
            # Workspaces made before [gazetteer] existed named the source as [places] gazetteer_source.
            older = (self._tables.get("places") or {}).get("gazetteer_source")
            data = {"source": older} if older else None
        from townhall.settings.base import read_section

        return read_section(model, data, self._file, section=concern)

    def check_all(self) -> None:
        """Read every concern's table, so a mistake anywhere in townhall.toml is reported at once."""
        for concern in CONCERNS:
            getattr(self, concern)


__all__ = ["CONCERNS", "SettingsError", "WorkspaceSettings"]
