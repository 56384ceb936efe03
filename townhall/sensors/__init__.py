"""Sensors: feeds in (files, registered sources, the web app's device endpoint, MQTT), the device register, a status
for every reading, rules and alerts with email, device health, and bin fill forecasts.

Readings live append-only in the ``sensors`` schema of the workspace's DuckDB store. The command line
(``townhall sensors``) and the web pages are thin layers over the functions here.
"""

from townhall.sensors.bins import BinForecasts, bin_forecasts, bin_readings
from townhall.sensors.collections import (
    CollectionLog,
    LogBacktest,
    SkipAnalysis,
    backtest_collection_log,
    log_cycles,
    read_collection_log,
)
from townhall.sensors.devices import (
    TokenChecker,
    add_device,
    import_devices,
    issue_token,
    list_devices,
    revoke_token,
)
from townhall.sensors.feeds import MessageError, ReadingBatch, normalise, parse_message, read_feed_file
from townhall.sensors.forecast import FillForecast, FillModel, cycles_from_readings, fit_fill_model
from townhall.sensors.inbox import InboxState, accept, drain, inbox_folder, inbox_state
from townhall.sensors.ingest import BatchReport, feed_settings, ingest_file, ingest_source, status_counts, store_batch
from townhall.sensors.mqtt import Listener, ListenerTotals, publish
from townhall.sensors.notify import local_time, notify_teams
from townhall.sensors.quality import STATUS_MEANINGS, STATUSES, DeviceHealth, HealthReport, device_health
from townhall.sensors.rules import AlertEvent, alert_history, describe_condition
from townhall.sensors.store import has_sensor_data, reading, writing

__all__ = [
    "STATUSES",
    "STATUS_MEANINGS",
    "AlertEvent",
    "BatchReport",
    "BinForecasts",
    "CollectionLog",
    "DeviceHealth",
    "FillForecast",
    "FillModel",
    "HealthReport",
    "InboxState",
    "Listener",
    "ListenerTotals",
    "LogBacktest",
    "MessageError",
    "ReadingBatch",
    "SkipAnalysis",
    "TokenChecker",
    "accept",
    "add_device",
    "alert_history",
    "backtest_collection_log",
    "bin_forecasts",
    "bin_readings",
    "cycles_from_readings",
    "describe_condition",
    "device_health",
    "drain",
    "feed_settings",
    "fit_fill_model",
    "has_sensor_data",
    "import_devices",
    "inbox_folder",
    "inbox_state",
    "ingest_file",
    "ingest_source",
    "issue_token",
    "list_devices",
    "local_time",
    "log_cycles",
    "normalise",
    "notify_teams",
    "parse_message",
    "publish",
    "read_collection_log",
    "read_feed_file",
    "reading",
    "revoke_token",
    "status_counts",
    "store_batch",
    "writing",
]
