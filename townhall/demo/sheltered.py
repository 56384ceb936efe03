"""Sheltered-housing sensors: room temperatures in residents' flats and water temperatures in each scheme's plant
room, as a supplier's devices send them (JSON lines, one reading a line, times in UTC), hourly for four weeks of
January.

Planted, with the truth kept for tests: cold spells in some flats (heating failed; below 18 °C for hours), short dips
that end within three hours (no alert should follow), a spell that hovers around 18 °C before recovering (one alert,
not many), a hot-water fault and a warm cold-water tank (water in the range where legionella grows), a stuck sensor,
a battery that runs flat before its device goes silent, and the transmission faults of real feeds: repeated lines,
the same reading sent twice with different values, and readings that arrive late (out of order in the file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from townhall.demo.world import DemoWorld

START = np.datetime64("2026-01-05T00:00", "m")
DAYS = 28
STEP_MINUTES = 60
PER_HOUR = 60 // STEP_MINUTES
PER_DAY = 24 * PER_HOUR
FLATS_PER_SCHEME = 10
FILE_NAME = "sheltered_housing_sensors.jsonl"


def sheltered_housing_feed(world: DemoWorld) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The feed's lines (in the order they arrive) and the truth of what was planted."""
    rng = world.random("sheltered housing sensors")
    units = world.units
    scheme_count = int(np.clip(world.residents // 10_000, 2, 12))
    homes = np.flatnonzero(~units["is_business"].to_numpy())
    sites = rng.choice(homes, size=scheme_count, replace=False)
    steps = DAYS * 24 * 60 // STEP_MINUTES
    times = START + np.arange(steps) * np.timedelta64(STEP_MINUTES, "m")
    hour = (np.arange(steps) / PER_HOUR) % 24
    rows: list[pd.DataFrame] = []
    truth: list[dict[str, object]] = []
    for scheme_number, site in enumerate(sites, start=1):
        scheme = f"{units['street'].to_numpy()[site]} Court"
        code = f"SH{scheme_number:02d}"
        latitude = float(units["latitude"].to_numpy()[site])
        longitude = float(units["longitude"].to_numpy()[site])
        devices: list[tuple[str, str, str, str, np.ndarray]] = []
        for flat in range(1, FLATS_PER_SCHEME + 1):
            comfort = rng.normal(21.0, 0.6)
            temperature = comfort - 1.2 * (hour < 6) + rng.normal(0, 0.12, steps)
            devices.append((f"{code}-T{flat:02d}", f"{code}-F{flat:02d}", "sheltered_room", f"Flat {flat} lounge",
                            temperature))
        hot = rng.normal(59.5, 0.6, steps)
        cold = rng.normal(12.5, 0.5, steps)
        devices.append((f"{code}-HW1", f"{code}-HW", "hot_water", "Hot water outlet, plant room", hot))
        devices.append((f"{code}-CW1", f"{code}-CW", "cold_water", "Cold water tank, plant room", cold))
        flats = rng.permutation(FLATS_PER_SCHEME)

        def window(start_step: int, length: int) -> slice:
            return slice(start_step, min(start_step + length, steps))

        # Cold spells: the heating fails and the flat cools towards 15 °C, then warms again.
        for spell in range(2):
            flat = int(flats[spell])
            start_step = int(rng.integers(2 * PER_DAY, steps - 4 * PER_DAY))
            length = int(rng.integers(5 * PER_HOUR, 20 * PER_HOUR))  # 5 to 20 hours
            values = devices[flat][4]
            span = window(start_step, length)
            fall = np.minimum(np.arange(span.stop - span.start) + 1, 2 * PER_HOUR) / (2 * PER_HOUR)
            values[span] = values[span] * (1 - fall) + (15.0 + rng.normal(0, 0.2, span.stop - span.start)) * fall
            truth.append({"kind": "cold spell", "device_id": devices[flat][0], "start": times[span.start],
                          "end": times[span.stop - 1], "should_alert": True})
        # A short dip below 18 °C that ends within two hours: no alert.
        flat = int(flats[2])
        start_step = int(rng.integers(2 * PER_DAY, steps - 4 * PER_DAY))
        dip = 2 * PER_HOUR  # two hours, well short of three
        devices[flat][4][window(start_step, dip)] = 17.2 + rng.normal(0, 0.1, dip)
        truth.append({"kind": "short dip", "device_id": devices[flat][0], "start": times[start_step],
                      "end": times[start_step + dip - 1], "should_alert": False})
        # A spell that hovers around 18 °C after falling, before recovering: one alert, cleared once.
        flat = int(flats[3])
        start_step = int(rng.integers(2 * PER_DAY, steps - 5 * PER_DAY))
        values = devices[flat][4]
        cold_hours = 5 * PER_HOUR  # five hours clearly cold
        values[window(start_step, cold_hours)] = 16.5 + rng.normal(0, 0.1, cold_hours)
        hover = window(start_step + cold_hours, 8 * PER_HOUR)
        values[hover] = 18.0 + np.where(np.arange(hover.stop - hover.start) % 2 == 0, -0.4, 0.5)
        truth.append({"kind": "hovering spell", "device_id": devices[flat][0], "start": times[start_step],
                      "end": times[hover.stop - 1], "should_alert": True})
        # A stuck sensor: one value repeated for three days.
        flat = int(flats[4])
        start_step = int(rng.integers(2 * PER_DAY, steps - 4 * PER_DAY))
        stuck = 3 * PER_DAY
        devices[flat][4][window(start_step, stuck)] = round(float(devices[flat][4][start_step]), 1)
        truth.append({"kind": "stuck sensor", "device_id": devices[flat][0], "start": times[start_step],
                      "end": times[min(start_step + stuck - 1, steps - 1)], "should_alert": False})
        # Water in the legionella range: the boiler fails in the first scheme, a plant room warms in the second.
        for number, values, level, spread, hours, kind in ((1, hot, 40.0, 1.0, 10, "hot water"),
                                                           (2, cold, 22.0, 0.4, 8, "cold water")):
            if scheme_number == number:
                start_step = int(rng.integers(2 * PER_DAY, steps - 2 * PER_DAY))
                length = hours * PER_HOUR
                values[window(start_step, length)] = level + rng.normal(0, spread, length)
                truth.append({"kind": f"{kind} in legionella range",
                              "device_id": devices[-2 if kind == "hot water" else -1][0],
                              "start": times[start_step], "end": times[start_step + length - 1],
                              "should_alert": True})
        for number, (device, asset, asset_type, location, values) in enumerate(devices):
            battery = np.clip(rng.uniform(70, 100) - np.arange(steps) * rng.uniform(0.0005, 0.003), 0, 100)
            reporting = np.ones(steps, dtype=bool)
            if scheme_number == 1 and number == int(flats[5]):
                # This device's battery runs flat on day 18; it goes silent on day 21.
                battery = np.clip(60 - np.arange(steps) * (56 / (18 * PER_DAY)), 0, 100)
                reporting[21 * PER_DAY:] = False
                truth.append({"kind": "battery runs flat", "device_id": device, "start": times[18 * PER_DAY],
                              "end": times[21 * PER_DAY - 1], "should_alert": False})
            step = np.flatnonzero(reporting & (rng.random(steps) > 0.003))
            base = {"device": device, "asset": asset, "asset_type": asset_type, "scheme": scheme,
                    "location": location, "latitude": round(latitude, 6), "longitude": round(longitude, 6)}
            rows.append(pd.DataFrame({**base, "time": times[step], "measure": "temperature_c",
                                      "value": np.round(values[step], 1)}))
            battery_step = step[step % (6 * PER_HOUR) == 0]
            rows.append(pd.DataFrame({**base, "time": times[battery_step], "measure": "battery_pct",
                                      "value": np.round(battery[battery_step], 0)}))
    feed = pd.concat(rows, ignore_index=True).sort_values(["time", "device", "measure"], kind="stable",
                                                          ignore_index=True)
    feed, faults = _transmission_faults(feed, rng)
    truth.append(faults)
    feed["time"] = pd.Series(feed["time"].to_numpy(dtype="datetime64[s]")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    world.planted["sheltered_housing_sensors"] = {
        "schemes": int(scheme_count), "flats_per_scheme": FLATS_PER_SCHEME, "days": DAYS,
        "reading_interval_minutes": STEP_MINUTES,
        "repeated_lines": faults["repeated_lines"], "conflicting_lines": faults["conflicting_lines"],
        "late_lines": faults["late_lines"],
        "alerts_expected": int(sum(1 for item in truth if item.get("should_alert"))),
    }
    events = pd.DataFrame([item for item in truth if "device_id" in item])
    return feed, events


def _transmission_faults(feed: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, object]]:
    """Repeat about 1% of lines soon after the original, resend 0.1% soon after with another value, and deliver
    0.3% of lines hours late."""
    count = len(feed)
    arrival = np.arange(count, dtype=float)
    late = rng.random(count) < 0.003
    arrival[late] += rng.integers(100, 2000, int(late.sum()))
    repeated = np.flatnonzero(rng.random(count) < 0.01)
    conflicting = np.flatnonzero((rng.random(count) < 0.001) & (feed["measure"] == "temperature_c").to_numpy())
    extra = feed.iloc[np.concatenate([repeated, conflicting])].copy()
    changed = np.arange(len(extra)) >= len(repeated)
    extra.loc[changed, "value"] = np.round(extra.loc[changed, "value"] + rng.choice([-1.5, 1.5], int(changed.sum())),
                                           1)
    # A resend follows its original within a few dozen lines.
    extra_arrival = arrival[np.concatenate([repeated, conflicting])] + rng.uniform(0.5, 40, len(extra))
    delivered = pd.concat([feed, extra], ignore_index=True)
    order = np.argsort(np.concatenate([arrival, extra_arrival]), kind="stable")
    return delivered.iloc[order].reset_index(drop=True), {
        "repeated_lines": len(repeated), "conflicting_lines": len(conflicting), "late_lines": int(late.sum())}


def write_sheltered_feed(feed: pd.DataFrame, folder: Path) -> Path:
    """Write the feed as JSON lines (UTF-8, one reading a line)."""
    path = folder / FILE_NAME
    path.write_text(feed.to_json(orient="records", lines=True, force_ascii=False), encoding="utf-8")
    return path
