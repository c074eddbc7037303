"""The registrant's page, ``/p/registrations/{token}``: the link every message about a
registration carries (see :mod:`events.registrations.tokens`).

It shows the event, the registration's status and waitlist position, an "add to calendar"
link, and cancelling in two steps (a confirmation page, then a POST checked against its CSRF
token). French first, English on request; no JavaScript. Routed here by the gateway, which
asks no API key for pages but still signs the (anonymous) caller's identity.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from events.agenda import ical
from events.registrations.personal import PersonalRegistration, personal_registration_service
from kit.identity import CurrentIdentity
from kit.pages import CheckedForm, PageTemplates
from kit.service import DbSession, WriteSession

router = APIRouter(include_in_schema=False)
templates = PageTemplates(Path(__file__).parent / "templates")


def _context(personal: PersonalRegistration, token: str) -> dict[str, object]:
    event = personal.event
    return {
        "personal": personal,
        "registration": personal.registration,
        "event": event,
        "timings": [
            (datetime.fromisoformat(t["start"]), datetime.fromisoformat(t["end"]))
            for t in event.timings
        ],
        "place": ical.place_of(event),
        "page_path": f"/p/registrations/{token}",
    }


@router.get("/p/registrations/{token}", response_class=HTMLResponse)
async def show_registration(request: Request, token: str, session: WriteSession) -> HTMLResponse:
    # Opening the page from the mailed link confirms a held seat: a write.
    personal = await personal_registration_service.open(session, token=token)
    return templates.render(
        request, "registration.html", _context(personal, token), language=personal.language
    )


@router.get("/p/registrations/{token}/cancel", response_class=HTMLResponse)
async def confirm_cancellation(request: Request, token: str, session: DbSession) -> Response:
    personal = await personal_registration_service.open(session, token=token)
    if not personal.cancellable:  # already cancelled or refused: the page says so
        return RedirectResponse(f"/p/registrations/{token}", status_code=303)
    return templates.render(
        request, "cancel.html", _context(personal, token), language=personal.language
    )


@router.post("/p/registrations/{token}/cancel")
async def cancel_registration(
    token: str, session: DbSession, identity: CurrentIdentity, form: CheckedForm
) -> Response:
    await personal_registration_service.cancel(session, token=token, identity=identity)
    # Post/redirect/get: reloading the page afterwards does not post again.
    return RedirectResponse(f"/p/registrations/{token}", status_code=303)


@router.get("/p/registrations/{token}/event.ics")
async def registration_calendar(token: str, session: DbSession) -> Response:
    body = await personal_registration_service.calendar(session, token=token)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "content-disposition": 'attachment; filename="evenement.ics"',
            "cache-control": "no-store",
        },
    )
