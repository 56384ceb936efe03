"""Non-person data: a past letter trial, resident feedback text, bin and building sensor feeds, monthly service
demand, and special-educational-needs transitions. Each has the truth behind it recorded for evaluation.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from townhall.demo.formats import PERIOD_END, PERIOD_START, date_parts, format_dates
from townhall.demo.names import COUNCIL_BUILDING_KINDS
from townhall.demo.outcomes import sigmoid
from townhall.demo.records import SourceTable, pick, record_ids, uniform_dates
from townhall.demo.world import DemoWorld

LETTER_TRIAL_EFFECT = 0.05  # absolute rise in the chance of switching to direct debit within 8 weeks
_TRIAL_OPEN = np.datetime64("2024-02-01")


def letter_trial(world: DemoWorld, council_tax: SourceTable, accounts: pd.DataFrame) -> SourceTable:
    """A past randomised trial of a new direct-debit letter on council tax accounts not paying by direct debit.

    Accounts that switched now show 'Direct Debit' in the council tax file, as they would in reality.
    """
    rng = world.random("letter trial")
    start = accounts["start_date"].to_numpy(dtype="datetime64[D]")
    end = accounts["end_date"].to_numpy(dtype="datetime64[D]")
    eligible = np.flatnonzero(accounts["has_person"].to_numpy() & ~accounts["direct_debit"].to_numpy()
                              & (start <= _TRIAL_OPEN) & (np.isnat(end) | (end > _TRIAL_OPEN + 120)))
    count = eligible.size
    treated = np.zeros(count, dtype=bool)
    treated[rng.permutation(count)[: count // 2]] = True
    randomised = _TRIAL_OPEN + 4 + (rng.random(count) * 54).astype("timedelta64[D]")
    age = accounts["age"].to_numpy()[eligible]
    hardship = accounts["hardship"].to_numpy()[eligible]
    control_chance = sigmoid(-2.6 + 0.5 * (age > 50) - 0.35 * hardship)
    chance = control_chance + LETTER_TRIAL_EFFECT * treated
    switched = rng.random(count) < chance
    ward_names = world.geography.wards["name"].to_numpy()
    frame = pd.DataFrame({
        "account_ref": accounts["account_ref"].to_numpy()[eligible],
        "arm": np.where(treated, "new_letter", "control"),
        "randomised_date": randomised,
        "ward": ward_names[accounts["ward_index"].to_numpy()[eligible]],
        "switched_to_direct_debit": switched,
    }).sort_values(["randomised_date", "account_ref"], kind="stable").reset_index(drop=True)
    method = council_tax.frame["PaymentMethod"].to_numpy(dtype=object).copy()
    method[eligible[switched]] = "Direct Debit"
    council_tax.frame["PaymentMethod"] = method
    control = ~treated
    world.planted["letter_trial"] = {
        "true_effect": LETTER_TRIAL_EFFECT,
        "effect_scale": "absolute difference in the probability of switching to direct debit within 8 weeks",
        "effect_is_constant": True,
        "accounts": int(count),
        "control_expected_rate": round(float(control_chance.mean()), 4),
        "observed_control_rate": round(float(switched[control].mean()), 4) if control.any() else None,
        "observed_new_letter_rate": round(float(switched[treated].mean()), 4) if treated.any() else None,
        "randomisation": "complete randomisation, half of eligible accounts to each arm",
        "eligibility": "person-liable council tax accounts not paying by direct debit, open on 1 February 2024",
        "baseline_predictors": "age over 50 (more likely to switch) and household hardship (less likely)",
    }
    return SourceTable(
        name="letter_trial", file_name="direct_debit_letter_trial.xlsx", file_format="xlsx",
        owner="Revenues and Benefits",
        description="A 2024 randomised trial of a new letter encouraging council tax payers to pay by direct debit.",
        frame=frame, record_id_column="account_ref", sheet="Trial", date_cell_columns=("randomised_date",),
        errors=("clean: one row per randomised account",),
    )


# --- resident feedback -----------------------------------------------------------------------------------------

_FEEDBACK_TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("Waste and recycling", "missed collection", "negative",
     "My bin on {street} was missed again this week and has now been sitting full for {days} days."),
    ("Waste and recycling", "missed collection", "negative",
     "The recycling wasn't collected on {street}. Nobody answered the phone when I rang."),
    ("Waste and recycling", "missed collection", "positive",
     "After I reported the missed bin on {street} the crew came back the next morning."),
    ("Waste and recycling", "fly-tipping", "negative",
     "There is a mattress and bags of rubbish dumped on {street} and it has been there {weeks} weeks."),
    ("Waste and recycling", "fly-tipping", "positive",
     "The fly-tipping on {street} was cleared within a day of me reporting it online. Impressive."),
    ("Waste and recycling", "staff attitude", "positive",
     "The bin crew on {street} are always friendly and put the bins back neatly."),
    ("Waste and recycling", "staff attitude", "negative",
     "The crew left bins in the middle of the pavement on {street} and the driver was rude to my neighbour."),
    ("Housing repairs", "waiting times", "negative",
     "I reported a leak {weeks} weeks ago and I am still waiting for someone to come out."),
    ("Housing repairs", "waiting times", "positive",
     "The repair was booked quickly and the engineer arrived on time. Sorted in one visit."),
    ("Housing repairs", "damp and mould", "negative",
     "The mould in the children's bedroom keeps coming back. It has been reported {days} times and nothing changes."),
    ("Housing repairs", "damp and mould", "positive",
     "The damp team treated the walls and fitted a new fan. The flat feels much better now."),
    ("Housing repairs", "staff attitude", "positive",
     "The plumber was polite, cleaned up after himself and explained what he had done."),
    ("Housing repairs", "staff attitude", "negative",
     "The contractor did not turn up and nobody rang to let me know. I took a day off work for nothing."),
    ("Council tax", "online services", "positive",
     "Setting up direct debit online was easy and only took a few minutes."),
    ("Council tax", "online services", "negative",
     "The website kept crashing when I tried to pay my council tax and I was charged a late fee."),
    ("Council tax", "billing errors", "negative",
     "My bill is wrong again. I live alone and the single person discount has been taken off."),
    ("Council tax", "staff attitude", "positive",
     "The lady on the phone sorted out my payment plan and was very understanding."),
    ("Council tax", "waiting times", "negative",
     "I waited on hold for over an hour to speak to someone about my council tax."),
    ("Parks and open spaces", "cleanliness", "positive",
     "The park near {street} looks lovely at the moment, the flower beds are beautiful."),
    ("Parks and open spaces", "cleanliness", "negative",
     "The litter bins in the park by {street} are overflowing every weekend and the rubbish blows everywhere."),
    ("Parks and open spaces", "play areas", "negative",
     "The swings in the play area off {street} have been broken for {weeks} weeks."),
    ("Parks and open spaces", "play areas", "positive",
     "The new play area is fantastic, my kids love it."),
    ("Libraries", "staff attitude", "positive",
     "The library staff helped my dad with his online forms and were so patient with him."),
    ("Libraries", "opening hours", "negative",
     "The library is now closed on Saturdays which is the only day I can go."),
    ("Libraries", "events", "positive",
     "The rhyme time sessions for toddlers are brilliant and always welcoming."),
    ("Roads and pavements", "potholes", "negative",
     "There is a huge pothole on {street} that has damaged my tyre. It has been there {weeks} weeks."),
    ("Roads and pavements", "potholes", "positive",
     "The pothole I reported on {street} was filled within {days} days. Thank you."),
    ("Roads and pavements", "street lighting", "negative",
     "The street lights on {street} have been out for {weeks} weeks and it feels unsafe walking home."),
    ("Adult social care", "staff attitude", "positive",
     "The carers who visit my mum are kind and always make time for a chat."),
    ("Adult social care", "waiting times", "negative",
     "We have been waiting {weeks} weeks for an assessment and my father is struggling to cope."),
    ("Adult social care", "communication", "negative",
     "Nobody tells us when the carer is going to be late or is not coming. We have to chase every time."),
    ("Noise and nuisance", "response", "negative",
     "The noise from the house on {street} goes on until 3am most nights and nothing has been done."),
    ("Noise and nuisance", "response", "positive",
     "Environmental health visited the noisy house on {street} and it has been much quieter since."),
)
_OPENERS = {"positive": ("Just wanted to say thank you.", "Really pleased.", "", "", "Credit where it's due."),
            "negative": ("Very disappointed.", "I want to complain.", "", "", "Not good enough.")}
_CLOSERS = {"positive": ("Keep up the good work.", "Thanks again.", "", ""),
            "negative": ("Please sort this out.", "I expect a reply.", "This is not the first time.", "", "")}
_SERVICE_WEIGHTS = {"Waste and recycling": 30, "Housing repairs": 20, "Council tax": 15, "Parks and open spaces": 10,
                    "Libraries": 5, "Roads and pavements": 12, "Adult social care": 4, "Noise and nuisance": 4}


def resident_feedback(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Free-text comments written from templates, so they carry real themes and positive/negative sentiment."""
    rng = world.random("resident feedback")
    count = world.scaled(800, minimum=100)
    services = np.array([service for service, _, _, _ in _FEEDBACK_TEMPLATES], dtype=object)
    per_service = pd.Series(services).value_counts()
    weights = np.array([_SERVICE_WEIGHTS[service] / per_service[service] for service in services])
    # Slightly more complaints than compliments, as in real council feedback.
    weights *= np.array([1.3 if sentiment == "negative" else 1.0 for _, _, sentiment, _ in _FEEDBACK_TEMPLATES])
    template = rng.choice(len(_FEEDBACK_TEMPLATES), size=count, p=weights / weights.sum())
    sentiment = np.array([s for _, _, s, _ in _FEEDBACK_TEMPLATES], dtype=object)[template]
    body = np.array([text for _, _, _, text in _FEEDBACK_TEMPLATES], dtype=np.dtypes.StringDType())[template]
    streets = world.units["street"].to_numpy()[rng.integers(0, len(world.units), count)].astype(
        np.dtypes.StringDType())
    body = np.strings.replace(body, "{street}", streets)
    body = np.strings.replace(body, "{days}", rng.integers(2, 15, count).astype(str).astype(np.dtypes.StringDType()))
    body = np.strings.replace(body, "{weeks}", rng.integers(2, 12, count).astype(str).astype(np.dtypes.StringDType()))
    opener = np.empty(count, dtype=object)
    closer = np.empty(count, dtype=object)
    for mood in ("positive", "negative"):
        rows = np.flatnonzero(sentiment == mood)
        opener[rows] = pick(_OPENERS[mood], rows.size, rng)
        closer[rows] = pick(_CLOSERS[mood], rows.size, rng)
    comment = (pd.Series(opener) + " " + pd.Series(body.astype(object)) + " " + pd.Series(closer)).str.strip()
    rating = np.where(sentiment == "positive", rng.choice([4, 5], count, p=[0.35, 0.65]),
                      rng.choice([1, 2, 3], count, p=[0.55, 0.35, 0.10]))
    population = np.bincount(world.households["small_area"].to_numpy(), minlength=len(world.geography.small_areas))
    ward_weights = np.bincount(world.geography.small_areas["ward_index"].to_numpy(), weights=population)
    ward = rng.choice(ward_weights.size, size=count, p=ward_weights / ward_weights.sum())
    received = uniform_dates(PERIOD_START, PERIOD_END, rng, count)
    order = np.argsort(received, kind="stable")
    feedback_id = record_ids("FB", count, rng, width=6, order=received.astype(np.int64))
    frame = pd.DataFrame({
        "feedback_id": feedback_id,
        "received": format_dates(received, "yyyy-mm-dd"),
        "channel": pick(["Online form", "Email", "Phone", "Social media", "Letter"], count, rng, [45, 20, 20, 10, 5]),
        "service": services[template],
        "ward": world.geography.wards["name"].to_numpy()[ward],
        "rating": rating,
        "comment": comment,
    }).iloc[order].reset_index(drop=True)
    themes = np.array([theme for _, theme, _, _ in _FEEDBACK_TEMPLATES], dtype=object)
    truth = pd.DataFrame({"feedback_id": feedback_id, "service": services[template], "theme": themes[template],
                          "sentiment": sentiment}).iloc[order].reset_index(drop=True)
    table = SourceTable(
        name="resident_feedback", file_name="resident_feedback.csv", file_format="csv", owner="Customer Services",
        description="Comments, compliments and complaints from residents, with service, ward and a 1-5 rating.",
        frame=frame, record_id_column="feedback_id",
        errors=("free text; ratings do not always match the words",),
    )
    return table, truth


