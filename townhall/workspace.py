"""The Workspace: a folder with townhall.toml that opens the stores. The one entry object for notebooks, CLI and web.

Capabilities hang off it as namespaces (``workspace.catalogue``, ``workspace.audit``, ``workspace.users``) so no
single class grows to hold everything.
"""

from __future__ import annotations

import functools
import getpass
import os
import secrets
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from townhall.errors import WorkspaceError
from townhall.store.analytics import AnalyticsStore
from townhall.store.files import atomic_write_text

if TYPE_CHECKING:
    from townhall.catalogue import Catalogue
    from townhall.governance.audit import AuditLog
    from townhall.governance.users import UserDirectory
    from townhall.settings import WorkspaceSettings
    from townhall.store.state import StateStore

CONFIG_FILE = "townhall.toml"
ANALYTICS_FILE = "warehouse.duckdb"
STATE_FILE = "app.db"


@dataclass
class DisclosureSettings:
    """Small-number suppression for anything published: the ONS 10-5 convention by default."""

    threshold: int = 10
    rounding: int = 5


@dataclass
class WorkspaceConfig:
    """What townhall.toml holds; unknown sections are kept as they are so later capabilities can add their own."""

    council_name: str
    workspace_id: str
    database_url: str | None = None
    demo: bool = False
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> WorkspaceConfig:
        """Read the parsed TOML document."""
        council = data.get("council", {})
        settings = data.get("settings", {})
        disclosure = data.get("disclosure", {})
        extra = {key: value for key, value in data.items() if key not in {"council", "settings", "disclosure"}}
        return cls(
            council_name=council.get("name", "Unnamed council"),
            workspace_id=settings.get("workspace_id") or str(uuid.uuid4()),
            database_url=settings.get("database_url") or None,
            demo=bool(settings.get("demo", False)),
            disclosure=DisclosureSettings(
                threshold=int(disclosure.get("threshold", 10)), rounding=int(disclosure.get("rounding", 5))
            ),
            extra=extra,
        )

    def to_toml(self) -> dict[str, Any]:
        """The TOML document to write."""
        settings: dict[str, Any] = {"workspace_id": self.workspace_id, "demo": self.demo}
        if self.database_url:
            settings["database_url"] = self.database_url
        return {
            "council": {"name": self.council_name},
            "settings": settings,
            "disclosure": {"threshold": self.disclosure.threshold, "rounding": self.disclosure.rounding},
            **self.extra,
        }


def secrets_folder() -> Path:
    """Where keys live: outside any workspace, so copying a workspace never copies its keys."""
    configured = os.environ.get("TOWNHALL_SECRETS_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "townhall" / "secrets"


def current_actor() -> str:
    """Who is running a command, for the audit log: TOWNHALL_USER, else the operating-system account."""
    configured = os.environ.get("TOWNHALL_USER")
    if configured:
        return configured
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


class Workspace:
    """A council's townhall folder: configuration, sources as received, the analytics store and application state."""

    def __init__(self, path: Path, config: WorkspaceConfig) -> None:
        self.path = Path(path).resolve()
        self.config = config
        self.analytics = AnalyticsStore(self.path / ANALYTICS_FILE)

    # The application state (SQLAlchemy) is opened on first use, not on open: a command that only reads the
    # analytics store (such as 'townhall sources list') starts without loading SQLAlchemy at all.
    @functools.cached_property
    def state(self) -> StateStore:
        """Application state (users, roles, reviews, the audit log): SQLite in the folder, or the database URL."""
        from townhall.store.state import StateStore

        database_url = os.environ.get("TOWNHALL_DATABASE_URL") or self.config.database_url
        store = StateStore(database_url or f"sqlite:///{self.path / STATE_FILE}")
        store.create_tables()
        return store

    @functools.cached_property
    def audit(self) -> AuditLog:
        """The append-only audit log of who did or saw what."""
        from townhall.governance.audit import AuditLog

        return AuditLog(self.state)

    @functools.cached_property
    def users(self) -> UserDirectory:
        """People who can sign in, their roles and teams."""
        from townhall.governance.users import UserDirectory

        return UserDirectory(self.state, self.audit)

    @classmethod
    def create(cls, path: str | Path, council_name: str, *, demo: bool = False,
               database_url: str | None = None) -> Workspace:
        """Make a new workspace in ``path`` (created if missing); refuses a folder that already is one."""
        folder = Path(path)
        if (folder / CONFIG_FILE).exists():
            raise WorkspaceError(f"{folder} is already a townhall workspace; open it instead of creating it.")
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("sources", "models", "outputs"):
            (folder / name).mkdir(exist_ok=True)
        config = WorkspaceConfig(council_name=council_name, workspace_id=str(uuid.uuid4()), demo=demo,
                                 database_url=database_url)
        workspace = cls(folder, config)
        workspace.state  # creates the application-state tables  # noqa: B018
        with workspace.analytics.connect():
            pass
        # The config file goes last: a folder without it is not a workspace, so a failed create leaves none.
        workspace.save_config()
        workspace.audit.record(current_actor(), "workspace.created", council_name)
        return workspace

    @classmethod
    def open(cls, path: str | Path) -> Workspace:
        """Open an existing workspace folder."""
        folder = Path(path)
        config_file = folder / CONFIG_FILE
        if not config_file.exists():
            raise WorkspaceError(
                f"{folder.resolve()} is not a townhall workspace (no {CONFIG_FILE}). Create one with "
                "'townhall init FOLDER' or build the demo with 'townhall demo'."
            )
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise WorkspaceError(f"{config_file} could not be read: {error}") from error
        return cls(folder, WorkspaceConfig.from_toml(data))

    def save_config(self) -> None:
        """Write townhall.toml atomically."""
        atomic_write_text(self.path / CONFIG_FILE, tomli_w.dumps(self.config.to_toml()))

    def secret(self, name: str) -> bytes:
        """A named secret key for this workspace (session signing, pseudonymisation), made on first use.

        Kept in the secrets folder outside the workspace, readable only by its owner, never logged.
        """
        environment_name = f"TOWNHALL_{name.upper()}_KEY"
        if os.environ.get(environment_name):
            return os.environ[environment_name].encode("utf-8")
        folder = secrets_folder() / self.config.workspace_id
        key_file = folder / f"{name}.key"
        if not key_file.exists():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write_text(key_file, secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text(encoding="utf-8").strip().encode("utf-8")

    @property
    def settings(self) -> WorkspaceSettings:
        """Typed settings per concern from townhall.toml (``workspace.settings.gazetteer``), defaults in one place."""
        from townhall.settings import WorkspaceSettings

        return WorkspaceSettings(self.config.extra, self.path / CONFIG_FILE)

    @functools.cached_property
    def catalogue(self) -> Catalogue:
        """Sources: register files, tag fields, profile quality."""
        from townhall.catalogue import Catalogue

        return Catalogue(self)

    def close(self) -> None:
        """Release database connections (the application state's, if it was opened)."""
        if "state" in self.__dict__:
            self.state.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, council={self.config.council_name!r})"
