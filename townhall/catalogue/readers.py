"""Readers: turn a CSV, Excel or Parquet file into a DuckDB staging table of trimmed text, or say plainly why not.

Every reader ends in the same place: a table with ``_row_number`` (the spreadsheet row: header = row 1, so the first
data row is row 2) and one VARCHAR column per field named c0, c1, ... (the real names are kept alongside), where
blank values and markers such as "N/A" are NULL. Type inference and profiling then work the same for every format.
CSV is sniffed in Python (encoding, delimiter, header) and then read by DuckDB, so a million rows never loop in
Python; Excel has to be read cell by cell with openpyxl, which is fine for sheets (at most about a million rows).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from townhall.catalogue.validation import (
    WHITESPACE,
    email_is_valid,
    normalise_postcode,
    parse_uk_date,
)
from townhall.errors import InputFileError
from townhall.store.analytics import quote_identifier

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
PARQUET_EXTENSIONS = (".parquet", ".pq")
SUPPORTED_EXTENSIONS = (*CSV_EXTENSIONS, *EXCEL_EXTENSIONS, *PARQUET_EXTENSIONS)

ENCODING_UTF8 = "UTF-8"
ENCODING_UTF8_BOM = "UTF-8 with BOM"
ENCODING_WINDOWS_1252 = "Windows-1252"
# Mostly UTF-8 with some bytes that are not: read as UTF-8, each bad byte sequence shown as the replacement character.
ENCODING_UTF8_DAMAGED = "UTF-8 (some bytes not valid)"
REPLACEMENT_CHARACTER = "\ufffd"

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Values that mean "nothing here" in exports from council systems and spreadsheets; they are stored as empty.
NULL_MARKERS = ("NULL", "null", "Null", "N/A", "n/a", "#N/A", "NaN", "nan")
RESERVED_COLUMN = "_row_number"

_CHUNK_BYTES = 1 << 20
_SNIFF_BYTES = 1 << 16
_SNIFF_RECORDS = 200
_NUMBER_LIKE = re.compile(r"[-+]?£?[0-9][0-9,]*(\.[0-9]+)?%?")


@dataclass
class StagedFile:
    """What a reader produced: the staging table in the connection and what it learnt about the file."""

    file_format: str
    columns: list[str]
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    blank_rows_skipped: int = 0
    empty_unnamed_columns_dropped: int = 0
    notes: list[str] = field(default_factory=list)
    # Values holding text that was not cleanly encoded (shown as �): column index -> (rows affected, first rows).
    bad_text: dict[int, tuple[int, list[int]]] = field(default_factory=dict)


def file_format_of(file: Path, display_name: str) -> str:
    """'csv', 'xlsx' or 'parquet' from the file extension; anything else is refused with what is supported."""
    suffix = file.suffix.lower()
    if suffix in CSV_EXTENSIONS:
        return "csv"
    if suffix in EXCEL_EXTENSIONS:
        return "xlsx"
    if suffix in PARQUET_EXTENSIONS:
        return "parquet"
    if suffix == ".xls":
        raise InputFileError(display_name, "this is an old-style Excel .xls file, which townhall cannot read. Open it "
                             "in Excel and save it as an Excel Workbook (.xlsx), or as CSV UTF-8.")
    shown = suffix or "no extension"
    raise InputFileError(display_name, f"townhall cannot read files with {shown}. Supported: CSV (.csv, .tsv, .txt), "
                         "Excel (.xlsx) and Parquet (.parquet).")


def check_readable(file: Path, display_name: str) -> None:
    """Refuse a missing, unreadable or empty file before anything is copied."""
    if not file.exists():
        raise InputFileError(display_name, "the file does not exist. Check the path and the file name.")
    if not file.is_file():
        raise InputFileError(display_name, "this is a folder, not a file.")
    try:
        with file.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise InputFileError(display_name, f"the file cannot be opened ({error.strerror or error}).") from error
    if file.stat().st_size == 0:
        raise InputFileError(display_name, "the file is empty (0 bytes).")


def stage_file(connection: duckdb.DuckDBPyConnection, file: Path, display_name: str, *, file_format: str,
               sheet: str | None, temporary_folder: Path) -> StagedFile:
    """Read ``file`` (of ``file_format``) into the temporary table ``staging``; raise InputFileError for bad input.

    ``display_name`` is how the file is named in messages: the file as the person gave it, not the copy being read.
    The connection needs the validation macros installed.
    """
    if sheet is not None and file_format != "xlsx":
        raise InputFileError(display_name, "--sheet only applies to Excel workbooks (.xlsx), and this is not one.")
    if file_format == "csv":
        return _stage_csv(connection, file, display_name, temporary_folder)
    if file_format == "xlsx":
        return _stage_excel(connection, file, display_name, sheet)
    return _stage_parquet(connection, file, display_name)


# --- CSV ------------------------------------------------------------------------------------------------------------


def _line_of_offset(file: Path, offset: int) -> int:
    """The 1-based line number holding byte ``offset``."""
    line = 1
    with file.open("rb") as handle:
        remaining = offset
        while remaining > 0:
            chunk = handle.read(min(_CHUNK_BYTES, remaining))
            if not chunk:
                break
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line


def _first_undecodable_offset(file: Path, encoding: str, skip: int = 0) -> int | None:
    """The byte offset of the first byte that is not valid in ``encoding``, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    position = skip
    with file.open("rb") as handle:
        handle.seek(skip)
        while chunk := handle.read(_CHUNK_BYTES):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return position - pending + error.start
            position += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return position - len(decoder.getstate()[0]) + error.start
    return None


