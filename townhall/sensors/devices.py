"""The device register: each sensor tied to an asset (a bin, a room, a water outlet) with a location, the feed it
comes from, the team told about its alerts, and for devices that post their own readings, a token.

A token is shown once, when it is issued, and only its SHA-256 hash is kept: tokens are 256 random bits, so a fast
hash is as safe as a slow one here and lets the web app check thousands of posts a second. Issuing a token is written
to the audit log (never the token itself).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from townhall.errors import InputFileError, TownhallError
from townhall.sensors.feeds import DEVICE_COLUMNS, read_table_file
from townhall.sensors.store import reading, utc_now, writing
from townhall.workspace import Workspace

TOKEN_PREFIX = "thd_"
_DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$"


@dataclass(frozen=True)
class Device:
    """One registered sensor."""

    device_id: str
    asset_id: str
    asset_type: str
    asset_name: str
    latitude: float | None
    longitude: float | None
    feed: str | None
    team: str | None
    has_token: bool


def hash_token(token: str) -> str:
    """The stored form of a device token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_device_id(device_id: str) -> str:
    """A device id townhall can use in topics and addresses: letters, digits and _ . : - (at most 100)."""
    import re

    if not re.match(_DEVICE_ID_PATTERN, device_id or ""):
        raise TownhallError(f"'{device_id}' cannot be a device id: use letters, digits and _ . : - only, starting "
                            "with a letter or digit (at most 100 characters).")
    return device_id


def register_devices(connection, devices: pd.DataFrame, *, feed: str | None, team: str | None,  # type: ignore[no-untyped-def]
                     actor: str) -> int:
    """Add devices a feed names that are not yet registered, and update the asset details of those that are
    (tokens are kept). Runs inside the caller's transaction; returns how many devices were new."""
    if devices is None or devices.empty:
        return 0
    frame = devices.loc[:, list(DEVICE_COLUMNS)].copy()
    frame["feed"] = feed
    frame["team"] = team
    connection.register("incoming_devices", frame)
    try:
        new = connection.execute(
            "SELECT count(*) FROM incoming_devices WHERE device_id NOT IN (SELECT device_id FROM sensors.devices)"
        ).fetchall()[0][0]
        connection.execute(
            """UPDATE sensors.devices AS d SET asset_id = i.asset_id, asset_type = i.asset_type,
                   asset_name = i.asset_name, latitude = coalesce(i.latitude, d.latitude),
                   longitude = coalesce(i.longitude, d.longitude), feed = coalesce(i.feed, d.feed),
                   team = coalesce(i.team, d.team)
               FROM incoming_devices AS i WHERE d.device_id = i.device_id""")
        connection.execute(
            """INSERT INTO sensors.devices
               SELECT device_id, asset_id, asset_type, asset_name, latitude, longitude, feed, team, NULL, ?, ?
               FROM incoming_devices WHERE device_id NOT IN (SELECT device_id FROM sensors.devices)""",
            [utc_now(), actor])
    finally:
        connection.unregister("incoming_devices")
    return int(new)


def add_device(workspace: Workspace, device_id: str, *, asset_type: str, asset_id: str | None = None,
               asset_name: str | None = None, latitude: float | None = None, longitude: float | None = None,
               team: str | None = None, actor: str, with_token: bool = True) -> str | None:
    """Register one device (or update its asset details) and, by default, issue its token; returns the token,
    which is shown only this once."""
    check_device_id(device_id)
    if (latitude is not None and not -90 <= latitude <= 90) or (longitude is not None and not -180 <= longitude <= 180):
        raise TownhallError("A device's latitude and longitude must be in degrees (latitude -90 to 90, longitude "
                            "-180 to 180).")
    frame = pd.DataFrame([{"device_id": device_id, "asset_id": asset_id or device_id, "asset_type": asset_type,
                           "asset_name": asset_name or asset_id or device_id, "latitude": latitude,
                           "longitude": longitude}])
    with writing(workspace) as connection:
        register_devices(connection, frame, feed=None, team=team, actor=actor)
    workspace.audit.record(actor, "sensors.device_registered", device_id, details={"asset_type": asset_type})
    return issue_token(workspace, device_id, actor=actor) if with_token else None


