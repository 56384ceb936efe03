"""Reading files as councils send them: encodings, delimiters, Excel, Parquet, and plain errors for bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from townhall.errors import InputFileError
from townhall.workspace import Workspace


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def write_text(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(folder, name, text.encode(encoding))


def stored_rows(workspace: Workspace, source: str) -> list[tuple[object, ...]]:
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(f"SELECT * FROM {workspace.catalogue.table_name(source)} ORDER BY 1").fetchall()


RESIDENTS = "name,balance\nZoë Brown,£12.50\nJohn Smith,£3.00\n"


@pytest.mark.parametrize(("encoding", "data", "label"), [
    ("utf-8", RESIDENTS.encode("utf-8"), "UTF-8"),
    ("utf-8-sig", RESIDENTS.encode("utf-8-sig"), "UTF-8 with BOM"),
    ("cp1252", RESIDENTS.encode("cp1252"), "Windows-1252"),
])
def test_each_encoding_is_detected_and_read_correctly(workspace: Workspace, tmp_path: Path, encoding: str,
                                                      data: bytes, label: str) -> None:
    source = workspace.catalogue.add_source(write_bytes(tmp_path, f"residents_{encoding}.csv", data), "residents")
    assert source.encoding == label
    assert [field.name for field in source.field_profiles] == ["name", "balance"]
    rows = stored_rows(workspace, "residents")
    assert rows[0][1] == "Zoë Brown"
    assert str(rows[0][2]) == "12.50"


def test_windows_1252_smart_quotes_and_euro_are_read_as_windows_1252_not_latin_1(workspace: Workspace,
                                                                                  tmp_path: Path) -> None:
    text = "note,amount\n“Paid” in €,5\n‘Late’,6\n"
    workspace.catalogue.add_source(write_text(tmp_path, "notes.csv", text, "cp1252"), "notes")
    assert [row[1] for row in stored_rows(workspace, "notes")] == ["“Paid” in €", "‘Late’"]


@pytest.mark.parametrize(("delimiter", "label"), [(",", ","), (";", ";"), ("\t", "\t"), ("|", "|")])
def test_delimiters_are_sniffed(workspace: Workspace, tmp_path: Path, delimiter: str, label: str) -> None:
    text = "\n".join(delimiter.join(row) for row in [
        ["ref", "address", "count"], ["A1", '"1 High Street, Ashbury"', "3"], ["A2", "2 Mill Lane", "4"]]) + "\n"
    source = workspace.catalogue.add_source(write_text(tmp_path, "data.csv", text), "data")
    assert source.delimiter == label
    assert source.fields == 3 and source.rows == 2
    assert stored_rows(workspace, "data")[0][2] == "1 High Street, Ashbury"


def test_semicolon_files_with_decimal_commas_are_numbers(workspace: Workspace, tmp_path: Path) -> None:
    text = "job;cost\nJ1;113,28\nJ2;7,5\nJ3;40\n"
    source = workspace.catalogue.add_source(write_text(tmp_path, "repairs.csv", text), "repairs")
    assert source.field_profile("cost").data_type == "decimal"
    assert [str(row[2]) for row in stored_rows(workspace, "repairs")] == ["113.28", "7.50", "40.00"]


def test_a_ragged_row_names_the_file_the_line_and_the_field_counts(workspace: Workspace, tmp_path: Path) -> None:
    text = "ref,name,postcode\nA1,Ann,M1 1AE\nA2,Bob\nA3,Cy,M2 2BB\n"
    path = write_text(tmp_path, "ragged.csv", text)
    with pytest.raises(InputFileError) as caught:
        workspace.catalogue.add_source(path, "ragged")
    message = str(caught.value)
    assert "ragged.csv" in message and "line 3" in message
    assert "2 fields" in message and "header has 3" in message
    assert caught.value.row == 3


def test_a_row_with_too_many_fields_is_refused_too(workspace: Workspace, tmp_path: Path) -> None:
    text = "ref,amount\nA1,5\nA2,1,200\n"
    with pytest.raises(InputFileError, match=r"line 3 has 3 fields but the header has 2"):
        workspace.catalogue.add_source(write_text(tmp_path, "money.csv", text), "money")


def test_bytes_that_fit_no_encoding_are_refused_with_the_line(workspace: Workspace, tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 and invalid on its own in UTF-8.
    path = write_bytes(tmp_path, "garbled.csv", b"name,town\nAnn,Leeds\nBob,\x81\x8dYork\n")
    with pytest.raises(InputFileError, match=r"line 3 holds bytes that are neither UTF-8 nor Windows-1252") as caught:
        workspace.catalogue.add_source(path, "garbled")
    assert caught.value.row == 3


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("empty.csv", b"", "the file is empty (0 bytes)"),
    ("header_only.csv", b"ref,name\n", "has a header row but no data rows"),
    ("blank_lines.csv", b"\n\n\n", "only blank lines"),
    ("no_header.csv", b"12/03/2024,100,M1 1AE\n13/03/2024,200,M2 2BB\n", "looks like data"),
    ("duplicates.csv", b"ref,Name,name\n1,a,b\n", "columns 2 and 3 are both called 'name'"),
    ("unnamed.csv", b"ref,,amount\n1,x,5\n", "column 2 (B) has values but no name"),
    ("reserved.csv", b"_row_number,name\n1,a\n", "townhall keeps for its own row numbers"),
    ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), "UTF-16"),
    ("renamed.csv", b"PK\x03\x04 not really a csv", "Excel workbook saved with a .csv name"),
    ("data.json", b"{}", "Supported: CSV"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "old-style Excel .xls"),
    ("broken.xlsx", b"not a zip at all", "not a readable Excel workbook"),
    ("broken.parquet", b"PAR1 nonsense", "not a readable Parquet file"),
])
def test_bad_files_are_refused_in_plain_english(workspace: Workspace, tmp_path: Path, name: str, data: bytes,
                                                problem: str) -> None:
    path = write_bytes(tmp_path, name, data)
    with pytest.raises(InputFileError) as caught:
        workspace.catalogue.add_source(path, "bad_input")
    assert problem in str(caught.value)
    assert name in str(caught.value)


def test_a_missing_file_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        workspace.catalogue.add_source(tmp_path / "nowhere.csv", "nowhere")


def test_a_column_that_changes_meaning_is_refused_naming_the_field_and_row(workspace: Workspace,
                                                                           tmp_path: Path) -> None:
    lines = ["ref,paid_on"]
    lines += [f"R{n},{1 + n % 28:02d}/03/2024" for n in range(600)]            # rows 2-601: dates
    lines += [f"R{n},{(n * 37) % 900 + 0.5:.2f}" for n in range(600, 1000)]   # rows 602-1001: money amounts
    path = write_text(tmp_path, "payments.csv", "\n".join(lines) + "\n")
    with pytest.raises(InputFileError) as caught:
        workspace.catalogue.add_source(path, "payments")
    assert caught.value.field == "paid_on"
    assert caught.value.row == 602
    assert "changes meaning at row 602" in str(caught.value)
    assert "dates" in str(caught.value) and "numbers" in str(caught.value)


def test_a_few_odd_values_or_a_run_of_one_placeholder_are_not_a_change_of_meaning(workspace: Workspace,
                                                                                  tmp_path: Path) -> None:
    lines = ["ref,closed_on"]
    lines += [f"R{n},{1 + n % 28:02d}/03/2024" for n in range(300)]
    lines += [f"R{n},Open" for n in range(300, 500)]   # a long run, but all the same word
    lines += [f"R{n},unknown" if n % 50 == 0 else f"R{n},01/04/2024" for n in range(500, 800)]
    source = workspace.catalogue.add_source(write_text(tmp_path, "cases.csv", "\n".join(lines) + "\n"), "cases")
    assert source.rows == 800


def test_row_numbers_are_spreadsheet_rows_even_after_blank_lines_and_multi_line_cells(workspace: Workspace,
                                                                                      tmp_path: Path) -> None:
    text = 'ref,note\nA1,"first line\nsecond line"\n\nA2,plain\nA3,x\n'
    workspace.catalogue.add_source(write_text(tmp_path, "notes.csv", text), "notes")
    assert [row[:2] for row in stored_rows(workspace, "notes")] == [(2, "A1"), (4, "A2"), (5, "A3")]


def test_blank_rows_and_unnamed_empty_columns_are_dropped_and_reported(workspace: Workspace, tmp_path: Path) -> None:
    text = "ref,amount,,\nA1,5,,\n,,,\nA2,6,,\n"
    source = workspace.catalogue.add_source(write_text(tmp_path, "export.csv", text), "export")
    assert source.rows == 2 and source.fields == 2
    assert [row[0] for row in stored_rows(workspace, "export")] == [2, 4]
    assert "1 blank row was skipped" in source.problems
    assert "2 empty columns with no name were left out" in source.problems


def test_values_are_trimmed_and_null_markers_become_empty(workspace: Workspace, tmp_path: Path) -> None:
    text = "ref,town\n A1 ,  Leeds\u00a0\nA2,N/A\nA3,NULL\nA4,York\n"
    source = workspace.catalogue.add_source(write_text(tmp_path, "towns.csv", text), "towns")
    rows = stored_rows(workspace, "towns")
    assert rows[0][1:] == ("A1", "Leeds")
    assert [row[2] for row in rows[1:3]] == [None, None]
    assert source.field_profile("town").filled == 2


def _workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Notes"
    cover.append(["topic", "detail"])
    cover.append(["extract", "tenancies, March 2024"])
    sheet = workbook.create_sheet("Tenancies")
    sheet.append(["Tenancy Extract, March 2024"])          # a title row above the header
    sheet.append([])
    sheet.append(["tenancy_ref", "start_date", "weekly_rent", "uprn", "active"])
    sheet.append(["T001", dt.datetime(2019, 4, 1), 95.5, "010012345678", True])
    sheet.append(["T002", dt.date(2021, 11, 15), 101.25, "100012345679", False])
    sheet.append(["T003", dt.datetime(2023, 1, 9), 88, "100012345680", True])
    workbook.save(path)
    return path


def test_excel_reads_a_named_sheet_with_real_date_cells(workspace: Workspace, tmp_path: Path) -> None:
    source = workspace.catalogue.add_source(_workbook(tmp_path / "tenancies.xlsx"), "tenancies", sheet="Tenancies")
    assert source.file_format == "xlsx" and source.sheet == "Tenancies"
    assert source.encoding is None and source.delimiter is None
    start = source.field_profile("start_date")
    assert start.data_type == "date"
    assert source.field_profile("uprn").data_type == "text"   # the leading zero is kept
    assert source.field_profile("active").data_type == "boolean"
    rows = stored_rows(workspace, "tenancies")
    assert rows[0][:3] == (4, "T001", dt.date(2019, 4, 1))     # row 4 of the sheet, as Excel shows it
    assert rows[0][4] == "010012345678"
    assert any("header is on row 3" in problem for problem in source.problems)


def test_excel_uses_the_first_sheet_unless_told(workspace: Workspace, tmp_path: Path) -> None:
    source = workspace.catalogue.add_source(_workbook(tmp_path / "tenancies.xlsx"), "cover")
    assert source.sheet == "Notes"


def test_a_missing_sheet_names_the_sheets_that_exist(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"no sheet called 'Rents'. The sheets are: 'Notes', 'Tenancies'"):
        workspace.catalogue.add_source(_workbook(tmp_path / "tenancies.xlsx"), "rents", sheet="Rents")


def test_excel_values_beyond_the_header_are_refused_with_row_and_column(workspace: Workspace,
                                                                        tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ref", "amount"])
    sheet.append(["A1", 5])
    sheet.append(["A2", 6, "stray note"])
    workbook.save(tmp_path / "stray.xlsx")
    with pytest.raises(InputFileError, match=r"row 3 has a value in column C"):
        workspace.catalogue.add_source(tmp_path / "stray.xlsx", "stray")


def test_sheet_is_only_for_excel(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="--sheet only applies to Excel"):
        workspace.catalogue.add_source(write_text(tmp_path, "a.csv", "a,b\n1,2\n"), "a", sheet="Sheet1")


def test_parquet_is_read_with_its_types(workspace: Workspace, tmp_path: Path) -> None:
    table = pa.table({
        "case_id": ["C1", "C2", "C3"],
        "opened": pa.array([dt.date(2024, 1, 2), dt.date(2024, 2, 3), None], pa.date32()),
        "seen_at": pa.array([dt.datetime(2024, 1, 2, 9, 30), dt.datetime(2024, 2, 3, 14, 0), None],
                            pa.timestamp("us", tz="Europe/London")),
        "visits": pa.array([1, 4, 2], pa.int64()),
        "score": [0.5, 1.25, 2.0],
        "urgent": [True, False, True],
    })
    pq.write_table(table, tmp_path / "cases.parquet")
    source = workspace.catalogue.add_source(tmp_path / "cases.parquet", "cases")
    types = {field.name: field.data_type for field in source.field_profiles}
    assert types == {"case_id": "text", "opened": "date", "seen_at": "datetime", "visits": "integer",
                     "score": "decimal", "urgent": "boolean"}
    rows = stored_rows(workspace, "cases")
    assert rows[0][0] == 2 and rows[0][2] == dt.date(2024, 1, 2)
    assert rows[0][3] == dt.datetime(2024, 1, 2, 9, 30)   # 09:30 UTC (London is on GMT in January)


def test_real_ons_imd_file_with_a_bom_and_thousands_commas(workspace: Workspace) -> None:
    folder = Path(__file__).resolve().parents[3] / "shared" / "data" / "uk-geography"
    if not folder.exists():
        pytest.skip(f"real ONS data not available at {folder}")
    imd = workspace.catalogue.add_source(folder / "england_imd2019_decile_lsoa11_huanfachen.csv", "imd")
    assert imd.encoding == "UTF-8 with BOM" and imd.rows == 32_844
    assert imd.field_profile("IMD_Decile").data_type == "integer"
    long = workspace.catalogue.add_source(folder / "trafford_imd2019_2015_lsoa_long.csv", "imd_long")
    assert long.field_profile("rank").data_type == "integer"   # "1,234" ranks are whole numbers


def test_a_mostly_utf8_file_with_stray_bytes_is_read_as_utf8_with_the_bad_rows_named(workspace: Workspace,
                                                                                     tmp_path: Path) -> None:
    lines = ["name,town"] + [f"Zoë Brown {n},Llanfair Pwllgwyngyll" for n in range(40)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    data += "José Díaz,".encode() + b"Caf\xe9 Town\n" + b"Ann," + b"Stray \x92 byte\n"  # rows 42 and 43
    source = workspace.catalogue.add_source(write_bytes(tmp_path, "mostly_utf8.csv", data), "mostly_utf8")
    assert source.encoding == "UTF-8 (some bytes not valid)"
    rows = stored_rows(workspace, "mostly_utf8")
    assert rows[0][1] == "Zoë Brown 0" and rows[40][1] == "José Díaz"  # the good UTF-8 is not mojibake
    assert rows[40][2] == "Caf\ufffd Town"
    town = source.field_profile("town")
    assert town.checked_rule == "readable text" and town.valid == 40 and town.validity < 1
    assert source.field_profile("name").validity is None
    assert source.quality_score < 1
    assert any("town: 2 rows" in problem and "not cleanly encoded" in problem for problem in source.problems)
    assert any("rows 42, 43" in problem for problem in source.problems)
    failing = workspace.catalogue.failing_rows("mostly_utf8", "town")
    assert [row.row_number for row in failing] == [42, 43]
    assert "not valid UTF-8" in failing[0].reason


def test_a_genuine_windows_1252_file_is_still_read_as_windows_1252(workspace: Workspace, tmp_path: Path) -> None:
    text = "name,balance,note\n" + "".join(f"Renée {n},£{n}.50,café crème\n" for n in range(30))
    source = workspace.catalogue.add_source(write_text(tmp_path, "latin.csv", text, "cp1252"), "latin")
    assert source.encoding == "Windows-1252"
    first = stored_rows(workspace, "latin")[0]
    assert first[1] == "Renée 0" and str(first[2]) == "0.50" and first[3] == "café crème"
    assert source.quality_score == 1


def test_a_utf8_file_with_a_byte_order_mark_and_a_stray_byte_is_read_as_utf8(workspace: Workspace,
                                                                             tmp_path: Path) -> None:
    data = "\ufeff".encode() + b"name,town\nAnn,Leeds\nBob,\x81York\n"
    source = workspace.catalogue.add_source(write_bytes(tmp_path, "bom.csv", data), "bom")
    assert source.encoding == "UTF-8 (some bytes not valid)"
    assert [row.row_number for row in workspace.catalogue.failing_rows("bom", "town")] == [3]