@dataclass
class Utf8Scan:
    """What reading a file as UTF-8 finds: characters beyond ASCII that decode, and byte sequences that do not."""

    non_ascii: int = 0
    invalid: int = 0


def scan_utf8(file: Path, skip: int = 0) -> Utf8Scan:
    """Count a file's valid non-ASCII UTF-8 characters and its invalid byte sequences, in one pass at C speed.

    A replacement character written in the file itself (bytes EF BF BD) is valid UTF-8 but counted as invalid too:
    it marks text that was already damaged before the file was made.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    scan = Utf8Scan()
    with file.open("rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(_CHUNK_BYTES)
            text = decoder.decode(chunk, final=not chunk)
            replaced = text.count(REPLACEMENT_CHARACTER)
            scan.invalid += replaced
            scan.non_ascii += len(text) - len(text.encode("ascii", errors="ignore")) - replaced
            if not chunk:
                break
    return scan


def detect_encoding(file: Path, display_name: str) -> str:
    """UTF-8 (with or without BOM), UTF-8 with some invalid bytes, or Windows-1252; or an error naming the line.

    A file that is not clean UTF-8 is read as UTF-8 when it says so (a byte-order mark) or when its valid UTF-8
    characters (é written as two bytes) are at least as many as its invalid byte sequences: it is a UTF-8 file with
    some stray bytes, whose rows are named later, not a Windows-1252 file to be turned into mojibake. A file whose
    non-ASCII bytes are single bytes throughout (£ and é as one byte each) is Windows-1252.
    """
    with file.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(display_name, "the file is saved as UTF-16 (Excel's 'Unicode Text'). Save it as "
                             "'CSV UTF-8 (Comma delimited)' instead.")
    if head.startswith(b"PK\x03\x04"):
        raise InputFileError(display_name, "this looks like an Excel workbook saved with a .csv name. Rename it to "
                             ".xlsx, or save it from Excel as 'CSV UTF-8'.")
    if b"\x00" in head:
        raise InputFileError(display_name, "this is not a text file (it holds binary data), so it cannot be read as "
                             "CSV.")
    has_bom = head.startswith(codecs.BOM_UTF8)
    scan = scan_utf8(file, skip=3 if has_bom else 0)
    if not scan.invalid:
        return ENCODING_UTF8_BOM if has_bom else ENCODING_UTF8
    if has_bom or scan.non_ascii >= scan.invalid:
        return ENCODING_UTF8_DAMAGED
    cp1252_problem = _first_undecodable_offset(file, "cp1252")
    if cp1252_problem is None:
        return ENCODING_WINDOWS_1252
    if scan.non_ascii:
        return ENCODING_UTF8_DAMAGED
    line = _line_of_offset(file, cp1252_problem)
    raise InputFileError(display_name, f"line {line} holds bytes that are neither UTF-8 nor Windows-1252 text, so the "
                         "file's encoding is unknown. Re-save it as 'CSV UTF-8'.", row=line)


def _transcode_to_utf8(file: Path, target: Path, encoding: str = "cp1252") -> None:
    """Copy a file as clean UTF-8: from Windows-1252 (DuckDB's latin-1 differs from it for € and ‘’), or from damaged
    UTF-8 with each invalid byte sequence replaced by the replacement character, so the rows can be named."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace" if encoding == "utf-8-sig" else "strict")
    with file.open("rb") as source, target.open("wb") as output:
        while chunk := source.read(_CHUNK_BYTES):
            output.write(decoder.decode(chunk).encode("utf-8"))
        output.write(decoder.decode(b"", final=True).encode("utf-8"))


