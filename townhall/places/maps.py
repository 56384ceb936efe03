"""Thematic maps: an indicator or a count by area, classified, coloured, and safe to publish.

Counts pass disclosure control before anything else (small counts hidden, the rest rounded, a second count hidden
where a published total would give a hidden one away), and only the protected figures are classified, coloured,
turned into rates and written to the map's table. Titles and legends describe the measure; a title that labels places
("problem area") is refused. A map is exported as PNG or SVG (a Vega-Lite geoshape chart) or as a standalone HTML page
with Leaflet inlined, which opens offline in a councillor's browser.
"""

from __future__ import annotations

import html
import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from townhall.errors import TownhallError
from townhall.governance.disclosure import DisclosureRule, protect_table
from townhall.places.geography import LEVEL_LABELS, Geography
from townhall.reports import SEQUENTIAL_COLOURS, save_chart
from townhall.store.files import atomic_write_text

CLASSIFICATIONS = {"quantiles": "quantiles (about the same number of areas in each class)",
                   "natural_breaks": "natural breaks (Fisher-Jenks: classes split where the values have gaps)",
                   "equal_interval": "equal intervals (classes of the same width)"}
SUPPRESSED_COLOUR = "#9e9e9e"
NO_FIGURE_COLOUR = "#ffffff"
POINT_COLOUR = "#08519c"
# Words that label places or the people in them instead of describing a measure (matched as whole words).
# Words that label places or the people in them instead of describing a measure (matched as whole words). Words
# that also name real measures ("rough sleepers", "dangerous structures", "bad debt") are left out on purpose.
STIGMATISING_WORDS = ("problem", "problems", "worst", "sink", "no-go", "ghetto", "ghettos", "undesirable",
                      "blighted", "crime-ridden", "run-down", "rundown", "notorious", "troubled area",
                      "troubled areas", "hotspot", "hotspots", "scrounger", "scroungers")
# Roles that may see a map of personal points (people's homes): case work and governance, never a published map.
PERSONAL_POINT_ROLES = ("practitioner", "governance")
ROOT = Path(__file__).resolve().parents[2]
LEAFLET_FOLDERS = (ROOT / "node_modules" / "leaflet" / "dist",
                   ROOT / "townhall" / "web" / "static" / "vendor" / "leaflet")
MAP_SCRIPT = ROOT / "townhall" / "web" / "frontend" / "map.js"


def check_neutral_wording(text: str) -> str:
    """Refuse a title or legend that labels places (e.g. 'problem areas'); return the text when it is neutral."""
    lowered = text.lower()
    for word in STIGMATISING_WORDS:
        if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered):
            raise TownhallError(
                f"The map title '{text}' uses the word '{word}', which labels places or the people who live there. "
                "Describe the measure instead, for example 'Households on the vulnerability register per 1,000 "
                "homes'.")
    return text


@dataclass(frozen=True)
class LegendClass:
    """One entry of a map's legend: its plain-English label, colour and how many areas it holds."""

    label: str
    colour: str
    areas: int
    lower: float | None = None
    upper: float | None = None


