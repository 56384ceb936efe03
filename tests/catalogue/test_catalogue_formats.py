"""Registering files in formats townhall has never seen: dates written yyyymmdd (also as integers), month first or as
Excel serials, Australian and US postal codes, with unusual column names; and a warning when a personal field is
mostly empty once cleaned."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from townhall.catalogue import SourceDetail
from townhall.cli import sources
from townhall.workspace import Workspace


def births(count: int, seed: int) -> list[date]:
    rng = random.Random(seed)
    return [date(1920, 1, 1) + timedelta(days=rng.randrange(30_000)) for _ in range(count)]


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> SourceDetail:
    """One file with an Australian (FEBRL-like) layout and US and Excel dates beside it."""
    folder = tmp_path_factory.mktemp("foreign")
    rng = random.Random(7)
    lines = ["rec_id,given_name,surname,street_number,address_1,suburb,postcode,state,date_of_birth,BirthDateUS,"
             "DOB xl,zip,account_no,visits,renewal"]
    for number, born in enumerate(births(120, 1)):
        lines.append(
            f"rec-{number}-org,ann,church,{rng.randint(1, 200)},wyndham crescent,frankston,{rng.randint(2000, 7999)},"
            f"vic,{born:%Y%m%d},{born:%m/%d/%Y},{(born - date(1899, 12, 30)).days},"
            f"{rng.choice(['90210', '02134', '10001-1234', '60601'])},{rng.randint(10_000_000, 99_999_999)},"
            f"{rng.randint(0, 40)},{rng.randint(20_000, 40_000)}"
        )
    workspace = Workspace.create(folder / "council", "Testshire")
    try:
        return workspace.catalogue.add_source(write_lines(folder, "febrl_like.csv", lines), "febrl_like")
    finally:
        workspace.close()


@pytest.mark.parametrize(("field", "written"), [
    ("date_of_birth", "yyyymmdd"), ("BirthDateUS", "mm/dd/yyyy"), ("DOB xl", "Excel serial day number"),
])
def test_dates_of_birth_in_foreign_formats_are_typed_and_tagged(foreign: SourceDetail, field: str,
                                                               written: str) -> None:
    profile = foreign.field_profile(field)
    assert profile.data_type == "date"
    assert "date_of_birth" in profile.tags
    assert profile.date_format is not None and profile.date_format.startswith(written)
    assert profile.validity == 1
    assert f"written {written}" in profile.description


def test_numbers_that_are_not_dates_stay_numbers(foreign: SourceDetail) -> None:
    assert foreign.field_profile("visits").data_type == "integer"
    # Whole numbers in Excel's date range are not dates unless the name says so.
    assert foreign.field_profile("renewal").data_type == "integer"
    assert foreign.field_profile("account_no").data_type != "date"


@pytest.mark.parametrize(("field", "kind"), [("postcode", "4 digits"), ("zip", "ZIP")])
def test_australian_and_us_postal_codes_are_tagged_and_checked_as_codes(foreign: SourceDetail, field: str,
                                                                       kind: str) -> None:
    profile = foreign.field_profile(field)
    assert profile.tags == ["postcode"] and profile.data_type == "text"
    assert profile.checked_rule == "postal code (not UK)" and profile.validity == 1
    assert "postal codes (not UK)" in profile.description
    assert not any(field in problem for problem in foreign.problems)


def test_people_called_church_are_not_a_problem_and_no_warning_is_given(foreign: SourceDetail) -> None:
    assert foreign.warnings == []


def test_an_ambiguous_date_column_is_read_the_uk_way_and_says_so(workspace: Workspace, tmp_path: Path) -> None:
    lines = ["ref,dob"] + [f"R{n},{day:02d}/{month:02d}/19{60 + n % 30}" for n, (day, month) in
                           enumerate((d, m) for d in range(1, 13) for m in range(1, 13))]
    source = workspace.catalogue.add_source(write_lines(tmp_path, "ambiguous.csv", lines), "ambiguous")
    profile = source.field_profile("dob")
    assert profile.data_type == "date" and "UK order assumed" in (profile.date_format or "")


def test_a_personal_field_mostly_empty_after_cleaning_gives_a_warning(workspace: Workspace, tmp_path: Path) -> None:
    lines = ["ref,forename,date_of_birth,postcode"]
    for number, born in enumerate(births(40, 2)):
        dob = f"{born:%d/%m/%Y}" if number % 4 == 0 else "unknown"
        lines.append(f"R{number},{'-' if number % 3 else 'Ann'},{dob},AY1 4QT")
    source = workspace.catalogue.add_source(write_lines(tmp_path, "thin.csv", lines), "thin")
    warned = " ".join(source.warnings)
    assert "date_of_birth is tagged date_of_birth but only 25.0% of rows (10 of 40)" in warned
    assert "forename is tagged name but only" in warned
    assert "postcode" not in warned


def test_sources_add_prints_the_date_formats_and_the_warnings(workspace: Workspace, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = ["id,dob,dob_text"] + [f"{n},{born:%Y%m%d},{'?' if n else born}" for n, born in
                                   enumerate(births(30, 3))]
    root = typer.Typer()
    root.add_typer(sources.app, name="sources")
    path = write_lines(tmp_path, "births.csv", lines)
    result = CliRunner().invoke(root, ["sources", "add", str(path), "--name", "births", "--workspace",
                                       str(workspace.path)])
    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "Date formats read from the values" in text and "dob: yyyymmdd" in text
    shown = CliRunner().invoke(root, ["sources", "show", "births", "--workspace", str(workspace.path)])
    assert "dob: yyyymmdd" in " ".join(shown.output.split())