def find_bad_text(connection: duckdb.DuckDBPyConnection, staged: StagedFile) -> None:
    """Record which rows of which fields hold the replacement character (text that was not cleanly encoded)."""
    columns = [f"c{index}" for index in range(len(staged.columns))]
    if not columns:
        return
    marker = _sql_string(REPLACEMENT_CHARACTER)
    counts = connection.execute(
        f"SELECT {', '.join(f'count_if(contains({column}, {marker}))' for column in columns)} FROM staging"
    ).fetchone() or ()
    for index, count in enumerate(counts):
        if count:
            rows = connection.execute(
                f"SELECT _row_number FROM staging WHERE contains(c{index}, {marker}) ORDER BY _row_number LIMIT 1000"
            ).fetchall()
            staged.bad_text[index] = (int(count), [int(row[0]) for row in rows])
    if staged.bad_text:
        rows = sorted({row for _count, first in staged.bad_text.values() for row in first})
        shown = ", ".join(str(row) for row in rows[:5]) + (" and more" if len(rows) > 5 else "")
        fields = ", ".join(f"'{staged.columns[index]}'" for index in staged.bad_text)
        staged.notes.append(
            f"Some text is not cleanly encoded (bytes that are not valid UTF-8, shown as {REPLACEMENT_CHARACTER}) in "
            f"{fields}: rows {shown}. Correct those rows, or re-save the file as 'CSV UTF-8'")


def _sample_text(file: Path) -> str:
    """The start of a UTF-8 file, cut at the last complete line, without a byte-order mark."""
    with file.open("rb") as handle:
        data = handle.read(_SNIFF_BYTES)
        more = bool(handle.read(1))
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if more and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of ``text`` split with ``delimiter`` (quote-aware), skipping blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            if record:
                records.append(record)
            if len(records) >= _SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    return records


def sniff_delimiter(text: str) -> tuple[str, list[str]]:
    """Pick the delimiter (comma, semicolon, tab or pipe) that splits the header and most rows into the same count.

    Returns the delimiter and the header fields. A file with one column comes back as comma-separated.
    """
    best: tuple[float, int, int] | None = None
    best_delimiter, best_header = ",", []
    for order, delimiter in enumerate(DELIMITER_NAMES):
        records = _records(text, delimiter)
        if not records or len(records[0]) < 2:
            continue
        header_width = len(records[0])
        rows = records[1:] or records
        agreeing = sum(1 for record in rows if len(record) == header_width) / len(rows)
        score = (agreeing, header_width, -order)
        if best is None or score > best:
            best, best_delimiter, best_header = score, delimiter, records[0]
    if best is None:
        records = _records(text, ",")
        return ",", records[0] if records else []
    return best_delimiter, best_header


