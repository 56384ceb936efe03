"""Email: a team with addresses is told about its live alerts through a real (local) SMTP server, once per batch;
an email that cannot be sent is recorded, and the alert stays on the alerts page."""

from __future__ import annotations

import datetime as dt
import socket

import pandas as pd
import pytest

from townhall.sensors import ReadingBatch, alert_history, reading, store_batch

from .conftest import configure

RULE = {"name": "bin-full", "asset_type": "bin", "measure": "fill_pct", "kind": "above", "threshold": 80,
        "clear": 30, "description": "A litter bin is more than 80% full."}


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    """A real SMTP server on a free local port, keeping the messages it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def _bins_workspace(workspace, port: int):  # type: ignore[no-untyped-def]
    from townhall.sensors import add_device

    configured = configure(workspace, sensors={
        "rules": [RULE], "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "townhall@council.example",
        "team_emails": {"Street Scene": ["street.scene@council.example"]}, "app_url": "https://townhall.example"})
    for number in (1, 2):
        add_device(configured, f"LB-{number}", asset_type="bin", asset_name=f"Bin on Mill Road {number}",
                   team="Street Scene", actor="test", with_token=False)
    return configured


def _fills(values: dict[str, list[float]], start: dt.datetime) -> ReadingBatch:
    rows = [{"device_id": device, "measure": "fill_pct", "reading_time": pd.Timestamp(start)
             + pd.Timedelta(hours=2 * position), "value": value, "flagged": False}
            for device, series in values.items() for position, value in enumerate(series)]
    return ReadingBatch(readings=pd.DataFrame(rows), origin="test", rows_read=len(rows))


def test_a_team_gets_one_email_about_its_new_alerts(workspace, smtp_server) -> None:
    port, received = smtp_server
    configured = _bins_workspace(workspace, port)
    now = dt.datetime(2026, 3, 2, 12, 0)
    report = store_batch(configured, _fills({"LB-1": [50, 85], "LB-2": [60, 90]}, now - dt.timedelta(hours=2)),
                         channel="mqtt", now=now)
    assert report.alerts_raised == 2 and len(received) == 1
    message = received[0]
    assert message["To"] == "street.scene@council.example"
    assert message["Subject"] == "townhall sensors: 2 new alerts for Street Scene"
    body = message.get_payload()
    assert "Bin on Mill Road 1" in body and "A litter bin is more than 80% full." in body
    assert "https://townhall.example/sensors/alerts" in body
    with reading(configured) as connection:
        assert alert_history(connection)["emailed"].all()
    configured.close()


def test_alerts_in_old_readings_are_not_emailed(workspace, smtp_server) -> None:
    port, received = smtp_server
    configured = _bins_workspace(workspace, port)
    report = store_batch(configured, _fills({"LB-1": [50, 85]}, dt.datetime(2026, 1, 1)), channel="file",
                         now=dt.datetime(2026, 3, 2, 12, 0))
    assert report.alerts_raised == 1 and received == [] and report.emails == []
    configured.close()


def test_an_email_that_cannot_be_sent_is_recorded_and_the_alert_kept(workspace) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    configured = _bins_workspace(workspace, closed)
    now = dt.datetime(2026, 3, 2, 12, 0)
    report = store_batch(configured, _fills({"LB-1": [50, 85]}, now - dt.timedelta(hours=2)), channel="mqtt",
                         now=now)
    assert report.alerts_raised == 1 and "Could not email Street Scene" in report.emails[0]
    with reading(configured) as connection:
        history = alert_history(connection)
    assert history.loc[0, "email_failed"] and pd.isna(history.loc[0, "cleared_at"])
    configured.close()
