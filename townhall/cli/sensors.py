"""`townhall sensors`: register devices, store readings from files, sources, the web app and MQTT, check device
health, see alerts, forecast bin fill, and test forecasts on a collection log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.errors import TownhallError
from townhall.workspace import current_actor

app = typer.Typer(help="Sensor feeds: register devices, store readings (files, web app, MQTT), check device health, "
                       "see alerts and forecast bin fill.", no_args_is_help=True)
devices_app = typer.Typer(help="The device register: which sensor is fitted to which asset, and device tokens.",
                          no_args_is_help=True)
app.add_typer(devices_app, name="devices")


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    """A batch's counts, statuses, alerts and problems."""
    console.print(escape(report.summary()))
    if report.new_devices:
        console.print(f"{report.new_devices} new device(s) added to the register.")
    if report.statuses:
        console.print("Statuses: " + ", ".join(f"{escape(name)} {count:,}" for name, count in
                                               sorted(report.statuses.items())))
    if report.events:
        console.print(f"Alerts: {report.alerts_raised} raised, {report.alerts_cleared} cleared.")
    for line in report.emails:
        console.print(escape(line))
    for problem in report.problems:
        console.print(f"[dim]{escape(problem)}[/dim]")


# --- devices ---------------------------------------------------------------------------------------------------------

