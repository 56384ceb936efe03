"""Rules and alerts: thresholds and rates of change per type of asset, with hysteresis, so an alert is raised once
when a condition has held long enough and cleared once when the reading is back past the clearing value.

Rules run over usable readings (status "ok") in time order, each device picking up where the last batch left off
(its state is kept in ``sensors.rule_state``). A reading that arrives after later ones were already judged (late or out
of order) is stored and counted but does not re-open the past. Every raise and clear is an event in
``sensors.alert_events``, the alert history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import numpy as np
import pandas as pd

from townhall.settings.sensors import RuleSettings, SensorsSettings

NORMAL = "normal"
BREACHING = "breaching"  # the condition holds, not yet for long enough
ALERT = "alert"
RAISED = "raised"
CLEARED = "cleared"
UNASSIGNED_TEAM = "No team set"


@dataclass(frozen=True)
class AlertEvent:
    """An alert raised or cleared (or an email about it sent or failed)."""

    alert_id: str
    rule: str
    device_id: str
    asset_id: str
    team: str
    event: str
    event_time: dt.datetime
    value: float | None
    detail: str


def describe_condition(rule: RuleSettings, unit: str = "") -> str:
    """The rule's condition in words: 'fill_pct above 80 %', 'temperature_c falling faster than 3 °C an hour'."""
    space = " " if unit and unit != "%" else ""
    if rule.kind == "above":
        text = f"{rule.measure} above {rule.threshold:g}{space}{unit}"
    elif rule.kind == "below":
        text = f"{rule.measure} below {rule.threshold:g}{space}{unit}"
    elif rule.kind == "between":
        text = f"{rule.measure} between {rule.threshold:g} and {rule.high:g}{space}{unit}"
    else:
        text = f"{rule.measure} {rule.kind} faster than {rule.threshold:g}{space}{unit} an hour"
    if rule.for_minutes:
        text += f" for {rule.for_minutes:g} minutes"
    return text


def _breach(rule: RuleSettings, value: float, rate: float | None) -> bool:
    if rule.kind == "above":
        return value > rule.threshold
    if rule.kind == "below":
        return value < rule.threshold
    if rule.kind == "between":
        return rule.threshold <= value <= (rule.high or rule.threshold)
    if rate is None:
        return False
    return rate > rule.threshold if rule.kind == "rising" else rate < -rule.threshold


def _cleared(rule: RuleSettings, value: float, rate: float | None) -> bool:
    """Whether an open alert ends: the reading is back past the clearing value (the threshold when unset)."""
    if rule.kind == "above":
        return value <= (rule.clear if rule.clear is not None else rule.threshold)
    if rule.kind == "below":
        return value >= (rule.clear if rule.clear is not None else rule.threshold)
    if rule.kind == "between":
        margin = rule.clear or 0.0
        return value < rule.threshold - margin or value > (rule.high or rule.threshold) + margin
    if rate is None:
        return False
    limit = rule.clear if rule.clear is not None else rule.threshold
    return rate <= limit if rule.kind == "rising" else rate >= -limit


def evaluate_rules(connection, settings: SensorsSettings, device_ids: list[str],  # type: ignore[no-untyped-def]
                   *, recorded_at: dt.datetime) -> list[AlertEvent]:
    """Run every rule over the new usable readings of these devices, write the events and each device's state, and
    return the events (inside the caller's transaction)."""
    if not device_ids or not settings.rules:
        return []
    devices = connection.execute(
        "SELECT device_id, asset_id, asset_type, coalesce(team, ?) AS team FROM sensors.devices "
        "WHERE device_id IN (SELECT unnest(?))", [UNASSIGNED_TEAM, list(device_ids)]).df()
    events: list[AlertEvent] = []
    for rule in settings.rules:
        chosen = devices.loc[devices["asset_type"] == rule.asset_type]
        if chosen.empty:
            continue
        events.extend(_evaluate_rule(connection, rule, chosen, recorded_at))
    if events:
        frame = pd.DataFrame([{**vars(event), "recorded_at": recorded_at} for event in events])
        connection.register("new_alert_events", frame)
        try:
            connection.execute(
                "INSERT INTO sensors.alert_events SELECT alert_id, rule, device_id, asset_id, team, event, event_time, "
                "recorded_at, value, detail FROM new_alert_events")
        finally:
            connection.unregister("new_alert_events")
    return events