def _looks_like_a_value(text: str) -> bool:
    """Whether a header cell looks like data (a number, date, postcode or email) rather than a column name."""
    return bool(_NUMBER_LIKE.fullmatch(text) or parse_uk_date(text) or normalise_postcode(text)
                or email_is_valid(text))


def check_header(names: list[str], display_name: str, *, row: int = 1) -> None:
    """Refuse a header that is missing (looks like data), repeats a name or uses the reserved name."""
    named = [name for name in names if name]
    if not named:
        raise InputFileError(display_name, "the first row is empty, so the columns have no names. Put the column "
                             "names in the first row.", row=row)
    if all(_looks_like_a_value(name) for name in named):
        example = named[0]
        raise InputFileError(display_name, f"the first row looks like data (e.g. '{example}'), not column names. Add a "
                             "header row with a name for each column.", row=row)
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            continue
        key = name.lower()
        if key in seen:
            raise InputFileError(display_name, f"columns {seen[key]} and {position} are both called '{name}' (names "
                                 "must differ, ignoring capitals). Rename one of them.", row=row, field=name)
        seen[key] = position
        if key == RESERVED_COLUMN:
            raise InputFileError(display_name, f"column {position} is called '{name}', a name townhall keeps for its "
                                 "own row numbers. Rename it.", row=row, field=name)


def _blank_line_positions(file: Path, delimiter: str, columns: int) -> list[int]:
    """For each blank line DuckDB will skip, how many data records come before it (so row numbers stay true).

    Only multi-column files lose blank lines, and only files with an empty line somewhere need the slow pass.
    """
    if columns < 2:
        return []
    found = False
    tail = b""
    with file.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            window = tail + chunk
            if b"\n\n" in window or b"\n\r\n" in window:
                found = True
                break
            tail = window[-2:]
    if not found:
        return []
    positions: list[int] = []
    data_records = -1  # the header is record 0
    with file.open("r", encoding="utf-8-sig", newline="") as handle:
        for record in csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True):
            if record:
                data_records += 1
            elif data_records >= 0:
                positions.append(data_records)
    # Blank lines at the very end are harmless: nothing follows them.
    while positions and positions[-1] == data_records:
        positions.pop()
    return positions


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _clean_expression(column: str) -> str:
    """SQL that trims a text value and turns blanks and null markers into NULL."""
    markers = ", ".join(_sql_string(marker) for marker in ("", *NULL_MARKERS))
    return f"CASE WHEN th_trim({column}) IN ({markers}) THEN NULL ELSE th_trim({column}) END"


