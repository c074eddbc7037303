"""Pages people open from a message: rendering, languages, CSRF, security headers, problems.

A service gets all of it from :func:`kit.service.create_service_app`, which calls
:func:`install_pages`: the shared stylesheet under ``/p/static/``, HTML problem pages for
errors on ``/p/`` paths (a 404 for an unknown link, a 409 for an action no longer possible)
rendered in the layout, and the CSRF key. A domain package then renders its own templates
with :class:`PageTemplates` and checks its forms with :data:`CheckedForm`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, FastAPI
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from kit.pages import csrf
from kit.pages.headers import HtmlSecurityHeaders, page_policy
from kit.pages.languages import Language, page_language
from kit.pages.rendering import (
    KIT_TEMPLATES,
    STATIC_DIR,
    STATIC_PATH,
    Page,
    PageTemplates,
    csrf_key,
    format_period,
    format_when,
    translator,
)
from kit.problems import PAGES_PREFIX, DomainError

__all__ = [
    "PAGES_PREFIX",
    "CheckedForm",
    "HtmlSecurityHeaders",
    "Language",
    "Page",
    "PageError",
    "PageTemplates",
    "format_period",
    "format_when",
    "install_pages",
    "page_language",
    "page_policy",
    "render_problem",
    "translator",
]


class PageError(DomainError):
    """An error a page explains in the reader's words: ``fr`` and ``en`` say what happened.

    Its status and API fields stay those of a :class:`~kit.problems.DomainError`, so the same
    error raised under ``/v1/`` is still a problem+json answer.
    """

    def __init__(self, *, status: int, fr: str, en: str, slug: str | None = None) -> None:
        super().__init__(en)
        self.status = status
        self.slug = slug or self.slug
        self.page_text = {"fr": fr, "en": en}
        self.detail_texts = self.page_text


#: What the problem page says per status, when the error has no words of its own.
_STATUS_TEXTS: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {
    400: (
        ("Demande incorrecte", "Bad request"),
        (
            "Cette adresse ou ce formulaire n'a pas pu être lu.",
            "This address or this form could not be read.",
        ),
    ),
    403: (
        ("Action refusée", "Action refused"),
        (
            "Ce formulaire a expiré ou a été envoyé depuis un autre site. Rechargez la page "
            "puis recommencez.",
            "This form has expired or was sent from another site. Reload the page and try again.",
        ),
    ),
    404: (
        ("Page introuvable", "Page not found"),
        (
            "Ce lien n'existe pas ou n'est plus valable. Vérifiez qu'il est complet : "
            "certaines messageries coupent les longues adresses.",
            "This link does not exist or is no longer valid. Check that it is complete: some "
            "mail programs cut long addresses.",
        ),
    ),
    405: (
        ("Action impossible", "Action not possible"),
        ("Cette page ne permet pas cette action.", "This page does not allow this action."),
    ),
    409: (
        ("Action impossible", "Action not possible"),
        (
            "Cette action n'est plus possible : la situation a changé entre-temps.",
            "This action is no longer possible: things have changed in the meantime.",
        ),
    ),
    413: (
        ("Envoi trop volumineux", "Too much sent"),
        (
            "Ce que vous avez envoyé dépasse la taille acceptée.",
            "What you sent is larger than accepted.",
        ),
    ),
    422: (
        ("Informations non valables", "Invalid information"),
        (
            "Les informations envoyées ne sont pas valables.",
            "The information sent is not valid.",
        ),
    ),
    429: (
        ("Trop de demandes", "Too many requests"),
        ("Patientez un instant puis réessayez.", "Wait a moment, then try again."),
    ),
    500: (
        ("Erreur inattendue", "Unexpected error"),
        (
            "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez plus tard.",
            "An unexpected error occurred; it has been logged. Try again later.",
        ),
    ),
    503: (
        ("Service momentanément indisponible", "Service unavailable for a moment"),
        (
            "Cette page ne peut pas être affichée pour l'instant. Réessayez dans quelques "
            "minutes : rien de ce que vous aviez fait n'est perdu.",
            "This page cannot be shown right now. Try again in a few minutes: nothing you had "
            "done is lost.",
        ),
    ),
}
# An unreachable or slow service reads, for a person, as one that is down.
_STATUS_TEXTS[502] = _STATUS_TEXTS[504] = _STATUS_TEXTS[503]

_problem_templates = PageTemplates(KIT_TEMPLATES)


def render_problem(
    request: Request,
    *,
    status: int,
    error: Exception | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The problem page: what happened, in the reader's language, inside the layout.

    Only words written for readers appear (a :class:`PageError`'s, or the status's): an API
    detail such as "No registration with id …" never reaches the page.
    """
    lang = page_language(request)
    texts = _STATUS_TEXTS.get(status) or _STATUS_TEXTS[500 if status >= 500 else 400]
    title, text = texts
    message = text[0] if lang == "fr" else text[1]
    if isinstance(error, PageError):
        message = error.page_text[lang]
    return _problem_templates.render(
        request,
        "kit/problem.html",
        {
            "status": status,
            "problem_title": title[0] if lang == "fr" else title[1],
            "message": message,
        },
        status_code=status,
        headers=headers,
    )


def install_pages(app: FastAPI, *, secret: str) -> None:
    """Serve the shared stylesheet, render problems on ``/p/`` paths as pages, key CSRF."""
    app.state.pages_csrf_key = csrf.derive_key(secret)
    app.state.problem_page = render_problem
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="kit-pages-static")


async def _checked_form(request: Request) -> FormData:
    try:
        await csrf.verify(request, csrf_key(request))
    except csrf.CsrfRejected as exc:
        raise PageError(
            status=403,
            slug="forbidden",
            fr=_STATUS_TEXTS[403][1][0],
            en=_STATUS_TEXTS[403][1][1],
        ) from exc
    return await request.form()


#: A page route's form, once its CSRF token is checked (a forged POST is a 403 page).
CheckedForm = Annotated[FormData, Depends(_checked_form)]
