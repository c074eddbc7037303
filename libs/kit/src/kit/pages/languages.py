"""Which language a page speaks: French first, English on request.

The choice, strongest first: ``?lang=`` in the address (the switch link, or a link a message
carries), the ``maillage_lang`` cookie the switch leaves behind, the language the reader chose
elsewhere when the page knows it (the one a registrant registered in), the browser's
``Accept-Language`` when it prefers English to French, then French.
"""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Language = "fr"
LANGUAGE_COOKIE = "maillage_lang"
LANGUAGE_QUERY = "lang"


def as_language(value: str | None) -> Language | None:
    """``"en"``, ``"EN"``, ``"en-GB"`` → ``"en"``; anything else we do not speak → None."""
    if not value:
        return None
    primary = value.strip().lower().split("-", 1)[0]
    for language in LANGUAGES:
        if primary == language:
            return language
    return None


def preferred_by_browser(accept_language: str | None) -> Language | None:
    """The language among ours the ``Accept-Language`` header ranks highest, if any."""
    if not accept_language:
        return None
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        language = as_language(tag)
        if language is None:
            continue
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                continue
        # Highest weight wins; at equal weight, the one listed first.
        candidate = (weight, -position, language)
        if weight > 0 and (best is None or candidate[:2] > best[:2]):
            best = candidate
    return best[2] if best else None


def page_language(request: Request, known: str | None = None) -> Language:
    """The language to render ``request``'s page in; ``known``: the reader's own choice
    recorded elsewhere, if the page has one."""
    return (
        as_language(request.query_params.get(LANGUAGE_QUERY))
        or as_language(request.cookies.get(LANGUAGE_COOKIE))
        or as_language(known)
        or preferred_by_browser(request.headers.get("accept-language"))
        or DEFAULT_LANGUAGE
    )


def requested_language(request: Request) -> Language | None:
    """The language asked for in the address, which the page then remembers in a cookie."""
    return as_language(request.query_params.get(LANGUAGE_QUERY))
