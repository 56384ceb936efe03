"""Benchmark: readings a second through the web app's device endpoint and through MQTT, and memory at 10 million
readings, each side by side with the plain library underneath.

    python bench/sensors_ingest.py                 # all three parts
    python bench/sensors_ingest.py --part http     # http, mqtt or memory
    python bench/sensors_ingest.py --readings 10000000

HTTP: a real uvicorn server serving the staff app; client threads post JSON (50 readings a post) with device tokens;
timed until every post is answered (accepted into the inbox) and until the inbox is stored in DuckDB (deduplicated,
checked, rules run). Beside it: the same readings inserted into DuckDB directly.
MQTT: messages (50 readings each) published to the local mosquitto and stored by townhall's listener; beside it, a
bare paho subscriber that only counts them (the broker and library's own pace).
Memory: 10 million readings of 1,000 bins stored in batches of 500,000 through townhall (duplicates checked against
what is stored, statuses, the bin-full rule), in a process of its own; then the device health of all of them. Beside
it: the same rows inserted into DuckDB directly. Peak resident memory (RSS) of each process.
Everything is built under the system's temporary folder; the load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(tempfile.gettempdir()) / "townhall-bench-sensors"
READINGS_PER_POST = 50
BINS_FEED = {"device": "bin", "time": "at", "measures": {"fill_pct": "fill"}, "asset_type": "bin"}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"(load {one:.2f} {five:.2f} {fifteen:.2f})"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_workspace(name: str, **settings: object):  # type: ignore[no-untyped-def]
    from townhall.workspace import Workspace

    folder = ROOT / name
    shutil.rmtree(folder, ignore_errors=True)
    workspace = Workspace.create(folder, "Benchmark Borough")
    workspace.config.extra.update(settings)
    workspace.save_config()
    return Workspace.open(folder)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def message(step: int, device_number: int) -> dict[str, object]:
    base = pd.Timestamp("2026-03-02T00:00:00Z") + pd.Timedelta(minutes=step * READINGS_PER_POST)
    return {"readings": [{"time": (base + pd.Timedelta(minutes=offset)).isoformat(), "measure": "fill_pct",
                          "value": float((step * READINGS_PER_POST + offset + device_number) % 100)}
                         for offset in range(READINGS_PER_POST)]}


def plain_duckdb_rate(rows: int) -> float:
    """Readings a second inserted into a DuckDB table directly (a fresh file), for comparison."""
    import duckdb

    path = ROOT / "plain.duckdb"
    path.unlink(missing_ok=True)
    frame = pd.DataFrame({"device_id": np.repeat([f"LB-{n:04d}" for n in range(100)], rows // 100),
                          "measure": "fill_pct",
                          "reading_time": pd.Timestamp("2026-03-02") + pd.to_timedelta(np.arange(rows), unit="s"),
                          "value": np.arange(rows) % 100.0})
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE readings (device_id VARCHAR, measure VARCHAR, reading_time TIMESTAMP, "
                       "value DOUBLE)")
    started = time.perf_counter()
    connection.register("frame", frame)
    connection.execute("INSERT INTO readings SELECT * FROM frame")
    connection.close()
    return rows / (time.perf_counter() - started)


def bench_http(posts: int, threads: int) -> None:
    import httpx
    import uvicorn

    from townhall.sensors import add_device, drain
    from townhall.web import create_app
    from townhall.web.assets import missing_assets

    if missing_assets():
        print("HTTP: the web app's assets are not built ('make assets'); skipped.")
        return
    workspace = fresh_workspace("http")
    tokens = [add_device(workspace, f"LB-{number:04d}", asset_type="bin", actor="bench") for number in range(100)]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    bodies = [json.dumps(message(step, step % 100)).encode() for step in range(posts)]
    answered = [0]
    lock = threading.Lock()

    def send(part: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for step in range(part, posts, threads):
                response = client.post("/api/sensors/readings", content=bodies[step], headers={
                    "Authorization": f"Bearer {tokens[step % 100]}", "Content-Type": "application/json"})
                assert response.status_code == 202, response.text
                with lock:
                    answered[0] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=send, args=(part,)) for part in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    accepted = time.perf_counter() - started
    readings = posts * READINGS_PER_POST
    print(f"HTTP: {posts:,} posts ({readings:,} readings) accepted in {accepted:.1f} s: "
          f"{readings / accepted:,.0f} readings/s, {posts / accepted:,.0f} posts/s from {threads} client threads "
          f"{load()}")
    started = time.perf_counter()
    stored = 0
    while (report := drain(workspace)) is not None:
        stored += report.stored
    stored_in = time.perf_counter() - started
    print(f"HTTP: the inbox stored in DuckDB in {stored_in:.1f} s: {stored / stored_in:,.0f} readings/s; end to end "
          f"{stored / (accepted + stored_in):,.0f} readings/s {load()}")
    print(f"plain DuckDB insert of the same number of readings: {plain_duckdb_rate(readings):,.0f} readings/s "
          f"{load()}")
    server.should_exit = True
    thread.join(timeout=10)
    workspace.close()


def bench_mqtt(messages: int) -> None:
    import paho.mqtt.client as mqtt

    from townhall.sensors import Listener, add_device, publish

    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
    except OSError:
        print("MQTT: no broker at 127.0.0.1:1883 (scripts/install_services.sh installs mosquitto); skipped.")
        return
    topic = f"townhall-bench-{os.getpid()}"
    workspace = fresh_workspace("mqtt", sensors={"mqtt_topic": f"{topic}/+", "listen_batch_seconds": 1.0})
    for number in range(100):
        add_device(workspace, f"LB-{number:04d}", asset_type="bin", actor="bench", with_token=False)
    payloads = [(f"LB-{step % 100:04d}", json.dumps(message(step, step % 100)).encode())
                for step in range(messages)]
    readings = messages * READINGS_PER_POST

    # The library's own pace: a bare subscriber that counts messages.
    counted = [0]
    done = threading.Event()

    def on_message(_client, _userdata, _message) -> None:  # type: ignore[no-untyped-def]
        counted[0] += 1
        if counted[0] >= messages:
            done.set()

    bare = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-bare-{os.getpid()}")
    bare.on_message = on_message
    bare.connect("127.0.0.1", 1883)
    bare.subscribe(f"{topic}-bare/+", qos=1)
    bare.loop_start()
    time.sleep(0.5)
    started = time.perf_counter()
    for wave in range(0, messages, 800):  # in waves, as for the listener below
        publish("127.0.0.1", 1883, [(f"{topic}-bare/{device}", payload) for device, payload in
                                    payloads[wave:wave + 800]])
        while counted[0] < min(wave + 800, messages) and time.perf_counter() - started < 120:
            time.sleep(0.01)
    done.wait(120)
    bare_seconds = time.perf_counter() - started
    bare.loop_stop()
    bare.disconnect()

    listener = Listener(workspace, client_id=f"bench-listener-{os.getpid()}")
    listener.connect()
    stop = threading.Event()
    thread = threading.Thread(target=lambda: listener.run(stop=stop), daemon=True)
    thread.start()
    started = time.perf_counter()
    # In waves of 800: a broker queues only so many unacknowledged messages for a subscriber (mosquitto's
    # max_queued_messages, 1,000 by default) and drops the rest, so the publisher waits for the listener.
    for wave in range(0, messages, 800):
        publish("127.0.0.1", 1883, [(f"{topic}/{device}", payload) for device, payload in payloads[wave:wave + 800]])
        while listener.totals.messages < min(wave + 800, messages) and time.perf_counter() - started < 300:
            time.sleep(0.01)
    published = time.perf_counter() - started
    while listener.totals.stored < readings and time.perf_counter() - started < 300:
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    stop.set()
    thread.join(timeout=30)
    print(f"MQTT: {messages:,} messages ({readings:,} readings) received, on disk and acknowledged in "
          f"{published:.1f} s ({listener.totals.messages * READINGS_PER_POST / published:,.0f} readings/s) and "
          f"stored in DuckDB by {seconds:.1f} s: {listener.totals.stored / seconds:,.0f} readings/s end to end "
          f"({listener.totals.batches} batches) {load()}")
    print(f"MQTT, plain paho subscriber only counting the same messages: {counted[0]:,} in {bare_seconds:.1f} s: "
          f"{counted[0] * READINGS_PER_POST / bare_seconds:,.0f} readings/s {load()}")
    workspace.close()


def memory_townhall(total: int) -> None:
    """10 million readings through townhall, in this process."""
    from townhall.sensors import ReadingBatch, device_health, reading, store_batch

    workspace = fresh_workspace("memory", sensors={"feeds": {"bins": BINS_FEED}})
    devices = 1_000
    steps = total // devices
    per_batch = 500
    rng = np.random.default_rng(1)
    rate = rng.uniform(0.5, 4.0, devices)
    fill = np.zeros(devices)
    names = np.array([f"LB-{number:04d}" for number in range(devices)], dtype=object)
    registered = pd.DataFrame({"device_id": names, "asset_id": names, "asset_type": "bin", "asset_name": names,
                               "latitude": 53.4, "longitude": -2.2})
    started = time.perf_counter()
    first = True
    for batch_start in range(0, steps, per_batch):
        count = min(per_batch, steps - batch_start)
        values = np.empty((devices, count))
        for column in range(count):
            fill = np.where(fill > 95, 0.0, fill + rate * rng.uniform(0.5, 1.5, devices))
            values[:, column] = np.round(np.minimum(fill, 100), 1)
        times = (pd.Timestamp("2026-01-01") + pd.to_timedelta((batch_start + np.arange(count)) * 2, unit="h"))
        frame = pd.DataFrame({"device_id": np.repeat(names, count), "measure": "fill_pct",
                              "reading_time": np.tile(times.to_numpy(dtype="datetime64[us]"), devices),
                              "value": values.ravel(), "flagged": False})
        batch = ReadingBatch(readings=frame, origin="bench", rows_read=len(frame),
                             devices=registered if first else None, feed="bins")
        first = False
        store_batch(workspace, batch, channel="file", notify=False)
    stored_seconds = time.perf_counter() - started
    size = workspace.analytics.database_file.stat().st_size / 1e6
    print(f"townhall: {total:,} readings of {devices:,} bins stored in batches of {devices * per_batch:,} in "
          f"{stored_seconds:.0f} s ({total / stored_seconds:,.0f} readings/s); peak memory {peak_rss_mb():,.0f} MB; "
          f"store {size:,.0f} MB on disk {load()}")
    started = time.perf_counter()
    with reading(workspace) as connection:
        health = device_health(connection, workspace.settings.sensors, days=7)
    print(f"townhall: device health of {len(health.devices):,} devices at {total:,} readings in "
          f"{time.perf_counter() - started:.1f} s; peak memory {peak_rss_mb():,.0f} MB {load()}")
    workspace.close()


def memory_plain(total: int) -> None:
    """The same rows inserted into DuckDB directly, in this process."""
    import duckdb

    path = ROOT / "plain-memory.duckdb"
    path.unlink(missing_ok=True)
    devices = 1_000
    steps = total // devices
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE readings (device_id VARCHAR, measure VARCHAR, reading_time TIMESTAMP, "
                       "value DOUBLE)")
    names = np.array([f"LB-{number:04d}" for number in range(devices)], dtype=object)
    started = time.perf_counter()
    for batch_start in range(0, steps, 500):
        count = min(500, steps - batch_start)
        times = (pd.Timestamp("2026-01-01") + pd.to_timedelta((batch_start + np.arange(count)) * 2, unit="h"))
        frame = pd.DataFrame({"device_id": np.repeat(names, count), "measure": "fill_pct",
                              "reading_time": np.tile(times.to_numpy(dtype="datetime64[us]"), devices),
                              "value": np.arange(devices * count) % 100.0})
        connection.register("frame", frame)
        connection.execute("INSERT INTO readings SELECT * FROM frame")
        connection.unregister("frame")
    connection.close()
    seconds = time.perf_counter() - started
    print(f"plain DuckDB: the same {total:,} rows inserted in {seconds:.0f} s ({total / seconds:,.0f} rows/s); peak "
          f"memory {peak_rss_mb():,.0f} MB; {path.stat().st_size / 1e6:,.0f} MB on disk {load()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["http", "mqtt", "memory", "memory-townhall", "memory-plain"])
    parser.add_argument("--posts", type=int, default=4_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--messages", type=int, default=4_000)
    parser.add_argument("--readings", type=int, default=10_000_000)
    arguments = parser.parse_args()
    ROOT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(ROOT / "secrets"))
    os.environ.setdefault("TOWNHALL_USER", "bench")
    if arguments.part in (None, "http"):
        bench_http(arguments.posts, arguments.threads)
    if arguments.part in (None, "mqtt"):
        bench_mqtt(arguments.messages)
    if arguments.part == "memory-townhall":
        memory_townhall(arguments.readings)
    elif arguments.part == "memory-plain":
        memory_plain(arguments.readings)
    elif arguments.part in (None, "memory"):
        # Each in a process of its own, so each peak is its own.
        for part in ("memory-townhall", "memory-plain"):
            subprocess.run([sys.executable, __file__, "--part", part, "--readings", str(arguments.readings)],
                           check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
