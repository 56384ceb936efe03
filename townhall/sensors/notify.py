"""Telling teams about alerts by email (SMTP), one message per team per batch so a burst of readings is one email.

Only live alerts are emailed: those whose reading was taken within ``[sensors] late_after_minutes`` of now. Alerts
found in a file of old readings go to the alerts page and history, not to people's inboxes. Each email sent (or that
failed) is an event in the alert history. The SMTP password, when the server needs one, comes from the environment
variable TOWNHALL_SMTP_PASSWORD and is never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from email.message import EmailMessage

import pandas as pd

from townhall.sensors.rules import RAISED, AlertEvent
from townhall.sensors.store import writing
from townhall.settings.sensors import SensorsSettings
from townhall.workspace import Workspace

SMTP_TIMEOUT_SECONDS = 10
EMAILED = "emailed"
EMAIL_FAILED = "email failed"


def local_time(moment: dt.datetime, timezone: str) -> str:
    """A UTC time as the council's clock shows it, e.g. '08:00 on Mon 5 Jan 2026'."""
    shown = pd.Timestamp(moment).tz_localize("UTC").tz_convert(timezone)
    return f"{shown:%H:%M} on {shown:%a} {shown.day} {shown:%b %Y}"


def compose(team: str, events: list[AlertEvent], settings: SensorsSettings,
            asset_names: dict[str, str]) -> EmailMessage:
    """The email to one team about its new and cleared alerts."""
    raised = [event for event in events if event.event == RAISED]
    cleared = [event for event in events if event.event != RAISED]
    rules = {rule.name: rule for rule in settings.rules}
    message = EmailMessage()
    counts = []
    if raised:
        counts.append(f"{len(raised)} new alert{'s' if len(raised) != 1 else ''}")
    if cleared:
        counts.append(f"{len(cleared)} cleared")
    message["Subject"] = f"townhall sensors: {' and '.join(counts)} for {team}"
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.team_emails.get(team, []))
    lines = [f"Sensor alerts for {team}.", ""]
    for heading, group in (("New alerts", raised), ("Cleared", cleared)):
        if not group:
            continue
        lines.append(f"{heading}:")
        for event in group:
            rule = rules.get(event.rule)
            what = rule.description if rule and rule.description else event.rule
            value = f"{event.value:g}" if event.value is not None else "no value"
            lines.append(f"- {asset_names.get(event.device_id, event.asset_id)} (sensor {event.device_id}): {what} "
                         f"Reading {value} at {local_time(event.event_time, settings.timezone)}.")
        lines.append("")
    if settings.app_url:
        lines.append(f"See every open alert: {settings.app_url.rstrip('/')}/sensors/alerts")
    lines.append("You are getting this because your team is set to receive these alerts in townhall.")
    message.set_content("\n".join(lines))
    return message


def send(message: EmailMessage, settings: SensorsSettings) -> None:
    """Send one message through the council's SMTP server (STARTTLS and a log-in when the settings ask)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as server:
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            server.login(settings.smtp_username, os.environ.get("TOWNHALL_SMTP_PASSWORD", ""))
        server.send_message(message)


def notify_teams(workspace: Workspace, events: list[AlertEvent], *, now: dt.datetime) -> list[str]:
    """Email each team with addresses set about its live alerts; record each email as an alert event; return one
    sentence per email sent or failed."""
    settings = workspace.settings.sensors
    window = dt.timedelta(minutes=settings.late_after_minutes)
    live = [event for event in events if now - event.event_time <= window]
    by_team: dict[str, list[AlertEvent]] = {}
    for event in live:
        if settings.team_emails.get(event.team):
            by_team.setdefault(event.team, []).append(event)
    if not by_team:
        return []
    with writing(workspace) as connection:
        names = dict(connection.execute(
            "SELECT device_id, asset_name FROM sensors.devices WHERE device_id IN (SELECT unnest(?))",
            [sorted({event.device_id for event in live})]).fetchall())
    outcomes: list[str] = []
    records: list[list[object]] = []
    for team, team_events in by_team.items():
        message = compose(team, team_events, settings, names)
        try:
            send(message, settings)
            outcome, detail = EMAILED, f"to {len(settings.team_emails[team])} address(es)"
            outcomes.append(f"Emailed {team} about {len(team_events)} alert change(s).")
        except (OSError, smtplib.SMTPException) as error:
            outcome, detail = EMAIL_FAILED, f"{type(error).__name__}: {error}"[:300]
            outcomes.append(f"Could not email {team} ({detail}): the alerts are on the alerts page.")
        records.extend([event.alert_id, event.rule, event.device_id, event.asset_id, team, outcome, event.event_time,
                        now, event.value, detail] for event in team_events)
    with writing(workspace) as connection:
        connection.executemany("INSERT INTO sensors.alert_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
    return outcomes
