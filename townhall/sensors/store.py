"""Where sensor data lives: the ``sensors`` schema of the workspace's DuckDB store.

Readings are append-only: a reading is never changed or deleted once stored, and a correction is a new reading. Each
stored batch (a file, a drain of the web app's inbox, a few seconds of MQTT messages) is recorded with what happened
to its rows: stored, duplicates dropped, conflicting duplicates kept aside, out of order, late, rejected.

Times are stored in UTC without an offset; pages show them in the council's time zone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import duckdb

from townhall.workspace import Workspace

SCHEMA = "sensors"

_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    """CREATE TABLE IF NOT EXISTS sensors.devices (
        device_id VARCHAR NOT NULL, asset_id VARCHAR NOT NULL, asset_type VARCHAR NOT NULL, asset_name VARCHAR,
        latitude DOUBLE, longitude DOUBLE, feed VARCHAR, team VARCHAR, token_hash VARCHAR,
        registered_at TIMESTAMP NOT NULL, registered_by VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sensors.readings (
        device_id VARCHAR NOT NULL, measure VARCHAR NOT NULL, reading_time TIMESTAMP NOT NULL, value DOUBLE,
        status VARCHAR NOT NULL, late BOOLEAN NOT NULL, out_of_order BOOLEAN NOT NULL,
        received_at TIMESTAMP NOT NULL, batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sensors.batches (
        batch_id VARCHAR NOT NULL, channel VARCHAR NOT NULL, origin VARCHAR NOT NULL, received_at TIMESTAMP NOT NULL,
        stored_at TIMESTAMP NOT NULL, rows_read BIGINT NOT NULL, stored BIGINT NOT NULL, duplicates BIGINT NOT NULL,
        conflicts BIGINT NOT NULL, out_of_order BIGINT NOT NULL, late BIGINT NOT NULL, rejected BIGINT NOT NULL,
        statuses VARCHAR NOT NULL, problems VARCHAR NOT NULL)""",
    # Files of the web app's inbox already stored, so a drain interrupted after its commit never stores one twice.
    "CREATE TABLE IF NOT EXISTS sensors.inbox_files (file_name VARCHAR NOT NULL, batch_id VARCHAR NOT NULL)",
    """CREATE TABLE IF NOT EXISTS sensors.alert_events (
        alert_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, device_id VARCHAR NOT NULL, asset_id VARCHAR NOT NULL,
        team VARCHAR NOT NULL, event VARCHAR NOT NULL, event_time TIMESTAMP NOT NULL, recorded_at TIMESTAMP NOT NULL,
        value DOUBLE, detail VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sensors.rule_state (
        rule VARCHAR NOT NULL, device_id VARCHAR NOT NULL, state VARCHAR NOT NULL, since TIMESTAMP,
        alert_id VARCHAR, evaluated_until TIMESTAMP NOT NULL, last_value DOUBLE, last_time TIMESTAMP)""",
)


def ensure_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the sensors tables if they are missing (cheap when they exist)."""
    found = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'sensors'").fetchall()[0][0]
    if found >= len(_DDL) - 1:
        return
    for statement in _DDL:
        connection.execute(statement)


@contextlib.contextmanager
def writing(workspace: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write transaction on the analytics store with the sensors tables in place."""
    with workspace.analytics.transaction() as connection:
        ensure_schema(connection)
        yield connection


@contextlib.contextmanager
def reading(workspace: Workspace) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection, or None when no sensor data has been stored yet."""
    if not has_sensor_data(workspace):
        yield None
        return
    with workspace.analytics.connect(read_only=True) as connection:
        yield connection


def has_sensor_data(workspace: Workspace) -> bool:
    """Whether the sensors tables exist yet (nothing has been stored when they do not)."""
    return workspace.analytics.table_exists(SCHEMA, "readings")


def utc_now() -> dt.datetime:
    """Now, in UTC without an offset, as readings are stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