# --- sensors ---------------------------------------------------------------------------------------------------

_BIN_STEP_HOURS = 2
_BIN_DAYS = 91


def bin_sensors(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Litter-bin fill levels every two hours for 13 weeks: fill rises with footfall and resets at collection."""
    rng = world.random("bin sensors")
    bins = int(np.clip(world.residents // 250, 30, 2500))
    units = world.units
    centrality = world.geography.small_areas["centrality"].to_numpy()[units["small_area"].to_numpy()]
    weight = np.exp(2.5 * centrality)
    site = rng.choice(len(units), size=bins, replace=False, p=weight / weight.sum())
    latitude = np.round(units["latitude"].to_numpy()[site] + rng.normal(0, 0.0002, bins), 6)
    longitude = np.round(units["longitude"].to_numpy()[site] + rng.normal(0, 0.0003, bins), 6)
    steps = _BIN_DAYS * 24 // _BIN_STEP_HOURS
    first = (PERIOD_END - _BIN_DAYS + 1).astype("datetime64[h]")
    times = first + np.arange(steps) * _BIN_STEP_HOURS
    hour = (np.arange(steps) * _BIN_STEP_HOURS) % 24
    weekday = ((times.astype("datetime64[D]").astype(np.int64) + 3) % 7)  # 0 = Monday
    busy = np.where((hour >= 8) & (hour < 20), 1.6, 0.3) * np.where(weekday >= 5, 1.4, 1.0)
    base = rng.lognormal(np.log(1.6 + 1.6 * centrality[site]), 0.35, bins)
    increments = base[:, None] * busy[None, :] * rng.gamma(4, 0.25, (bins, steps))
    interval_days = np.select([base > 3.0, base > 2.2, base > 1.5], [2, 3, 4], 7)
    offset = rng.integers(0, 7, bins)
    day_index = np.arange(steps) * _BIN_STEP_HOURS // 24
    collection_step = (hour == 8)[None, :] & (((day_index[None, :] + offset[:, None]) % interval_days[:, None]) == 0)
    missed = collection_step & (rng.random((bins, steps)) < 0.06)
    collected = collection_step & ~missed
    cumulative = np.cumsum(increments, axis=1)
    last_reset = np.maximum.accumulate(np.where(collected, np.arange(steps)[None, :], 0), axis=1)
    fill = cumulative - np.take_along_axis(cumulative, last_reset, axis=1)
    fill = np.clip(fill + rng.normal(0, 2, (bins, steps)), 0, 100)
    battery = np.clip(100 - rng.uniform(0.002, 0.02, bins)[:, None] * np.arange(steps)[None, :], 0, 100)
    dies = rng.random(bins) < 0.03
    death_step = np.where(dies, rng.integers(steps // 3, steps, bins), steps)
    reporting = (np.arange(steps)[None, :] < death_step[:, None]) & (rng.random((bins, steps)) > 0.01)
    bin_row, step = np.nonzero(reporting)
    bin_ids = np.array([f"LB-{number:04d}" for number in range(1, bins + 1)], dtype=object)
    frame = pd.DataFrame({
        "bin_id": bin_ids[bin_row],
        "site": units["street"].to_numpy()[site][bin_row],
        "latitude": latitude[bin_row],
        "longitude": longitude[bin_row],
        "ward_code": units["ward_code"].to_numpy()[site][bin_row],
        "reading_time": times[step].astype("datetime64[s]"),
        "fill_level_pct": np.round(fill[bin_row, step], 1),
        "battery_pct": np.round(battery[bin_row, step], 1),
    })
    collection_bin, collection_step_index = np.nonzero(collection_step)
    truth = pd.DataFrame({"bin_id": bin_ids[collection_bin],
                          "scheduled_collection": times[collection_step_index].astype("datetime64[s]"),
                          "missed": missed[collection_bin, collection_step_index]})
    table = SourceTable(
        name="bin_sensors", file_name="bin_sensor_readings.parquet", file_format="parquet", owner="Street Scene",
        description="Fill-level readings every two hours from sensors in litter bins, with each bin's location.",
        frame=frame, record_id_column=None,
        errors=("about 1% of readings missing", "a few sensors stop reporting when their battery fails",
                "sensor noise of a few percent", "missed collections leave bins overflowing"),
    )
    world.planted["bin_sensors"] = {"bins": bins, "reading_interval_hours": _BIN_STEP_HOURS, "days": _BIN_DAYS,
                                    "collection_intervals_days": [2, 3, 4, 7], "missed_collection_rate": 0.06,
                                    "sensors_that_die": int(dies.sum())}
    return table, truth


_TEMPERATURE_START = np.datetime64("2025-12-01T00", "h")
_TEMPERATURE_HOURS = 90 * 24


def building_temperatures(world: DemoWorld) -> tuple[SourceTable, pd.DataFrame]:
    """Hourly room temperatures in council buildings over a winter, with planted faults (stuck, overheating...)."""
    rng = world.random("building temperatures")
    building_count = int(np.clip(world.residents // 25_000, 6, 60))
    ward_names = world.geography.wards["name"].to_numpy()
    kinds = [COUNCIL_BUILDING_KINDS[index % len(COUNCIL_BUILDING_KINDS)] for index in range(building_count)]
    place = rng.permutation(np.resize(ward_names, max(building_count, ward_names.size)))[:building_count]
    building_names = ["Ashbury Town Hall" if kind == "Town Hall" and index == 0 else f"{place[index]} {kind}"
                      for index, (kind, _) in enumerate(kinds)]
    sensor_building = np.concatenate([np.full(len(rooms), index) for index, (_, rooms) in enumerate(kinds)])
    sensor_room = np.concatenate([np.array(rooms, dtype=object) for _, rooms in kinds])
    sensors = sensor_building.size
    hours = _TEMPERATURE_HOURS
    times = _TEMPERATURE_START + np.arange(hours)
    hour_of_day = np.arange(hours) % 24
    weekday = (times.astype("datetime64[D]").astype(np.int64) + 3) % 7
    weather = np.zeros(hours)
    for hour in range(1, hours):  # a slowly wandering weather anomaly (AR(1)), shared by all buildings
        weather[hour] = 0.985 * weather[hour - 1] + rng.normal(0, 0.35)
    outdoor = 4.5 + 2.5 * np.sin(2 * np.pi * (hour_of_day - 9) / 24) + weather
    long_hours = np.array([kind == "Leisure Centre" for kind, _ in kinds])[sensor_building]
    occupied = np.where(long_hours[:, None], ((hour_of_day >= 6) & (hour_of_day < 22))[None, :],
                        ((hour_of_day >= 7) & (hour_of_day < 18) & (weekday < 5))[None, :])
    setpoint = rng.normal(20.5, 0.7, sensors)[:, None]
    setback = rng.normal(15.0, 1.0, sensors)[:, None]
    target = np.where(occupied, setpoint, np.maximum(setback, outdoor[None, :] + 7))

    fault_kind = np.where(rng.random(sensors) < 0.3, rng.integers(0, 5, sensors), -1)
    names = np.array(["stuck sensor", "overheating", "heating failure", "spikes", "dropout"], dtype=object)
    fault_start = rng.integers(24, hours - 24 * 8, sensors)
    fault_length = rng.integers(2 * 24, 7 * 24, sensors)
    window = (np.arange(hours)[None, :] >= fault_start[:, None]) & (
        np.arange(hours)[None, :] < (fault_start + fault_length)[:, None])
    target = np.where(window & (fault_kind == 1)[:, None], rng.uniform(27, 31, sensors)[:, None], target)
    target = np.where(window & (fault_kind == 2)[:, None], outdoor[None, :] + 4, target)
    temperature = np.empty((sensors, hours))
    temperature[:, 0] = target[:, 0]
    for hour in range(1, hours):  # rooms warm up and cool down gradually
        temperature[:, hour] = temperature[:, hour - 1] + 0.35 * (target[:, hour] - temperature[:, hour - 1])
    temperature += rng.normal(0, 0.15, (sensors, hours))
    stuck = window & (fault_kind == 0)[:, None]
    stuck_value = temperature[np.arange(sensors), np.minimum(fault_start, hours - 1)]
    temperature = np.where(stuck, stuck_value[:, None], temperature)
    spike = (fault_kind == 3)[:, None] & window & (rng.random((sensors, hours)) < 0.03)
    temperature = np.where(spike, np.where(rng.random((sensors, hours)) < 0.5, 85.0, -5.0), temperature)
    reporting = ~(window & (fault_kind == 4)[:, None]) & (rng.random((sensors, hours)) > 0.002)
    sensor_row, hour = np.nonzero(reporting)
    building_ids = np.array([f"BLD{index + 1:03d}" for index in range(building_count)], dtype=object)
    sensor_ids = np.array([f"TS-{index + 1:04d}" for index in range(sensors)], dtype=object)
    frame = pd.DataFrame({
        "building_id": building_ids[sensor_building][sensor_row],
        "building_name": np.array(building_names, dtype=object)[sensor_building][sensor_row],
        "sensor_id": sensor_ids[sensor_row],
        "room": sensor_room[sensor_row],
        "reading_time": pd.Series(times[hour].astype("datetime64[s]")).dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(),
        "temperature_c": np.round(temperature[sensor_row, hour], 1),
    })
    faulty = np.flatnonzero(fault_kind >= 0)
    truth = pd.DataFrame({
        "sensor_id": sensor_ids[faulty], "building_id": building_ids[sensor_building][faulty],
        "room": sensor_room[faulty], "fault": names[fault_kind[faulty]],
        "start": times[fault_start[faulty]].astype("datetime64[s]"),
        "end": times[np.minimum(fault_start + fault_length, hours - 1)[faulty]].astype("datetime64[s]"),
    })
    table = SourceTable(
        name="building_temperatures", file_name="building_temperatures.csv", file_format="csv",
        owner="Facilities Management",
        description="Hourly room temperatures from sensors in council buildings over the winter of 2025/26.",
        frame=frame, record_id_column=None,
        errors=("stuck sensors repeat one value for days", "overheating and heating failures",
                "spikes of 85.0 and -5.0", "gaps of several days"),
    )
    world.planted["building_temperatures"] = {"sensors": int(sensors), "faulty_sensors": int(faulty.size),
                                              "fault_kinds": names.tolist()}
    return table, truth


# --- service demand --------------------------------------------------------------------------------------------

_SERVICES = (
    # service, requests per 1,000 residents a month, trend per year, seasonal amplitude, peak month, lockdown effect
    ("Waste and recycling", 12.0, 0.01, 0.15, 1, 0.9),
    ("Housing repairs", 6.0, 0.02, 0.20, 12, 0.5),
    ("Council tax enquiries", 8.0, -0.03, 0.35, 4, 0.8),
    ("Adult social care contacts", 3.0, 0.04, 0.10, 1, 0.9),
    ("Children's services contacts", 2.5, 0.03, 0.12, 10, 0.6),
    ("Homelessness advice", 1.2, 0.08, 0.10, 1, 1.3),
    ("Noise complaints", 1.5, 0.02, 0.35, 7, 1.4),
    ("Highways and potholes", 2.0, 0.01, 0.30, 2, 0.7),
)


def service_demand(world: DemoWorld) -> SourceTable:
    """Monthly requests per service per ward from January 2019: trend, seasonality and a lockdown shock."""
    rng = world.random("service demand")
    months = np.arange(np.datetime64("2019-01"), np.datetime64("2026-10"))
    month_number = months.astype(np.int64) % 12 + 1
    years = (months - months[0]).astype(np.int64) / 12
    lockdown = (months >= np.datetime64("2020-04")) & (months <= np.datetime64("2020-06"))
    people_per_area = np.bincount(world.people["household_id"].to_numpy(), minlength=len(world.households))
    area_population = np.bincount(world.households["small_area"].to_numpy(), weights=people_per_area,
                                  minlength=len(world.geography.small_areas))
    ward_index = world.geography.small_areas["ward_index"].to_numpy()
    ward_population = np.bincount(ward_index, weights=area_population)
    ward_deprivation = np.bincount(ward_index, weights=world.geography.small_areas["deprivation"].to_numpy()) / \
        np.bincount(ward_index)
    wards = world.geography.wards
    frames = []
    for service, rate, trend, amplitude, peak, lockdown_effect in _SERVICES:
        deprivation_effect = 0.35 if service in ("Homelessness advice", "Children's services contacts",
                                                 "Housing repairs") else 0.1
        expected = (rate / 1000 * ward_population[:, None] * np.exp(deprivation_effect * ward_deprivation)[:, None]
                    * (1 + trend) ** years[None, :]
                    * (1 + amplitude * np.cos(2 * np.pi * (month_number - peak) / 12))[None, :]
                    * np.where(lockdown, lockdown_effect, 1.0)[None, :])
        counts = rng.poisson(expected)
        ward, month = np.nonzero(np.ones_like(counts, dtype=bool))
        frames.append(pd.DataFrame({"month": months[month].astype(str), "ward_code": wards["code"].to_numpy()[ward],
                                    "ward_name": wards["name"].to_numpy()[ward], "service": service,
                                    "requests": counts[ward, month]}))
    frame = pd.concat(frames, ignore_index=True).sort_values(["month", "ward_code", "service"], kind="stable")
    world.planted["service_demand"] = {
        "services": {service: {"requests_per_1000_residents_per_month": rate, "trend_per_year": trend,
                               "seasonal_amplitude": amplitude, "peak_month": peak,
                               "lockdown_multiplier_apr_jun_2020": effect}
                     for service, rate, trend, amplitude, peak, effect in _SERVICES},
        "model": "Poisson(rate x ward population x exp(b x ward deprivation) x (1+trend)^years x seasonal x lockdown)",
    }
    return SourceTable(
        name="service_demand", file_name="service_demand_monthly.csv", file_format="csv",
        owner="Performance and Insight",
        description="Monthly requests for each council service in each ward since January 2019.",
        frame=frame.reset_index(drop=True), record_id_column=None,
        errors=("clean aggregate counts (not disclosure-controlled: small counts appear)",),
    )


# --- special educational needs ---------------------------------------------------------------------------------

SEND_NEEDS = np.array(["ASD", "SEMH", "SLCN", "MLD", "SLD", "PMLD", "SPLD", "PD", "HI", "VI", "MSI", "OTH"])
_NEED_SHARES = np.array([0.32, 0.15, 0.20, 0.09, 0.06, 0.01, 0.04, 0.04, 0.02, 0.01, 0.005, 0.055])
SEND_SETTINGS = np.array(["EYS", "MMSIB", "MSSIB", "ISSR", "APR", "FEC", "NMSS"])


def send_transitions(world: DemoWorld) -> SourceTable:
    """Year-on-year moves of children with education, health and care plans, in Mastodon C's open SEND model layout.

    Columns: calendar-year, setting-1, need-1, academic-year-1, setting-2, need-2, academic-year-2, count; 'NONSEND'
    marks a child joining (before) or leaving (after) the SEND population.
    """
    rng = world.random("send transitions")
    people = world.people
    dob = people["date_of_birth"].to_numpy(dtype="datetime64[D]")
    death = people["date_of_death"].to_numpy(dtype="datetime64[D]")
    year, month, _ = date_parts(dob)
    school_year_of_birth = year - (month < 9)
    hardship = world.households["hardship"].to_numpy()[people["household_id"].to_numpy()]
    count = len(people)
    ever = rng.random(count) < np.clip(0.05 * np.exp(0.25 * hardship), 0, 0.3)
    onset_age = np.where(rng.random(count) < 0.6, rng.integers(2, 8, count), rng.integers(8, 17, count))
    need = rng.choice(SEND_NEEDS.size, size=count, p=_NEED_SHARES / _NEED_SHARES.sum())
    severe = np.isin(SEND_NEEDS[need], ["SLD", "PMLD", "MSI"])
    special_leaning = np.where(severe, 0.8, np.where(np.isin(SEND_NEEDS[need], ["ASD", "SEMH"]), 0.3, 0.08))
    ends_age = rng.integers(18, 26, count)
    setting = np.full(count, -1)
    states = []
    for calendar_year in range(2018, 2027):  # January census each year; transitions from 2019
        academic_year = calendar_year - 1 - school_year_of_birth - 4  # Reception = 0 in the year the child is 4
        age = calendar_year - 1 - school_year_of_birth
        alive = dob <= np.datetime64(f"{calendar_year}-01-15")
        alive &= np.isnat(death) | (death > np.datetime64(f"{calendar_year}-01-15"))
        has_plan = ever & alive & (age >= onset_age) & (age <= ends_age) & (academic_year >= -4)
        has_plan &= rng.random(count) > 0.01  # a few plans cease each year
        transition_point = np.isin(academic_year, [0, 7, 12])
        move = has_plan & ((setting < 0) | transition_point | (rng.random(count) < 0.06))
        choice = np.select(
            [academic_year < 0, academic_year >= 12],
            [0, np.where(rng.random(count) < 0.7, 5, np.where(rng.random(count) < special_leaning, 2, 6))],
            np.where(rng.random(count) < special_leaning,
                     np.where(rng.random(count) < 0.8, 2, 3),
                     np.where(rng.random(count) < 0.04 * (1 + np.isin(SEND_NEEDS[need], ["SEMH"])), 4, 1)))
        setting = np.where(move, choice, np.where(has_plan, setting, -1))
        states.append((calendar_year, academic_year.copy(), setting.copy()))
    rows = []
    for (_, year_before, setting_before), (calendar_year, year_after, setting_after) in itertools.pairwise(states):
        involved = np.flatnonzero((setting_before >= 0) | (setting_after >= 0))
        before = np.where(setting_before[involved] >= 0, SEND_SETTINGS[np.maximum(setting_before[involved], 0)],
                          "NONSEND")
        after = np.where(setting_after[involved] >= 0, SEND_SETTINGS[np.maximum(setting_after[involved], 0)],
                         "NONSEND")
        rows.append(pd.DataFrame({
            "calendar-year": calendar_year,
            "setting-1": before,
            "need-1": np.where(before == "NONSEND", "NONSEND", SEND_NEEDS[need[involved]]),
            "academic-year-1": year_before[involved],
            "setting-2": after,
            "need-2": np.where(after == "NONSEND", "NONSEND", SEND_NEEDS[need[involved]]),
            "academic-year-2": year_after[involved],
        }))
    individual = pd.concat(rows, ignore_index=True)
    keys = list(individual.columns)
    frame = individual.groupby(keys, sort=True).size().reset_index(name="count")
    return SourceTable(
        name="send_transitions", file_name="send_transitions.csv", file_format="csv",
        owner="Special Educational Needs (SEND)",
        description="Counts of children with EHC plans moving between settings, needs and school years each year.",
        frame=frame, record_id_column=None,
        errors=("aggregated counts; NONSEND marks joiners and leavers", "years of -4 to -1 are early years"),
    )
