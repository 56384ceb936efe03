"""Feeds in: readings from files (CSV, JSON lines, Parquet), from a registered source, and from devices' JSON
(the web app's endpoint and MQTT), each turned into one shape: device, measure, time (UTC), value, flagged.

Columns are found by the names a feed's settings give (exactly, else ignoring capitals). Times are read from the
values: ISO 8601 with or without an offset, UK day-first dates, or seconds (or milliseconds) since 1970; a time
without an offset is on the feed's clock (Europe/London by default) and is converted to UTC. Rows that cannot be read
are counted and the first few named by row and field; the rest are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import InputFileError, TownhallError
from townhall.settings.sensors import FeedSettings

READING_COLUMNS = ("device_id", "measure", "reading_time", "value", "flagged")
DEVICE_COLUMNS = ("device_id", "asset_id", "asset_type", "asset_name", "latitude", "longitude")
FILE_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".jsonl": "json", ".ndjson": "json", ".json": "json",
                ".parquet": "parquet", ".pq": "parquet"}
PROBLEM_EXAMPLES = 5  # rows named in a batch's report for each kind of problem; the rest are counted
MAX_READINGS_PER_MESSAGE = 10_000
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0", ""}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_UK_DATE_TIME = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}")


@dataclass
class ReadingBatch:
    """Readings in townhall's shape, the devices they came from (when the feed says), and what could not be read."""

    readings: pd.DataFrame  # device_id, measure, reading_time (UTC, no offset), value, flagged
    origin: str  # the file, source or channel, for the batch's record
    rows_read: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    devices: pd.DataFrame | None = None  # device_id, asset_id, asset_type, asset_name, latitude, longitude
    feed: str | None = None


def empty_readings() -> pd.DataFrame:
    """A readings frame with no rows and the right types."""
    return pd.DataFrame({"device_id": pd.Series([], dtype=object), "measure": pd.Series([], dtype=object),
                         "reading_time": pd.Series([], dtype="datetime64[us]"), "value": pd.Series([], dtype=float),
                         "flagged": pd.Series([], dtype=bool)})


# --- columns ---------------------------------------------------------------------------------------------------------

def find_column(columns: list[str], wanted: str, *, setting: str, origin: str) -> str:
    """The column called ``wanted`` (exactly, else ignoring capitals and spaces at the ends); refuses naming the
    setting to change when there is none."""
    if wanted in columns:
        return wanted
    folded = {str(column).strip().lower(): column for column in columns}
    found = folded.get(wanted.strip().lower())
    if found is None:
        raise InputFileError(origin, f"it has no column '{wanted}' (the setting {setting} names it). Its columns are: "
                                     f"{', '.join(map(str, columns[:20]))}. Change the setting in townhall.toml to "
                                     "the column that holds it.")
    return found


def _text(values: pd.Series) -> pd.Series:
    """Values as stripped text, missing as ''."""
    return values.astype("string").fillna("").str.strip().astype(object)


# --- times -----------------------------------------------------------------------------------------------------------

def parse_times(values: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series, str]:
    """Times in UTC (no offset) from text, datetimes or epoch numbers; a mask of those that could not be read; and a
    sentence saying how they were read."""
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values):
        series = pd.Series(values, index=index)
        if series.dt.tz is None:
            return _localise(series, timezone), series.isna(), f"times read as clock times in {timezone}"
        return series.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"), series.isna(), \
            "times read with their own offsets"
    if pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
        milliseconds = bool(numbers.abs().median() > 1e11) if numbers.notna().any() else False
        moments = pd.to_datetime(numbers, unit="ms" if milliseconds else "s", errors="coerce")
        return moments.astype("datetime64[us]"), moments.isna(), (
            "times read as " + ("milliseconds" if milliseconds else "seconds") + " since 1 January 1970 (UTC)")
    text = _text(values)
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    has_offset = text.str.contains(_OFFSET, regex=True)
    notes = []
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format="ISO8601", utc=True, errors="coerce")
        result[has_offset] = aware.dt.tz_localize(None).astype("datetime64[us]")
        notes.append("with their own offsets")
    plain = ~has_offset & (text != "")
    if plain.any():
        day_first = text[plain].str.match(_UK_DATE_TIME)
        parsed = pd.Series(pd.NaT, index=text[plain].index, dtype="datetime64[us]")
        if (~day_first).any():
            parsed[~day_first] = pd.to_datetime(text[plain][~day_first], format="ISO8601",
                                                errors="coerce").astype("datetime64[us]")
        if day_first.any():
            parsed[day_first] = pd.to_datetime(text[plain][day_first], dayfirst=True, format="mixed",
                                               errors="coerce").astype("datetime64[us]")
            notes.append("dd/mm/yyyy dates read day first")
        result[plain] = _localise(parsed, timezone)
        notes.append(f"without an offset read as clock times in {timezone}")
    bad = result.isna()
    return result, bad, "times " + "; ".join(notes) if notes else "no times"


