"""The web app's inbox: readings devices post over HTTP wait here, one small file per accepted post, until the
listener (or 'townhall sensors drain') stores them in DuckDB in batches.

DuckDB lets one process write at a time and the web app's workers only read it, so a post is answered as soon as its
file is safely on disk, never blocked by a long write. A drain stores many files in one transaction and records their
names in the same transaction, so an interrupted drain never stores a file twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from townhall.sensors.feeds import ReadingBatch, empty_readings
from townhall.sensors.ingest import BatchReport, store_batch
from townhall.sensors.store import reading
from townhall.workspace import Workspace

FILE_SUFFIX = ".json"
DRAIN_FILES_AT_MOST = 20_000


def inbox_folder(workspace: Workspace) -> Path:
    """Where the inbox's files are kept (``[sensors] inbox_folder``, relative to the workspace)."""
    return workspace.path / workspace.settings.sensors.inbox_folder


def accept(folder: Path, device_id: str, readings: pd.DataFrame, received_at: dt.datetime) -> str:
    """Write one device's readings to the inbox (atomically, flushed to disk); returns the file's name."""
    folder.mkdir(parents=True, exist_ok=True)
    times = readings["reading_time"].to_numpy(dtype="datetime64[us]").astype(str).tolist()
    document = {"device_id": device_id, "received_at": received_at.isoformat(),
                "readings": [[moment, measure, value] for moment, measure, value in zip(
                    times, readings["measure"].tolist(), readings["value"].tolist(), strict=True)]}
    name = f"{received_at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}{FILE_SUFFIX}"
    handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


@dataclass
class InboxState:
    """How many posts are waiting to be stored, and since when."""

    waiting: int
    oldest: dt.datetime | None


def inbox_state(workspace: Workspace) -> InboxState:
    """The inbox's backlog (a growing one means the listener is not running)."""
    folder = inbox_folder(workspace)
    names = sorted(path.name for path in folder.glob(f"*{FILE_SUFFIX}")) if folder.exists() else []
    oldest = None
    if names:
        try:
            oldest = dt.datetime.strptime(names[0].split("-", 1)[0], "%Y%m%dT%H%M%S%f")
        except ValueError:
            oldest = None
    return InboxState(waiting=len(names), oldest=oldest)


def drain(workspace: Workspace, *, at_most: int = DRAIN_FILES_AT_MOST, notify: bool = True,
          now: dt.datetime | None = None) -> BatchReport | None:
    """Store up to ``at_most`` waiting posts as one batch and remove their files; None when none were waiting."""
    folder = inbox_folder(workspace)
    if not folder.exists():
        return None
    files = sorted(folder.glob(f"*{FILE_SUFFIX}"))[:at_most]
    if not files:
        return None
    already = _already_stored(workspace, [path.name for path in files])
    for path in files:
        if path.name in already:
            path.unlink(missing_ok=True)
    files = [path for path in files if path.name not in already]
    if not files:
        return None
    frames, problems, names = [], [], []
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            rows = document["readings"]
            frames.append(pd.DataFrame({
                "device_id": document["device_id"], "measure": [row[1] for row in rows],
                "reading_time": pd.to_datetime([row[0] for row in rows]).astype("datetime64[us]"),
                "value": [float(row[2]) for row in rows], "flagged": False,
                "received_at": pd.Timestamp(document["received_at"]).to_datetime64()}))
            names.append(path.name)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
            failed = folder / "failed"
            failed.mkdir(exist_ok=True)
            os.replace(path, failed / path.name)
            problems.append(f"Inbox file {path.name} could not be read ({type(error).__name__}); it was moved to "
                            f"{failed.name}/.")
    readings = pd.concat(frames, ignore_index=True) if frames else empty_readings()
    batch = ReadingBatch(readings=readings, origin=f"{len(names):,} posts to the web app", rows_read=len(readings),
                         problems=problems)

    def remove_files() -> None:
        for name in names:
            (folder / name).unlink(missing_ok=True)

    return store_batch(workspace, batch, channel="http", notify=notify, now=now, inbox_files=names,
                       after_store=remove_files)


def _already_stored(workspace: Workspace, names: list[str]) -> set[str]:
    """Inbox files a previous drain stored but did not get to remove."""
    with reading(workspace) as connection:
        if connection is None:
            return set()
        found = connection.execute("SELECT file_name FROM sensors.inbox_files WHERE file_name IN (SELECT unnest(?))",
                                   [names]).fetchall()
    return {row[0] for row in found}
