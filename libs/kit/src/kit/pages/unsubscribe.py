"""The unsubscribe page every service that mails serves: ``/p/unsubscribe/{token}``.

``GET`` says what the address will stop receiving and offers one button; ``POST`` records it
in the service's suppression list (:meth:`kit.mail.MailOutbox.unsubscribe`) and says it is
done. The token (:mod:`kit.mail.tokens`) names the address, the kind of message and the
service that signed it; the gateway routes the page to that service. A token that is not
valid for this service is the plain 404 page: it tells nothing about any address.

The ``POST`` carries no CSRF token, on purpose: RFC 8058 one-click unsubscription has mail
clients POST ``List-Unsubscribe=One-Click`` to this very address with no cookie nor form
token, and must be accepted. The secret is the token in the path, which only the address's
own messages carry; a forged POST needs it, and then could only unsubscribe that address.

A service includes :func:`unsubscribe_router` with labels for its kinds of message::

    unsubscribe_router(mail, kinds={"event-reminder": ("les rappels ...", "reminders ...")})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from kit.mail import ALL_KINDS, MailOutbox, UnsubscribeTarget, UnsubscribeTokens
from kit.pages import PageError, PageTemplates
from kit.pages.languages import Language, page_language
from kit.pages.rendering import KIT_TEMPLATES
from kit.service import DbSession

#: A kind of message in French and in English, as it completes "will stop receiving …".
KindLabel = tuple[str, str]
_EVERYTHING: KindLabel = (
    "tous les rappels et lettres d'information de ce service",
    "all reminders and newsletters of this service",
)
_MAX_TOKEN_LENGTH = 2000
_templates = PageTemplates(KIT_TEMPLATES)

Token = Annotated[str, Path(max_length=_MAX_TOKEN_LENGTH)]


def masked(address: str) -> str:
    """``ada.lovelace@example.org`` → ``a•••@example.org``: enough for the reader to
    recognise their address, not enough to copy it off a shared screen."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}•••{at}{domain}" if at else "•••"


def unsubscribe_router(mail: MailOutbox, *, kinds: Mapping[str, KindLabel]) -> APIRouter:
    """The unsubscribe page of the service mailing through ``mail``."""
    router = APIRouter(include_in_schema=False)

    def tokens(request: Request) -> UnsubscribeTokens:
        secret = request.app.state.settings.common.identity_secret.get_secret_value()
        return UnsubscribeTokens(secret, service=mail.service)

    def target_of(request: Request, token: str) -> UnsubscribeTarget:
        target = tokens(request).read(token)
        if target is None:
            raise PageError(
                status=404,
                slug="not-found",
                fr="Ce lien de désinscription n'est pas valable. Vérifiez qu'il est complet : "
                "certaines messageries coupent les longues adresses.",
                en="This unsubscribe link is not valid. Check that it is complete: some mail "
                "programs cut long addresses.",
            )
        return target

    def what(target: UnsubscribeTarget, lang: Language) -> str:
        label = _EVERYTHING if target.kind == ALL_KINDS else kinds.get(target.kind)
        if label is None:  # a kind the service forgot to name: still say which
            return target.kind
        return label[1] if lang == "en" else label[0]

    def render(
        request: Request, target: UnsubscribeTarget, *, done: bool, already: bool
    ) -> HTMLResponse:
        return _templates.render(
            request,
            "kit/unsubscribe.html",
            {
                "address": masked(target.address),
                "what": what(target, page_language(request)),
                "action": request.url.path,
                "done": done,
                "already": already,
            },
        )

    @router.get("/p/unsubscribe/{token}", response_class=HTMLResponse)
    async def show_unsubscribe(request: Request, token: Token, session: DbSession) -> HTMLResponse:
        target = target_of(request, token)
        already = await mail.is_suppressed(session, target.address, target.kind)
        return render(request, target, done=False, already=already)

    @router.post("/p/unsubscribe/{token}", response_class=HTMLResponse)
    async def unsubscribe(request: Request, token: Token, session: DbSession) -> HTMLResponse:
        target = target_of(request, token)
        await mail.unsubscribe(session, tokens(request), token)
        return render(request, target, done=True, already=False)

    return router