def _localise(naive: pd.Series, timezone: str) -> pd.Series:
    """Clock times in ``timezone`` as UTC. In the autumn's repeated hour the first (summer-time) instant is taken;
    clock times skipped in spring are moved forward an hour, as a clock that was not changed would show them."""
    try:
        aware = naive.dt.tz_localize(timezone, ambiguous=np.ones(len(naive), dtype=bool),
                                     nonexistent="shift_forward")
    except Exception as error:  # pytz/zoneinfo: an unknown zone name
        raise TownhallError(f"'{timezone}' is not a time zone townhall knows (use a name such as "
                            f"'Europe/London'): {error}") from None
    return aware.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")


# --- files and sources -----------------------------------------------------------------------------------------------

def file_format(path: Path) -> str:
    """'csv', 'json' or 'parquet' from the file's name; refuses anything else."""
    found = FILE_FORMATS.get(path.suffix.lower())
    if found is None:
        raise InputFileError(path.name, "townhall reads sensor readings from CSV (.csv), JSON lines (.jsonl, "
                                        ".ndjson, .json) and Parquet (.parquet) files.")
    return found


def read_table_file(path: Path) -> pd.DataFrame:
    """A file of readings as it is (text columns stay text), read by DuckDB."""
    import duckdb

    kind = file_format(path)
    if not path.exists():
        raise InputFileError(path.name, f"there is no such file ({path}).")
    readers = {"csv": "read_csv(?, all_varchar = true, header = true)",
               "json": "read_json(?, format = 'auto', records = true)",
               "parquet": "read_parquet(?)"}
    connection = duckdb.connect()
    try:
        return connection.execute(f"SELECT * FROM {readers[kind]}", [str(path)]).df()
    except duckdb.Error as error:
        raise InputFileError(path.name, f"it could not be read as {kind.upper()} ({str(error).splitlines()[0]}).") \
            from None
    finally:
        connection.close()


