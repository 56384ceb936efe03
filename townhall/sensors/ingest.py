"""Storing readings: one transaction per batch, whatever the channel (a file, a registered source, the web app's
inbox, MQTT).

Each batch's rows are checked against each other and against what is stored: an exact repeat of a stored reading
(same device, measure, time and value) is a duplicate and dropped; the same device, measure and time with another
value is a conflicting duplicate, kept with that status so the first value stands; a reading older than one already
stored for its device is out of order; a live reading received long after it was taken is late. Out-of-order and
late readings are stored and counted. Every reading gets its quality status, rules run on the new usable readings,
and the batch is recorded with its counts, all in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.sensors.devices import register_devices
from townhall.sensors.feeds import ReadingBatch, normalise, read_feed_file
from townhall.sensors.quality import CONFLICT, OK, STATUSES, assign_statuses
from townhall.sensors.rules import AlertEvent, evaluate_rules
from townhall.sensors.store import utc_now, writing
from townhall.settings.sensors import FeedSettings, SensorsSettings
from townhall.workspace import Workspace, current_actor

LIVE_CHANNELS = ("http", "mqtt", "live")  # "live": the inbox, holding both
_CONTEXT_HOURS_AT_LEAST = 6.0
_CONTEXT_HOURS_AT_MOST = 14 * 24.0
_KEY = ["device_id", "measure", "reading_time"]


@dataclass
class BatchReport:
    """What happened to one batch of readings."""

    batch_id: str
    channel: str
    origin: str
    rows_read: int
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    out_of_order: int = 0
    late: int = 0
    rejected: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    new_devices: int = 0
    events: list[AlertEvent] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    @property
    def alerts_raised(self) -> int:
        """Alerts raised by this batch's readings."""
        return sum(event.event == "raised" for event in self.events)

    @property
    def alerts_cleared(self) -> int:
        """Alerts cleared by this batch's readings."""
        return sum(event.event == "cleared" for event in self.events)

    def summary(self) -> str:
        """One plain sentence of the counts."""
        parts = [f"{self.stored:,} readings stored from {self.origin}"]
        for count, words in ((self.duplicates, "exact duplicates dropped"),
                             (self.conflicts, "conflicting duplicates kept aside"),
                             (self.out_of_order, "out of order"), (self.late, "late"),
                             (self.rejected, "rejected")):
            if count:
                parts.append(f"{count:,} {words}")
        return "; ".join(parts) + "."


def _new_batch_id(channel: str, received_at: dt.datetime) -> str:
    return f"{channel}-{received_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def store_batch(workspace: Workspace, batch: ReadingBatch, *, channel: str, received_at: dt.datetime | None = None,
                actor: str | None = None, notify: bool = True, now: dt.datetime | None = None,
                inbox_files: list[str] | None = None, after_store: Callable[[], None] | None = None) -> BatchReport:
    """Store a batch of readings in one transaction (with its devices, statuses, rule events and record) and
    then email the teams whose alerts it raised or cleared. ``received_at`` is when the readings arrived (now when
    unset). Readings of devices not in the register are rejected unless the batch names its devices."""
    settings = workspace.settings.sensors
    received_at = received_at or utc_now()
    now = now or utc_now()
    report = BatchReport(batch_id=_new_batch_id(channel, received_at), channel=channel, origin=batch.origin,
                         rows_read=batch.rows_read, rejected=batch.rejected, problems=list(batch.problems))
    feed = settings.feeds.get(batch.feed) if batch.feed else None
    with writing(workspace) as connection:
        if batch.devices is not None:
            report.new_devices = register_devices(connection, batch.devices, feed=batch.feed,
                                                  team=feed.team if feed else None, actor=actor or current_actor())
        frame = _known_devices(connection, batch.readings, report)
        frame = _drop_duplicates(connection, frame, report)
        if not frame.empty:
            if "received_at" not in frame.columns:  # a post's own arrival time, when the inbox kept it
                frame["received_at"] = pd.Timestamp(received_at)
            arrived = frame["received_at"].to_numpy(dtype="datetime64[us]")
            frame["late"] = (channel in LIVE_CHANNELS) & (
                (arrived - frame["reading_time"].to_numpy(dtype="datetime64[us]"))
                > np.timedelta64(int(settings.late_after_minutes * 60e6), "us"))
            frame["out_of_order"] = _out_of_order(connection, frame)
            frame["status"] = OK
            normal = frame["status_hint"] != CONFLICT
            context = _context(connection, frame, settings)
            frame.loc[normal, "status"] = assign_statuses(frame.loc[normal, ["device_id", "measure", "reading_time",
                                                                             "value", "flagged"]], context, settings)
            frame.loc[~normal, "status"] = CONFLICT
            frame["batch_id"] = report.batch_id
            connection.register("incoming_readings", frame[["device_id", "measure", "reading_time", "value", "status",
                                                            "late", "out_of_order", "received_at", "batch_id"]])
            try:
                connection.execute("INSERT INTO sensors.readings SELECT * FROM incoming_readings")
            finally:
                connection.unregister("incoming_readings")
            report.stored = len(frame)
            report.late = int(frame["late"].sum())
            report.out_of_order = int(frame["out_of_order"].sum())
            report.statuses = {name: int(count) for name, count in frame["status"].value_counts().items()}
            report.events = evaluate_rules(connection, settings, sorted(frame["device_id"].unique()),
                                           recorded_at=now)
        connection.execute(
            "INSERT INTO sensors.batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [report.batch_id, channel, batch.origin, received_at, now, report.rows_read, report.stored,
             report.duplicates, report.conflicts, report.out_of_order, report.late, report.rejected,
             json.dumps(report.statuses), json.dumps(report.problems[:50])])
        if inbox_files:
            connection.executemany("INSERT INTO sensors.inbox_files VALUES (?, ?)",
                                   [[name, report.batch_id] for name in inbox_files])
    if after_store is not None:
        after_store()
    if notify and report.events:
        from townhall.sensors.notify import notify_teams

        report.emails = notify_teams(workspace, report.events, now=now)
    return report


