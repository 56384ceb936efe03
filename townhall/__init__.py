"""townhall: an open-source data-science workbench for UK local councils.

Start from a :class:`Workspace`, the one entry object::

    from townhall import Workspace
    workspace = Workspace.open("ashbury")
    workspace.catalogue.list_sources()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from townhall.errors import InputFileError, TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

__all__ = ["InputFileError", "TownhallError", "Workspace"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The Workspace (and DuckDB behind it) is imported on first use, so the command line starts quickly.
    if name == "Workspace":
        from townhall.workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'townhall' has no attribute '{name}'")
