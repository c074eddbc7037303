"""Cross-site request forgery protection for page forms: a signed double-submit token.

A page that shows a form gives the browser a random cookie (``maillage_csrf``: HttpOnly,
``SameSite=Lax``, path ``/p/``) and writes into the form a token that is an HMAC of that
cookie and of the address the form posts to, keyed with the process's secret. A POST is
accepted only when both come back and agree:

- another site cannot read the cookie nor compute the token (it lacks the secret), and a
  ``SameSite=Lax`` cookie is not even sent with its cross-site POST;
- a token copied from one form is worthless for another address (it is bound to the page);
- the browser's own ``Sec-Fetch-Site: cross-site`` is refused outright.

Nothing is stored on the server, so any replica checks any token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

CSRF_COOKIE = "maillage_csrf"
CSRF_FIELD = "csrf_token"
_COOKIE_BYTES = 32
_MAX_COOKIE_LENGTH = 64


class CsrfRejected(Exception):
    """The POST did not come from our own form; the page answers 403."""


def derive_key(secret: str) -> bytes:
    """The CSRF key, derived from the process's secret so that it differs from the identity
    signing key while needing no new setting."""
    return hmac.new(secret.encode(), b"maillage pages csrf v1", hashlib.sha256).digest()


def new_cookie_value() -> str:
    return secrets.token_urlsafe(_COOKIE_BYTES)


def token_for(key: bytes, cookie_value: str, action: str) -> str:
    """The form token for the browser holding ``cookie_value`` posting to ``action``."""
    mac = hmac.new(key, f"{cookie_value}\n{action}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def browser_cookie(request: Request) -> str | None:
    """The CSRF cookie the browser sent, if it looks like one of ours."""
    value = request.cookies.get(CSRF_COOKIE)
    if value and len(value) <= _MAX_COOKIE_LENGTH:
        return value
    return None


def set_cookie(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(
        CSRF_COOKIE, value, path="/p/", httponly=True, samesite="lax", secure=secure
    )


async def verify(request: Request, key: bytes) -> None:
    """Raise :class:`CsrfRejected` unless this POST carries the token of its own page."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRejected("the browser says this form was sent from another site")
    cookie = browser_cookie(request)
    if cookie is None:
        raise CsrfRejected("no form cookie (cookies disabled, or the form is from elsewhere)")
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str):
        raise CsrfRejected("the form carries no token")
    expected = token_for(key, cookie, request.url.path)
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected("the form's token does not match this page")