@dataclass
class ThematicMap:
    """A map ready to draw: one feature per area with its figure, class and colour, plus legend, rule and sources."""

    title: str
    measure: str  # what the figures are, for the legend and the table heading
    level: str
    features: gpd.GeoDataFrame  # code, name, value (float or NaN), display (text), colour, label, geometry
    legend: list[LegendClass]
    classification: str
    rule_text: str | None = None  # the disclosure rule, printed on maps of counts
    attribution: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total_display: str | None = None  # the published total, when the map publishes one
    kind: str = "area"  # "area" (choropleth or hexagons) or "point"
    count_measure: str | None = None  # on a map of rates: the heading of the protected counts they come from

    def footnotes(self) -> list[str]:
        """The lines printed under the map: the disclosure rule, notes and attribution."""
        return [*([self.rule_text] if self.rule_text else []), *self.notes, *self.attribution]

    def table(self) -> dict[str, Any]:
        """The same figures as a table (head and rows) to print beside the map for people who cannot see it."""
        level_label = LEVEL_LABELS.get(self.level, self.level.replace("_", " ").capitalize())
        if self.count_measure and "count_display" in self.features.columns:
            rows = [[name, code, count, display, label] for code, name, count, display, label in
                    self.features[["code", "name", "count_display", "display", "label"]].itertuples(index=False)]
            if self.total_display is not None:
                rows.append(["Total", "", self.total_display, "", ""])
            return {"head": [level_label, "Code", self.count_measure, self.measure, "Class"], "rows": rows}
        rows = [[name, code, display, label] for code, name, display, label in
                self.features[["code", "name", "display", "label"]].itertuples(index=False)]
        if self.total_display is not None:
            rows.append(["Total", "", self.total_display, ""])
        return {"head": [level_label, "Code", self.measure, "Class"], "rows": rows}

    def to_geojson(self, *, exterior_clockwise: bool = False) -> dict[str, Any]:
        """The map as a GeoJSON FeatureCollection, with the title, legend and footnotes as extra members.

        Rings follow the GeoJSON standard (outer rings anticlockwise) unless ``exterior_clockwise``, which Vega needs.
        """
        shapes = shapely.orient_polygons(self.features.geometry.to_numpy(), exterior_cw=exterior_clockwise)
        features = []
        for row, shape in zip(self.features.itertuples(index=False), shapes, strict=True):
            value = None if pd.isna(row.value) else float(row.value)
            properties = {"code": row.code, "name": row.name, "value": value, "display": row.display,
                          "colour": row.colour, "label": row.label}
            if "count_display" in self.features.columns:
                properties["count_display"] = row.count_display
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(shape),
                             "properties": properties})
        return {"type": "FeatureCollection", "features": features, "title": self.title, "measure": self.measure,
                "kind": self.kind, "legend": [{"label": entry.label, "colour": entry.colour, "areas": entry.areas}
                                              for entry in self.legend],
                "footnotes": self.footnotes()}

    def vega_lite_spec(self, width: int = 560, height: int = 480) -> dict[str, Any]:
        """A Vega-Lite geoshape chart of the map (for PNG and SVG), coloured by legend class."""
        data = {"values": self.to_geojson(exterior_clockwise=True), "format": {"type": "json", "property": "features"}}
        labels = [entry.label for entry in self.legend]
        colours = [entry.colour for entry in self.legend]
        colour = {"field": "properties.label", "type": "nominal", "title": self.measure,
                  "scale": {"domain": labels, "range": colours}, "sort": labels,
                  "legend": {"labelLimit": 320, "titleLimit": 400, "orient": "right", "symbolType": "square"}}
        tooltip = [{"field": "properties.name", "title": "Area"},
                   {"field": "properties.display", "title": self.measure}]
        if self.kind == "point":
            mark: dict[str, Any] = {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5}
        else:
            mark = {"type": "geoshape", "stroke": "#505a5f", "strokeWidth": 0.6}
        footnotes = self.footnotes()
        return {
            "title": {"text": self.title, "subtitle": footnotes, "subtitleFontSize": 11, "subtitleColor": "#505a5f",
                      "orient": "top"},
            "description": f"Map: {self.title}",
            "width": width, "height": height, "data": data, "projection": {"type": "mercator"},
            "mark": mark, "encoding": {"color": colour, "tooltip": tooltip},
        }

    def save(self, path: str | Path) -> Path:
        """Save the map as .png or .svg (drawn by vl-convert) or as a standalone .html page (Leaflet inlined)."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix in (".png", ".svg"):
            return save_chart(self.vega_lite_spec(), target)
        if suffix == ".html":
            atomic_write_text(target, standalone_html(self))
            return target
        raise TownhallError(f"Maps can be saved as .png, .svg or .html, not '{suffix or 'no extension'}'.")


# ---------------------------------------------------------------------------------------------------------------------
# Classification


def _palette(classes: int) -> list[str]:
    """``classes`` colours from light to dark in the shared sequential palette (skipping the palest where it can)."""
    if classes <= 0:
        return []
    start = 1 if classes < len(SEQUENTIAL_COLOURS) else 0
    positions = np.linspace(start, len(SEQUENTIAL_COLOURS) - 1, classes) if classes > 1 else [start + 2]
    return [SEQUENTIAL_COLOURS[round(position)] for position in positions]


def _format_number(value: float, decimals: int) -> str:
    """A number with thousands separators and a fixed number of decimals."""
    return f"{value:,.{decimals}f}"


def _decimals(values: np.ndarray) -> int:
    """0 for whole numbers, else 1 (2 when the values are all small fractions)."""
    if np.all(np.isclose(values, np.round(values))):
        return 0
    return 2 if np.nanmax(np.abs(values)) < 1 else 1


def classify(values: Sequence[float] | np.ndarray, *, method: str = "quantiles",
             classes: int = 5) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Put values into ordered classes: each value's class number and each class's (lowest, highest) value.

    Methods: 'quantiles', 'natural_breaks' (Fisher-Jenks, exact and repeatable) and 'equal_interval'. Fewer classes
    are used when there are fewer distinct values; empty classes are dropped so every legend entry has areas.
    """
    if method not in CLASSIFICATIONS:
        raise TownhallError(f"Unknown classification '{method}'. Choose one of: {', '.join(CLASSIFICATIONS)}.")
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return np.zeros(0, dtype=int), []
    distinct = np.unique(data)
    count = max(1, min(int(classes), len(distinct)))
    if count == 1:
        return np.zeros(len(data), dtype=int), [(float(distinct[0]), float(distinct[-1]))]
    import mapclassify  # imported here: it compiles with numba on import, seconds the command line should not pay

    with warnings.catch_warnings():
        # mapclassify warns when tied values leave fewer quantile classes; empty classes are dropped below anyway.
        warnings.simplefilter("ignore", UserWarning)
        if method == "quantiles":
            classifier = mapclassify.Quantiles(data, k=count)
        elif method == "natural_breaks":
            classifier = mapclassify.FisherJenks(data, k=count)
        else:
            classifier = mapclassify.EqualInterval(data, k=count)
    raw = np.asarray(classifier.yb, dtype=int)
    used = np.unique(raw)
    renumbered = np.searchsorted(used, raw)
    ranges = [(float(data[renumbered == index].min()), float(data[renumbered == index].max()))
              for index in range(len(used))]
    return renumbered, ranges


