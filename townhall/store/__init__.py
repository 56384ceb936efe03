"""Storage: the DuckDB analytics store, the SQLAlchemy application-state store and atomic file writes.

Each part is imported when first asked for, so code that needs only the analytics store (or only
``quote_identifier``) does not load SQLAlchemy: the command line starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from townhall.store.analytics import AnalyticsStore, quote_identifier
    from townhall.store.files import atomic_path, atomic_write_bytes, atomic_write_text
    from townhall.store.state import Base, StateStore

_WHERE = {
    "AnalyticsStore": "townhall.store.analytics",
    "quote_identifier": "townhall.store.analytics",
    "atomic_path": "townhall.store.files",
    "atomic_write_bytes": "townhall.store.files",
    "atomic_write_text": "townhall.store.files",
    "Base": "townhall.store.state",
    "StateStore": "townhall.store.state",
}

__all__ = [
    "AnalyticsStore",
    "Base",
    "StateStore",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "quote_identifier",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'townhall.store' has no attribute '{name}'")
    return getattr(importlib.import_module(_WHERE[name]), name)
