"""Governance: the audit log, users and roles (purposes, agreements, opt-outs and disclosure control follow)."""

from townhall.governance.audit import AuditEntry, AuditLog, AuditVerification
from townhall.governance.users import ROLE_DESCRIPTIONS, Role, User, UserDirectory

__all__ = ["ROLE_DESCRIPTIONS", "AuditEntry", "AuditLog", "AuditVerification", "Role", "User", "UserDirectory"]
