"""Maps: an indicator or a count of a source's records by area, as an interactive map with its figures as a table.

Everyone may see these maps: indicators are published statistics, and counts pass disclosure control before they are
classified or drawn (the rule is printed under the map). The map's GeoJSON is served by the app (no tile server), and
the same map downloads as PNG or as a standalone HTML page for a briefing. Counting a source's records reads personal
data (addresses, postcodes), so each count is written to the audit log.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from townhall.governance.disclosure import DisclosureRule
from townhall.governance.users import User
from townhall.places import (
    CLASSIFICATIONS,
    LEVEL_LABELS,
    Geography,
    GeographyNotLoadedError,
    ThematicMap,
    choropleth,
    count_source_by_area,
    mappable_sources,
    standalone_html,
)
from townhall.reports.charts import chart_bytes
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render
from townhall.workspace import Workspace

router = APIRouter()

MAP_LEVELS = ("small_area", "ward")
KINDS = ("indicator", "source")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
CLASSIFICATION_LABELS = {"quantiles": "Quantiles (same number of areas in each class)",
                         "natural_breaks": "Natural breaks (split where the values have gaps)",
                         "equal_interval": "Equal intervals (classes of the same width)"}
INDICATOR_MEASURES = {"imd_decile": "Index of Multiple Deprivation decile (1 = most deprived 10% in England)",
                      "imd_score": "Index of Multiple Deprivation score", "population": "Residents",
                      "homes": "Homes", "median_age": "Median age (years)",
                      "pct_aged_65_plus": "Residents aged 65 or over (%)",
                      "pct_white_british": "Residents of White British ethnicity (%)"}


@dataclass(frozen=True)
class MapChoice:
    """What to map: an indicator or a source's records, at a level, with a classification."""

    kind: str
    name: str
    level: str
    classification: str

    @property
    def key(self) -> str:
        """The choice as the form's 'what' value, e.g. 'indicator:imd_decile'."""
        return f"{self.kind}:{self.name}"

    def path(self, suffix: str = "") -> str:
        """The URL path part naming this map, e.g. 'ward/source/council_tax'."""
        return f"{self.level}/{self.kind}/{self.name}{suffix}"


def _measure(choice: MapChoice) -> str:
    """What the figures are, in words: the indicator's description, or 'Records in <source>'."""
    if choice.kind == "indicator":
        return INDICATOR_MEASURES.get(choice.name, choice.name.replace("_", " ").capitalize())
    return f"Records in {choice.name.replace('_', ' ')}"


def _title(choice: MapChoice) -> str:
    level = LEVEL_LABELS.get(choice.level, choice.level).lower()
    return f"{_measure(choice)} by {level}"


def _check_choice(kind: str, name: str, level: str, classification: str) -> MapChoice:
    """A valid choice from URL parts, or 404 (names are checked before they reach any query)."""
    if kind not in KINDS or level not in MAP_LEVELS or classification not in CLASSIFICATIONS or \
            not _SAFE_NAME.match(name):
        raise HTTPException(status_code=404)
    return MapChoice(kind=kind, name=name, level=level, classification=classification)


# Maps recently drawn, so the page and the GeoJSON it fetches are worked out once: keyed by the workspace, the
# choice and the analytics store's last change, so a reload of data or geography draws the map afresh.
_RECENT_MAPS: OrderedDict[tuple[object, ...], ThematicMap] = OrderedDict()
RECENT_MAPS_KEPT = 16


def _store_version(workspace: Workspace) -> tuple[int, int]:
    """When the analytics store last changed (modification time and size), for the map cache's key."""
    store = workspace.analytics.database_file
    status = store.stat() if store.exists() else None
    return (status.st_mtime_ns, status.st_size) if status else (0, 0)


def build_map(request: Request, choice: MapChoice, user: User, geography: Geography | None = None,
              sources: list[str] | None = None) -> ThematicMap:
    """The protected map for a choice; counting a source's records is written to the audit log every time."""
    workspace = workspace_of(request)
    key = (str(workspace.path), choice, _store_version(workspace), DisclosureRule.from_workspace(workspace))
    themed = _RECENT_MAPS.get(key)
    if themed is None:
        themed = _draw_map(workspace, choice, geography or Geography.from_workspace(workspace), sources)
        _RECENT_MAPS[key] = themed
        while len(_RECENT_MAPS) > RECENT_MAPS_KEPT:
            _RECENT_MAPS.popitem(last=False)
    if choice.kind == "source":
        workspace.audit.record(user.username, "places.map", choice.name, purpose="Map of records by area", details={
            "source": choice.name, "level": choice.level, "areas": len(themed.features)})
    return themed


