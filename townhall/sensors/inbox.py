"""The inbox: readings devices post over HTTP (one small file per accepted post) and MQTT messages the listener
has received (one file per group of messages) wait here, safely on disk, until the listener (or 'townhall sensors
drain') stores them in DuckDB in batches.

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

import numpy as np
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
    return accept_group(folder, [(device_id, readings, received_at)])


def accept_group(folder: Path, items: list[tuple[str, pd.DataFrame, dt.datetime]]) -> str:
    """Write several devices' readings (device, readings, when received) to the inbox as one file, atomically and
    flushed to disk, so one disk flush covers many messages; returns the file's name."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for device_id, readings, received_at in items:
        times = np.datetime_as_string(readings["reading_time"].to_numpy(dtype="datetime64[us]"), unit="us").tolist()
        parts.append({"device_id": device_id, "received_at": received_at.isoformat(),
                      "readings": [[moment, measure, value] for moment, measure, value in zip(
                          times, readings["measure"].tolist(), readings["value"].tolist(), strict=True)]})
    first = items[0][2]
    name = f"{first:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}{FILE_SUFFIX}"
    handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"devices": parts}, file, separators=(",", ":"))
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
    devices: list[str] = []
    measures: list[str] = []
    moments: list[str] = []
    values: list[float] = []
    arrivals: list[str] = []
    problems: list[str] = []
    names: list[str] = []
    messages = 0
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            parsed = [([str(row[0]) for row in part["readings"]], [str(row[1]) for row in part["readings"]],
                       [float(row[2]) for row in part["readings"]], str(part["device_id"]), str(part["received_at"]))
                      for part in document["devices"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
            failed = folder / "failed"
            failed.mkdir(exist_ok=True)
            os.replace(path, failed / path.name)
            problems.append(f"Inbox file {path.name} could not be read ({type(error).__name__}); it was moved to "
                            f"{failed.name}/.")
            continue
        for part_moments, part_measures, part_values, device, arrival in parsed:
            moments.extend(part_moments)
            measures.extend(part_measures)
            values.extend(part_values)
            devices.extend([device] * len(part_values))
            arrivals.extend([arrival] * len(part_values))
        messages += len(parsed)
        names.append(path.name)
    readings = pd.DataFrame({
        "device_id": devices, "measure": measures, "reading_time": np.array(moments, dtype="datetime64[us]"),
        "value": np.array(values, dtype=float), "flagged": False,
        "received_at": np.array(arrivals, dtype="datetime64[us]")}) if devices else empty_readings()
    batch = ReadingBatch(readings=readings, origin=f"{messages:,} device messages (web app and MQTT)",
                         rows_read=len(readings), problems=problems)

    def remove_files() -> None:
        for name in names:
            (folder / name).unlink(missing_ok=True)

    return store_batch(workspace, batch, channel="live", notify=notify, now=now, inbox_files=names,
                       after_store=remove_files)


def _already_stored(workspace: Workspace, names: list[str]) -> set[str]:
    """Inbox files a previous drain stored but did not get to remove."""
    with reading(workspace) as connection:
        if connection is None:
            return set()
        found = connection.execute("SELECT file_name FROM sensors.inbox_files WHERE file_name IN (SELECT unnest(?))",
                                   [names]).fetchall()
    return {row[0] for row in found}
