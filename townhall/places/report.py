"""The State of the Borough report: for the authority and each ward, chosen indicators against the borough average,
and demand for services over time, as one HTML file with maps and charts (and a PDF printed from it by Chromium).

Indicators come from the loaded small-area figures (a ward's value is the population-weighted average of its small
areas; counts such as population are added up). Service requests by ward and period come from the demand source named
in townhall.toml [forecasting] (the demo's service_demand); when none is set or it cannot be read, the report says so.
Counts pass disclosure control; the rule and the data attribution are printed in the report.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule, protect_table
from townhall.places.geography import Geography
from townhall.places.maps import choropleth
from townhall.places.segmentation import indicator_settings, indicator_words
from townhall.reports import CATEGORY_COLOURS, render_svg
from townhall.store.files import atomic_write_bytes, atomic_write_text
from townhall.workspace import Workspace

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_PATHS = (Path("/usr/bin/chromium"),)
MAPPED_INDICATORS = 3


@dataclass
class AreaSummary:
    """One area's indicator values beside the borough's."""

    code: str
    name: str
    values: dict[str, float | None]


@dataclass
class BoroughReport:
    """What the report holds, before it is written as HTML."""

    council: str
    indicators: list[str]
    borough: AreaSummary
    wards: list[AreaSummary]
    demand: pd.DataFrame | None  # month, ward_code, requests (true counts; published only through protect_table)
    rule: DisclosureRule
    attribution: list[str]
    maps: list[tuple[str, str]] = field(default_factory=list)  # (caption, SVG)
    notes: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)  # indicators that are counts: totals, written as whole numbers


def ward_indicators(geography: Geography, indicators: Sequence[str]) -> tuple[AreaSummary, list[AreaSummary]]:
    """Each ward's value of each indicator and the borough's: population-weighted averages of small areas (counts
    such as population and homes are added up); ``[places]`` says which indicators those are."""
    settings = indicator_settings(geography)
    population, counted = settings.population_indicator, settings.counted_indicators()
    table = geography.indicator_table(list(indicators), level="small_area")
    areas = geography.areas("small_area").set_index("code")
    weights = (geography.indicator_table([population], level="small_area")[population]
               if population in geography.indicator_names() else pd.Series(1.0, index=table.index))
    frame = table.join(areas[["parent_code"]], how="left")
    frame["weight"] = weights.reindex(frame.index).fillna(0).astype(float)

    def summarise(rows: pd.DataFrame) -> dict[str, float | None]:
        values: dict[str, float | None] = {}
        for indicator in indicators:
            column = rows[indicator].astype(float)
            usable = column.notna()
            if not usable.any():
                values[indicator] = None
            elif indicator in counted:
                values[indicator] = float(column[usable].sum())
            else:
                weight = rows.loc[usable, "weight"]
                values[indicator] = float(np.average(column[usable], weights=weight)) if weight.sum() > 0 else float(
                    column[usable].mean())
        return values

    names = geography.area_names("ward") if "ward" in geography.levels() else {}
    wards = [AreaSummary(code=str(code), name=names.get(code, str(code)), values=summarise(rows))
             for code, rows in frame.groupby("parent_code", sort=True)]
    authority = geography.area_names("authority") if "authority" in geography.levels() else {}
    borough_code, borough_name = next(iter(authority.items()), ("", "The borough"))
    return AreaSummary(code=borough_code, name=borough_name, values=summarise(frame)), wards


def service_demand(workspace: Workspace, source: str | None = None) -> pd.DataFrame:
    """Service requests by ward and period (month: the period's first day as text, ward_code, requests) from the
    demand source named in [forecasting] (or ``source``). Raises TownhallError saying plainly why when there is none,
    or when its columns or periods cannot be read."""
    from townhall.forecasting import demand_figures, parse_periods

    frame, rows, name = demand_figures(workspace, source)
    if "area" not in frame.columns:
        raise TownhallError(f"The demand source '{name}' has no area column, so demand cannot be shown by ward: set "
                            "demand_columns.area in townhall.toml [forecasting].")
    periods = parse_periods(frame["date"], field="date", where=f"demand source '{name}'", rows=rows).periods
    values = pd.to_numeric(frame["value"], errors="coerce")
    table = pd.DataFrame({"month": pd.PeriodIndex(periods).start_time.strftime("%Y-%m-%d"),
                          "ward_code": frame["area"].astype(str), "requests": values})
    return table.groupby(["month", "ward_code"], as_index=False)["requests"].sum(min_count=1).dropna()


def build_report(workspace: Workspace, *, indicators: Sequence[str] | None = None,
                 demand_source: str | None = None) -> BoroughReport:
    """Gather the report's figures: indicators by ward against the borough, maps, and demand over time."""
    geography = Geography.from_workspace(workspace)
    loaded = geography.indicator_names()
    chosen = list(indicators) if indicators else loaded
    unknown = [name for name in chosen if name not in loaded]
    if unknown:
        raise TownhallError(f"No values are loaded for {', '.join(unknown)}. The indicators loaded are: "
                            f"{', '.join(loaded) or 'none'}.")
    if not chosen:
        raise TownhallError("No indicators are loaded: load some with 'townhall places load' first.")
    borough, wards = ward_indicators(geography, chosen)
    rule = DisclosureRule.from_workspace(workspace)
    demand_problem = ""
    try:
        demand: pd.DataFrame | None = service_demand(workspace, demand_source)
    except TownhallError as error:
        demand, demand_problem = None, str(error)
    report = BoroughReport(council=workspace.config.council_name, indicators=chosen, borough=borough, wards=wards,
                           demand=demand, rule=rule, attribution=list(geography.attribution))
    settings = indicator_settings(geography)
    report.counts = [name for name in chosen if name in settings.counted_indicators()]
    if settings.population_indicator not in loaded:
        report.notes.append(f"Ward and borough figures are simple averages of their small areas: no population "
                            f"indicator called '{settings.population_indicator}' is loaded to weight them by (name "
                            "yours in townhall.toml [places] population_indicator).")
    for indicator in [name for name in chosen if name not in report.counts][:MAPPED_INDICATORS]:
        label = indicator_words(indicator)[0]
        values = geography.indicator_table([indicator], level="small_area")[indicator]
        themed = choropleth(geography, values, level="small_area",
                            title=f"{_first_capital(label)} by small area", measure=_first_capital(label))
        report.maps.append((f"{_first_capital(label)} by small area", render_svg(
            themed.vega_lite_spec(width=520, height=420), description=f"Map of {label} by small area")))
    if report.demand is None:
        report.notes.append(f"The report has no figures over time. {demand_problem}")
    return report


def _first_capital(text: str) -> str:
    """Text with its first letter in capitals and the rest as written ("Share White British")."""
    return text[:1].upper() + text[1:]


def _figure(value: float | None, indicator: str, counts: Sequence[str]) -> str:
    if value is None:
        return "No figure"
    if indicator in counts:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _demand_sections(report: BoroughReport) -> tuple[str, dict[str, str]]:
    """The borough demand chart and, per ward, a sentence on the last 12 months against the 12 before (protected)."""
    demand = report.demand
    if demand is None or demand.empty:
        return "", {}
    months = sorted(demand["month"].unique())
    latest, previous = months[-12:], months[-24:-12]
    monthly = demand.groupby("month", as_index=False)["requests"].sum()
    spec = {"data": {"values": monthly.to_dict("records")}, "mark": {"type": "line", "color": CATEGORY_COLOURS[0]},
            "encoding": {"x": {"field": "month", "type": "temporal", "title": "Month"},
                         "y": {"field": "requests", "type": "quantitative", "title": "Service requests"}}}
    chart = render_svg(spec, description="Line chart of service requests each month across the borough")
    table = demand.assign(period=np.where(demand["month"].isin(latest), "latest",
                                          np.where(demand["month"].isin(previous), "previous", "")))
    table = table[table["period"] != ""].pivot_table(index="ward_code", columns="period", values="requests",
                                                     aggfunc="sum", fill_value=0)
    for column in ("latest", "previous"):
        if column not in table:
            table[column] = 0
    protected = protect_table(table[["previous", "latest"]].astype(int), ["previous", "latest"], report.rule)
    shown = protected.display_frame()
    sentences = {}
    for code in shown.index:
        sentences[str(code)] = (f"Service requests: {shown.loc[code, 'latest']} in the 12 months to {latest[-1]}, "
                                f"against {shown.loc[code, 'previous']} in the 12 months before.")
    rows = "".join(f"<tr><td>{html.escape(str(row.month))}</td><td>{int(row.requests):,}</td></tr>"
                   for row in monthly.itertuples())
    section = (f"<h2>Service requests over time</h2><figure>{chart}<figcaption>Service requests each month across "
               f"the borough, {html.escape(months[0])} to {html.escape(months[-1])}.</figcaption></figure>"
               f"<details><summary>The figures in this chart</summary><table><thead><tr><th>Month</th>"
               f"<th>Requests</th></tr></thead><tbody>{rows}</tbody></table></details>")
    return section, sentences


def report_html(report: BoroughReport) -> str:
    """The report as one self-contained HTML page (inline SVG maps and charts, no scripts)."""
    escape = html.escape
    labels = {indicator: indicator_words(indicator)[0] for indicator in report.indicators}
    demand_section, ward_sentences = _demand_sections(report)
    head = "".join(f"<th>{escape(_first_capital(labels[indicator]))}</th>" for indicator in report.indicators)
    borough_row = "".join(f"<td>{_figure(report.borough.values[indicator], indicator, report.counts)}</td>"
                          for indicator in report.indicators)
    ward_rows = "".join(
        f"<tr><th scope=\"row\">{escape(ward.name)}</th>"
        + "".join(f"<td>{_figure(ward.values[indicator], indicator, report.counts)}</td>"
                  for indicator in report.indicators)
        + "</tr>" for ward in report.wards)
    maps = "".join(f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>" for caption, svg in report.maps)
    ward_sections = []
    for ward in report.wards:
        items = []
        for indicator in report.indicators:
            value, average = ward.values[indicator], report.borough.values[indicator]
            if indicator in report.counts:
                items.append(f"<li>{escape(_first_capital(labels[indicator]))}: "
                             f"{_figure(value, indicator, report.counts)}</li>")
                continue
            comparison = ""
            if value is not None and average is not None:
                difference = value - average
                comparison = (" (about the borough average)" if abs(difference) < 0.05 * max(abs(average), 1e-9)
                              else f" ({'above' if difference > 0 else 'below'} the borough's "
                                   f"{_figure(average, indicator, report.counts)})")
            name = escape(_first_capital(labels[indicator]))
            items.append(f"<li>{name}: {_figure(value, indicator, report.counts)}{comparison}</li>")
        if ward.code in ward_sentences:
            items.append(f"<li>{escape(ward_sentences[ward.code])}</li>")
        ward_sections.append(f"<section><h3>{escape(ward.name)} <small>{escape(ward.code)}</small></h3>"
                             f"<ul>{''.join(items)}</ul></section>")
    notes = "".join(f"<li>{escape(note)}</li>" for note in report.notes)
    attribution = "".join(f"<li>{escape(text)}</li>" for text in report.attribution)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>State of the Borough: {escape(report.council)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; margin: 2rem auto; max-width: 60rem;
       line-height: 1.4; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: 0.3rem 0.6rem; text-align: right; }}
th[scope=row], thead th:first-child {{ text-align: left; }}
figure {{ margin: 1rem 0; page-break-inside: avoid; }}
figcaption, .small {{ font-size: 0.9rem; color: #484949; }}
section {{ page-break-inside: avoid; }}
</style>
</head>
<body>
<h1>State of the Borough: {escape(report.council)}</h1>
<p class="small">Produced {date.today():%d %B %Y} with townhall. {escape(report.rule.describe())}
Hidden figures are shown as {SUPPRESSED_MARK}. Ward figures are population-weighted averages of their small areas;
population and homes are totals.</p>
<h2>The borough and its wards</h2>
<table>
<thead><tr><th>Area</th>{head}</tr></thead>
<tbody><tr><th scope="row">{escape(report.borough.name)} (borough)</th>{borough_row}</tr>{ward_rows}</tbody>
</table>
<h2>Maps</h2>
{maps}
{demand_section}
<h2>Each ward</h2>
{''.join(ward_sections)}
<h2>Notes and sources</h2>
<ul>{notes}{attribution}</ul>
</body>
</html>
"""


def find_chromium() -> Path:
    """Chromium (or Chrome) on this machine, for printing the report as PDF; a clear error when there is none."""
    for candidate in CHROMIUM_PATHS:
        if candidate.exists():
            return candidate
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise TownhallError("Printing the report as PDF needs Chromium, which is not installed here. Install it (on "
                        "Debian or Ubuntu: apt install chromium), or open the HTML report and print it from a browser.")


def print_pdf(html_file: Path, pdf_file: Path) -> Path:
    """Print an HTML file to PDF with headless Chromium, written atomically."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="townhall-pdf-") as folder:
        temporary = Path(folder) / "report.pdf"
        command = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(folder) / 'profile'}", f"--print-to-pdf={temporary}",
                   html_file.resolve().as_uri()]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise TownhallError(f"Chromium could not print the report as PDF: {error}") from None
        if not temporary.exists() or temporary.stat().st_size == 0:
            raise TownhallError("Chromium ran but wrote no PDF.")
        atomic_write_bytes(pdf_file, temporary.read_bytes())
    return pdf_file


def write_state_of_the_borough(workspace: Workspace, *, indicators: Sequence[str] | None = None,
                               out: Path | None = None, pdf: bool = False) -> list[Path]:
    """Write the report to ``out`` (default outputs/state-of-the-borough.html), and a PDF beside it if asked."""
    target = out or workspace.path / "outputs" / "state-of-the-borough.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    if pdf:
        find_chromium()  # fail before any work when PDF printing is impossible
    report = build_report(workspace, indicators=indicators)
    atomic_write_text(target, report_html(report))
    written = [target]
    if pdf:
        written.append(print_pdf(target, target.with_suffix(".pdf")))
    return written


def report_summary(report: BoroughReport) -> dict[str, Any]:
    """What the report covers, for the audit log and the command line."""
    return {"indicators": report.indicators, "wards": len(report.wards), "maps": len(report.maps),
            "has_demand": report.demand is not None}
