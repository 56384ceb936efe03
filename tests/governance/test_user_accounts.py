"""Users get hashed passwords, valid roles, and every log-in attempt is audited without the password."""

from __future__ import annotations

import sqlite3

import pytest

from townhall.errors import TownhallError
from townhall.governance.users import Role
from townhall.workspace import Workspace


def test_a_generated_password_authenticates_and_a_wrong_one_does_not(workspace: Workspace) -> None:
    user, password = workspace.users.add("j.smith", "practitioner", team="Early Help")
    assert user.role is Role.PRACTITIONER and user.team == "Early Help"
    assert len(password) >= 12
    assert workspace.users.authenticate("J.Smith ", password) == user
    assert workspace.users.authenticate("j.smith", password + "x") is None
    assert workspace.users.authenticate("nobody", password) is None


def test_passwords_are_stored_as_argon2_hashes_and_never_logged(workspace: Workspace) -> None:
    _, password = workspace.users.add("ana", "analyst")
    workspace.users.authenticate("ana", password)
    with sqlite3.connect(workspace.path / "app.db") as connection:
        stored = connection.execute("select password_hash from users").fetchone()[0]
        audit_text = " ".join(" ".join(map(str, row)) for row in connection.execute("select * from audit_log"))
    assert stored.startswith("$argon2id$") and password not in stored
    assert password not in audit_text


def test_log_in_attempts_are_audited(workspace: Workspace) -> None:
    _, password = workspace.users.add("ana", "analyst")
    workspace.users.authenticate("ana", "wrong password!")
    workspace.users.authenticate("ana", password)
    actions = [entry.action for entry in workspace.users._audit.entries(newest_first=False)]
    assert actions[-3:] == ["user.added", "login.failed", "login.succeeded"]


@pytest.mark.parametrize(
    ("username", "role", "message"),
    [("ana", "wizard", "not a role"), ("Bad Name!", "analyst", "not a usable user name")],
)
def test_bad_user_details_are_refused_with_a_plain_message(workspace: Workspace, username: str, role: str,
                                                           message: str) -> None:
    with pytest.raises(TownhallError, match=message):
        workspace.users.add(username, role)


def test_user_names_are_unique_and_short_passwords_refused(workspace: Workspace) -> None:
    workspace.users.add("ana", "analyst")
    with pytest.raises(TownhallError, match="already a user"):
        workspace.users.add("ANA", "manager")
    with pytest.raises(TownhallError, match="at least 12"):
        workspace.users.add("bob", "manager", password="short")
