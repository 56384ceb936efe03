"""Sensors: what is stored and how usable it is, the devices to fix, the alerts for your team, and bin fill forecasts.

Practitioners see their own team's alerts and devices (the team a feed or rule names); other roles see every team's,
and can choose one. Room temperatures in sheltered housing describe people's homes, so no page shows more than the
asset's name and its readings, and nothing here is published.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from townhall.errors import TownhallError
from townhall.governance.users import Role, User
from townhall.reports import render_svg
from townhall.sensors import (
    STATUS_MEANINGS,
    alert_history,
    bin_forecasts,
    describe_condition,
    device_health,
    inbox_state,
    local_time,
    reading,
    status_counts,
)
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

TEAM_ROLES = (Role.PRACTITIONER,)  # roles that see their own team's alerts and devices only


def _team_filter(user: User, chosen: str | None) -> tuple[list[str] | None, str | None]:
    """The teams whose alerts this person sees: their own for practitioners, otherwise the one chosen (or all)."""
    if user.has_role(*TEAM_ROLES):
        return [user.team or ""], user.team
    return ([chosen] if chosen else None), chosen


@router.get("/sensors", name="sensors")
def sensors_home(request: Request) -> HTMLResponse:
    """What is stored, by status, each feed's newest reading, the web app's inbox, and posts accepted."""
    workspace = workspace_of(request)
    counts = status_counts(workspace)
    total = sum(counts.values())
    statuses = [{"name": name, "count": count, "share": count / total if total else 0.0,
                 "meaning": STATUS_MEANINGS[name]} for name, count in counts.items()]
    batches: list[Any] = []
    feeds: list[Any] = []
    timezone = workspace.settings.sensors.timezone
    with reading(workspace) as connection:
        if connection is not None:
            batches = connection.execute(
                "SELECT channel, origin, stored_at, stored, duplicates, conflicts, out_of_order, late, rejected "
                "FROM sensors.batches ORDER BY stored_at DESC LIMIT 8").fetchall()
            feeds = connection.execute(
                """SELECT coalesce(d.feed, 'devices posting their own readings') AS feed, count(DISTINCT d.device_id),
                          count(*), max(r.reading_time) FROM sensors.readings AS r
                   JOIN sensors.devices AS d USING (device_id) GROUP BY 1 ORDER BY 1""").fetchall()
    counters = _device_counters(request)
    return render(request, "sensors.html", {
        "page_title": "Sensors", "total": total, "statuses": statuses,
        "batches": [{"channel": row[0], "origin": row[1], "stored_at": row[2], "stored": row[3],
                     "duplicates": row[4], "conflicts": row[5], "out_of_order": row[6], "late": row[7],
                     "rejected": row[8]} for row in batches],
        "feeds": [{"name": row[0], "devices": row[1], "readings": row[2],
                   "newest": local_time(row[3], timezone)} for row in feeds],
        "inbox": inbox_state(workspace), "counters": counters,
    })


def _device_counters(request: Request) -> dict[str, Any] | None:
    """Posts accepted by the device endpoint since the app started."""
    for route in request.app.routes:
        state = getattr(getattr(route, "app", None), "state", None)
        counters = getattr(state, "counters", None) if state is not None else None
        if counters is not None:
            return {"posts": counters.posts, "readings": counters.readings, "refused": counters.refused,
                    "rate": counters.readings_per_second()}
    return None


@router.get("/sensors/health", name="sensors_health")
def sensors_health(request: Request, user: Annotated[User, Depends(current_user)], days: float = 7.0,
                   show: str = "to-fix") -> HTMLResponse:
    """The devices to fix, most problems first (practitioners: their team's devices)."""
    workspace = workspace_of(request)
    days = min(max(days, 1.0), 90.0)
    with reading(workspace) as connection:
        report = device_health(connection, workspace.settings.sensors, days=days) if connection is not None else None
    devices = []
    if report is not None:
        teams, _ = _team_filter(user, None)
        chosen = report.devices if show == "all" else report.to_fix
        devices = [device for device in chosen if teams is None or (device.team or "") in teams]
    timezone = workspace.settings.sensors.timezone
    return render(request, "sensors_health.html", {
        "page_title": "Devices to fix", "report": report, "devices": devices, "days": days, "show": show,
        "feeds": [{"name": name, "newest": local_time(moment, timezone) if moment else "never"}
                  for name, moment in (report.feeds.items() if report else [])],
        "last_seen": {device.device_id: local_time(device.last_seen, timezone) if device.last_seen else "never"
                      for device in devices},
    })


@router.get("/sensors/alerts", name="sensors_alerts")
def sensors_alerts(request: Request, user: Annotated[User, Depends(current_user)],
                   team: str | None = None) -> HTMLResponse:
    """Open alerts first, then the history; practitioners see their own team's."""
    workspace = workspace_of(request)
    settings = workspace.settings.sensors
    teams, chosen = _team_filter(user, team or None)
    rows: list[dict[str, Any]] = []
    known_teams: list[str] = []
    with reading(workspace) as connection:
        if connection is not None:
            history = alert_history(connection, teams=teams, limit=300)
            known_teams = [row[0] for row in connection.execute(
                "SELECT DISTINCT team FROM sensors.alert_events ORDER BY team").fetchall()]
            rules = {rule.name: rule for rule in settings.rules}
            for row in history.itertuples(index=False):
                rule = rules.get(row.rule)
                unit = settings.measures[rule.measure].unit if rule and rule.measure in settings.measures else ""
                cleared = None if pd.isna(row.cleared_at) else row.cleared_at
                rows.append({
                    "rule": row.rule, "what": rule.description if rule and rule.description else row.rule,
                    "condition": describe_condition(rule, unit) if rule else "",
                    "asset": row.asset_name or row.asset_id, "device": row.device_id, "team": row.team,
                    "raised": local_time(row.raised_at, settings.timezone), "value": f"{row.raised_value:g} {unit}",
                    "cleared": local_time(cleared, settings.timezone) if cleared is not None else None,
                    "emailed": "sent" if row.emailed else ("failed" if row.email_failed else "")})
    open_rows = [row for row in rows if row["cleared"] is None]
    return render(request, "sensors_alerts.html", {
        "page_title": "Sensor alerts", "open_rows": open_rows,
        "history": [row for row in rows if row["cleared"] is not None], "team": chosen,
        "teams": known_teams, "may_choose": not user.has_role(*TEAM_ROLES),
        "rules": [{"name": rule.name, "description": rule.description,
                   "condition": describe_condition(rule, settings.measures[rule.measure].unit
                                                   if rule.measure in settings.measures else ""),
                   "asset_type": rule.asset_type} for rule in settings.rules],
    })


@router.get("/sensors/forecasts", name="sensors_forecasts")
def sensors_forecasts(request: Request, bin: str | None = None) -> HTMLResponse:
    """Every bin's fill now, its rate, the fill expected a day ahead with an interval, and when it reaches the
    collection threshold; a chart of one bin's recent fill and forecast."""
    workspace = workspace_of(request)
    try:
        result = bin_forecasts(workspace)
    except TownhallError as error:
        return render(request, "sensors_forecasts.html", {"page_title": "Bin fill forecasts", "problem": str(error)})
    table = result.table().sort_values("reaches_threshold", kind="stable", na_position="last")
    rows = []
    for row in table.itertuples(index=False):
        reaches = "now" if row.fill_now >= result.threshold else (
            f"{row.reaches_threshold:%a %-d %b %H:%M}" if not pd.isna(row.reaches_threshold) else "not within 60 days")
        window = ""
        if not pd.isna(row.reaches_earliest):
            latest = f"{row.reaches_latest:%a %H:%M}" if not pd.isna(row.reaches_latest) else "later"
            window = f"{row.reaches_earliest:%a %H:%M} to {latest}"
        rows.append({"bin": row.bin_id, "name": row.asset_name, "now": f"{row.fill_now:.0f}%",
                     "rate": f"{row.rate_per_day:.0f}", "expected": f"{row.expected:.0f}%",
                     "interval": f"{row.low:.0f}% to {row.high:.0f}%", "reaches": reaches, "window": window})
    chosen = bin if bin in set(table["bin_id"]) else (rows[0]["bin"] if rows else None)
    chart = chart_table = None
    if chosen:
        chart, chart_table = _bin_chart(workspace, result, chosen)
    return render(request, "sensors_forecasts.html", {
        "page_title": "Bin fill forecasts", "result": result, "rows": rows, "chosen": chosen, "chart": chart,
        "chart_table": chart_table, "notes": result.model.describe(),
    })


def _bin_chart(workspace: Any, result: Any, bin_id: str) -> tuple[str, dict[str, Any]]:
    """One bin's last three days of readings and its forecast for the next day, with the interval."""
    from townhall.sensors import bin_readings

    readings = bin_readings(workspace)
    mine = readings.loc[readings["bin_id"] == bin_id]
    mine = mine.loc[mine["time"] >= mine["time"].max() - pd.Timedelta(days=3)]
    model = result.model
    last = mine.iloc[-1]
    start = pd.Timestamp(last["time"]).to_pydatetime()
    points = []
    for hours in range(0, 25, 2):
        at = start + dt.timedelta(hours=hours)
        forecast = model.forecast(bin_id, float(last["fill"]), start, at, threshold=result.threshold)
        points.append({"time": at.isoformat(), "expected": forecast.expected, "low": forecast.low,
                       "high": forecast.high})
    history = [{"time": pd.Timestamp(moment).isoformat(), "fill": float(fill)}
               for moment, fill in zip(mine["time"], mine["fill"], strict=True)]
    spec = {
        "description": f"Fill level of bin {bin_id}: the last three days and the forecast for the next day",
        "layer": [
            {"data": {"values": points}, "mark": {"type": "area", "opacity": 0.25, "color": "#0072B2"},
             "encoding": {"x": {"field": "time", "type": "temporal", "title": None},
                          "y": {"field": "low", "type": "quantitative", "title": "Fill (%)",
                                "scale": {"domain": [0, 100]}}, "y2": {"field": "high"}}},
            {"data": {"values": history}, "mark": {"type": "line", "color": "#0b0c0c"},
             "encoding": {"x": {"field": "time", "type": "temporal"}, "y": {"field": "fill", "type": "quantitative"}}},
            {"data": {"values": points}, "mark": {"type": "line", "strokeDash": [6, 4], "color": "#0072B2"},
             "encoding": {"x": {"field": "time", "type": "temporal"},
                          "y": {"field": "expected", "type": "quantitative"}}},
            {"data": {"values": [{"threshold": result.threshold}]}, "mark": {"type": "rule", "color": "#D55E00"},
             "encoding": {"y": {"field": "threshold", "type": "quantitative"}}},
        ],
    }
    table = {"head": ["Time", "Reading or forecast", "80% interval"],
             "rows": [[f"{pd.Timestamp(item['time']):%a %H:%M}", f"{item['fill']:.0f}% (reading)", ""]
                      for item in history[-12:]]
             + [[f"{pd.Timestamp(item['time']):%a %H:%M}", f"{item['expected']:.0f}% (forecast)",
                 f"{item['low']:.0f}% to {item['high']:.0f}%"] for item in points[1:]]}
    return render_svg(spec, description=spec["description"]), table