def normalise(frame: pd.DataFrame, feed: FeedSettings, *, origin: str, feed_name: str | None = None,
              first_row_number: int = 2) -> ReadingBatch:
    """Turn a feed's rows (wide or long) into townhall's readings, with its devices and what could not be read.

    ``first_row_number`` is the row number a person sees for the first row (2 in a CSV with a header line).
    """
    columns = [str(column) for column in frame.columns]
    frame = frame.set_axis(columns, axis=1)

    def column(name: str, setting: str) -> str:
        return find_column(columns, name, setting=f"[sensors.feeds.{feed_name or '…'}] {setting}", origin=origin)

    device = _text(frame[column(feed.device, "device")])
    times, bad_time, time_note = parse_times(frame[column(feed.time, "time")], feed.timezone)
    flagged = pd.Series(False, index=frame.index)
    if feed.flag_column:
        flagged = _flags(frame[column(feed.flag_column, "flag_column")])
    row_number = pd.Series(np.arange(len(frame)) + first_row_number, index=frame.index)
    problems: list[str] = []
    rejected_rows = bad_time | (device == "")
    _note_rows(problems, origin, row_number[device == ""], feed.device, "no device named")
    _note_rows(problems, origin, row_number[bad_time & (device != "")], feed.time,
               "the time could not be read", frame[column(feed.time, "time")][bad_time & (device != "")])
    if feed.measures:
        parts = []
        for measure, source_column in feed.measures.items():
            name = column(source_column, f"measures.{measure}")
            parts.append(pd.DataFrame({"device_id": device, "measure": measure, "reading_time": times,
                                       "raw": frame[name], "flagged": flagged, "row": row_number,
                                       "field": source_column, "bad_row": rejected_rows}))
        long = pd.concat(parts, ignore_index=True)
    else:
        assert feed.measure_column and feed.value_column  # guaranteed by FeedSettings
        long = pd.DataFrame({"device_id": device, "measure": _text(frame[column(feed.measure_column,
                                                                                "measure_column")]),
                             "reading_time": times, "raw": frame[column(feed.value_column, "value_column")],
                             "flagged": flagged, "row": row_number, "field": feed.value_column,
                             "bad_row": rejected_rows})
    raw = long["raw"]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        empty = raw.isna()
        values = raw.astype(float)
    else:
        text = _text(raw)
        empty = text == ""
        values = pd.to_numeric(text, errors="coerce").astype(float)
    unreadable = (values.isna() & ~empty) | pd.Series(np.isinf(values.to_numpy()), index=long.index)
    unreadable &= ~long["bad_row"]
    for row in long.loc[unreadable].head(PROBLEM_EXAMPLES).itertuples(index=False):
        problems.append(f"{origin}, row {row.row}, field '{row.field}': '{row.raw}' is not a number; not stored.")
    if unreadable.sum() > PROBLEM_EXAMPLES:
        problems.append(f"{origin}: {int(unreadable.sum()) - PROBLEM_EXAMPLES:,} more values were not numbers.")
    keep = ~long["bad_row"] & ~empty & ~unreadable & (long["measure"] != "")
    empty_count = int((empty & ~long["bad_row"]).sum())
    readings = pd.DataFrame({"device_id": long.loc[keep, "device_id"].to_numpy(dtype=object),
                             "measure": long.loc[keep, "measure"].to_numpy(dtype=object),
                             "reading_time": long.loc[keep, "reading_time"].to_numpy(dtype="datetime64[us]"),
                             "value": values[keep].to_numpy(dtype=float),
                             "flagged": long.loc[keep, "flagged"].to_numpy(dtype=bool)})
    rejected = int(long["bad_row"].sum()) + int(unreadable.sum())
    if empty_count:
        problems.append(f"{origin}: {empty_count:,} empty value{'s' if empty_count != 1 else ''} skipped (a sensor "
                        "that did not report a measure).")
    problems.append(f"{origin}: {time_note}.")
    devices = _devices(frame, feed, device, columns, column, origin) if len(frame) else None
    return ReadingBatch(readings=readings, origin=origin, rows_read=len(frame), rejected=rejected,
                        problems=problems, devices=devices, feed=feed_name)


def _flags(values: pd.Series) -> pd.Series:
    """True/false flags from booleans or text such as 'True', 'yes', '1'; anything else counts as not flagged."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    return _text(values).str.lower().isin(_TRUE)


def _note_rows(problems: list[str], origin: str, rows: pd.Series, field_name: str, what: str,
               values: pd.Series | None = None) -> None:
    """Name the first rows with a problem, and count the rest."""
    if rows.empty:
        return
    shown = rows.head(PROBLEM_EXAMPLES).tolist()
    examples = ""
    if values is not None:
        examples = " (" + ", ".join(f"'{value}'" for value in values.head(PROBLEM_EXAMPLES).tolist()) + ")"
    more = f" and {len(rows) - len(shown):,} more" if len(rows) > len(shown) else ""
    problems.append(f"{origin}, field '{field_name}': {what} on row{'s' if len(rows) > 1 else ''} "
                    f"{', '.join(map(str, shown))}{more}{examples}; those rows were not stored.")


def _devices(frame: pd.DataFrame, feed: FeedSettings, device: pd.Series, columns: list[str], column: Any,
             origin: str) -> pd.DataFrame:
    """Each device's asset, type, name and location as the feed gives them (its last row wins)."""
    details = pd.DataFrame({"device_id": device})
    details["asset_id"] = _text(frame[column(feed.asset, "asset")]) if feed.asset else device
    if feed.asset_type_column:
        details["asset_type"] = _text(frame[column(feed.asset_type_column, "asset_type_column")])
    else:
        details["asset_type"] = feed.asset_type
    if feed.asset_name:
        parts = [_text(frame[column(name, "asset_name")]) for name in feed.asset_name]
        name = parts[0]
        for part in parts[1:]:
            name = name.where(part == "", name + ", " + part)
        details["asset_name"] = name
    else:
        details["asset_name"] = details["asset_id"]
    for coordinate in ("latitude", "longitude"):
        setting = getattr(feed, coordinate)
        details[coordinate] = pd.to_numeric(frame[column(setting, coordinate)], errors="coerce") if setting \
            else np.nan
    details = details.loc[details["device_id"] != ""]
    return details.drop_duplicates("device_id", keep="last").reset_index(drop=True)