def _evaluate_rule(connection, rule: RuleSettings, devices: pd.DataFrame,  # type: ignore[no-untyped-def]
                   recorded_at: dt.datetime) -> list[AlertEvent]:
    ids = devices["device_id"].tolist()
    states = connection.execute(
        "SELECT device_id, state, since, alert_id, evaluated_until, last_value, last_time FROM sensors.rule_state "
        "WHERE rule = ? AND device_id IN (SELECT unnest(?))", [rule.name, ids]).df().set_index("device_id")
    readings = connection.execute(
        """SELECT r.device_id, r.reading_time, r.value FROM sensors.readings AS r
           LEFT JOIN (SELECT device_id, evaluated_until FROM sensors.rule_state WHERE rule = ?) AS s USING (device_id)
           WHERE r.measure = ? AND r.status = 'ok' AND r.device_id IN (SELECT unnest(?))
             AND (s.evaluated_until IS NULL OR r.reading_time > s.evaluated_until)
           ORDER BY r.device_id, r.reading_time""", [rule.name, rule.measure, ids]).df()
    if readings.empty:
        return []
    teams = dict(zip(devices["device_id"], devices["team"], strict=True))
    assets = dict(zip(devices["device_id"], devices["asset_id"], strict=True))
    team_of_rule = rule.team
    events: list[AlertEvent] = []
    new_states = []
    hold = np.timedelta64(int(rule.for_minutes * 60 * 1e6), "us")
    for device_id, group in readings.groupby("device_id", sort=False):
        times = group["reading_time"].to_numpy(dtype="datetime64[us]")
        values = group["value"].to_numpy(dtype=float)
        if device_id in states.index:
            saved = states.loc[device_id]
            state, alert_id = saved["state"], saved["alert_id"]
            since = None if pd.isna(saved["since"]) else np.datetime64(saved["since"], "us")
            last_value = None if pd.isna(saved["last_value"]) else float(saved["last_value"])
            last_time = None if pd.isna(saved["last_time"]) else np.datetime64(saved["last_time"], "us")
        else:
            state, alert_id, since, last_value, last_time = NORMAL, None, None, None, None
        team = team_of_rule or teams[device_id]
        for moment, value in zip(times, values, strict=True):
            rate = None
            if last_time is not None and moment > last_time:
                rate = (value - last_value) / ((moment - last_time) / np.timedelta64(1, "h"))
            if state == ALERT:
                if _cleared(rule, value, rate):
                    events.append(AlertEvent(alert_id, rule.name, device_id, assets[device_id], team, CLEARED,
                                             _py(moment), value, f"back to {value:g}"))
                    state, alert_id, since = NORMAL, None, None
            elif _breach(rule, value, rate):
                if state == NORMAL:
                    state, since = BREACHING, moment
                if moment - since >= hold:
                    alert_id = uuid.uuid4().hex[:16]
                    events.append(AlertEvent(alert_id, rule.name, device_id, assets[device_id], team, RAISED,
                                             _py(moment), value, f"{value:g} since {_py(since):%Y-%m-%d %H:%M} UTC"))
                    state = ALERT
            else:
                state, since = NORMAL, None
            last_value, last_time = value, moment
        new_states.append({"rule": rule.name, "device_id": device_id, "state": state,
                           "since": _py(since) if since is not None else None, "alert_id": alert_id,
                           "evaluated_until": _py(times[-1]), "last_value": last_value,
                           "last_time": _py(last_time) if last_time is not None else None})
    frame = pd.DataFrame(new_states)
    frame["since"] = pd.to_datetime(frame["since"])
    frame["last_time"] = pd.to_datetime(frame["last_time"])
    connection.register("new_rule_state", frame)
    try:
        connection.execute("DELETE FROM sensors.rule_state WHERE rule = ? AND device_id IN "
                           "(SELECT device_id FROM new_rule_state)", [rule.name])
        connection.execute("INSERT INTO sensors.rule_state SELECT rule, device_id, state, since, alert_id, "
                           "evaluated_until, last_value, last_time FROM new_rule_state")
    finally:
        connection.unregister("new_rule_state")
    return events


def _py(moment: np.datetime64) -> dt.datetime:
    return pd.Timestamp(moment).to_pydatetime()


# --- reading the history ---------------------------------------------------------------------------------------------

def alert_history(connection, *, teams: list[str] | None = None,  # type: ignore[no-untyped-def]
                  limit: int = 500) -> pd.DataFrame:
    """Alerts, newest first: one row per alert with when it was raised and cleared (open ones have no clear time),
    the asset, the team and whether an email went; only ``teams`` when given."""
    team_filter = "WHERE a.team IN (SELECT unnest(?))" if teams is not None else ""
    parameters: list[object] = [list(teams)] if teams is not None else []
    return connection.execute(
        f"""WITH a AS (
                SELECT alert_id, any_value(rule) AS rule, any_value(device_id) AS device_id,
                       any_value(asset_id) AS asset_id, any_value(team) AS team,
                       min(event_time) FILTER (WHERE event = 'raised') AS raised_at,
                       any_value(value) FILTER (WHERE event = 'raised') AS raised_value,
                       min(event_time) FILTER (WHERE event = 'cleared') AS cleared_at,
                       any_value(value) FILTER (WHERE event = 'cleared') AS cleared_value,
                       bool_or(event = 'emailed') AS emailed,
                       bool_or(event = 'email failed') AS email_failed
                FROM sensors.alert_events GROUP BY alert_id)
            SELECT a.*, d.asset_name, d.asset_type FROM a LEFT JOIN sensors.devices AS d USING (device_id)
            {team_filter}
            ORDER BY a.cleared_at IS NOT NULL, a.raised_at DESC LIMIT {int(limit)}""", parameters).df()
