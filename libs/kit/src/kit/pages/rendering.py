"""Rendering pages: one Jinja2 environment per domain package, one layout for all.

A domain package that serves pages keeps its templates beside it
(``events/registrations/templates/registration.html``) and builds a :class:`PageTemplates`
over that folder; its templates extend ``kit/layout.html``, the one layout and stylesheet
every Maillage page shares. Autoescaping is on for every template.

Templates get, besides their own context:

- ``lang`` (``"fr"`` or ``"en"``) and ``t(fr, en)``, which picks the text of the page's
  language, so both languages of a sentence sit side by side in the template;
- ``csrf_field(action)``, the hidden input every form that POSTs must carry (see
  :mod:`kit.pages.csrf`), and ``csp_nonce`` for an inline script, should one be unavoidable;
- ``language_switch_url``, ``other_language``, ``stylesheet_url``;
- ``when(moment)`` and ``period(start, end)`` writing aware datetimes in Europe/Paris, in
  words of the page's language.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kit.pages import csrf
from kit.pages.headers import CSP_HEADER, HTML_HEADERS, NOSNIFF, page_policy
from kit.pages.languages import (
    LANGUAGE_COOKIE,
    LANGUAGE_QUERY,
    Language,
    page_language,
    requested_language,
)

KIT_TEMPLATES = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/p/static"
STYLESHEET = "maillage.css"
PARIS = ZoneInfo("Europe/Paris")
_LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}  # fmt: skip


def format_when(moment: datetime, lang: Language, *, with_time: bool = True) -> str:
    """``lundi 12 avril 2027 à 14 h 30`` / ``Monday 12 April 2027, 14:30`` (Paris time)."""
    local = moment.astimezone(PARIS)
    weekday, month = _DAYS[lang][local.weekday()], _MONTHS[lang][local.month - 1]
    day = f"{weekday} {local.day} {month} {local.year}"
    if not with_time:
        return day
    if lang == "fr":
        return f"{day} à {_french_time(local)}"
    return f"{day}, {local.hour:02d}:{local.minute:02d}"


def _french_time(moment: datetime) -> str:
    """``14 h 30``, with no-break spaces so that a line never ends inside a time."""
    return f"{moment.hour}\u00a0h\u00a0{moment.minute:02d}"


def format_period(start: datetime, end: datetime, lang: Language) -> str:
    """A span of time in words: ``lundi 12 avril 2027, de 14 h 00 à 17 h 30`` on one day,
    ``du lundi 12 avril 2027 à 9 h 00 au mardi 13 avril 2027 à 17 h 00`` across days."""
    first, last = start.astimezone(PARIS), end.astimezone(PARIS)
    if first.date() == last.date():
        day = format_when(first, lang, with_time=False)
        if lang == "fr":
            return f"{day}, de {_french_time(first)} à {_french_time(last)}"
        return f"{day}, {first:%H:%M} to {last:%H:%M}"
    if lang == "fr":
        return f"du {format_when(first, lang)} au {format_when(last, lang)}"
    return f"from {format_when(first, lang)} to {format_when(last, lang)}"


def _static_version() -> str:
    """A digest of the stylesheet, so a new one is never served from a stale cache."""
    return hashlib.sha256((STATIC_DIR / STYLESHEET).read_bytes()).hexdigest()[:12]


STYLESHEET_URL = f"{STATIC_PATH}/{STYLESHEET}?v={_static_version()}"


def _secure(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (the gateway says so in its header)."""
    proto = request.headers.get("x-forwarded-proto") or request.url.scheme
    return proto == "https"


def language_switch_url(request: Request, lang: Language) -> str:
    """This page's address in the other language (its other query parameters kept)."""
    other = "en" if lang == "fr" else "fr"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != LANGUAGE_QUERY]
    params.append((LANGUAGE_QUERY, other))
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params)
    return f"{request.url.path}?{query}"


def _quote(value: str) -> str:
    return quote(value, safe="")


def translator(lang: Language) -> Callable[[str, str], str]:
    """``t(fr, en)``: the text of the page's language, the other written beside it."""

    def t(fr: str, en: str) -> str:
        return en if lang == "en" else fr

    return t