def read_feed_file(path: str | Path, feed: FeedSettings, feed_name: str | None = None) -> ReadingBatch:
    """Readings from a CSV, JSON lines or Parquet file laid out as ``feed`` says."""
    file = Path(path)
    frame = read_table_file(file)
    first = 2 if file_format(file) == "csv" else 1
    return normalise(frame, feed, origin=file.name, feed_name=feed_name, first_row_number=first)


# --- devices' own messages (HTTP and MQTT) ---------------------------------------------------------------------------

def _quick_times(values: list[object], timezone: str) -> np.ndarray | None:
    """Devices' times read one by one with the standard library (much quicker than pandas for a small message):
    ISO 8601 text (an offset, or ``timezone``'s clock without one) or seconds since 1970. None when any time is not
    in those forms, so the full reader can say which one could not be read."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    moments = []
    for value in values:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            if not np.isfinite(value) or abs(value) > 1e11:  # milliseconds go to the full reader
                return None
            moment = dt.datetime.fromtimestamp(value, dt.UTC)
        elif isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
        else:
            return None
        moments.append(moment.astimezone(dt.UTC).replace(tzinfo=None))
    return np.array(moments, dtype="datetime64[us]")


class MessageError(TownhallError):
    """A device's message is not in the form townhall reads: the message says what is wrong."""


def parse_message(body: bytes | str | dict[str, Any] | list[Any], device_id: str, *,
                  timezone: str = "UTC") -> pd.DataFrame:
    """Readings from one device's JSON message.

    Accepted forms: ``{"readings": [{"time": ..., "measure": "fill_pct", "value": 43}, ...]}``, a list of such
    readings, one reading on its own, or ``{"time": ..., "values": {"fill_pct": 43, "battery_pct": 88}}`` (and a list
    of those). Times are ISO 8601 (an offset is expected; without one ``timezone`` is assumed) or seconds since 1970.
    """
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise MessageError(f"The message is not JSON: {error}.") from None
    else:
        data = body
    items = data.get("readings", data) if isinstance(data, dict) else data
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise MessageError("The message holds no readings: send {\"readings\": [{\"time\": ..., \"measure\": ..., "
                           "\"value\": ...}]}.")
    rows: list[tuple[object, object, object]] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "time" not in item:
            raise MessageError(f"Reading {position} needs a time.")
        if isinstance(item.get("values"), dict):
            rows.extend((item["time"], measure, value) for measure, value in item["values"].items())
        elif "measure" in item and "value" in item:
            rows.append((item["time"], item["measure"], item["value"]))
        else:
            raise MessageError(f"Reading {position} needs a measure and a value (or a 'values' object).")
        if len(rows) > MAX_READINGS_PER_MESSAGE:
            raise MessageError(f"A message may hold at most {MAX_READINGS_PER_MESSAGE:,} readings; send more in "
                               "several messages.")
    times = _quick_times([row[0] for row in rows], timezone)
    if times is None:
        times_raw = pd.Series([row[0] for row in rows], dtype=object)
        numeric_times = times_raw.map(lambda value: isinstance(value, int | float) and not isinstance(value, bool))
        if numeric_times.all():
            parsed, bad, _ = parse_times(pd.to_numeric(times_raw), timezone)
        elif not numeric_times.any():
            parsed, bad, _ = parse_times(times_raw.astype(str), timezone)
        else:
            raise MessageError("Give every time in one form: all ISO 8601 text or all numbers of seconds.")
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise MessageError(f"The time '{times_raw.iloc[position]}' of reading {position + 1} could not be "
                               "read: use ISO 8601 such as 2026-01-05T08:00:00Z.")
        times = parsed.to_numpy(dtype="datetime64[us]")
    values = []
    for position, (_, measure, value) in enumerate(rows, start=1):
        if not isinstance(measure, str) or not measure.strip():
            raise MessageError(f"Reading {position} needs the measure's name as text.")
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise MessageError(f"The value of reading {position} ({value!r}) is not a number.")
        values.append(float(value))
    return pd.DataFrame({"device_id": device_id, "measure": [str(row[1]).strip() for row in rows],
                         "reading_time": times, "value": values, "flagged": False})