def _stage_csv(connection: duckdb.DuckDBPyConnection, file: Path, display_name: str,
               temporary_folder: Path) -> StagedFile:
    encoding = detect_encoding(file, display_name)
    readable = file
    if encoding in (ENCODING_WINDOWS_1252, ENCODING_UTF8_DAMAGED):
        readable = temporary_folder / "transcoded.csv"
        _transcode_to_utf8(file, readable, "cp1252" if encoding == ENCODING_WINDOWS_1252 else "utf-8-sig")
    text = _sample_text(readable)
    if not text.strip(WHITESPACE + "\ufeff"):
        raise InputFileError(display_name, "the file holds no text (only blank lines).")
    delimiter, header = sniff_delimiter(text)
    names = [name.strip(WHITESPACE) for name in header]
    check_header(names, display_name)
    blank_lines = _blank_line_positions(readable, delimiter, len(names))
    column_types = "{" + ", ".join(f"'c{index}': 'VARCHAR'" for index in range(len(names))) + "}"
    row_number = "ordinality + 1"
    if blank_lines:
        connection.execute("CREATE TEMP TABLE blank_lines (after_records BIGINT)")
        connection.executemany("INSERT INTO blank_lines VALUES (?)", [[position] for position in blank_lines])
        row_number = "ordinality + 1 + (SELECT count(*) FROM blank_lines WHERE after_records < ordinality)"
    cleaned = ", ".join(f"{_clean_expression(f'c{index}')} AS c{index}" for index in range(len(names)))
    try:
        connection.execute(
            f"CREATE TEMP TABLE staging AS SELECT {row_number} AS _row_number, {cleaned} "
            f"FROM read_csv({_sql_string(str(readable))}, delim={_sql_string(delimiter)}, quote='\"', escape='\"', "
            f"header=true, auto_detect=false, columns={column_types}, strict_mode=true, null_padding=false, "
            "store_rejects=true, encoding='utf-8', max_line_size=10000000) WITH ORDINALITY"
        )
    except duckdb.Error as error:
        raise InputFileError(display_name, f"the file could not be read as CSV ({_first_line(error)}).") from error
    _refuse_rejected_lines(connection, display_name, delimiter, len(names))
    staged = StagedFile(file_format="csv", columns=names, rows=0, encoding=encoding, delimiter=delimiter)
    _finish_staging(connection, staged, display_name)
    find_bad_text(connection, staged)
    return staged


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _refuse_rejected_lines(connection: duckdb.DuckDBPyConnection, display_name: str, delimiter: str,
                           expected: int) -> None:
    """Turn DuckDB's rejected lines (ragged rows, stray quotes) into one plain message naming the first line."""
    rejected = connection.execute(
        "SELECT line, error_type, error_message FROM reject_errors ORDER BY line, error_type"
    ).fetchall()
    if not rejected:
        return
    lines = sorted({row[0] for row in rejected})
    line, error_type, message = rejected[0]
    more = f" ({len(lines) - 1} more lines have problems too)" if len(lines) > 1 else ""
    separator = DELIMITER_NAMES.get(delimiter, delimiter)
    if error_type in {"MISSING COLUMNS", "TOO MANY COLUMNS"}:
        found = re.search(r"Found:\s*(\d+)", message or "")
        found_text = f"{found.group(1)} fields" if found else ("fewer fields" if error_type == "MISSING COLUMNS"
                                                               else "more fields")
        problem = (f"line {line} has {found_text} but the header has {expected} ({separator}-separated). Check that "
                   f"line for a missing or extra {separator}, or a value with a {separator} that is not in quotes"
                   f"{more}.")
    elif error_type == "UNQUOTED VALUE":
        problem = (f"line {line} has a quote mark (\") in the wrong place, for example text after a closing quote"
                   f"{more}.")
    elif error_type == "LINE SIZE OVER MAXIMUM":
        problem = f"line {line} is extremely long; a quote mark is probably never closed{more}."
    else:
        problem = f"line {line} could not be read ({(message or error_type).strip()}){more}."
    raise InputFileError(display_name, problem, row=line)


