"""The single view for practitioners: find a person, say why, and see their record across services; and the same as
a JSON API, documented in OpenAPI at /api/openapi.json.

The search form is sent by POST, so names and dates of birth stay out of web addresses, browser history and server
logs. A person page is shown only with a purpose from the council's list; every search and every view is written to
the audit log with who, why and counts of what was shown, never the personal data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from townhall.governance.users import User
from townhall.identity.index import IndexNotBuiltError, index_status
from townhall.identity.single_view import (
    DEFAULT_SEARCH_LIMIT,
    MAX_SEARCH_LIMIT,
    PersonMatch,
    PersonNotFoundError,
    PersonView,
    PurposeError,
    SearchInputError,
    check_purpose,
    lookup_purposes,
    person_view,
    record_person_view,
    record_search,
    search_fields_used,
    search_people,
)
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

API_PREFIX = "/api/"


# --- web pages -----------------------------------------------------------------------------------------------------

def person_href(person_id: str, purpose: str) -> str:
    """The person page's address, carrying the purpose already given."""
    return f"/people/{quote(person_id, safe='')}?purpose={quote(purpose, safe='')}"


def _date_from_parts(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """A date from the three boxes of a GOV.UK date input, or the error message for them."""
    parts = [part.strip() for part in (day, month, year)]
    if not any(parts):
        return None, None
    if not all(parts):
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        return None, f"Date of birth must include a {' and '.join(missing)}"
    if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return None, "Date of birth must be a real date, with the year as 4 numbers, for example 27 3 2007"
    try:
        born = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None, "Date of birth must be a real date"
    if born > date.today():
        return None, "Date of birth must be in the past"
    return born, None


@router.get("/people", name="people", include_in_schema=False)
def search_page(request: Request) -> HTMLResponse:
    """The search form: a purpose, then a name with a date of birth, postcode or NHS number."""
    return _search_form(request)


def _search_form(request: Request, *, values: dict[str, str] | None = None,
                 errors: dict[str, dict[str, str]] | None = None, results: list[PersonMatch] | None = None,
                 purpose: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "people_search.html", {
        "page_title": "Find a person" if results is None else "Search results – Find a person",
        "purposes": lookup_purposes(workspace_of(request)), "values": values or {}, "errors": errors or {},
        "has_errors": bool(errors), "results": results, "purpose": purpose,
        "result_links": {match.person_id: person_href(match.person_id, purpose) for match in results or []},
        "index_out_of_date": index_status(workspace_of(request)).message if results is not None else "",
    }, status_code=status_code)


@router.post("/people", include_in_schema=False)
def search(request: Request, user: Annotated[User, Depends(current_user)],
           purpose: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
           dob_day: Annotated[str, Form(alias="dob-day")] = "", dob_month: Annotated[str, Form(alias="dob-month")] = "",
           dob_year: Annotated[str, Form(alias="dob-year")] = "", postcode: Annotated[str, Form()] = "",
           nhs_number: Annotated[str, Form()] = "") -> HTMLResponse:
    """Search the index (audit-logged with the fields used and the number found) and list the people found."""
    workspace = workspace_of(request)
    values = {"purpose": purpose, "name": name.strip(), "dob-day": dob_day, "dob-month": dob_month,
              "dob-year": dob_year, "postcode": postcode.strip(), "nhs_number": nhs_number.strip()}
    errors: dict[str, dict[str, str]] = {}
    try:
        purpose = check_purpose(workspace, purpose)
    except PurposeError:
        errors["purpose"] = {"text": "Select why you are looking this person up", "href": "#purpose"}
    born, date_error = _date_from_parts(dob_day, dob_month, dob_year)
    if date_error:
        errors["dob"] = {"text": date_error, "href": "#dob-day"}
    results = None
    if not errors:
        try:
            fields = search_fields_used(name=values["name"], date_of_birth=born, postcode=values["postcode"],
                                        nhs_number=values["nhs_number"])
            results = search_people(workspace, name=values["name"], date_of_birth=born, postcode=values["postcode"],
                                    nhs_number=values["nhs_number"], viewer_role=user.role)
        except SearchInputError as error:
            errors["search"] = {"text": str(error), "href": "#name"}
        else:
            record_search(workspace, actor=user.username, purpose=purpose, fields_used=fields, results=len(results))
    if errors:
        return _search_form(request, values=values, errors=errors, status_code=400)
    return _search_form(request, values=values, results=results, purpose=purpose)


@router.get("/people/{person_id}", name="person", include_in_schema=False)
def person_page(request: Request, user: Annotated[User, Depends(current_user)], person_id: str,
                purpose: Annotated[str, Query(max_length=200)] = "",
                asked: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    """One person's single view, once the purpose of the look-up is given; each view is audit-logged.

    ``asked`` comes from the purpose form, so sending it with nothing chosen shows an error rather than the question.
    """
    workspace = workspace_of(request)
    try:
        stated = check_purpose(workspace, purpose)
    except PurposeError:
        answered = bool(purpose or asked)
        return render(request, "people_purpose.html", {
            "page_title": "Why are you looking this person up?", "person_id": person_id,
            "purposes": lookup_purposes(workspace), "has_errors": answered,
            "error": "Select one of the purposes listed" if answered else None,
        }, status_code=400 if answered else 200)
    try:
        view = person_view(workspace, person_id, viewer_role=user.role)
    except PersonNotFoundError as error:
        return render(request, "error.html", {
            "page_title": "Person not found", "heading": "Person not found", "paragraphs": [str(error)],
            "links": [{"href": "/people", "text": "Find a person"}],
        }, status_code=404)
    record_person_view(workspace, view, actor=user.username, purpose=stated)
    return render(request, "people_person.html", {
        "page_title": view.display_name, "person": view, "purpose": stated,
        "member_links": {member.person_id: person_href(member.person_id, stated) for member in view.household.members},
    })


# --- JSON API ------------------------------------------------------------------------------------------------------

class ApiProblem(BaseModel):
    """What went wrong, in plain English; ``purposes`` lists the allowed purposes when the purpose was the problem."""

    detail: str
    purposes: list[str] | None = None


@dataclass(frozen=True)
class SearchResults:
    """The people found by a search, best first."""

    purpose: str
    count: int
    results: list[PersonMatch]
    index_out_of_date: str = ""  # said when a source changed or the last link failed since the index was built


@dataclass(frozen=True)
class Purposes:
    """The purposes this council allows for looking someone up."""

    purposes: list[str]


_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiProblem, "description": "No purpose, a purpose not on the list, or a search too broad to run"},
    503: {"model": ApiProblem, "description": "The person index has not been built yet ('townhall link')"},
}


