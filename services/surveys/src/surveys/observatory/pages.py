"""The public observatory page, ``/p/observatory`` (routed by the gateway, no key)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kit.pages import PageTemplates, page_language
from kit.service import DbSession
from surveys.observatory.service import observatory_service

router = APIRouter(include_in_schema=False)
templates = PageTemplates(Path(__file__).parent / "templates")


@router.get("/p/observatory", response_class=HTMLResponse)
async def observatory_page(request: Request, session: DbSession) -> HTMLResponse:
    language = page_language(request, None)
    cards = await observatory_service.cards(session, language=language)
    response = templates.render(request, "observatory.html", {"cards": cards})
    # Public figures, the same for everyone: caches may keep them a little while.
    response.headers["cache-control"] = "public, max-age=300"
    return response
