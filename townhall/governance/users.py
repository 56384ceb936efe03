"""People who use townhall and their roles. Passwords are hashed with Argon2 (argon2-cffi); never stored or logged."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from townhall.errors import TownhallError
from townhall.governance.audit import AuditLog
from townhall.store.state import StateStore, UserRecord


class Role(StrEnum):
    """What a person does with townhall; each page and command declares the roles it allows."""

    ANALYST = "analyst"
    PRACTITIONER = "practitioner"
    GOVERNANCE = "governance"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.ANALYST: "registers and links data, builds and audits models, designs trials and maps",
    Role.PRACTITIONER: "looks up people, works review queues and records decisions",
    Role.GOVERNANCE: "approves purposes and privacy checks, reads the audit log, handles opt-outs",
    Role.MANAGER: "reads dashboards and reports",
    Role.ADMIN: "manages users and settings",
}

_USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_MINIMUM_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A person's account as the rest of townhall sees it (no password hash)."""

    username: str
    display_name: str
    role: Role
    team: str | None

    def has_role(self, *roles: Role) -> bool:
        """Whether this person holds one of ``roles``."""
        return self.role in roles


class UserDirectory:
    """Add, find and authenticate users; every change is written to the audit log."""

    def __init__(self, state: StateStore, audit: AuditLog) -> None:
        self._state = state
        self._audit = audit

    def add(self, username: str, role: Role | str, *, team: str | None = None, display_name: str | None = None,
            password: str | None = None, added_by: str = "system") -> tuple[User, str]:
        """Create an account; returns the user and the password (generated when not given, shown once)."""
        username = username.strip().lower()
        if not _USERNAME_PATTERN.match(username):
            raise TownhallError(
                f"'{username}' is not a usable user name: use 2-64 lower-case letters, digits, dots, dashes or "
                "underscores, starting with a letter or digit."
            )
        try:
            role = Role(role)
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise TownhallError(f"'{role}' is not a role. Choose one of: {choices}.") from None
        if password is None:
            password = secrets.token_urlsafe(12)
        elif len(password) < _MINIMUM_PASSWORD_LENGTH:
            raise TownhallError(f"Passwords must be at least {_MINIMUM_PASSWORD_LENGTH} characters long.")
        with self._state.session() as session:
            if session.execute(select(UserRecord).where(UserRecord.username == username)).first():
                raise TownhallError(f"There is already a user called '{username}'.")
            session.add(UserRecord(
                username=username, display_name=display_name or username, role=role.value, team=team,
                password_hash=_hasher.hash(password), active=True, created_at=datetime.now(UTC),
            ))
        self._audit.record(added_by, "user.added", username, details={"role": role.value, "team": team})
        return User(username, display_name or username, role, team), password

    def get(self, username: str) -> User | None:
        """The active user with this name, or None."""
        with self._state.session() as session:
            record = session.execute(
                select(UserRecord).where(UserRecord.username == username.strip().lower(), UserRecord.active)
            ).scalar_one_or_none()
            return _to_user(record) if record else None

    def list(self) -> list[User]:
        """Every active user, by name."""
        with self._state.session() as session:
            records = session.execute(
                select(UserRecord).where(UserRecord.active).order_by(UserRecord.username)
            ).scalars()
            return [_to_user(record) for record in records]

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right, else None; both outcomes are audit-logged (never the password)."""
        username = username.strip().lower()
        with self._state.session() as session:
            record = session.execute(
                select(UserRecord).where(UserRecord.username == username, UserRecord.active)
            ).scalar_one_or_none()
            verified = False
            if record is not None:
                try:
                    verified = _hasher.verify(record.password_hash, password)
                except (VerificationError, InvalidHashError):
                    verified = False
                if verified and _hasher.check_needs_rehash(record.password_hash):
                    record.password_hash = _hasher.hash(password)
            user = _to_user(record) if record is not None and verified else None
        self._audit.record(username if user else "anonymous", "login.succeeded" if user else "login.failed",
                           username if user else "")
        return user


def _to_user(record: UserRecord) -> User:
    return User(record.username, record.display_name, Role(record.role), record.team)
