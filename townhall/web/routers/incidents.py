"""Incident lists for the emergency-planning team: give an area (a centre and radius, or a GeoJSON polygon), see the
vulnerable people living inside it with their needs and contact details, and download the list for responders.

Only practitioners in the emergency-planning team and governance officers get past the first check; everyone else
sees a 403 page. The area travels in the POST body, and every list and download is audit-logged (incident name,
purpose, area and count, never names).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.users import User
from townhall.places import (
    LARGEST_RADIUS_METRES,
    WITHHELD_ADDRESS,
    IncidentArea,
    IncidentList,
    check_in_borough,
    circle_area,
    emergency_planning_team,
    incident_csv,
    incident_list,
    may_pull_incident_list,
    point_of_postcode,
    polygon_area,
)
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

LARGEST_UPLOAD_BYTES = 5_000_000
AREA_COLOUR = "#d4351c"
_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9]+")


def _require_team(request: Request, user: User) -> None:
    workspace = workspace_of(request)
    if not may_pull_incident_list(workspace, user):
        raise AccessDeniedError(f"Incident lists are for practitioners in the {emergency_planning_team(workspace)} "
                                "team and for governance officers, because they show where vulnerable people live.")


@router.get("/places/incidents", name="incidents")
def incident_form(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """The form: incident name, purpose, and the area as a centre and radius or an uploaded polygon."""
    _require_team(request, user)
    return _form(request, {}, {})


def _form(request: Request, values: dict[str, str], errors: dict[str, dict[str, str]], *,
          status_code: int = 200) -> HTMLResponse:
    return render(request, "incident_form.html", {
        "page_title": "Incident list", "values": values, "errors": errors, "has_errors": bool(errors),
        "largest_radius": int(LARGEST_RADIUS_METRES), "team": emergency_planning_team(workspace_of(request)),
    }, status_code=status_code)


async def _area_from_form(request: Request, values: dict[str, str], polygon_file: UploadFile | None,
                          errors: dict[str, dict[str, str]]) -> IncidentArea | None:
    """The area the form describes, or None with the problems added to ``errors``."""
    workspace = workspace_of(request)
    polygon_text = values.get("polygon", "")
    if polygon_file is not None and polygon_file.filename:
        data = await polygon_file.read(LARGEST_UPLOAD_BYTES + 1)
        if len(data) > LARGEST_UPLOAD_BYTES:
            errors["polygon_file"] = {"text": "The file is larger than 5 MB: upload the incident outline only",
                                      "href": "#polygon_file"}
            return None
        polygon_text = data.decode("utf-8", errors="replace")
    try:
        if polygon_text.strip():
            area = polygon_area(polygon_text, file_name=(polygon_file.filename if polygon_file and
                                                          polygon_file.filename else "the polygon"))
            values["polygon"] = json.dumps(area.to_geojson()["geometry"])
        else:
            centre = None
            if values["postcode"]:
                centre = point_of_postcode(workspace, values["postcode"])
            elif values["latitude"] or values["longitude"]:
                try:
                    centre = (float(values["latitude"]), float(values["longitude"]))
                except ValueError:
                    errors["latitude"] = {"text": "Enter the latitude and longitude as numbers, for example 53.4 "
                                                  "and -2.2", "href": "#latitude"}
                    return None
            if centre is None:
                errors["postcode"] = {"text": "Enter a postcode or a latitude and longitude for the centre, or "
                                              "upload a polygon", "href": "#postcode"}
                return None
            try:
                radius = float(values["radius"])
            except ValueError:
                errors["radius"] = {"text": "Enter the radius in metres, for example 250", "href": "#radius"}
                return None
            area = circle_area(centre[0], centre[1], radius)
        check_in_borough(workspace, area)
    except TownhallError as error:
        field = "polygon_file" if polygon_text.strip() else "postcode" if values.get("postcode") else "latitude"
        errors[field] = {"text": str(error), "href": f"#{field}"}
        return None
    return area


def _values(name: str, purpose: str, postcode: str, latitude: str, longitude: str, radius: str,
            polygon: str) -> dict[str, str]:
    return {"name": name.strip(), "purpose": purpose.strip(), "postcode": postcode.strip(),
            "latitude": latitude.strip(), "longitude": longitude.strip(), "radius": radius.strip(),
            "polygon": polygon.strip()}


def _required(values: dict[str, str], errors: dict[str, dict[str, str]]) -> None:
    if not values["name"]:
        errors["name"] = {"text": "Enter the incident's name", "href": "#name"}
    if not values["purpose"]:
        errors["purpose"] = {"text": "Enter why the list is needed", "href": "#purpose"}


async def _list_from_form(request: Request, user: User, values: dict[str, str],
                          polygon_file: UploadFile | None) -> tuple[IncidentArea, IncidentList] | HTMLResponse:
    """The incident area and its list from the form (for the page and the download alike), or the form again with
    its errors when the answers do not describe an area."""
    _require_team(request, user)
    errors: dict[str, dict[str, str]] = {}
    _required(values, errors)
    area = await _area_from_form(request, values, polygon_file, errors)
    if errors or area is None:
        return _form(request, values, errors, status_code=400)
    result = incident_list(workspace_of(request), user, area=area, incident_name=values["name"],
                           purpose=values["purpose"])
    return area, result


@router.post("/places/incidents")
async def incident_page(
    request: Request, user: Annotated[User, Depends(current_user)],
    name: Annotated[str, Form(max_length=200)] = "", purpose: Annotated[str, Form(max_length=300)] = "",
    postcode: Annotated[str, Form(max_length=10)] = "", latitude: Annotated[str, Form(max_length=30)] = "",
    longitude: Annotated[str, Form(max_length=30)] = "", radius: Annotated[str, Form(max_length=30)] = "",
    polygon: Annotated[str, Form(max_length=LARGEST_UPLOAD_BYTES)] = "",
    polygon_file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """The list for the area given (audit-logged), with the area on a map and a download for responders."""
    values = _values(name, purpose, postcode, latitude, longitude, radius, polygon)
    listed = await _list_from_form(request, user, values, polygon_file)
    if isinstance(listed, HTMLResponse):
        return listed
    area, result = listed
    return render(request, "incident_list.html", {
        "page_title": f"{result.incident_name} – Incident list", "result": result, "values": values,
        "area_geojson": _area_map(area, result.incident_name), "area_text": _area_text(area),
        "withheld_text": WITHHELD_ADDRESS,
    })


@router.post("/places/incidents/download")
async def incident_download(
    request: Request, user: Annotated[User, Depends(current_user)],
    name: Annotated[str, Form(max_length=200)] = "", purpose: Annotated[str, Form(max_length=300)] = "",
    postcode: Annotated[str, Form(max_length=10)] = "", latitude: Annotated[str, Form(max_length=30)] = "",
    longitude: Annotated[str, Form(max_length=30)] = "", radius: Annotated[str, Form(max_length=30)] = "",
    polygon: Annotated[str, Form(max_length=LARGEST_UPLOAD_BYTES)] = "",
) -> Response:
    """The same list as a CSV file for responders; the list and the download are both audit-logged."""
    values = _values(name, purpose, postcode, latitude, longitude, radius, polygon)
    listed = await _list_from_form(request, user, values, None)
    if isinstance(listed, HTMLResponse):
        return listed
    workspace = workspace_of(request)
    _area, result = listed
    file_name = (_SAFE_FILE_NAME.sub("-", result.incident_name).strip("-").lower() or "incident") + "-list.csv"
    content = incident_csv(workspace, user, result, file_name=file_name)
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


def _area_map(area: IncidentArea, name: str) -> dict[str, Any]:
    """The area as the GeoJSON map.js draws: one feature with its colour, and a legend."""
    feature = area.to_geojson()
    feature["properties"] = {"name": name, "display": "incident area", "colour": AREA_COLOUR, "label": "Incident area"}
    return {"type": "FeatureCollection", "features": [feature], "title": name, "measure": "Incident area",
            "kind": "area", "legend": [{"label": "Incident area", "colour": AREA_COLOUR, "areas": 1}],
            "footnotes": []}


def _area_text(area: IncidentArea) -> str:
    """The area in words, for the page."""
    described = area.describe()
    if "radius_metres" in described:
        latitude, longitude = described["centre"]
        return f"Within {described['radius_metres']:,.0f} metres of {latitude:.5f}, {longitude:.5f}"
    west, south, east, north = described["bounding_box"]
    return f"Inside the polygon given (between latitudes {south:.4f} and {north:.4f}, longitudes {west:.4f} and " \
           f"{east:.4f})"