@devices_app.command("list")
@friendly_errors
def devices_list(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """List registered devices with their asset, location, team and whether they have a token."""
    from townhall.sensors import list_devices

    frame = list_devices(open_workspace(workspace))
    table = Table(title=f"{len(frame):,} registered devices")
    for column in ("Device", "Asset", "Type", "Name", "Team", "Token"):
        table.add_column(column)
    for row in frame.itertuples(index=False):
        table.add_row(escape(row.device_id), escape(str(row.asset_id)), escape(str(row.asset_type)),
                      escape(str(row.asset_name or "")), escape(str(row.team or "")), "yes" if row.has_token else "")
    console.print(table)


@devices_app.command("add")
@friendly_errors
def devices_add(
    device: Annotated[str, typer.Argument(help="The device's id, as it names itself in its messages.")],
    asset_type: Annotated[str, typer.Option("--asset-type", help="What it is fitted to: bin, room, sheltered_room, "
                                                                "hot_water, cold_water ...")],
    asset: Annotated[str | None, typer.Option("--asset", help="The asset's id (the device's when left out).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The asset's name on pages and emails.")] = None,
    latitude: Annotated[float | None, typer.Option(help="Where it is, in degrees.")] = None,
    longitude: Annotated[float | None, typer.Option(help="Where it is, in degrees.")] = None,
    team: Annotated[str | None, typer.Option(help="The team told about its alerts.")] = None,
    token: Annotated[bool, typer.Option("--token/--no-token", help="Issue a token for posting readings to the "
                                                                   "web app.")] = True,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Register a device (or update its asset) and issue the token it posts readings with, shown once."""
    from townhall.sensors import add_device

    issued = add_device(open_workspace(workspace), device, asset_type=asset_type, asset_id=asset, asset_name=name,
                        latitude=latitude, longitude=longitude, team=team, actor=current_actor(), with_token=token)
    console.print(f"Registered [bold]{escape(device)}[/bold].")
    if issued:
        console.print(f"Token (shown once; put it in the device's settings): [bold]{issued}[/bold]")


@devices_app.command("import")
@friendly_errors
def devices_import(
    file: Annotated[Path, typer.Argument(help="A CSV with device_id, asset_type and optionally asset_id, "
                                              "asset_name, latitude, longitude, team.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Register many devices from a file (no tokens are issued; use 'townhall sensors devices token')."""
    from townhall.sensors import import_devices

    new = import_devices(open_workspace(workspace), file, actor=current_actor())
    console.print(f"{new} new device(s) registered from {escape(file.name)}; the others were updated.")


@devices_app.command("token")
@friendly_errors
def devices_token(
    device: Annotated[str, typer.Argument(help="The device's id.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Issue a new token for a device (the old one stops working within a minute), shown once."""
    from townhall.sensors import issue_token

    token = issue_token(open_workspace(workspace), device, actor=current_actor())
    console.print(f"Token for {escape(device)} (shown once): [bold]{token}[/bold]")


@devices_app.command("revoke")
@friendly_errors
def devices_revoke(
    device: Annotated[str, typer.Argument(help="The device's id.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Stop a device's token working (a lost or stolen device)."""
    from townhall.sensors import revoke_token

    revoke_token(open_workspace(workspace), device, actor=current_actor())
    console.print(f"The token of {escape(device)} no longer works (within a minute on a running web app).")


# --- readings in -----------------------------------------------------------------------------------------------------

@app.command("ingest")
@friendly_errors
def ingest(
    file: Annotated[Path, typer.Argument(help="A CSV, JSON lines or Parquet file of readings.")],
    feed: Annotated[str, typer.Option("--feed", help="The feed in [sensors.feeds] that names its columns.")],
    email: Annotated[bool, typer.Option("--email/--no-email", help="Email teams about live alerts it raises.")] =
    False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Store a file of readings: duplicates dropped, conflicts, late and out-of-order readings counted, each reading
    given a status, and alert rules run."""
    from townhall.sensors import ingest_file

    _print_report(ingest_file(open_workspace(workspace), file, feed, notify=email, actor=current_actor()))


@app.command("ingest-source")
@friendly_errors
def ingest_source_command(
    feed: Annotated[str, typer.Argument(help="A feed in [sensors.feeds] that names a registered source.")],
    email: Annotated[bool, typer.Option("--email/--no-email", help="Email teams about live alerts it raises.")] =
    False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Store the readings of a registered source (such as the demo's bin_sensors) as a feed's settings describe."""
    from townhall.sensors import ingest_source

    _print_report(ingest_source(open_workspace(workspace), feed, notify=email, actor=current_actor()))


@app.command("drain")
@friendly_errors
def drain_command(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Store the readings devices posted to the web app that are waiting in its inbox (once, e.g. from cron)."""
    from townhall.sensors import drain

    opened = open_workspace(workspace)
    stored = 0
    while (report := drain(opened)) is not None:
        _print_report(report)
        stored += 1
    if not stored:
        console.print("Nothing was waiting in the inbox.")


@app.command("listen")
@friendly_errors
def listen(
    seconds: Annotated[float | None, typer.Option(help="Stop after this many seconds (runs until Ctrl+C when left "
                                                       "out).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Subscribe to the MQTT broker and store what arrives, and the web app's inbox, every few seconds (the one
    process that writes readings while the web app runs)."""
    from townhall.sensors import Listener

    opened = open_workspace(workspace)
    settings = opened.settings.sensors
    listener = Listener(opened)
    listener.connect()
    console.print(f"Listening on {settings.mqtt_host}:{settings.mqtt_port} to '{escape(settings.mqtt_topic)}' and "
                  f"storing every {settings.listen_batch_seconds:g} s. Stop with Ctrl+C.")

    def show(report) -> None:  # type: ignore[no-untyped-def]
        console.print(f"{dt.datetime.now():%H:%M:%S} {escape(report.summary())}"
                      + (f" Alerts: {report.alerts_raised} raised, {report.alerts_cleared} cleared."
                         if report.events else ""))

    try:
        totals = listener.run(seconds=seconds, on_batch=show)
    except KeyboardInterrupt:
        listener.close()
        totals = listener.totals
    console.print(f"Stored {totals.stored:,} readings in {totals.batches:,} batches ({totals.duplicates:,} duplicates "
                  f"dropped, {totals.rejected_messages:,} messages refused).")
    for problem in totals.problems:
        console.print(f"[dim]{escape(problem)}[/dim]")


# --- health, alerts, forecasts ---------------------------------------------------------------------------------------

@app.command("health")
@friendly_errors
def health(
    days: Annotated[float, typer.Option(help="How many days of readings to judge each device on.")] = 7.0,
    all_devices: Annotated[bool, typer.Option("--all", help="List every device, not only those to fix.")] = False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """List the devices to fix: silent, stuck, flat or low battery, impossible jumps, gaps."""
    from townhall.sensors import device_health, local_time, reading

    opened = open_workspace(workspace)
    with reading(opened) as connection:
        if connection is None:
            raise TownhallError("No sensor readings are stored yet: load some with 'townhall sensors ingest'.")
        report = device_health(connection, opened.settings.sensors, days=days)
    shown = report.devices if all_devices else report.to_fix
    as_of = local_time(report.as_of, opened.settings.sensors.timezone) if report.as_of else "never"
    table = Table(title=f"{len(report.to_fix)} of {len(report.devices)} devices to fix (the {days:g} days to "
                        f"{as_of})")
    for column in ("Device", "Asset", "Team", "Readings", "Usable", "What to fix"):
        table.add_column(column, overflow="fold")
    for device in shown:
        usable = f"{device.usable_share:.0%}" if device.usable_share is not None else ""
        table.add_row(escape(device.device_id), escape(device.asset_name), escape(device.team or ""),
                      f"{device.readings:,}", usable, escape(" ".join(device.problems)) or "nothing")
    console.print(table)


@app.command("alerts")
@friendly_errors
def alerts(
    team: Annotated[str | None, typer.Option(help="Only this team's alerts.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only alerts not yet cleared.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many alerts.")] = 50,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """List alerts, open ones first, with when each was raised and cleared."""
    from townhall.sensors import alert_history, local_time, reading

    opened = open_workspace(workspace)
    timezone = opened.settings.sensors.timezone
    with reading(opened) as connection:
        if connection is None:
            raise TownhallError("No sensor readings are stored yet.")
        history = alert_history(connection, teams=[team] if team else None, limit=limit)
    if open_only:
        history = history.loc[history["cleared_at"].isna()]
    table = Table(title=f"{len(history)} alerts" + (f" for {escape(team)}" if team else ""))
    for column in ("Rule", "Asset", "Team", "Raised", "Value", "Cleared"):
        table.add_column(column, overflow="fold")
    for row in history.itertuples(index=False):
        cleared = local_time(row.cleared_at, timezone) if row.cleared_at is not None and str(row.cleared_at) != "NaT" \
            else "open"
        table.add_row(escape(row.rule), escape(str(row.asset_name or row.asset_id)), escape(row.team),
                      local_time(row.raised_at, timezone), f"{row.raised_value:g}", cleared)
    console.print(table)


@app.command("forecast")
@friendly_errors
def forecast(
    at: Annotated[str | None, typer.Option(help="The clock time to forecast for, e.g. '2026-10-02 06:00' (a day "
                                                "after the newest reading when left out).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Forecast every bin's fill at a time, and when it reaches the collection threshold, with an 80% interval."""
    from townhall.sensors import bin_forecasts

    opened = open_workspace(workspace)
    when = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise TownhallError(f"'{at}' is not a date and time such as 2026-10-02 06:00.") from None
    result = bin_forecasts(opened, at=when)
    table = Table(title=f"Bin fill at {result.at:%a %-d %b %Y %H:%M} (readings to {result.as_of:%-d %b %H:%M})")
    for column in ("Bin", "Where", "Now", "Rate a day", "Expected", "80% interval", f"Reaches {result.threshold:g}%"):
        table.add_column(column, justify="left" if column in ("Bin", "Where") else "right")
    for row in result.table().itertuples(index=False):
        reaches = f"{row.reaches_threshold:%a %H:%M}" if str(row.reaches_threshold) != "NaT" else "not within 60 days"
        table.add_row(escape(row.bin_id), escape(str(row.asset_name)), f"{row.fill_now:.0f}%",
                      f"{row.rate_per_day:.0f} points", f"{row.expected:.0f}%", f"{row.low:.0f} to {row.high:.0f}%",
                      reaches)
    console.print(table)
    for line in result.model.describe():
        console.print(f"[dim]{escape(line)}[/dim]")


@app.command("backtest-log")
@friendly_errors
def backtest_log(
    file: Annotated[Path, typer.Argument(help="A collection log (Excel, CSV or Parquet) with the fill level found "
                                              "at each collection, such as Edinburgh's 2016 export.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Test fill forecasts out of time on a collection log against 'the same as last time', and count what a
    sensor-driven plan would have skipped."""
    from townhall.sensors import backtest_collection_log, read_collection_log

    opened = open_workspace(workspace)
    settings = opened.settings.sensors.collection_log
    log = read_collection_log(file, settings)
    console.print(f"Read {len(log.frame):,} collections of {log.bins:,} bins from {escape(log.origin)}.")
    for problem in log.problems:
        console.print(f"[dim]{escape(problem)}[/dim]")
    flag = log.flag_summary()
    if flag:
        console.print(escape(flag))
    threshold = min(100.0, opened.settings.routes.collection_threshold_pct / settings.full_means_pct * 100)
    result = backtest_collection_log(log, threshold=threshold)
    for line in result.describe():
        console.print(escape(line))
    if result.skip is not None:
        for line in result.skip.describe(settings.full_means_pct):
            console.print(escape(line))
    opened.audit.record(current_actor(), "sensors.backtest_log", log.origin, details={
        "collections": result.collections, "model_mae": round(result.model_mae, 2),
        "naive_mae": round(result.naive_mae, 2)})


@app.command("status")
@friendly_errors
def status(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Readings stored by status, the last batches, and posts waiting in the web app's inbox."""
    from townhall.sensors import STATUS_MEANINGS, inbox_state, reading, status_counts

    opened = open_workspace(workspace)
    counts = status_counts(opened)
    table = Table(title=f"{sum(counts.values()):,} readings stored")
    for column in ("Status", "Readings", "Meaning"):
        table.add_column(column, justify="right" if column == "Readings" else "left")
    for name, count in counts.items():
        table.add_row(escape(name), f"{count:,}", escape(STATUS_MEANINGS[name]))
    console.print(table)
    with reading(opened) as connection:
        if connection is not None:
            batches = connection.execute(
                "SELECT channel, origin, stored_at, stored, duplicates, conflicts, out_of_order, late, rejected "
                "FROM sensors.batches ORDER BY stored_at DESC LIMIT 5").fetchall()
            for channel, origin, stored_at, stored, duplicates, conflicts, late_order, late, rejected in batches:
                console.print(f"{stored_at:%Y-%m-%d %H:%M} UTC {escape(channel)}: {stored:,} stored from "
                              f"{escape(origin)} ({duplicates:,} duplicates, {conflicts:,} conflicts, "
                              f"{late_order:,} out of order, {late:,} late, {rejected:,} rejected)")
    inbox = inbox_state(opened)
    console.print(f"{inbox.waiting:,} posts waiting in the web app's inbox" + (
        f" (the oldest from {inbox.oldest:%Y-%m-%d %H:%M} UTC): is 'townhall sensors listen' running?"
        if inbox.waiting else "."))
