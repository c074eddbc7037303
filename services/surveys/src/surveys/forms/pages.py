"""The questionnaire as a web page, ``/p/surveys/{token}``: the link every invitation carries.

One page per section, a progress indicator, "save and finish later", a confirmation page.
Without JavaScript the server applies the conditions when a page is sent (the next page is
chosen, hidden questions are left out); with it, a small script evaluates the same rules as
JSON and shows or hides questions as the respondent answers. Answers are saved through
:mod:`surveys.responses.service`, with the API's checks.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kit.pages import CheckedForm
from kit.service import DbSession, client_address
from surveys.dependencies import LinkSecret
from surveys.forms.rendering import TEMPLATES, form_renderer
from surveys.forms.schemas import FormPage
from surveys.forms.service import FIELD_PREFIX, SCRIPT_FIELD, form_service
from surveys.invitations.policies import PublicLinkLimits
from surveys.invitations.service import invitation_service
from surveys.responses.errors import AnswersInvalid
from surveys.responses.policies import Refusal
from surveys.responses.schemas import ResponseSave
from surveys.responses.service import REFUSAL_WORDS, Answering, response_service
from surveys.responses.validation import check, merge

router = APIRouter(include_in_schema=False)
templates = TEMPLATES


def _language(answering: Answering) -> str:
    response = answering.response
    return response.language if response else answering.invitation.language


def _render(
    request: Request,
    answering: Answering,
    token: str,
    page: FormPage,
    *,
    saved: bool = False,
    revealed: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return form_renderer.render(
        request,
        answering.version,
        page,
        token=token,
        language=_language(answering),
        saved=saved,
        revealed=revealed,
        status_code=status_code,
    )


@router.get("/p/surveys/{token}", response_class=HTMLResponse)
async def show_form(
    request: Request,
    token: str,
    session: DbSession,
    secret: LinkSecret,
    page: int | None = None,
    saved: int = 0,
    revealed: int = 0,
) -> Response:
    answering = await response_service.open(session, token=token, secret=secret)
    refusal = response_service.refusal(answering)
    if answering.invitation.status == "submitted" and refusal is not None:
        return RedirectResponse(f"/p/surveys/{token}/done", status_code=303)
    if refusal is not None:
        fr, en = REFUSAL_WORDS[refusal]  # the same words as the API's 409
        return templates.render(
            request,
            "closed.html",
            {
                "survey": answering.version.definition,
                "message_fr": fr,
                "message_en": en,
                "opens_at": (
                    answering.survey.opens_at if refusal is Refusal.NOT_OPEN_YET else None
                ),
            },
            language=_language(answering),
            status_code=409,
        )
    answers = answering.response.answers if answering.response else {}
    current = form_service.page(answering.sections, answers, page)
    return _render(request, answering, token, current, saved=bool(saved), revealed=bool(revealed))


@router.post("/p/surveys/{token}")
async def send_page(
    request: Request, token: str, session: DbSession, secret: LinkSecret, form: CheckedForm
) -> Response:
    answering = await response_service.open(session, token=token, secret=secret)
    sections = answering.sections
    try:
        index = min(max(int(str(form.get("page") or 0)), 0), len(sections) - 1)
    except ValueError:
        index = 0
    action = str(form.get("action") or "save")
    fields = {name: [str(v) for v in form.getlist(name)] for name in form}
    given = form_service.answers_from_form(sections[index], fields)
    stored = answering.response.answers if answering.response else {}
    problems = form_service.problems(sections[index], fields)
    if problems:  # nothing saved: the page again, each problem beside its field
        rest = {c: v for c, v in given.items() if FIELD_PREFIX + c not in problems}
        merged = merge(stored, rest)
        checked = check(sections, merged, complete=False)
        problems |= {FIELD_PREFIX + c: m for c, m in checked.errors.items() if c in rest}
        page = form_service.page(sections, merged, index, problems)
        return _render(request, answering, token, page, status_code=422)
    try:
        answering = await response_service.save(
            session, token=token, data=ResponseSave(answers=given), secret=secret
        )
        sent = answering.response.answers if answering.response else {}
        if (
            action in ("next", "submit")
            and SCRIPT_FIELD not in form
            and form_service.revealed_on(sections, stored, sent, index)
        ):
            # No script showed them: the page again with the questions its answers reveal.
            return RedirectResponse(f"/p/surveys/{token}?page={index}&revealed=1", 303)
        if action == "submit":
            answering = await response_service.save(
                session, token=token, data=ResponseSave(), secret=secret, submit=True
            )
    except AnswersInvalid as invalid:
        errors = {
            # The rules' messages as they are: the page says them in its language.
            FIELD_PREFIX + str(e["field"]).removeprefix("answers."): e["message"]
            for e in invalid.errors or []
        }
        shown = merge(stored, given)
        # The field names are "q.<code>": the page of the first one, if none is on this page
        # (a submission missing a question of a page an answer here has just revealed).
        first = form_service.section_of(sections, next(iter(errors)).removeprefix(FIELD_PREFIX))
        wanted = (
            index
            if any(
                form_service.section_of(sections, name.removeprefix(FIELD_PREFIX)) == index
                for name in errors
            )
            else first
        )
        page = form_service.page(sections, shown, wanted, errors)
        return _render(request, answering, token, page, status_code=422)
    if action == "submit":
        return RedirectResponse(f"/p/surveys/{token}/done", status_code=303)
    answers = answering.response.answers if answering.response else {}
    step = {"next": +1, "previous": -1}.get(action)
    target = form_service.neighbour(sections, answers, index, step) if step else index
    if target == index and action != "previous":
        # Saved: the save button, or "next" on the last page (Enter in a field there).
        return RedirectResponse(f"/p/surveys/{token}?page={index}&saved=1", status_code=303)
    return RedirectResponse(f"/p/surveys/{token}?page={target}", status_code=303)


@router.get("/p/surveys/s/{public_token}", response_class=HTMLResponse)
async def public_start(request: Request, public_token: str, session: DbSession) -> Response:
    """The public link: a page with one button, so that a crawler following the link makes
    nothing; the button makes a response of its own (the gateway rate-limits /p/)."""
    survey = await invitation_service.public_survey(session, public_token=public_token)
    return templates.render(
        request,
        "start.html",
        {"survey": survey, "page_path": f"/p/surveys/s/{public_token}"},
    )


@router.post("/p/surveys/s/{public_token}")
async def public_begin(
    request: Request,
    public_token: str,
    session: DbSession,
    secret: LinkSecret,
    form: CheckedForm,
) -> Response:
    settings = request.app.state.settings
    token = await invitation_service.start_public(
        session,
        public_token=public_token,
        client_address=client_address(request),
        secret=secret,
        limits=PublicLinkLimits(
            per_address=settings.public_link_per_address_per_minute,
            per_survey=settings.public_link_per_survey_per_minute,
        ),
    )
    return RedirectResponse(f"/p/surveys/{token}", status_code=303)


@router.get("/p/surveys/{token}/done", response_class=HTMLResponse)
async def confirmation(
    request: Request, token: str, session: DbSession, secret: LinkSecret
) -> Response:
    answering = await response_service.open(session, token=token, secret=secret)
    if answering.invitation.status != "submitted":
        return RedirectResponse(f"/p/surveys/{token}", status_code=303)
    return templates.render(
        request,
        "done.html",
        {
            "survey": answering.version.definition,
            "editable": response_service.refusal(answering) is None,
            "page_path": f"/p/surveys/{token}",
        },
        language=_language(answering),
    )
