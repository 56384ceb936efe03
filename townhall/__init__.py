"""townhall: an open-source data-science workbench for UK local councils.

Start from a :class:`Workspace`, the one entry object::

    from townhall import Workspace
    workspace = Workspace.open("ashbury")
    workspace.catalogue.list_sources()
"""

from townhall.errors import InputFileError, TownhallError
from townhall.workspace import Workspace

__all__ = ["InputFileError", "TownhallError", "Workspace"]
__version__ = "0.1.0"