def _draw_map(workspace: Workspace, choice: MapChoice, geography: Geography,
              sources: list[str] | None = None) -> ThematicMap:
    """Work out and classify the figures for a choice (counts protected first)."""
    if choice.kind == "indicator":
        if choice.name not in geography.indicator_names(level=choice.level):
            raise HTTPException(status_code=404)
        values = geography.indicator_table([choice.name], level=choice.level)[choice.name]
        if values.empty:
            raise HTTPException(status_code=404)
        values.name = choice.name
        return choropleth(geography, values, level=choice.level, title=_title(choice), measure=_measure(choice),
                          classification=choice.classification)
    if choice.name not in (sources if sources is not None else mappable_sources(workspace)):
        raise HTTPException(status_code=404)
    counted = count_source_by_area(workspace, choice.name, level=choice.level, geography=geography)
    themed = choropleth(geography, counted.counts, level=choice.level, kind="count", title=_title(choice),
                        measure=_measure(choice), classification=choice.classification,
                        rule=DisclosureRule.from_workspace(workspace),
                        attribution=geography.attribution_for(choice.level, postcodes=True))
    themed.notes.extend(counted.notes)
    return themed


@router.get("/places", name="places")
def places(request: Request, user: Annotated[User, Depends(current_user)], what: str = "",
           level: str = "small_area", classification: str = "quantiles") -> HTMLResponse:
    """Choose what to map; the map with its legend, rule and attribution, and the same figures in a table."""
    workspace = workspace_of(request)
    try:
        geography = Geography.from_workspace(workspace)
    except GeographyNotLoadedError as error:
        return render(request, "places.html", {"page_title": "Maps", "not_loaded": str(error)})
    # Deprivation first: the measure most maps start from.
    indicators = sorted(geography.indicator_names(level="small_area"), key=lambda name: (name != "imd_decile", name))
    sources = mappable_sources(workspace)
    options = ([{"value": f"indicator:{name}", "text": INDICATOR_MEASURES.get(name, name.replace("_", " "))}
                for name in indicators] +
               [{"value": f"source:{name}", "text": f"Records in {name.replace('_', ' ')}"} for name in sources])
    chosen_key = what or (options[0]["value"] if options else "")
    kind, _, name = chosen_key.partition(":")
    if chosen_key not in {option["value"] for option in options}:
        raise HTTPException(status_code=404)
    choice = _check_choice(kind, name, level, classification)
    notice = None
    if choice.kind == "indicator" and choice.name not in geography.indicator_names(level=choice.level):
        notice = (f"{_measure(choice)} is published for small areas only, so the map shows small areas.")
        choice = MapChoice(kind=choice.kind, name=choice.name, level="small_area", classification=classification)
    themed = build_map(request, choice, user, geography, sources)
    return render(request, "places.html", {
        "page_title": "Maps", "options": options, "choice": choice, "map": themed, "table": themed.table(),
        "notice": notice,
        "levels": [{"value": value, "text": LEVEL_LABELS[value]} for value in MAP_LEVELS],
        "classifications": [{"value": key, "text": text} for key, text in CLASSIFICATION_LABELS.items()],
    })


@router.get("/places/geojson/{level}/{kind}/{name}", name="places_geojson")
def places_geojson(request: Request, level: str, kind: str, name: str,
                   user: Annotated[User, Depends(current_user)], classification: str = "quantiles") -> JSONResponse:
    """The map as GeoJSON for the page's Leaflet map: protected figures, classes, colours, legend and footnotes."""
    themed = build_map(request, _check_choice(kind, name, level, classification), user)
    return JSONResponse(themed.to_geojson(), media_type="application/geo+json")


@router.get("/places/download/{level}/{kind}/{file_name}", name="places_download")
def places_download(request: Request, level: str, kind: str, file_name: str,
                    user: Annotated[User, Depends(current_user)], classification: str = "quantiles") -> Response:
    """The map as a PNG image or a standalone HTML page (works offline) for a briefing."""
    name, _, extension = file_name.rpartition(".")
    if extension not in ("png", "html"):
        raise HTTPException(status_code=404)
    choice = _check_choice(kind, name, level, classification)
    themed = build_map(request, choice, user)
    download_name = f"map-{choice.level}-{choice.name}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{download_name}"'}
    if extension == "png":
        return Response(chart_bytes(themed.vega_lite_spec(), ".png"), media_type="image/png", headers=headers)
    return Response(standalone_html(themed), media_type="text/html; charset=utf-8", headers=headers)
