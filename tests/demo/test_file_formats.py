"""Every demo source file really is the format and encoding it declares, so readers are tested on real variety."""

from __future__ import annotations

import datetime
import zipfile

import pytest
from openpyxl import load_workbook

from townhall.demo import DemoCouncil

UTF8_BOM = b"\xef\xbb\xbf"


def test_every_declared_format_is_used(small_council: DemoCouncil) -> None:
    formats = {source.file_format for source in small_council.sources}
    assert formats == {"csv", "csv-bom", "csv-windows-1252", "csv-semicolon", "xlsx", "parquet"}


def test_the_windows_1252_file_is_not_utf8_and_decodes_as_windows_1252(small_council: DemoCouncil) -> None:
    data = small_council.source("council_tax").file.read_bytes()
    assert not data.startswith(UTF8_BOM)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    assert text.startswith("AccountRef,LeadLiableName,") and "\r\n" in text
    assert any(character in text for character in "éëóáöüçñ")  # accented names really are in the file


@pytest.mark.parametrize("name", ["housing_tenancies", "vulnerability_register"])
def test_bom_files_start_with_a_byte_order_mark_and_are_utf8(small_council: DemoCouncil, name: str) -> None:
    data = small_council.source(name).file.read_bytes()
    assert data.startswith(UTF8_BOM)
    data.decode("utf-8")


def test_plain_utf8_files_have_no_byte_order_mark(small_council: DemoCouncil) -> None:
    for source in small_council.sources:
        if source.file_format in ("csv", "csv-semicolon"):
            data = source.file.read_bytes()
            assert not data.startswith(UTF8_BOM), source.name
            data.decode("utf-8")


@pytest.mark.parametrize("name", ["benefits", "housing_repairs"])
def test_semicolon_files_use_semicolons_and_decimal_commas(small_council: DemoCouncil, name: str) -> None:
    lines = small_council.source(name).file.read_text(encoding="utf-8").splitlines()
    assert ";" in lines[0] and "," not in lines[0]
    assert any(field.replace(",", "").isdigit() and "," in field for line in lines[1:50] for field in line.split(";"))


def test_excel_files_are_real_workbooks_and_some_dates_are_date_cells(small_council: DemoCouncil) -> None:
    date_cells = 0
    for source in small_council.sources:
        if source.file_format != "xlsx":
            continue
        assert zipfile.is_zipfile(source.file)
        workbook = load_workbook(source.file, read_only=True)
        assert workbook.sheetnames == [source.sheet]
        for row in workbook[source.sheet].iter_rows(min_row=2, max_row=20, values_only=True):
            date_cells += sum(isinstance(value, datetime.datetime) for value in row)
        workbook.close()
    assert date_cells > 0
    clients = load_workbook(small_council.source("adult_social_care").file, read_only=True)["Clients"]
    header = next(clients.iter_rows(max_row=1, values_only=True))
    first = next(clients.iter_rows(min_row=2, max_row=2, values_only=True))
    assert isinstance(first[header.index("Date of Birth")], datetime.datetime)


def test_parquet_files_are_parquet(small_council: DemoCouncil) -> None:
    for source in small_council.sources:
        if source.file_format == "parquet":
            data = source.file.read_bytes()
            assert data[:4] == b"PAR1" and data[-4:] == b"PAR1", source.name


def test_sources_use_their_own_field_names_and_date_styles(small_council: DemoCouncil) -> None:
    council_tax = small_council.source("council_tax").read()
    assert council_tax["LeadLiableName"].str.contains(r"^[A-Z' -]+, ", regex=True).mean() > 0.8
    assert council_tax["AccountStart"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").mean() > 0.85
    homelessness = small_council.source("homelessness_applications").read()
    assert homelessness["date_of_application"].str.fullmatch(r"\d{1,2}-[A-Z][a-z]{2}-\d{2}").all()
    benefits = small_council.source("benefits").read()
    assert benefits["DATE OF BIRTH"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").mean() > 0.8
    assert "NHS" not in " ".join(small_council.source("police_asb").read().columns)
