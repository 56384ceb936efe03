"""`townhall places`: load geography (boundaries, indicators, postcodes), place a table's rows in areas, draw maps."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.errors import InputFileError, TownhallError

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(help="Load small-area geography, place records in areas, and draw maps of indicators or counts "
                       "with small numbers protected.", no_args_is_help=True)


class FileKind(StrEnum):
    """What a geography file holds."""

    boundaries = "boundaries"
    indicators = "indicators"
    postcodes = "postcodes"


@app.command("load")
@friendly_errors
def load(
    kind: Annotated[FileKind, typer.Argument(help="What the file holds: boundaries, indicators or postcodes.")],
    file: Annotated[Path, typer.Argument(help="The file: GeoJSON, GeoPackage or Shapefile for boundaries, CSV "
                                              "otherwise.")],
    level: Annotated[str | None, typer.Option(help="The level of the boundaries (small_area, msoa, ward, authority "
                                                   "or your own name); told from the ONS codes if not given.")] = None,
    code_field: Annotated[str | None, typer.Option(help="The column of area codes (e.g. LSOA21CD); found from ONS "
                                                        "naming if not given.")] = None,
    name_field: Annotated[str | None, typer.Option(help="The column of area names (e.g. LSOA21NM).")] = None,
    period: Annotated[str | None, typer.Option(help="For indicators: the period they describe (e.g. 2019) when the "
                                                    "file has no year column.")] = None,
    attribution: Annotated[list[str] | None, typer.Option(help="Attribution to show wherever these data appear "
                                                               "(repeat for several); ONS wording is used for "
                                                               "ONS-coded files if not given.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Load boundaries, area indicators or a postcode lookup into the workspace's geography."""
    from townhall.places import load_boundaries, load_indicators, load_postcodes
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    with progress_bar(f"Loading {kind.value}") as update:
        if kind is FileKind.boundaries:
            summary = load_boundaries(opened, file, level=level, code_field=code_field, name_field=name_field,
                                      attribution=attribution, progress=update)
        elif kind is FileKind.indicators:
            summary = load_indicators(opened, file, code_field=code_field, period=period, attribution=attribution,
                                      progress=update)
        else:
            summary = load_postcodes(opened, file, attribution=attribution, progress=update)
    console.print(escape(summary.describe()))
    for text in summary.attribution:
        console.print(f"  Attribution: {escape(text)}")
    opened.audit.record(current_actor(), "places.loaded", summary.source_file,
                        details={"kind": kind.value, "rows": summary.rows, "level": summary.level,
                                 "repaired": len(summary.repaired)})


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV as text columns (UTF-8, with or without a byte-order mark)."""
    import pandas as pd

    if not path.exists():
        raise InputFileError(str(path), "the file does not exist")
    try:
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputFileError(str(path), f"it is not a readable UTF-8 CSV file ({error})") from error


@app.command("assign")
@friendly_errors
def assign(
    file: Annotated[Path, typer.Argument(help="The CSV whose rows to place in areas.")],
    out: Annotated[Path | None, typer.Option(help="Where to write the CSV with area codes added (default: "
                                                  "NAME_with_areas.csv beside the input).")] = None,
    level: Annotated[str, typer.Option(help="The level of area to place rows in (small_area, ward…).")] = "small_area",
    latitude: Annotated[str | None, typer.Option(help="The latitude column (found by name if not given).")] = None,
    longitude: Annotated[str | None, typer.Option(help="The longitude column (found by name if not given).")] = None,
    postcode: Annotated[str | None, typer.Option(help="The postcode column, used where a row has no "
                                                      "coordinates.")] = None,
    uprn: Annotated[str | None, typer.Option(help="The UPRN column, placed by the address gazetteer's "
                                                  "coordinates.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Add area codes to every row of a CSV by coordinates, UPRN or postcode, and say which rows could not be placed."""
    from townhall.places import Geography, assign_to_areas, location_columns
    from townhall.store.files import atomic_path
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    frame = _read_table(file)
    if not any((latitude, longitude, postcode, uprn)):
        found = location_columns(list(frame.columns))
        latitude, longitude, postcode, uprn = found["latitude"], found["longitude"], found["postcode"], found["uprn"]
    geography = Geography.from_workspace(opened)
    with progress_bar("Placing rows in areas") as update:
        update("placing", 0.2)
        assignment = assign_to_areas(frame, geography, level=level, latitude=latitude, longitude=longitude,
                                     postcode=postcode, uprn=uprn)
        update("writing", 0.9)
        target = out or file.with_name(f"{file.stem}_with_areas.csv")
        with atomic_path(target) as temporary:
            assignment.frame.to_csv(temporary, index=False)
    console.print(escape(assignment.describe()))
    if not assignment.unplaced.empty:
        table = Table(title="Rows not placed")
        table.add_column("Reason")
        table.add_column("Rows", justify="right")
        for reason, rows in assignment.unplaced.itertuples(index=False):
            table.add_row(escape(str(reason)), f"{rows:,}")
        console.print(table)
    console.print(f"Wrote {escape(str(target))}.")
    opened.audit.record(current_actor(), "places.assigned", file.name,
                        details={"rows": len(frame), "placed": assignment.placed, "level": level})


