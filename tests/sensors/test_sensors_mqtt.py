"""The live listener against a real MQTT broker (Debian's mosquitto on 127.0.0.1:1883): messages stored in a batch,
repeats dropped, bad messages refused, and the web app's inbox stored by the same process."""

from __future__ import annotations

import datetime as dt
import json
import socket
import uuid

import pandas as pd
import pytest

from townhall.sensors import Listener, accept, add_device, inbox_folder, publish, reading

from .conftest import configure

BROKER = ("127.0.0.1", 1883)


@pytest.fixture(scope="module")
def broker() -> tuple[str, int]:
    """The local broker, or a skip saying how to get one."""
    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError:
        pytest.skip("No MQTT broker at 127.0.0.1:1883: install and start Debian's mosquitto "
                    "(scripts/install_services.sh) to run the live-feed tests.")
    return BROKER


def test_the_listener_stores_messages_from_the_broker_and_drops_repeats(workspace, broker) -> None:
    topic_root = f"townhall-test-{uuid.uuid4().hex[:8]}/readings"
    configured = configure(workspace, sensors={"mqtt_host": broker[0], "mqtt_port": broker[1],
                                               "mqtt_topic": f"{topic_root}/+", "listen_batch_seconds": 0.3})
    add_device(configured, "LB-7", asset_type="bin", actor="test", with_token=False)
    listener = Listener(configured, client_id=f"townhall-test-{uuid.uuid4().hex[:8]}")
    listener.connect()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    messages = [json.dumps({"readings": [{"time": (now - dt.timedelta(minutes=10 * step)).isoformat(),
                                          "measure": "fill_pct", "value": 40 + step}]}).encode()
                for step in range(5)]
    publish(*broker, [(f"{topic_root}/LB-7", payload) for payload in [*messages, messages[0], b"not json"]])
    # A post to the web app waits in the inbox; the listener stores it too.
    accept(inbox_folder(configured), "LB-7", pd.DataFrame({
        "measure": ["battery_pct"], "reading_time": [pd.Timestamp(now.replace(tzinfo=None))], "value": [77.0]}),
        now.replace(tzinfo=None))
    totals = listener.run(seconds=3.0)
    assert totals.messages == 6 and totals.rejected_messages == 1
    assert totals.stored == 6 and totals.duplicates == 1
    with reading(configured) as connection:
        stored = connection.execute("SELECT measure, count(*) FROM sensors.readings GROUP BY measure "
                                    "ORDER BY measure").fetchall()
    assert stored == [("battery_pct", 1), ("fill_pct", 5)]
    assert not list(inbox_folder(configured).glob("*.json"))
    configured.close()