def _known_devices(connection, readings: pd.DataFrame, report: BatchReport) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The readings whose device is in the register; the rest are rejected and named."""
    if readings.empty:
        return readings.copy()
    known = set(connection.execute(
        "SELECT device_id FROM sensors.devices WHERE device_id IN (SELECT unnest(?))",
        [sorted(readings["device_id"].unique())]).fetchnumpy()["device_id"].tolist())
    unknown = ~readings["device_id"].isin(known)
    if unknown.any():
        names = sorted(readings.loc[unknown, "device_id"].unique())
        report.rejected += int(unknown.sum())
        report.problems.append(f"{int(unknown.sum()):,} readings from devices not in the register were not stored "
                               f"({', '.join(names[:5])}{' and more' if len(names) > 5 else ''}): register them "
                               "with 'townhall sensors devices add'.")
    return readings.loc[~unknown].reset_index(drop=True)


def _drop_duplicates(connection, frame: pd.DataFrame,  # type: ignore[no-untyped-def]
                     report: BatchReport) -> pd.DataFrame:
    """Drop exact duplicates (within the batch and against what is stored); mark conflicting ones."""
    if frame.empty:
        return frame.assign(status_hint=pd.Series([], dtype=object))
    frame = frame.copy()
    frame["status_hint"] = OK
    exact_in_batch = frame.duplicated([*_KEY, "value"], keep="first")
    report.duplicates += int(exact_in_batch.sum())
    frame = frame.loc[~exact_in_batch].reset_index(drop=True)
    repeated = frame.duplicated(_KEY, keep="first")
    frame.loc[repeated, "status_hint"] = CONFLICT
    lowest, highest = frame["reading_time"].min(), frame["reading_time"].max()
    connection.register("batch_keys", frame[[*_KEY, "value"]].assign(row=np.arange(len(frame))))
    try:
        matches = connection.execute(
            """SELECT b.row, bool_or(r.value = b.value OR (r.value IS NULL AND b.value IS NULL)) AS same
               FROM batch_keys AS b JOIN sensors.readings AS r
                 ON r.device_id = b.device_id AND r.measure = b.measure AND r.reading_time = b.reading_time
               WHERE r.reading_time BETWEEN ? AND ? GROUP BY b.row""", [lowest, highest]).df()
    finally:
        connection.unregister("batch_keys")
    if not matches.empty:
        exact = matches.loc[matches["same"], "row"].to_numpy()
        conflicting = matches.loc[~matches["same"], "row"].to_numpy()
        frame.loc[conflicting, "status_hint"] = CONFLICT
        report.duplicates += len(exact)
        frame = frame.drop(index=exact).reset_index(drop=True)
    report.conflicts = int((frame["status_hint"] == CONFLICT).sum())
    return frame


def _out_of_order(connection, frame: pd.DataFrame) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Readings older than one already stored, or earlier in the batch, for the same device and measure."""
    latest = connection.execute(
        """SELECT device_id, measure, max(reading_time) AS latest FROM sensors.readings
           WHERE device_id IN (SELECT unnest(?)) GROUP BY device_id, measure""",
        [sorted(frame["device_id"].unique())]).df()
    merged = frame[["device_id", "measure", "reading_time"]].merge(latest, on=["device_id", "measure"], how="left")
    stored_latest = merged["latest"].to_numpy(dtype="datetime64[us]")
    times = frame["reading_time"].to_numpy(dtype="datetime64[us]")
    running = frame.groupby(["device_id", "measure"], sort=False)["reading_time"].transform(
        lambda series: series.cummax().shift(1)).to_numpy(dtype="datetime64[us]")
    before_stored = ~np.isnat(stored_latest) & (times < stored_latest)
    before_earlier = ~np.isnat(running) & (times < running)
    return before_stored | before_earlier