@app.command("map")
@friendly_errors
def draw_map(
    out: Annotated[Path, typer.Argument(help="The map file to write: .png, .svg or .html (interactive, works "
                                             "offline).")],
    indicator: Annotated[str | None, typer.Option(help="Map a loaded indicator, e.g. imd_decile.")] = None,
    source: Annotated[str | None, typer.Option(help="Map counts of a registered source's records by area.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Map a count column of this CSV (one row per area).")] = None,
    count_column: Annotated[str | None, typer.Option(help="The count column of the CSV.")] = None,
    code_column: Annotated[str, typer.Option(help="The area code column of the CSV.")] = "area_code",
    level: Annotated[str, typer.Option(help="The level of area: small_area, ward, …")] = "small_area",
    title: Annotated[str | None, typer.Option(help="The map's title: describe the measure, not places.")] = None,
    classification: Annotated[str, typer.Option(help="quantiles, natural_breaks or equal_interval.")] = "quantiles",
    classes: Annotated[int, typer.Option(help="How many classes (colours) to use.")] = 5,
    period: Annotated[str | None, typer.Option(help="The indicator's period (the latest if not given).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Draw a map of an indicator or a count by area, with counts protected and the rule printed on the map."""
    import pandas as pd

    from townhall.governance.disclosure import DisclosureRule
    from townhall.places import CLASSIFICATIONS, Geography, choropleth, count_source_by_area
    from townhall.workspace import current_actor

    chosen = [option for option in (indicator, source, csv) if option is not None]
    if len(chosen) != 1:
        raise TownhallError("Give exactly one of --indicator, --source or --csv to say what to map.")
    if classification not in CLASSIFICATIONS:
        raise TownhallError(f"Unknown classification '{classification}'. Choose one of: {', '.join(CLASSIFICATIONS)}.")
    opened = open_workspace(workspace)
    geography = Geography.from_workspace(opened)
    rule = DisclosureRule.from_workspace(opened)
    with progress_bar("Drawing the map") as update:
        update("working out the figures", 0.2)
        if indicator is not None:
            values = geography.indicator_table([indicator], period=period, level=level)[indicator]
            values.name = indicator
            themed = choropleth(geography, values, level=level, title=title or f"{indicator.replace('_', ' ')} by "
                                f"{level.replace('_', ' ')}", measure=indicator.replace("_", " "),
                                classification=classification, classes=classes)
        elif source is not None:
            counted = count_source_by_area(opened, source, level=level, geography=geography)
            measure = f"Records in {source.replace('_', ' ')}"
            themed = choropleth(geography, counted.counts, level=level, kind="count", rule=rule,
                                title=title or f"{measure} by {level.replace('_', ' ')}", measure=measure,
                                classification=classification, classes=classes)
            themed.notes.extend(counted.notes)
        else:
            assert csv is not None
            if not count_column:
                raise TownhallError("Name the CSV's count column with --count-column.")
            frame = _read_table(csv)
            for column in (code_column, count_column):
                if column not in frame.columns:
                    raise InputFileError(str(csv), f"there is no column called '{column}'", field=column)
            counts = pd.to_numeric(frame[count_column].str.replace(",", ""), errors="coerce")
            if counts.isna().any():
                row = int(counts.isna().to_numpy().nonzero()[0][0]) + 2
                raise InputFileError(str(csv), "the count is not a whole number", row=row, field=count_column)
            values = pd.Series(counts.to_numpy(), index=frame[code_column].astype(str))
            themed = choropleth(geography, values, level=level, kind="count", rule=rule,
                                title=title or f"{count_column} by {level.replace('_', ' ')}", measure=count_column,
                                classification=classification, classes=classes)
        update("drawing", 0.6)
        themed.save(out)
    console.print(f"Wrote the map '{escape(themed.title)}' to {escape(str(out))}.")
    for line in themed.footnotes():
        console.print(f"  {escape(line)}")
    opened.audit.record(current_actor(), "places.map", themed.title,
                        details={"file": out.name, "level": level, "kind": "indicator" if indicator else "count"})

# The place analyses (townhall/cli/places_analyses.py), one line each.
from townhall.cli import places_analyses  # noqa: E402

app.command("report")(places_analyses.report)
app.command("access")(places_analyses.access)
app.command("segments")(places_analyses.segments)
app.command("incident")(places_analyses.incident)
app.command("duplicates")(places_analyses.duplicates)
