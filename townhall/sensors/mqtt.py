"""The live listener: subscribes to the council's MQTT broker (paho-mqtt) and stores what arrives, with the web
app's inbox, in batches every few seconds, as the one process that writes sensor readings.

Messages are acknowledged to the broker only after the batch holding them is committed, and the listener keeps a
persistent session (a fixed client id, clean session off): if it stops before storing a batch, the broker sends
those messages again when it returns, and the repeats are dropped as duplicates. The device is the last level of the
topic (``townhall/readings/LB-0001``); the broker's access control decides who may publish to which topic.
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
from townhall.sensors.feeds import MessageError, ReadingBatch, empty_readings, parse_message
from townhall.sensors.inbox import drain
from townhall.sensors.ingest import BatchReport, store_batch
from townhall.sensors.store import utc_now
from townhall.workspace import Workspace


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
    """Subscribes to the broker and stores readings in batches; ``run`` until stopped or for a while."""

    def __init__(self, workspace: Workspace, *, client_id: str | None = None) -> None:
        self.workspace = workspace
        self.settings = workspace.settings.sensors
        self.client_id = client_id or f"townhall-listener-{workspace.config.workspace_id[:12]}"
        self.totals = ListenerTotals()
        self._buffer: list[tuple[pd.DataFrame, int, int]] = []  # readings, message id, QoS
        self._lock = threading.Lock()
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
        readings["received_at"] = pd.Timestamp(utc_now())
        with self._lock:
            self.totals.messages += 1
            self._buffer.append((readings, message.mid, message.qos))

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

    def flush(self, *, now: dt.datetime | None = None) -> list[BatchReport]:
        """Store what has arrived (MQTT messages, then the web app's inbox) and acknowledge the messages."""
        with self._lock:
            taken, self._buffer = self._buffer, []
        reports = []
        if taken:
            readings = pd.concat([item[0] for item in taken], ignore_index=True) if taken else empty_readings()
            batch = ReadingBatch(readings=readings, origin=f"{len(taken):,} MQTT messages", rows_read=len(readings))
            report = store_batch(self.workspace, batch, channel="mqtt", now=now)
            for _, mid, qos in taken:
                if qos > 0 and self._client is not None:
                    self._client.ack(mid, qos)
            self.totals.add(report)
            reports.append(report)
        inbox = drain(self.workspace, now=now)
        if inbox is not None:
            self.totals.add(inbox)
            reports.append(inbox)
        return reports

    def run(self, *, seconds: float | None = None, stop: threading.Event | None = None,
            on_batch: Callable[[BatchReport], None] | None = None) -> ListenerTotals:
        """Store batches every ``[sensors] listen_batch_seconds`` until ``stop`` is set or ``seconds`` pass."""
        if self._client is None:
            self.connect()
        started = time.monotonic()
        stop = stop or threading.Event()
        try:
            while not stop.is_set() and (seconds is None or time.monotonic() - started < seconds):
                stop.wait(self.settings.listen_batch_seconds)
                for report in self.flush():
                    if on_batch is not None:
                        on_batch(report)
            for report in self.flush():
                if on_batch is not None:
                    on_batch(report)
        finally:
            self.close()
        return self.totals

    def close(self) -> None:
        """Disconnect from the broker."""
        if self._client is not None:
            self._client.loop_stop()
            self._client.disconnect()
            self._client = None


def publish(host: str, port: int, topic: str, payloads: list[bytes], *, qos: int = 1,
            client_id: str = "") -> None:
    """Publish messages and wait until the broker has them (for tests, benchmarks and trying a set-up out)."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.max_inflight_messages_set(1000)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos) for payload in payloads]
        for info in infos:
            info.wait_for_publish(timeout=30)
    finally:
        client.loop_stop()
        client.disconnect()