def issue_token(workspace: Workspace, device_id: str, *, actor: str) -> str:
    """A new token for a device, replacing any earlier one (which stops working within a minute)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(workspace) as connection:
        found = connection.execute("SELECT count(*) FROM sensors.devices WHERE device_id = ?",
                                   [device_id]).fetchall()[0][0]
        if not found:
            raise TownhallError(f"There is no device '{device_id}' in the register: add it with 'townhall sensors "
                                "devices add' first.")
        connection.execute("UPDATE sensors.devices SET token_hash = ? WHERE device_id = ?",
                           [hash_token(token), device_id])
    workspace.audit.record(actor, "sensors.device_token_issued", device_id)
    return token


def revoke_token(workspace: Workspace, device_id: str, *, actor: str) -> None:
    """Stop a device's token working (within a minute, when the web app next reads the register)."""
    with writing(workspace) as connection:
        changed = connection.execute("UPDATE sensors.devices SET token_hash = NULL WHERE device_id = ? "
                                     "RETURNING device_id", [device_id]).fetchall()
    if not changed:
        raise TownhallError(f"There is no device '{device_id}' in the register.")
    workspace.audit.record(actor, "sensors.device_token_revoked", device_id)


def import_devices(workspace: Workspace, path: str | Path, *, actor: str) -> int:
    """Register devices from a CSV (or JSON lines, Parquet) with columns device_id, asset_type and optionally
    asset_id, asset_name, latitude, longitude, team; returns how many were new. No tokens are issued."""
    file = Path(path)
    frame = read_table_file(file)
    lowered = {str(column).strip().lower(): column for column in frame.columns}
    for required in ("device_id", "asset_type"):
        if required not in lowered:
            raise InputFileError(file.name, f"it needs a '{required}' column (device_id, asset_type, and optionally "
                                            "asset_id, asset_name, latitude, longitude, team).")
    def text(name: str, default: pd.Series | None = None) -> pd.Series:
        if name in lowered:
            return frame[lowered[name]].astype("string").fillna("").str.strip().astype(object)
        return default if default is not None else pd.Series("", index=frame.index, dtype=object)

    devices = pd.DataFrame({"device_id": text("device_id"), "asset_type": text("asset_type")})
    devices["asset_id"] = text("asset_id").where(text("asset_id") != "", devices["device_id"])
    devices["asset_name"] = text("asset_name").where(text("asset_name") != "", devices["asset_id"])
    for coordinate in ("latitude", "longitude"):
        devices[coordinate] = pd.to_numeric(text(coordinate), errors="coerce")
    for position, device_id in enumerate(devices["device_id"], start=2):
        try:
            check_device_id(device_id)
        except TownhallError as error:
            raise InputFileError(file.name, str(error), row=position, field="device_id") from None
    if (devices["asset_type"] == "").any():
        row = int((devices["asset_type"] == "").to_numpy().argmax()) + 2
        raise InputFileError(file.name, "every device needs an asset type (bin, room, ...).", row=row,
                             field="asset_type")
    teams = text("team")
    new = 0
    with writing(workspace) as connection:
        for team, group in devices.groupby(teams, sort=False):
            new += register_devices(connection, group, feed=None, team=team or None, actor=actor)
    workspace.audit.record(actor, "sensors.devices_imported", file.name, details={"devices": len(devices),
                                                                                 "new": new})
    return new


def list_devices(workspace: Workspace) -> pd.DataFrame:
    """The register, one row per device (no token hashes: only whether a device has a token)."""
    with reading(workspace) as connection:
        if connection is None:
            return pd.DataFrame(columns=[*DEVICE_COLUMNS, "feed", "team", "has_token", "registered_at"])
        frame = connection.execute(
            "SELECT device_id, asset_id, asset_type, asset_name, latitude, longitude, feed, team, "
            "token_hash IS NOT NULL AS has_token, registered_at FROM sensors.devices ORDER BY device_id").df()
    for column in ("asset_name", "feed", "team"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


class TokenChecker:
    """Finds the device a token belongs to, from a copy of the register's token hashes read at most once a
    ``refresh_seconds`` (so a post does not open the store); an unknown token forces a re-read, at most once a second.
    """

    def __init__(self, workspace: Workspace, refresh_seconds: float = 60.0) -> None:
        self._workspace = workspace
        self._refresh_seconds = refresh_seconds
        self._tokens: dict[str, str] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def device_for(self, token: str) -> str | None:
        """The device id whose token this is, or None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        hashed = hash_token(token)
        now = time.monotonic()
        with self._lock:
            stale = now - self._read_at > self._refresh_seconds
            if stale or (hashed not in self._tokens and now - self._read_at > 1.0):
                self._tokens = self._read()
                self._read_at = now
            return self._tokens.get(hashed)

    def _read(self) -> dict[str, str]:
        with reading(self._workspace) as connection:
            if connection is None:
                return {}
            rows = connection.execute(
                "SELECT token_hash, device_id FROM sensors.devices WHERE token_hash IS NOT NULL").fetchall()
        return {token_hash: device_id for token_hash, device_id in rows}