def legend_labels(ranges: Sequence[tuple[float, float]], decimals: int) -> list[str]:
    """Plain-English legend labels for class ranges: '10 to 25', or '40' for a class of one value."""
    labels = []
    for lower, upper in ranges:
        if math.isclose(lower, upper):
            labels.append(_format_number(lower, decimals))
        else:
            labels.append(f"{_format_number(lower, decimals)} to {_format_number(upper, decimals)}")
    return labels


# ---------------------------------------------------------------------------------------------------------------------
# Building maps


def _values_by_code(values: pd.Series | Mapping[str, float] | pd.DataFrame, value_column: str | None) -> pd.Series:
    """Figures keyed by area code from a Series, a dict, or a frame with area_code and a value column."""
    if isinstance(values, pd.DataFrame):
        code_column = "area_code" if "area_code" in values.columns else "code"
        if code_column not in values.columns:
            raise TownhallError("The table of figures needs an area_code column.")
        column = value_column or next((name for name in values.columns if name not in (code_column,)), None)
        if column is None or column not in values.columns:
            raise TownhallError(f"The table of figures has no column called '{value_column}'.")
        series = pd.Series(values[column].to_numpy(), index=values[code_column].astype(str))
    elif isinstance(values, pd.Series):
        series = values.copy()
        series.index = series.index.astype(str)
    else:
        series = pd.Series(dict(values), dtype=float)
    if series.index.duplicated().any():
        duplicate = series.index[series.index.duplicated()][0]
        raise TownhallError(f"Area {duplicate} has more than one figure; give one figure per area.")
    return pd.to_numeric(series, errors="coerce")