def _context(connection, frame: pd.DataFrame, settings: SensorsSettings) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Stored readings of the batch's devices just before and among its readings, for the quality checks."""
    hours = [settings.measures[name].stuck_hours for name in frame["measure"].unique()
             if name in settings.measures and settings.measures[name].stuck_hours > 0]
    window = min(max([_CONTEXT_HOURS_AT_LEAST, *hours]), _CONTEXT_HOURS_AT_MOST)
    lowest = frame["reading_time"].min() - pd.Timedelta(hours=window)
    highest = frame["reading_time"].max()
    return connection.execute(
        """SELECT device_id, measure, reading_time, value, status FROM sensors.readings
           WHERE reading_time BETWEEN ? AND ? AND device_id IN (SELECT unnest(?))""",
        [lowest.to_pydatetime(), highest.to_pydatetime(), sorted(frame["device_id"].unique())]).df()


# --- batches from files and sources ----------------------------------------------------------------------------------

def feed_settings(workspace: Workspace, name: str) -> FeedSettings:
    """The feed called ``name`` in [sensors.feeds]; refuses naming the feeds there are."""
    feeds = workspace.settings.sensors.feeds
    if name not in feeds:
        known = ", ".join(sorted(feeds)) or "none"
        raise TownhallError(f"There is no sensor feed called '{name}' (feeds set in townhall.toml: {known}). Add one "
                            f"under [sensors.feeds.{name}] naming its columns.")
    return feeds[name]


def ingest_file(workspace: Workspace, path: str | Path, feed: str, *, notify: bool = False,
                actor: str | None = None) -> BatchReport:
    """Store a CSV, JSON lines or Parquet file of readings laid out as the feed says (emails off by default: a file
    is usually history)."""
    batch = read_feed_file(path, feed_settings(workspace, feed), feed)
    report = store_batch(workspace, batch, channel="file", notify=notify, actor=actor)
    workspace.audit.record(actor or current_actor(), "sensors.ingested", Path(path).name, details={
        "feed": feed, "stored": report.stored, "duplicates": report.duplicates, "rejected": report.rejected})
    return report


def ingest_source(workspace: Workspace, feed: str, *, notify: bool = False, actor: str | None = None) -> BatchReport:
    """Store the readings of the registered source a feed names (``[sensors.feeds.<feed>] source``)."""
    settings = feed_settings(workspace, feed)
    if not settings.source:
        raise TownhallError(f"The feed '{feed}' names no registered source; give its file to 'townhall sensors "
                            "ingest' instead, or set [sensors.feeds.{feed}] source.")
    table = workspace.catalogue.table_name(settings.source)
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"SELECT * FROM {table}").df()
    batch = normalise(frame, settings, origin=f"source {settings.source}", feed_name=feed)
    report = store_batch(workspace, batch, channel="source", notify=notify, actor=actor)
    workspace.audit.record(actor or current_actor(), "sensors.ingested", settings.source, details={
        "feed": feed, "stored": report.stored, "duplicates": report.duplicates, "rejected": report.rejected})
    return report


def status_counts(workspace: Workspace) -> dict[str, int]:
    """Stored readings by status, every status named (zero when none)."""
    from townhall.sensors.store import reading

    counts = dict.fromkeys(STATUSES, 0)
    with reading(workspace) as connection:
        if connection is not None:
            for status, count in connection.execute(
                    "SELECT status, count(*) FROM sensors.readings GROUP BY status").fetchall():
                counts[status] = int(count)
    return counts