def _problem(status_code: int, detail: str, purposes: list[str] | None = None) -> JSONResponse:
    return JSONResponse(ApiProblem(detail=detail, purposes=purposes).model_dump(exclude_none=True),
                        status_code=status_code)


@router.get("/api/purposes", response_model=Purposes, summary="Purposes allowed for a look-up")
def api_purposes(request: Request) -> Purposes:
    """The purposes a look-up may give (the council's `[governance] purposes`, or the default list)."""
    return Purposes(purposes=lookup_purposes(workspace_of(request)))


@router.get("/api/people", response_model=SearchResults, responses=_PROBLEMS, summary="Search for people")
def api_search(request: Request, user: Annotated[User, Depends(current_user)],
               purpose: Annotated[str, Query(description="Why you are searching: one of /api/purposes")] = "",
               name: Annotated[str, Query(max_length=200, description="Full name or surname")] = "",
               date_of_birth: Annotated[str, Query(max_length=40, description="For example 1980-04-03 or "
                                                                             "03/04/1980")] = "",
               postcode: Annotated[str, Query(max_length=20)] = "",
               nhs_number: Annotated[str, Query(max_length=20)] = "",
               limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = DEFAULT_SEARCH_LIMIT) -> Any:
    """People matching a name with a date of birth, postcode or NHS number (or a valid NHS number alone), best first.

    Tolerant of typos, nicknames, swapped names and day/month slips. Withheld addresses are neither returned nor
    matched on, except for the governance role. The search is written to the audit log (fields used and the number
    found, not the search terms). The search terms are in the web address: make sure proxies in front of townhall
    do not log query strings.
    """
    workspace = workspace_of(request)
    try:
        stated = check_purpose(workspace, purpose)
    except PurposeError as error:
        return _problem(400, str(error), lookup_purposes(workspace))
    try:
        fields = search_fields_used(name=name, date_of_birth=date_of_birth, postcode=postcode, nhs_number=nhs_number)
        results = search_people(workspace, name=name, date_of_birth=date_of_birth, postcode=postcode,
                                nhs_number=nhs_number, limit=limit, viewer_role=user.role)
    except SearchInputError as error:
        return _problem(400, str(error))
    except IndexNotBuiltError as error:
        return _problem(503, str(error))
    record_search(workspace, actor=user.username, purpose=stated, fields_used=fields, results=len(results),
                  via="api")
    return SearchResults(purpose=stated, count=len(results), results=results,
                         index_out_of_date=index_status(workspace).message)


@router.get("/api/people/{person_id}", response_model=PersonView,
            responses={**_PROBLEMS, 404: {"model": ApiProblem, "description": "No such person in the index"}},
            summary="One person's single view")
def api_person(request: Request, user: Annotated[User, Depends(current_user)],
               person_id: Annotated[str, Path(max_length=60, description="For example P-0000000020")],
               purpose: Annotated[str, Query(description="Why you are looking: one of /api/purposes")] = "") -> Any:
    """Identity, household, flags and a timeline of every contact across services, newest first.

    Needs a purpose. Address, postcode, UPRN and places are left out when the person's (or a household member's)
    address is withheld, except for the governance role. Each view is written to the audit log.
    """
    workspace = workspace_of(request)
    try:
        stated = check_purpose(workspace, purpose)
    except PurposeError as error:
        return _problem(400, str(error), lookup_purposes(workspace))
    try:
        view = person_view(workspace, person_id, viewer_role=user.role)
    except PersonNotFoundError as error:
        return _problem(404, str(error))
    except IndexNotBuiltError as error:
        return _problem(503, str(error))
    record_person_view(workspace, view, actor=user.username, purpose=stated, via="api")
    return view


@router.get("/api/openapi.json", include_in_schema=False)
def api_openapi(request: Request) -> Response:
    """The OpenAPI document for the /api routes, for those signed in (the app publishes no other map of itself)."""
    routes = [route for route in router.routes
              if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX) and route.include_in_schema]
    document = get_openapi(
        title=f"townhall API — {workspace_of(request).config.council_name}", version="1",
        summary="The single view of a person across the council's services, as JSON.",
        description="Sign in at /login first: the API uses the same session as the web pages. Every call that "
                    "returns personal data needs a purpose from /api/purposes and is written to the audit log.",
        routes=routes,
    )
    return JSONResponse(jsonable_encoder(document))
