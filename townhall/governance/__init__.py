"""Governance: the audit log, users and roles, disclosure control (purposes, agreements and opt-outs follow).

Each part is imported when first asked for, so opening a workspace does not load pandas (disclosure control) or
SQLAlchemy (the audit log, users) until a command needs them: the command line starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from townhall.governance.audit import AuditEntry, AuditLog, AuditVerification
    from townhall.governance.disclosure import (
        SUPPRESSED_MARK,
        DisclosureRule,
        ProtectedTable,
        SuppressedCell,
        protect_count,
        protect_table,
    )
    from townhall.governance.users import ROLE_DESCRIPTIONS, Role, User, UserDirectory

_WHERE = {
    **dict.fromkeys(("AuditEntry", "AuditLog", "AuditVerification"), "townhall.governance.audit"),
    **dict.fromkeys(("SUPPRESSED_MARK", "DisclosureRule", "ProtectedTable", "SuppressedCell", "protect_count",
                     "protect_table"), "townhall.governance.disclosure"),
    **dict.fromkeys(("ROLE_DESCRIPTIONS", "Role", "User", "UserDirectory"), "townhall.governance.users"),
}

__all__ = ["ROLE_DESCRIPTIONS", "SUPPRESSED_MARK", "AuditEntry", "AuditLog", "AuditVerification", "DisclosureRule",
           "ProtectedTable", "Role", "SuppressedCell", "User", "UserDirectory", "protect_count", "protect_table"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'townhall.governance' has no attribute '{name}'")
    return getattr(importlib.import_module(_WHERE[name]), name)
