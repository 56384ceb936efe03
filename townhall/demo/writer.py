"""Write the demo's files byte-for-byte reproducibly: CSV in several encodings, Excel, Parquet and GeoJSON.

Excel files are zip archives that normally carry the time they were written; we pin those timestamps so the same
seed always gives identical bytes.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from townhall.demo.records import SourceTable

_FIXED_ZIP_TIME = (2026, 9, 30, 0, 0, 0)
_FIXED_ISO_TIME = "2026-09-30T00:00:00Z"


def write_source(table: SourceTable, folder: Path) -> Path:
    """Write one system's export in its own format; returns the file's path."""
    path = folder / table.file_name
    frame = table.frame
    if table.file_format == "csv":
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    elif table.file_format == "csv-bom":
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    elif table.file_format == "csv-windows-1252":
        # A legacy system: characters Windows-1252 cannot hold (e.g. Polish ł, ś) come out as '?', as they do.
        frame.to_csv(path, index=False, encoding="cp1252", errors="replace", lineterminator="\r\n")
    elif table.file_format == "csv-semicolon":
        frame.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8", lineterminator="\n")
    elif table.file_format == "parquet":
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, compression="snappy")
    elif table.file_format == "xlsx":
        write_xlsx(frame, path, table.sheet or "Sheet1", table.date_cell_columns)
    else:  # SourceTable already refuses unknown formats; this guards future additions
        raise ValueError(f"Cannot write format {table.file_format!r}")
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Plain UTF-8 CSV for reference and truth files."""
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _python_values(column: pd.Series, as_dates: bool) -> list[object]:
    """Column values as plain Python objects for openpyxl: None for missing, datetime.date for date cells."""
    if as_dates:
        days = column.to_numpy(dtype="datetime64[D]")
        return [None if np.isnat(day) else day.item() for day in days]
    values = column.astype(object).where(column.notna(), None)
    return [value.item() if isinstance(value, np.generic) else value for value in values]


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str, date_columns: tuple[str, ...] = ()) -> None:
    """One-sheet workbook in openpyxl's write-only mode; date columns become real Excel date cells."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(frame.columns))
    columns = [_python_values(frame[name], name in date_columns) for name in frame.columns]
    date_positions = [index for index, name in enumerate(frame.columns) if name in date_columns]
    for row in zip(*columns, strict=True):
        if date_positions:
            row = list(row)
            for position in date_positions:
                if row[position] is not None:
                    cell = WriteOnlyCell(worksheet, value=row[position])
                    cell.number_format = "DD/MM/YYYY"
                    row[position] = cell
        worksheet.append(row)
    fixed_time = datetime.datetime(*_FIXED_ZIP_TIME)
    workbook.properties.created = fixed_time
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_pin_zip_timestamps(buffer.getvalue()))


def _pin_zip_timestamps(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and fixed document-property times, so its bytes are reproducible."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                                 rb"\g<1>" + _FIXED_ISO_TIME.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(entry.filename, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, content)
    return output.getvalue()


def _rounded(coordinates: object) -> object:
    if isinstance(coordinates, (list, tuple)):
        if coordinates and isinstance(coordinates[0], float):
            return [round(value, 7) for value in coordinates]
        return [_rounded(part) for part in coordinates]
    return coordinates


def write_geojson(shapes: np.ndarray, properties: pd.DataFrame, path: Path) -> Path:
    """RFC 7946 FeatureCollection in WGS84, exterior rings anticlockwise, coordinates to 7 decimal places."""
    oriented = shapely.orient_polygons(shapes, exterior_cw=False)
    records = properties.astype(object).where(properties.notna(), None).to_dict(orient="records")
    features = []
    for shape, record in zip(oriented, records, strict=True):
        geometry = shapely.geometry.mapping(shape)
        features.append({"type": "Feature", "properties": {key: _plain(value) for key, value in record.items()},
                         "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])}})
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
