"""Governance: the audit log, users and roles, disclosure control (purposes, agreements and opt-outs follow)."""

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

__all__ = ["ROLE_DESCRIPTIONS", "SUPPRESSED_MARK", "AuditEntry", "AuditLog", "AuditVerification", "DisclosureRule",
           "ProtectedTable", "Role", "SuppressedCell", "User", "UserDirectory", "protect_count", "protect_table"]