class Page:
    """One answer's page being made: its language, CSP nonce and CSRF token, what every
    template is given, and the headers and cookies of the answer. :meth:`PageTemplates.render`
    renders a template with it; a page that builds its HTML otherwise (from parts rendered
    once) answers with :meth:`respond` and gets the same headers and cookies."""

    def __init__(self, request: Request, language: str | None = None) -> None:
        self.request = request
        self.lang: Language = page_language(request, language)
        self.nonce = secrets.token_urlsafe(16)
        self.t = translator(self.lang)
        self._browser_cookie = csrf.browser_cookie(request)
        self._new_cookie: str | None = None

    def csrf_field(self, action: str | None = None) -> Markup:
        """The hidden input of a form posting to ``action`` (this page's address by default);
        a browser without the cookie gets one with the answer."""
        if self._browser_cookie is None:
            self._browser_cookie = self._new_cookie = csrf.new_cookie_value()
        key = csrf_key(self.request)  # only pages with a form need the app's key
        token = csrf.token_for(key, self._browser_cookie, action or self.request.url.path)
        return Markup('<input type="hidden" name="{}" value="{}">').format(csrf.CSRF_FIELD, token)

    @property
    def language_switch_url(self) -> str:
        return language_switch_url(self.request, self.lang)

    def variables(self, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """What a template is given: the page's own variables, then ``context``."""
        lang = self.lang

        def when(moment: datetime, with_time: bool = True) -> str:
            return format_when(moment, lang, with_time=with_time)

        def period(start: datetime, end: datetime) -> str:
            return format_period(start, end, lang)

        return {
            "request": self.request,
            "lang": lang,
            "other_language": "en" if lang == "fr" else "fr",
            "t": self.t,
            "when": when,
            "period": period,
            "csrf_field": self.csrf_field,
            "csp_nonce": self.nonce,
            "language_switch_url": self.language_switch_url,
            "stylesheet_url": STYLESHEET_URL,
            **(context or {}),
        }

    def respond(
        self,
        body: str,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """``body`` as a complete HTML answer: security headers, language, cookies."""
        request = self.request
        response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
        response.headers[CSP_HEADER] = page_policy(self.nonce)
        # Also set here, not only by HtmlSecurityHeaders: a 500 page is sent from outside
        # every middleware.
        for header, value in (NOSNIFF, *HTML_HEADERS):
            response.headers[header.decode()] = value.decode()
        # Personal pages (a token in the address) must not stay in shared caches.
        response.headers.setdefault("cache-control", "no-store")
        response.headers["content-language"] = self.lang
        response.headers["vary"] = "Accept-Language, Cookie"
        if self._new_cookie is not None:
            csrf.set_cookie(response, self._new_cookie, secure=_secure(request))
        asked = requested_language(request)
        if asked is not None and request.cookies.get(LANGUAGE_COOKIE) != asked:
            response.set_cookie(
                LANGUAGE_COOKIE,
                asked,
                max_age=_LANGUAGE_COOKIE_SECONDS,
                path="/p/",
                samesite="lax",
                secure=_secure(request),
            )
        return response


class PageTemplates:
    """The pages of one domain package: its template folder, then kit's layout."""

    def __init__(self, directory: Path | str, *, globals: Mapping[str, Any] | None = None):
        self.environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(directory), FileSystemLoader(KIT_TEMPLATES)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates are files of the installed package: they change with a new release
            # (a new process), never under a running one, so no stat() per page.
            auto_reload=False,
        )
        self.environment.globals.update(globals or {})

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        language: str | None = None,
    ) -> HTMLResponse:
        """Render template ``name`` for ``request`` as a complete HTML answer; ``language``
        is the reader's recorded choice, if known (see :func:`page_language`)."""
        page = Page(request, language)
        body = self.environment.get_template(name).render(page.variables(context))
        return page.respond(body, status_code=status_code, headers=headers)


def csrf_key(request: Request) -> bytes:
    """The CSRF key :func:`kit.pages.install_pages` derived for this app."""
    key = getattr(request.app.state, "pages_csrf_key", None)
    if not isinstance(key, bytes):
        raise RuntimeError("kit.pages.install_pages(app, secret=...) was not called")
    return key


PageRenderer = Callable[..., HTMLResponse]
