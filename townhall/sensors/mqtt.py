"""The live listener: subscribes to the council's MQTT broker (paho-mqtt) and, as the one process that writes
sensor readings while the web app runs, stores what arrives with the web app's inbox in DuckDB in batches.

Nothing acknowledged is ever only in memory. Messages are written to the inbox on disk in groups (one disk flush a
group, a few hundredths of a second apart) and acknowledged to the broker only then; the inbox is stored in DuckDB
every ``listen_batch_seconds``. The listener keeps a persistent session (a fixed client id, clean session off), so
messages sent while it is stopped are delivered when it returns, and any sent twice are dropped as duplicates. The
device is the last level of the topic (``townhall/readings/LB-0001``); the broker's access control decides who may
publish to which topic. A broker holds only so many unacknowledged and queued messages for a listener (mosquitto:
``max_inflight_messages`` 20 and ``max_queued_messages`` 1000 by default): raise them for large fleets.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from townhall.errors import TownhallError
from townhall.sensors.feeds import MessageError, parse_message
from townhall.sensors.inbox import accept_group, drain, inbox_folder
from townhall.sensors.ingest import BatchReport
from townhall.sensors.store import utc_now
from townhall.workspace import Workspace

GROUP_SECONDS = 0.02  # how long messages may wait before their group is written to disk and acknowledged
GROUP_MESSAGES = 20  # a group is written as soon as it has this many (mosquitto sends 20 before an acknowledgement)


@dataclass
class ListenerTotals:
    """What the listener has done since it started."""

    messages: int = 0
    rejected_messages: int = 0
    stored: int = 0
    duplicates: int = 0
    alerts_raised: int = 0
    batches: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, report: BatchReport) -> None:
        """Count one stored batch."""
        self.stored += report.stored
        self.duplicates += report.duplicates
        self.alerts_raised += report.alerts_raised
        self.batches += 1


class Listener:
    """Subscribes to the broker, writes what arrives to the inbox and acknowledges it, and stores the inbox in
    batches; ``run`` until stopped or for a while."""

    def __init__(self, workspace: Workspace, *, client_id: str | None = None) -> None:
        self.workspace = workspace
        self.settings = workspace.settings.sensors
        self.client_id = client_id or f"townhall-listener-{workspace.config.workspace_id[:12]}"
        self.totals = ListenerTotals()
        self._folder = inbox_folder(workspace)
        self._pending: list[tuple[str, pd.DataFrame, dt.datetime, int, int]] = []  # device, readings, when, id, QoS
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._connected = threading.Event()
        self._client = None

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            self.totals.problems.append(f"The broker refused the connection: {reason_code}.")
            return
        client.subscribe(self.settings.mqtt_topic, qos=1)
        self._connected.set()

    def _on_message(self, client, _userdata, message) -> None:  # type: ignore[no-untyped-def]
        device_id = message.topic.rsplit("/", 1)[-1]
        try:
            readings = parse_message(message.payload, device_id)
        except MessageError as error:
            with self._lock:
                self.totals.rejected_messages += 1
                if len(self.totals.problems) < 20:
                    self.totals.problems.append(f"A message on {message.topic} was not stored: {error}")
            client.ack(message.mid, message.qos)  # sending it again would not help
            return
        with self._lock:
            self.totals.messages += 1
            self._pending.append((device_id, readings, utc_now(), message.mid, message.qos))
        self._arrived.set()

    def connect(self, timeout: float = 10.0) -> None:
        """Connect and subscribe; refuses with a plain message when the broker cannot be reached."""
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=False,
                             manual_ack=True)
        if self.settings.mqtt_username:
            client.username_pw_set(self.settings.mqtt_username, os.environ.get("TOWNHALL_MQTT_PASSWORD"))
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        try:
            client.connect(self.settings.mqtt_host, self.settings.mqtt_port, keepalive=30)
        except OSError as error:
            raise TownhallError(f"Could not reach the MQTT broker at {self.settings.mqtt_host}:"
                                f"{self.settings.mqtt_port} ({error}). Check it is running and [sensors] mqtt_host "
                                "and mqtt_port in townhall.toml.") from None
        client.loop_start()
        self._client = client
        if not self._connected.wait(timeout):
            self.close()
            raise TownhallError("The MQTT broker did not accept townhall's subscription in time: "
                                f"{'; '.join(self.totals.problems) or 'no answer'}.")

    def commit(self) -> int:
        """Write the messages that have arrived to the inbox (one file, flushed to disk), then acknowledge them;
        returns how many."""
        with self._lock:
            taken, self._pending = self._pending, []
        if not taken:
            return 0
        accept_group(self._folder, [(device, readings, received) for device, readings, received, _, _ in taken])
        if self._client is not None:
            for _, _, _, mid, qos in taken:
                if qos > 0:
                    self._client.ack(mid, qos)
        return len(taken)

    def flush(self, *, now: dt.datetime | None = None) -> list[BatchReport]:
        """Commit what has arrived and store everything waiting in the inbox (MQTT messages and web posts)."""
        self.commit()
        reports = []
        while (report := drain(self.workspace, now=now)) is not None:
            self.totals.add(report)
            reports.append(report)
        return reports

    def run(self, *, seconds: float | None = None, stop: threading.Event | None = None,
            on_batch: Callable[[BatchReport], None] | None = None) -> ListenerTotals:
        """Commit messages as they arrive and, in a second thread, store the inbox every ``[sensors]
        listen_batch_seconds``, until ``stop`` is set or ``seconds`` pass. Storing never holds up acknowledging, so
        the broker does not have to queue messages while a batch is written."""
        if self._client is None:
            self.connect()
        started = time.monotonic()
        stop = stop or threading.Event()
        finished = threading.Event()
        failures: list[BaseException] = []

        def store_in_batches() -> None:
            try:
                while not finished.wait(self.settings.listen_batch_seconds):
                    self._store(on_batch)
            except BaseException as error:  # handed to the main thread, which stops and raises it
                failures.append(error)
                stop.set()

        storer = threading.Thread(target=store_in_batches, name="townhall-listener-store", daemon=True)
        storer.start()
        try:
            while not stop.is_set() and (seconds is None or time.monotonic() - started < seconds):
                if self._arrived.wait(GROUP_SECONDS):
                    # Gather a group (one disk flush for many messages), but never hold one back for long.
                    deadline = time.monotonic() + GROUP_SECONDS
                    while len(self._pending) < GROUP_MESSAGES and time.monotonic() < deadline:
                        time.sleep(0.002)
                self._arrived.clear()
                self.commit()
        finally:
            finished.set()
            storer.join()
            try:
                self.commit()
            finally:
                self.close()
        if failures:
            raise failures[0]
        self._store(on_batch)
        return self.totals

    def _store(self, on_batch: Callable[[BatchReport], None] | None) -> None:
        while (report := drain(self.workspace)) is not None:
            self.totals.add(report)
            if on_batch is not None:
                on_batch(report)

    def close(self) -> None:
        """Disconnect from the broker (messages not yet written to the inbox are sent again next time)."""
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None


def publish(host: str, port: int, messages: list[tuple[str, bytes]], *, qos: int = 1,
            client_id: str = "") -> None:
    """Publish (topic, payload) messages over one connection and wait until the broker has them all (for tests,
    benchmarks and trying a set-up out)."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.max_inflight_messages_set(1000)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
    finally:
        client.disconnect()
        client.loop_stop()
