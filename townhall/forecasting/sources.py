"""Which registered source a forecast reads: the one asked for, else the one named in townhall.toml [forecasting]."""

from __future__ import annotations

from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace


def configured_source(workspace: Workspace, source: str | None, key: str, what: str, layout: str) -> str:
    """``source`` when given, else the [forecasting] setting ``key``; a plain message naming the setting when none is
    set or the source is not registered. ``what`` names the source in words, ``layout`` says what it should hold."""
    name = source if source is not None else getattr(workspace.settings.forecasting, key)
    if not name:
        raise TownhallError(f"No {what} is set: name one in townhall.toml [forecasting] {key} ({layout}).")
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    if name not in registered:
        raise TownhallError(f"The {what} '{name}' is not registered. Register it with 'townhall sources add', or name "
                            f"another in townhall.toml [forecasting] {key}.")
    return name
