"""Storage: the DuckDB analytics store, the SQLAlchemy application-state store and atomic file writes."""

from townhall.store.analytics import AnalyticsStore, quote_identifier
from townhall.store.files import atomic_path, atomic_write_bytes, atomic_write_text
from townhall.store.state import Base, StateStore

__all__ = [
    "AnalyticsStore",
    "Base",
    "StateStore",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "quote_identifier",
]