def _finish_staging(connection: duckdb.DuckDBPyConnection, staged: StagedFile, display_name: str) -> None:
    """Drop blank rows and unnamed empty columns, refuse unnamed columns with values, and count the rows."""
    columns = [f"c{index}" for index in range(len(staged.columns))]
    if columns:
        all_blank = " AND ".join(f"{column} IS NULL" for column in columns)
        blank = connection.execute(f"SELECT count(*) FROM staging WHERE {all_blank}").fetchone()
        staged.blank_rows_skipped = int(blank[0]) if blank else 0
        if staged.blank_rows_skipped:
            connection.execute(f"DELETE FROM staging WHERE {all_blank}")
    unnamed = [index for index, name in enumerate(staged.columns) if not name]
    for index in unnamed:
        first = connection.execute(f"SELECT min(_row_number) FROM staging WHERE c{index} IS NOT NULL").fetchone()
        if first and first[0] is not None:
            raise InputFileError(display_name, f"column {index + 1} ({_column_letter(index)}) has values but no name "
                                 "in the header row. Give it a name, or delete the column.", row=int(first[0]))
    if unnamed:
        keep = [index for index in range(len(staged.columns)) if index not in unnamed]
        selected = ", ".join(f"c{old} AS c{new}" for new, old in enumerate(keep))
        connection.execute(f"CREATE TEMP TABLE staging_named AS SELECT _row_number, {selected} FROM staging")
        connection.execute("DROP TABLE staging")
        connection.execute("ALTER TABLE staging_named RENAME TO staging")
        staged.columns = [staged.columns[index] for index in keep]
        staged.empty_unnamed_columns_dropped = len(unnamed)
    counted = connection.execute("SELECT count(*) FROM staging").fetchone()
    staged.rows = int(counted[0]) if counted else 0
    if staged.rows == 0:
        raise InputFileError(display_name, "the file has a header row but no data rows.")


def _column_letter(index: int) -> str:
    """Excel's column letter for a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- Excel ----------------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """An Excel cell as text: real date cells become ISO dates, whole numbers lose their '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


@contextlib.contextmanager
def _open_workbook(file: Path, display_name: str) -> Iterator[object]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise InputFileError(display_name, f"the file is not a readable Excel workbook ({_first_line(error)}).") \
            from error
    except Exception as error:  # zipfile.BadZipFile and friends: a damaged or mislabelled file
        raise InputFileError(display_name, "the file is not a readable Excel workbook (it may be damaged, or not "
                             "really an .xlsx file).") from error
    try:
        yield workbook
    finally:
        workbook.close()


def _is_blank(cell: str | None) -> bool:
    return cell is None or not cell.strip(WHITESPACE)


def _choose_header_row(rows: list[tuple[int, list[str | None]]]) -> int:
    """Index (in ``rows``) of the header: the first row as wide as the table whose cells are all distinct names.

    Council spreadsheets often carry a title or a totals row above the real header; those rows are narrow or
    hold numbers and formulas, so they are skipped. Without such a row the first non-empty row is the header (and
    is then checked like any header).
    """
    filled = [sum(1 for cell in cells if not _is_blank(cell)) for _row, cells in rows]
    widest = max(filled, default=0)
    for index, (_row, cells) in enumerate(rows):
        names = [cell.strip(WHITESPACE) for cell in cells if not _is_blank(cell)]  # type: ignore[union-attr]
        if (filled[index] >= 0.8 * widest and len({name.lower() for name in names}) == len(names)
                and not any(_looks_like_a_value(name) for name in names)):
            return index
    return next((index for index, count in enumerate(filled) if count), 0)


_HEADER_SEARCH_ROWS = 20


