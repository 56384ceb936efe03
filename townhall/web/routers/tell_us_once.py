"""Tell us once: record a resident's change of address once, and hand each department a notice of the records to
update. The form lives at /identity/move?person=P-...; the person's own pages belong to the single view."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.users import Role, User
from townhall.identity.index import IndexNotBuiltError
from townhall.identity.tell_us_once import (
    AddressChange,
    department_file_name,
    notice_folder,
    person_to_move,
    record_move,
    recorded_move,
    recorded_moves,
)
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()
NoticeFile = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,100}\.csv$")]
ChangeNumber = Annotated[int, Path(ge=1, le=2**31)]
FIELD_NAMES = ("address_line_1", "address_line_2", "town", "postcode", "uprn", "moved_day", "moved_month",
               "moved_year")


def _may_see_withheld(user: User) -> bool:
    """Only governance officers see, or record moves for, people whose address is withheld."""
    return user.has_role(Role.GOVERNANCE)


def _find_page(request: Request, person: str, error: str | None, status_code: int = 200) -> HTMLResponse:
    errors = {"person": {"text": error, "href": "#person"}} if error else {}
    return render(request, "move_find.html", {
        "page_title": "Record a change of address", "person": person, "errors": errors, "has_errors": bool(errors),
    }, status_code=status_code)


def _form_page(request: Request, user: User, person_id: str, *, values: dict[str, str] | None = None,
               errors: dict[str, dict[str, str]] | None = None, status_code: int = 200) -> HTMLResponse:
    workspace = workspace_of(request)
    person = person_to_move(workspace, person_id, show_withheld_address=_may_see_withheld(user))
    if person.address_withheld and not _may_see_withheld(user):
        raise AccessDeniedError(
            "This person's address is withheld (for example because they may be at risk), so only an information "
            "governance officer can record their change of address. Ask your information governance team.")
    workspace.audit.record(user.username, "identity.move_form_viewed", person.person_id)
    return render(request, "move.html", {
        "page_title": "Record a change of address", "person": person, "values": values or {},
        "errors": errors or {}, "has_errors": bool(errors), "moves": recorded_moves(workspace, person.person_id),
    }, status_code=status_code)


@router.get("/identity/move", name="tell_us_once")
def move_form(request: Request, user: Annotated[User, Depends(current_user)],
              person: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    """Find the person by id, then the change-of-address form with who they are. Each view is audit-logged."""
    if not person.strip():
        return _find_page(request, "", None)
    try:
        return _form_page(request, user, person)
    except IndexNotBuiltError:
        raise
    except AccessDeniedError:
        raise
    except TownhallError as error:
        return _find_page(request, person.strip(), str(error), status_code=404)


def _moved_on(day: str, month: str, year: str) -> date | None:
    """The date of the move from the three boxes; None when all are empty (today). Raises ValueError if not a date."""
    if not (day.strip() or month.strip() or year.strip()):
        return None
    return date(int(year), int(month), int(day))


def _error_href(message: str) -> str:
    lowered = message.lower()
    if "uprn" in lowered:
        return "#uprn"
    if "postcode" in lowered:
        return "#postcode"
    if "date" in lowered:
        return "#moved-day"
    return "#address-line-1"


@router.post("/identity/move")
def move(request: Request, user: Annotated[User, Depends(current_user)],
         person: Annotated[str, Form(max_length=40)] = "",
         address_line_1: Annotated[str, Form(max_length=200)] = "",
         address_line_2: Annotated[str, Form(max_length=200)] = "",
         town: Annotated[str, Form(max_length=100)] = "",
         postcode: Annotated[str, Form(max_length=20)] = "",
         uprn: Annotated[str, Form(max_length=20)] = "",
         moved_day: Annotated[str, Form(alias="moved-day", max_length=4)] = "",
         moved_month: Annotated[str, Form(alias="moved-month", max_length=4)] = "",
         moved_year: Annotated[str, Form(alias="moved-year", max_length=6)] = "") -> Response:
    """Check the new address, record the move and go to the confirmation with the departments' notices."""
    values = {"address_line_1": address_line_1, "address_line_2": address_line_2, "town": town,
              "postcode": postcode, "uprn": uprn, "moved_day": moved_day, "moved_month": moved_month,
              "moved_year": moved_year}
    errors: dict[str, dict[str, str]] = {}
    if not address_line_1.strip():
        errors["address_line_1"] = {"text": "Enter the first line of the new address", "href": "#address-line-1"}
    if not postcode.strip():
        errors["postcode"] = {"text": "Enter the postcode of the new address", "href": "#postcode"}
    moved_on = None
    try:
        moved_on = _moved_on(moved_day, moved_month, moved_year)
    except ValueError:
        errors["moved"] = {"text": "The date of the move must be a real date, like 27 3 2026", "href": "#moved-day"}
    if not errors:
        address = ", ".join(part.strip() for part in (address_line_1, address_line_2, town) if part.strip())
        try:
            result = record_move(workspace_of(request), person, address, postcode=postcode, uprn=uprn or None,
                                 effective_date=moved_on, recorded_by=user.username,
                                 allow_withheld=_may_see_withheld(user))
        except (IndexNotBuiltError, AccessDeniedError):
            raise
        except TownhallError as error:
            href = _error_href(str(error))
            field = {"#uprn": "uprn", "#postcode": "postcode", "#moved-day": "moved"}.get(href, "address_line_1")
            if "person id" in str(error):
                return _find_page(request, person.strip(), str(error), status_code=404)
            errors[field] = {"text": str(error), "href": href}
        else:
            return RedirectResponse(f"/identity/move/{result.change.change_id}", status_code=303)
    try:
        return _form_page(request, user, person, values=values, errors=errors, status_code=400)
    except (IndexNotBuiltError, AccessDeniedError):
        raise
    except TownhallError as error:
        return _find_page(request, person.strip(), str(error), status_code=404)


def _change_or_404(request: Request, change_id: int) -> AddressChange:
    try:
        return recorded_move(workspace_of(request), change_id)
    except TownhallError:
        raise HTTPException(status_code=404) from None


@router.get("/identity/move/{change_id}", name="tell_us_once_change")
def change_recorded(request: Request, change_id: ChangeNumber,
                    user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """A recorded move: what was recorded and each department's notice to download. Audit-logged."""
    workspace = workspace_of(request)
    change = _change_or_404(request, change_id)
    folder = notice_folder(workspace, change)
    notices = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    workspace.audit.record(user.username, "identity.move_viewed", change.person_id,
                           details={"change": change.reference})
    return render(request, "move_done.html", {
        "page_title": f"Change of address {change.reference}", "change": change, "notices": notices,
        "show_address": not change.address_withheld or _may_see_withheld(user),
        "folder": folder.relative_to(workspace.path),
    })


@router.get("/identity/move/{change_id}/notices/{file_name}", name="tell_us_once_notice")
def notice(request: Request, change_id: ChangeNumber, file_name: NoticeFile,
           user: Annotated[User, Depends(current_user)]) -> Response:
    """One department's notice as a CSV download; the download is audit-logged."""
    workspace = workspace_of(request)
    change = _change_or_404(request, change_id)
    path = notice_folder(workspace, change) / file_name
    if file_name != department_file_name(file_name.removesuffix(".csv")) or not path.is_file():
        raise HTTPException(status_code=404)
    workspace.audit.record(user.username, "identity.notice_downloaded", change.person_id,
                           details={"change": change.reference, "file": file_name})
    return FileResponse(path, media_type="text/csv; charset=utf-8",
                        filename=f"{change.reference}-{file_name}")