def choropleth(geography: Geography, values: pd.Series | Mapping[str, float] | pd.DataFrame, *, level: str,
               title: str, measure: str, kind: str = "indicator", value_column: str | None = None,
               classification: str = "quantiles", classes: int = 5, rule: DisclosureRule | None = None,
               publish_total: bool = True, per_thousand_of: pd.Series | Mapping[str, float] | None = None,
               rate_measure: str | None = None, attribution: Sequence[str] | None = None) -> ThematicMap:
    """A thematic map of figures by area: an indicator as it is, or a count protected by disclosure control first.

    ``kind`` is 'indicator' (published figures such as deprivation deciles, shown as they are) or 'count' (counts of
    records: hidden under the rule's threshold, rounded, with a second area hidden where the published total would
    give a hidden count away). With ``per_thousand_of`` (e.g. residents or homes by area) a count map shows rates per
    1,000 worked out from the protected counts. Areas with no figure are shown as such, never dropped. The
    attribution printed is that of the level's boundaries (and, for an indicator, its file) unless given.
    """
    check_neutral_wording(title)
    check_neutral_wording(measure)
    if kind not in ("indicator", "count"):
        raise TownhallError(f"A map shows an 'indicator' or a 'count', not '{kind}'.")
    areas = geography.areas(level)
    if attribution is None:
        indicator_names = [value_column] if kind == "indicator" and value_column else []
        if kind == "indicator" and isinstance(values, pd.Series) and values.name:
            indicator_names.append(str(values.name))
        attribution = geography.attribution_for(level, indicators=indicator_names)
    figures = _values_by_code(values, value_column)
    unknown = sorted(set(figures.index) - set(areas["code"]))
    notes: list[str] = []
    if unknown:
        notes.append(f"{len(unknown):,} figure{'s' if len(unknown) != 1 else ''} for areas not on this map "
                     "were left out.")
    value = figures.reindex(areas["code"]).to_numpy(dtype=float)
    display = np.full(len(areas), "No figure", dtype=object)
    suppressed = np.zeros(len(areas), dtype=bool)
    rule_text = None
    secondary_count = 0
    total_display = None
    shown_measure = measure
    count_display: np.ndarray | None = None
    if kind == "count":
        rule = rule or DisclosureRule()
        counts = np.nan_to_num(value, nan=0.0)
        if np.any(counts < 0) or not np.all(np.isclose(counts, np.round(counts))):
            raise TownhallError("Counts must be whole numbers of 0 or more.")
        table = pd.DataFrame({"code": areas["code"].to_numpy(), "count": counts.astype(np.int64)},
                             index=areas["code"].to_numpy())
        protected = protect_table(table, ["count"], rule, total_row="Total" if publish_total else None)
        published = protected.frame["count"]
        rule_text = rule.describe()
        secondary_count = protected.secondary_count
        notes.extend(note for note in protected.notes if note != rule_text)
        if publish_total:
            total = published.loc["Total"]
            total_display = "[c]" if pd.isna(total) else f"{int(total):,}"
        body = published.reindex(areas["code"])
        suppressed = body.isna().to_numpy()
        value = body.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if per_thousand_of is not None:
            count_display = np.array(["[c]" if np.isnan(count) else f"{int(count):,}" for count in value], dtype=object)
            denominators = _values_by_code(per_thousand_of, None).reindex(areas["code"]).to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(denominators > 0, value / denominators * 1000, np.nan)
            shown_measure = rate_measure or f"{measure} per 1,000"
            check_neutral_wording(shown_measure)
            notes.append("Rates are worked out from the protected (rounded) counts.")
    has_value = ~np.isnan(value) & ~suppressed
    class_numbers, ranges = classify(value[has_value], method=classification, classes=classes)
    decimals = _decimals(value[has_value]) if has_value.any() else 0
    labels = legend_labels(ranges, decimals)
    colours = _palette(len(ranges))
    label_column = np.full(len(areas), "No figure", dtype=object)
    colour_column = np.full(len(areas), NO_FIGURE_COLOUR, dtype=object)
    positions = np.flatnonzero(has_value)
    for position, class_number in zip(positions, class_numbers, strict=True):
        label_column[position] = labels[class_number]
        colour_column[position] = colours[class_number]
        display[position] = _format_number(value[position], decimals)
    hidden_label = (f"Fewer than {rule.threshold} — not shown" if rule and rule.threshold else "Not shown")
    if suppressed.any():
        label_column[suppressed] = hidden_label
        colour_column[suppressed] = SUPPRESSED_COLOUR
        display[suppressed] = "[c]"
        if secondary_count:
            notes.append("Areas marked [c] include some with larger counts, hidden so that a small count cannot be "
                         "worked out from the total.")
    legend = [LegendClass(label, colour, int(np.sum(class_numbers == index)), lower, upper)
              for index, (label, colour, (lower, upper)) in enumerate(zip(labels, colours, ranges, strict=True))]
    if suppressed.any():
        legend.append(LegendClass(hidden_label, SUPPRESSED_COLOUR, int(suppressed.sum())))
    missing = int((np.isnan(value) & ~suppressed).sum())
    if missing:
        legend.append(LegendClass("No figure", NO_FIGURE_COLOUR, missing))
    features = gpd.GeoDataFrame({
        "code": areas["code"].to_numpy(), "name": areas["name"].to_numpy(), "value": np.where(has_value, value, np.nan),
        "display": display, "colour": colour_column, "label": label_column,
    }, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    if count_display is not None:
        features.insert(3, "count_display", count_display)
    notes.insert(0, f"Classes: {CLASSIFICATIONS[classification]}.")
    return ThematicMap(title=title, measure=shown_measure, level=level, features=features, legend=legend,
                       classification=classification, rule_text=rule_text, attribution=list(attribution),
                       notes=notes, total_display=total_display,
                       count_measure=measure if count_display is not None else None)


def _hexagons(west: float, south: float, east: float, north: float, size: float) -> list[shapely.Polygon]:
    """Flat-topped hexagons of circumradius ``size`` (degrees, widened for latitude) covering a bounding box."""
    stretch = 1 / max(math.cos(math.radians((south + north) / 2)), 0.1)
    width, height = 1.5 * size * stretch, math.sqrt(3) * size
    hexagons = []
    column = 0
    x = west
    while x <= east + width:
        offset = height / 2 if column % 2 else 0.0
        y = south - offset
        while y <= north + height:
            corners = [(x + size * stretch * math.cos(math.radians(angle)), y + size * math.sin(math.radians(angle)))
                       for angle in range(0, 360, 60)]
            hexagons.append(shapely.Polygon(corners))
            y += height
        x += width
        column += 1
    return hexagons


def heat_map(longitudes: Sequence[float], latitudes: Sequence[float], *, title: str, measure: str,
             cell_size_metres: float = 500, rule: DisclosureRule | None = None, personal: bool = True,
             role: str | None = None, attribution: Sequence[str] = (), classification: str = "quantiles",
             classes: int = 5) -> ThematicMap:
    """A hexagon heat map of where points are: counts per hexagon, protected like any published count.

    Points about people (``personal``) are only counted into hexagons, never drawn; hexagons under the disclosure
    threshold are hidden, so a heat map of personal points is as safe to publish as a map of counts by area.
    """
    check_neutral_wording(title)
    longitude = np.asarray(longitudes, dtype=float)
    latitude = np.asarray(latitudes, dtype=float)
    usable = np.isfinite(longitude) & np.isfinite(latitude)
    if not usable.any():
        raise TownhallError("None of the points has coordinates, so there is nothing to map.")
    longitude, latitude = longitude[usable], latitude[usable]
    size = cell_size_metres / 111_320
    cells = _hexagons(longitude.min(), latitude.min(), longitude.max(), latitude.max(), size)
    tree = shapely.STRtree(cells)
    point_positions, cell_positions = tree.query(shapely.points(longitude, latitude), predicate="intersects")
    first_cell = np.full(len(longitude), len(cells), dtype=np.int64)
    np.minimum.at(first_cell, point_positions, cell_positions)
    counts = np.bincount(first_cell[first_cell < len(cells)], minlength=len(cells))
    occupied = np.flatnonzero(counts > 0)
    codes = [f"H{position:05d}" for position in occupied]
    hexagon_areas = gpd.GeoDataFrame({"code": codes, "name": [f"Hexagon {code[1:]}" for code in codes]},
                                     geometry=[cells[position] for position in occupied], crs="EPSG:4326")
    geography = Geography.from_frames(hexagon_areas, level="hexagon", attribution=attribution)
    themed = choropleth(geography, pd.Series(counts[occupied], index=codes), level="hexagon", title=title,
                        measure=measure, kind="count", classification=classification, classes=classes, rule=rule)
    themed.notes.append(f"Each hexagon is about {cell_size_metres:,.0f} metres across; empty hexagons are not drawn.")
    if personal and role not in PERSONAL_POINT_ROLES:
        themed.notes.append("Individual locations are never shown; only protected counts per hexagon.")
    return themed


def point_map(longitudes: Sequence[float], latitudes: Sequence[float], names: Sequence[str], *, title: str,
              measure: str, personal: bool, role: str | None = None,
              attribution: Sequence[str] = ()) -> ThematicMap:
    """A map of individual points such as libraries or family hubs. Points about people need a case-work role.

    A published map never shows personal points: with ``personal=True`` only the practitioner and governance roles
    may draw one, and it is marked as not for publication.
    """
    check_neutral_wording(title)
    if personal and role not in PERSONAL_POINT_ROLES:
        raise TownhallError("A map of individual people's locations can only be drawn for case work (practitioner or "
                            "governance role). Use a heat map or a map of counts by area for anything published.")
    longitude = np.asarray(longitudes, dtype=float)
    latitude = np.asarray(latitudes, dtype=float)
    usable = np.isfinite(longitude) & np.isfinite(latitude)
    labels = [str(name) for name, keep in zip(names, usable, strict=True) if keep]
    points = shapely.points(longitude[usable], latitude[usable])
    features = gpd.GeoDataFrame({
        "code": [f"P{position:05d}" for position in range(len(labels))], "name": labels,
        "value": np.nan, "display": labels, "colour": POINT_COLOUR, "label": measure,
    }, geometry=shapely.buffer(points, 0.0012, quad_segs=4), crs="EPSG:4326")
    notes = ["Not for publication: shows individual people's locations."] if personal else []
    return ThematicMap(title=title, measure=measure, level="point", features=features,
                       legend=[LegendClass(measure, POINT_COLOUR, len(labels))], classification="none",
                       attribution=list(attribution), notes=notes, kind="point")


# ---------------------------------------------------------------------------------------------------------------------
# Standalone HTML


def _leaflet_files() -> tuple[str, str]:
    """Leaflet's script and stylesheet, read from node_modules or the built static folder."""
    for folder in LEAFLET_FOLDERS:
        if (folder / "leaflet.js").exists():
            return ((folder / "leaflet.js").read_text(encoding="utf-8"),
                    (folder / "leaflet.css").read_text(encoding="utf-8"))
    raise TownhallError("Leaflet is not installed, so the map cannot be saved as HTML. Run 'make assets' (npm ci) "
                        "first, or save it as PNG or SVG.")


def _script_safe(text: str) -> str:
    """Text that cannot close the <script> element it is inlined into."""
    return text.replace("</", "<\\/")


def standalone_html(themed: ThematicMap) -> str:
    """A single HTML file with the interactive map, its legend, rule and table, and Leaflet inlined: opens offline."""
    leaflet_script, leaflet_style = _leaflet_files()
    map_script = MAP_SCRIPT.read_text(encoding="utf-8")
    table = themed.table()
    head = "".join(f"<th scope=\"col\">{html.escape(str(cell))}</th>" for cell in table["head"])
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in table["rows"])
    notes = "".join(f"<p class=\"note\">{html.escape(line)}</p>" for line in themed.footnotes())
    geojson = _script_safe(json.dumps(themed.to_geojson(), separators=(",", ":")))
    title = html.escape(themed.title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{leaflet_style}
body {{ font-family: Arial, Helvetica, sans-serif; margin: 20px; color: #0b0c0c; }}
.townhall-map {{ height: 520px; max-width: 900px; border: 1px solid #b1b4b6; background: #ffffff; }}
.townhall-map-legend {{ background: #ffffff; padding: 6px 10px; border: 1px solid #b1b4b6; font-size: 14px; }}
.townhall-map-legend-title {{ font-weight: bold; margin: 0 0 4px; }}
.townhall-map-legend-swatch {{ display: inline-block; width: 16px; height: 12px; margin-right: 6px;
  border: 1px solid #505a5f; vertical-align: middle; }}
.note {{ color: #505a5f; font-size: 14px; margin: 4px 0; }}
table {{ border-collapse: collapse; margin-top: 16px; }} th, td {{ border-bottom: 1px solid #b1b4b6;
  padding: 4px 12px 4px 0; text-align: left; }}
</style>
</head>
<body>
<h1>{title}</h1>
<div class="townhall-map" data-geojson-element="townhall-map-data" role="region" aria-label="Map: {title}"></div>
{notes}
<table><caption>{html.escape(themed.measure)} by area</caption>
<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<script type="application/json" id="townhall-map-data">{geojson}</script>
<script>{_script_safe(leaflet_script)}</script>
<script>{_script_safe(map_script)}</script>
</body>
</html>
"""