def _stage_excel(connection: duckdb.DuckDBPyConnection, file: Path, display_name: str,
                 sheet: str | None) -> StagedFile:
    with _open_workbook(file, display_name) as workbook:
        sheet_names: list[str] = list(workbook.sheetnames)  # type: ignore[attr-defined]
        if sheet is None:
            chosen = sheet_names[0]
        elif sheet in sheet_names:
            chosen = sheet
        else:
            matches = [name for name in sheet_names if name.lower() == sheet.lower()]
            if not matches:
                listed = ", ".join(f"'{name}'" for name in sheet_names)
                raise InputFileError(display_name, f"there is no sheet called '{sheet}'. The sheets are: {listed}.")
            chosen = matches[0]
        worksheet = workbook[chosen]  # type: ignore[index]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = (
                (row_number, [_cell_text(value) for value in values])
                for row_number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1)
            )
            first_rows: list[tuple[int, list[str | None]]] = []
            for row_number, cells in rows:
                if first_rows or any(not _is_blank(cell) for cell in cells):
                    first_rows.append((row_number, cells))
                if len(first_rows) >= _HEADER_SEARCH_ROWS:
                    break
            if not first_rows:
                raise InputFileError(display_name, f"the sheet '{chosen}' is empty.")
            header_index = _choose_header_row(first_rows)
            header_row, header_cells = first_rows[header_index]
            while header_cells and _is_blank(header_cells[-1]):
                header_cells.pop()
            header = [(cell or "").strip(WHITESPACE) for cell in header_cells]
            check_header(header, display_name, row=header_row)
            row_numbers: list[int] = []
            columns: list[list[str | None]] = [[] for _ in header]
            for row_number, cells in itertools.chain(first_rows[header_index + 1:], rows):
                extra = [index for index in range(len(header), len(cells)) if not _is_blank(cells[index])]
                if extra:
                    raise InputFileError(display_name, f"row {row_number} has a value in column "
                                         f"{_column_letter(extra[0])}, which has no name in the header row (row "
                                         f"{header_row}). Name the column or remove the value.", row=row_number)
                row_numbers.append(row_number)
                for index, column in enumerate(columns):
                    column.append(cells[index] if index < len(cells) else None)
    import pyarrow as pa  # imported here, so the command line starts without it

    arrays = {"_row_number": pa.array(row_numbers, pa.int64())}
    for index, column in enumerate(columns):
        arrays[f"raw{index}"] = pa.array(column, pa.string())
    connection.register("excel_rows", pa.table(arrays))
    cleaned = ", ".join(f"{_clean_expression(f'raw{index}')} AS c{index}" for index in range(len(header)))
    connection.execute(f"CREATE TEMP TABLE staging AS SELECT _row_number, {cleaned} FROM excel_rows")
    connection.unregister("excel_rows")
    staged = StagedFile(file_format="xlsx", columns=header, rows=0, sheet=chosen)
    if header_row > first_rows[0][0]:
        skipped = f"row {first_rows[0][0]}" if header_row - first_rows[0][0] == 1 else \
            f"rows {first_rows[0][0]} to {header_row - 1}"
        staged.notes.append(f"The header is on row {header_row} of sheet '{chosen}'; {skipped} above it (a title or "
                            "totals) were left out")
    _finish_staging(connection, staged, display_name)
    return staged


# --- Parquet --------------------------------------------------------------------------------------------------------


def _stage_parquet(connection: duckdb.DuckDBPyConnection, file: Path, display_name: str) -> StagedFile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(file)
    except (pa.ArrowException, OSError) as error:
        raise InputFileError(display_name, f"the file is not a readable Parquet file ({_first_line(error)}).") \
            from error
    names = [name.strip(WHITESPACE) for name in schema.names]
    check_header(names, display_name)
    connection.execute("SET TimeZone = 'UTC'")
    source = f"read_parquet({_sql_string(str(file))}, file_row_number=true)"
    try:
        described = connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as error:
        raise InputFileError(display_name, f"the file is not a readable Parquet file ({_first_line(error)}).") \
            from error
    types = {row[0]: str(row[1]) for row in described}
    expressions = []
    for index, original in enumerate(schema.names):
        quoted = quote_identifier(original)
        if types.get(original, "").startswith("TIMESTAMP WITH TIME ZONE"):
            quoted = f"CAST({quoted} AS TIMESTAMP)"
        expressions.append(f"{_clean_expression(f'CAST({quoted} AS VARCHAR)')} AS c{index}")
    try:
        connection.execute(f"CREATE TEMP TABLE staging AS SELECT file_row_number + 2 AS _row_number, "
                           f"{', '.join(expressions)} FROM {source}")
    except duckdb.Error as error:
        raise InputFileError(display_name, f"the Parquet file could not be read ({_first_line(error)}).") from error
    staged = StagedFile(file_format="parquet", columns=names, rows=0)
    _finish_staging(connection, staged, display_name)
    return staged
