"""A small app serving one page with a form, built like a service's pages are."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from kit.pages import (
    CheckedForm,
    HtmlSecurityHeaders,
    PageError,
    PageTemplates,
    install_pages,
    page_language,
)
from kit.problems import NotFound, install_problem_handlers

SECRET = "a test secret that is long enough for hmac keys"
templates = PageTemplates(Path(__file__).parent / "templates")


def build_app() -> FastAPI:
    router = APIRouter()

    @router.get("/p/guestbook", response_class=HTMLResponse)
    async def show(request: Request) -> HTMLResponse:
        return templates.render(
            request, "guestbook.html", {"errors": {}, "name": "", "signed": None}
        )

    @router.post("/p/guestbook", response_class=HTMLResponse)
    async def sign(request: Request, form: CheckedForm) -> HTMLResponse:
        name = str(form.get("name") or "").strip()
        errors = {}
        if not name:
            english = page_language(request) == "en"
            errors["name"] = "Enter your name." if english else "Indiquez votre nom."
        if errors:
            return templates.render(
                request,
                "guestbook.html",
                {"errors": errors, "name": name, "signed": None},
                status_code=422,
            )
        return templates.render(
            request, "guestbook.html", {"errors": {}, "name": "", "signed": name}
        )

    @router.get("/p/questions", response_class=HTMLResponse)
    async def questions(request: Request) -> HTMLResponse:
        return templates.render(request, "survey_demo.html", {"errors": {}, "answers": {}})

    @router.post("/p/questions", response_class=HTMLResponse)
    async def answer_questions(request: Request, form: CheckedForm) -> HTMLResponse:
        answers = {
            "audience": form.getlist("audience"),
            "satisfied": form.getlist("satisfied"),
            "region": form.get("region"),
            "comment": form.get("comment") or "",
            "visitors": form.get("visitors") or "",
        }
        errors = {} if answers["audience"] else {"audience": "Choisissez au moins un public."}
        return templates.render(
            request,
            "survey_demo.html",
            {"errors": errors, "answers": answers},
            status_code=422 if errors else 200,
        )

    @router.post("/p/elsewhere", response_class=HTMLResponse)
    async def other_form(request: Request, form: CheckedForm) -> HTMLResponse:
        return HTMLResponse("accepted")

    @router.get("/p/closed")
    async def closed() -> None:
        raise PageError(
            status=409,
            fr="Les inscriptions sont closes.",
            en="Registrations are closed.",
            slug="registration-closed",
        )

    @router.get("/p/things/{thing}")
    async def thing(thing: str) -> None:
        raise NotFound(f"No thing {thing}")

    @router.get("/v1/things/{thing}")
    async def api_thing(thing: str) -> None:
        raise NotFound(f"No thing {thing}")

    @router.get("/plain", response_class=HTMLResponse)
    async def plain() -> HTMLResponse:
        return HTMLResponse("<p>not a page of ours</p>")

    @router.get("/json")
    async def json() -> dict[str, str]:
        return {"ok": "yes"}

    app = FastAPI()
    install_problem_handlers(app)
    install_pages(app, secret=SECRET)
    app.include_router(router)
    app.add_middleware(HtmlSecurityHeaders)
    return app


@pytest.fixture(scope="module")
def pages_app() -> FastAPI:
    return build_app()
