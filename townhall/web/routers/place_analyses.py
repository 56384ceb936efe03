"""Place analyses for analysts and managers: segments of similar small areas (map and plain-English descriptions),
how far residents live from services with a what-if of opening or closing a site, and the State of the Borough
report to download. Everything shown is aggregate; counts pass disclosure control with the rule printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule
from townhall.governance.users import User
from townhall.places import (
    DEFAULT_THRESHOLD_KM,
    Accessibility,
    Geography,
    ServiceSites,
    accessibility_origins,
    build_report,
    choropleth,
    indicator_table_for_segmentation,
    indicator_words,
    measure_accessibility,
    report_html,
    segment_areas,
    segment_map,
    service_site_sources,
    service_sites,
    what_if,
)
from townhall.places.accessibility import SITES_NOT_SET
from townhall.reports import CATEGORY_COLOURS, render_svg
from townhall.store.files import atomic_write_text
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render
from townhall.workspace import Workspace

router = APIRouter()


def _published(value: int | None) -> str:
    return SUPPRESSED_MARK if value is None else f"{value:,}"


@router.get("/places/analyses", name="place_analyses")
def analyses_home(request: Request) -> HTMLResponse:
    """The place analyses on offer."""
    return render(request, "place_analyses.html", {"page_title": "Place analyses"})


# --- segments --------------------------------------------------------------------------------------------------

def _segmentation(request: Request) -> tuple[Geography, Any]:
    geography = Geography.from_workspace(workspace_of(request))
    return geography, segment_areas(indicator_table_for_segmentation(geography))


@router.get("/places/analyses/segments", name="place_segments")
def segments_page(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """Segments of similar small areas: the map, what each segment is like, and which areas are in it."""
    geography, result = _segmentation(request)
    names = geography.area_names("small_area")
    areas_by_segment: dict[int, list[str]] = {}
    for code, segment in result.assignments.itertuples(index=False):
        areas_by_segment.setdefault(int(segment), []).append(f"{names.get(code, code)} ({code})")
    workspace_of(request).audit.record(user.username, "places.segments", "segmentation", details={
        "method": result.method, "segments": result.chosen, "areas": len(result.assignments)})
    return render(request, "place_analyses_segments.html", {
        "page_title": "Segments of similar areas", "result": result, "areas_by_segment": areas_by_segment,
        "indicator_labels": [indicator_words(indicator)[0] for indicator in result.indicators],
        "attribution": geography.attribution_text(),
    })


@router.get("/places/analyses/segments.geojson", name="place_segments_geojson")
def segments_geojson(request: Request) -> JSONResponse:
    """The segment map as GeoJSON for map.js (colours and legend included)."""
    geography, result = _segmentation(request)
    return JSONResponse(segment_map(geography, result).to_geojson())


# --- accessibility -----------------------------------------------------------------------------------------------

@dataclass
class SiteChoice:
    """The service sites a page measures from, the other sources it could use, and what to tell the user."""

    sites: ServiceSites | None
    choices: list[dict[str, Any]]  # items for the "Sites from" select: value "" is townhall.toml's setting
    chosen: str  # the chosen registered source, or "" for the setting
    notice: str | None


def _site_choice(workspace: Workspace, chosen: str) -> SiteChoice:
    """The chosen registered source's sites, else those of [places] service_sites, else those of the only kind of
    source that has site columns (said so on the page); None with a plain message when there are none at all."""
    configured = workspace.settings.places.service_sites
    sources = service_site_sources(workspace)
    choices = [{"value": "", "text": f"As set in townhall.toml ({configured})"}] if configured else []
    choices += [{"value": name, "text": name.replace("_", " ")} for name in sources if name != configured]
    if chosen and chosen in sources and chosen != configured:
        return SiteChoice(service_sites(workspace, chosen), choices, chosen, None)
    if configured:
        return SiteChoice(service_sites(workspace), choices, "", None)
    if sources:
        notice = (f"No service sites are set in townhall.toml, so these are the sites in the registered source "
                  f"'{sources[0]}'. Choose another source below, or name one in [places] service_sites.")
        return SiteChoice(service_sites(workspace, sources[0]), choices, sources[0], notice)
    return SiteChoice(None, [], "", SITES_NOT_SET)


def _access_context(request: Request, site_type: str, within_km: float, sites_from: str) -> dict[str, Any]:
    workspace = workspace_of(request)
    choice = _site_choice(workspace, sites_from)
    context: dict[str, Any] = {"site_choices": choice.choices, "sites_from": choice.chosen, "notice": choice.notice,
                               "within_km": within_km}
    if choice.sites is None:
        return context
    types = choice.sites.types
    chosen = site_type if site_type in types else types[0]
    sites = choice.sites.sites
    sites = sites[sites["type"] == chosen].reset_index(drop=True)
    origins, kind = accessibility_origins(workspace)
    rule = DisclosureRule.from_workspace(workspace)
    result = measure_accessibility(origins, sites, threshold_km=within_km, rule=rule, origin_kind=kind)
    return context | {"sites": sites, "types": types, "site_type": chosen, "origins": origins, "kind": kind,
                      "rule": rule, "result": result, "sites_origin": choice.sites.origin}


def _access_page(request: Request, context: dict[str, Any], status_code: int = 200, **extra: Any) -> HTMLResponse:
    """The accessibility page, or the page saying no sites are set."""
    if "result" not in context:
        return render(request, "place_analyses_access.html", {"page_title": "Distance to services", **context,
                                                                 "errors": {}, "values": {}})
    return render(request, "place_analyses_access.html", {
        "page_title": "Distance to services", **context, **_access_tables(context["result"]),
        "beyond": _published(context["result"].published_beyond), **extra}, status_code=status_code)


def _access_tables(result: Accessibility) -> dict[str, Any]:
    """Per-site and per-area figures as published, and a chart of the average distance by area."""
    rule = result.rule
    site_rows = [[row.name, f"{row.latitude:.4f}, {row.longitude:.4f}", _published(rule.publish(
        int(row.nearest_for_residents)))] for row in result.by_site().itertuples(index=False)]
    protected = result.by_area()
    shown = protected.display_frame()
    area_rows = [[label, "" if label == "Total" else f"{shown.loc[label, 'average_km']}",
                  shown.loc[label, "residents"], shown.loc[label, "residents_beyond"]] for label in shown.index]
    chart_rows = [{"area": label, "km": float(protected.frame.loc[label, "average_km"])}
                  for label in protected.frame.index if label != "Total"
                  and protected.frame.loc[label, "average_km"] == protected.frame.loc[label, "average_km"]]
    spec = {"data": {"values": chart_rows}, "mark": {"type": "bar", "color": CATEGORY_COLOURS[0]},
            "encoding": {"y": {"field": "area", "type": "nominal", "sort": "-x", "title": "Small area"},
                         "x": {"field": "km", "type": "quantitative", "title": "Average distance to the nearest site "
                                                                                 "(km)"}}}
    svg = render_svg(spec | {"height": {"step": 14}},
                     description="Bar chart of the average distance to the nearest site by small area")
    return {"site_rows": site_rows, "area_rows": area_rows, "distance_chart": svg,
            "chart_rows": [[row["area"], f"{row['km']:.2f}"] for row in chart_rows], "notes": protected.notes}


@router.get("/places/analyses/access", name="place_access")
def access_page(request: Request, user: Annotated[User, Depends(current_user)],
                site_type: Annotated[str, Query(alias="type", max_length=80)] = "",
                within_km: Annotated[float, Query(gt=0, le=50)] = DEFAULT_THRESHOLD_KM,
                sites_from: Annotated[str, Query(alias="sites", max_length=120)] = "") -> HTMLResponse:
    """Distance to the nearest site of one type: residents beyond the threshold, by site and by area."""
    context = _access_context(request, site_type, within_km, sites_from)
    if "result" in context:
        workspace_of(request).audit.record(user.username, "places.access", "accessibility", details={
            "site_type": context["site_type"], "within_km": within_km, "sites": context["sites_origin"]})
    return _access_page(request, context, comparison=None, errors={}, values={})


@router.get("/places/analyses/access.geojson", name="place_access_geojson")
def access_geojson(request: Request, site_type: Annotated[str, Query(alias="type", max_length=80)] = "",
                   within_km: Annotated[float, Query(gt=0, le=50)] = DEFAULT_THRESHOLD_KM,
                   sites_from: Annotated[str, Query(alias="sites", max_length=120)] = "") -> JSONResponse:
    """A map of the average distance to the nearest site by small area (GeoJSON for map.js)."""
    context = _access_context(request, site_type, within_km, sites_from)
    if "result" not in context:
        raise HTTPException(status_code=404)
    geography = Geography.from_workspace(workspace_of(request))
    frame = context["result"].by_area().frame
    values = frame.loc[frame.index != "Total", "average_km"].dropna()
    themed = choropleth(geography, values, level="small_area", measure="Average distance (km)",
                        title=f"Average distance to the nearest {context['site_type'].lower()} by small area")
    return JSONResponse(themed.to_geojson())


@router.post("/places/analyses/access", name="place_access_what_if")
def access_what_if(request: Request, user: Annotated[User, Depends(current_user)],
                   site_type: Annotated[str, Form(alias="type", max_length=80)] = "",
                   within_km: Annotated[float, Form(gt=0, le=50)] = DEFAULT_THRESHOLD_KM,
                   sites_from: Annotated[str, Form(alias="sites", max_length=120)] = "",
                   open_name: Annotated[str, Form(max_length=120)] = "",
                   open_latitude: Annotated[str, Form(max_length=30)] = "",
                   open_longitude: Annotated[str, Form(max_length=30)] = "",
                   close: Annotated[list[str] | None, Form(max_length=120)] = None) -> HTMLResponse:
    """What if a site opened (at a position) or closed (by name): residents beyond the threshold before and after."""
    context = _access_context(request, site_type, within_km, sites_from)
    if "result" not in context:
        return _access_page(request, context)
    values = {"open_name": open_name.strip(), "open_latitude": open_latitude.strip(),
              "open_longitude": open_longitude.strip(), "close": close or []}
    errors: dict[str, dict[str, str]] = {}
    openings = []
    if values["open_latitude"] or values["open_longitude"]:
        try:
            openings.append({"name": values["open_name"] or "New site", "latitude": float(values["open_latitude"]),
                             "longitude": float(values["open_longitude"])})
        except ValueError:
            errors["open_latitude"] = {"text": "Enter the new site's latitude and longitude as numbers, for example "
                                               "53.4 and -2.2", "href": "#open_latitude"}
    if not openings and not values["close"] and not errors:
        errors["open_latitude"] = {"text": "Give a new site's position or choose a site to close",
                                   "href": "#open_latitude"}
    comparison = None
    if not errors:
        try:
            change = what_if(context["origins"], context["sites"], open_sites=openings, close_sites=values["close"],
                             threshold_km=within_km, rule=context["rule"], origin_kind=context["kind"])
        except TownhallError as error:
            errors["open_latitude"] = {"text": str(error), "href": "#open_latitude"}
        else:
            comparison = {"rows": [[row["measure"], _published(row["before"]) if isinstance(row["before"], int)
                                    or row["before"] is None else row["before"],
                                    _published(row["after"]) if isinstance(row["after"], int) or row["after"] is None
                                    else row["after"]] for row in change.rows()],
                          "opened": change.opened, "closed": change.closed}
            workspace_of(request).audit.record(user.username, "places.access.what_if", "accessibility", details={
                "site_type": context["site_type"], "within_km": within_km, "opened": len(change.opened),
                "closed": len(change.closed)})
    return _access_page(request, context, status_code=400 if errors else 200, comparison=comparison, errors=errors,
                        values=values, has_errors=bool(errors))


# --- State of the Borough -------------------------------------------------------------------------------------------

@router.get("/places/analyses/report", name="place_report")
def report_page(request: Request) -> HTMLResponse:
    """What the State of the Borough report holds, and a button to make and download it."""
    geography = Geography.from_workspace(workspace_of(request))
    return render(request, "place_analyses_report.html", {
        "page_title": "State of the Borough report", "indicators": geography.indicator_names(),
        "rule": DisclosureRule.from_workspace(workspace_of(request)).describe(),
    })


@router.post("/places/analyses/report", name="place_report_download")
def report_download(request: Request, user: Annotated[User, Depends(current_user)],
                    indicator: Annotated[list[str] | None, Form(max_length=80)] = None) -> Response:
    """Make the report with the indicators ticked (all if none), keep it in outputs/ and send it as an HTML file."""
    workspace = workspace_of(request)
    report = build_report(workspace, indicators=indicator or None)
    text = report_html(report)
    target = workspace.path / "outputs" / "state-of-the-borough.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, text)
    workspace.audit.record(user.username, "places.report", "state-of-the-borough", details={
        "indicators": report.indicators, "wards": len(report.wards)})
    file_name = f"state-of-the-borough-{date.today():%Y-%m-%d}.html"
    return Response(text.encode("utf-8"), media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})
