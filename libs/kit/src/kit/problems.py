"""RFC 9457 problem details: one shape for every error Maillage returns.

Domain code raises a :class:`DomainError` subclass carrying its status and problem type; the
handlers installed by :func:`install_problem_handlers` render every error, including request
validation and unknown routes, as ``application/problem+json``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kit.logs import request_id_var
from kit.problem_texts import (
    current_language,
    language_of,
    localized_detail,
    localized_title,
    problem_headers,
    problem_language_var,
    schema_message,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://maillage.org/problems/"
#: Paths of the pages people open in a browser: their errors are HTML pages, not JSON.
PAGES_PREFIX = "/p/"

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """An error a caller can act on; subclasses set ``status``, ``slug`` and ``title``."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        detail_fr: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extensions = extensions
        #: The detail in each language, when the error says it in French too (otherwise a
        #: French answer gives its problem type's explanation, kit.problem_texts).
        self.detail_texts: dict[str, str] | None = (
            {"fr": detail_fr, "en": self.detail} if detail_fr else None
        )


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Unauthenticated(DomainError):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class InvalidInput(DomainError):
    """422 with field errors, for rules that schema validation cannot express."""

    status, slug, title = 422, "validation", "Invalid input"

    def __init__(self, field: str, message: str, **extensions: Any) -> None:
        super().__init__(
            f"{field}: {message}", errors=[{"field": field, "message": message}], **extensions
        )

    @classmethod
    def from_validation(cls, exc: ValidationError) -> InvalidInput:
        """The 422 of a model validated in domain code (an update merged into the current
        record), with the same field errors as a request body failing validation."""
        errors = validation_errors(exc.errors())
        invalid = cls.__new__(cls)
        DomainError.__init__(invalid, validation_detail(errors), errors=errors)
        return invalid


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """pydantic's errors as problem field errors: ``{"field": "address.postcode", ...}``,
    each message in the request's language (the field's name as it is)."""
    language = current_language()
    found = [
        # A body that is not JSON: pydantic's loc holds the character at fault, ("body", 1),
        # which read as a list item "[1]"; the body is what is wrong.
        {
            "field": "body"
            if err.get("type") == "json_invalid"
            else field_path(err.get("loc", ())),
            "message": schema_message(err, language),
        }
        for err in errors
    ]
    # Once each: a body a route and its dependency both take is validated twice by FastAPI,
    # which reported each of its errors twice.
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for error in found:
        unique.setdefault((error["field"], error["message"]), error)
    return list(unique.values())


def validation_detail(errors: Sequence[dict[str, Any]]) -> str:
    """The problem's ``detail``: its first field errors in one line."""
    return "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])


def problem_body(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    detail_texts: dict[str, str] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """Build the JSON object of a problem; ``type`` is an absolute URI under PROBLEM_BASE.
    ``title`` and ``detail`` come in the request's language (kit.problem_texts);
    ``detail_texts`` gives the detail in each language when the error has both."""
    language = current_language()
    detail = localized_detail(
        slug=slug,
        status=status,
        title=title,
        detail=detail,
        language=language,
        errors=extensions.get("errors"),
        texts=detail_texts,
    )
    title = localized_title(slug, status, title, language)
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    body.update({k: v for k, v in extensions.items() if v is not None})
    return body


def problem_response(
    *, status: int, headers: dict[str, str] | None = None, **fields: Any
) -> Response:
    """A ``Response`` carrying a problem document, saying its language."""
    body = problem_body(status=status, **fields)
    response = Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )
    add_language_headers(response.headers)
    return response


def add_language_headers(headers: Any) -> None:
    """``Content-Language`` and ``Vary: Accept-Language`` on a problem answer (``headers``: a
    Starlette ``MutableHeaders``), keeping any ``Vary`` already there."""
    for name, value in problem_headers(current_language()):
        existing = headers.get(name) if name == "vary" else None
        if existing and value.lower() not in existing.lower():
            headers[name] = f"{existing}, {value}"
        elif not existing:
            headers[name] = value


def problem_header_pairs() -> list[tuple[bytes, bytes]]:
    """The same headers for a problem sent through raw ASGI."""
    return [(k.encode(), v.encode()) for k, v in problem_headers(current_language())]


def field_path(loc: Sequence[str | int]) -> str:
    """Turn pydantic's ``("body", "address", "postcode")`` into ``address.postcode``.

    Query, path and header parameters keep their location (``query.limit``) so the caller
    knows where to look; body fields read as plain JSON paths, list indexes in brackets.
    """
    parts = list(loc)
    prefix = ""
    if parts and parts[0] == "body":
        parts = parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie"}:
        prefix = f"{parts[0]}."
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return prefix + (out or "body")


_STATUS_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
    502: ("bad-gateway", "Bad gateway"),
    503: ("service-unavailable", "Service unavailable"),
    504: ("gateway-timeout", "Gateway timeout"),
}


def status_problem(status: int) -> tuple[str, str]:
    """The slug and title Maillage uses for a bare HTTP status."""
    return _STATUS_SLUGS.get(status, ("http-error", "HTTP error"))


def _as_page(
    request: Request, status: int, exc: Exception | None, headers: dict[str, str] | None
) -> Response | None:
    """The HTML problem page for an error on a ``/p/`` path, when the app serves pages
    (``kit.pages.install_pages`` sets ``app.state.problem_page``)."""
    if not request.url.path.startswith(PAGES_PREFIX):
        return None
    render = getattr(request.app.state, "problem_page", None)
    if render is None:
        return None
    response: Response = render(request, status=status, error=exc, headers=headers)
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Render every exception that reaches ``app`` as problem+json (as an HTML page on
    the ``/p/`` paths of an app that serves pages)."""

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        page = _as_page(request, exc.status, exc, exc.headers or None)
        if page is not None:
            return page
        return problem_response(
            status=exc.status,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers or None,
            detail_texts=exc.detail_texts,
            **exc.extensions,
        )

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        page = _as_page(request, 422, exc, None)
        if page is not None:
            return page
        errors = validation_errors(exc.errors())
        detail = validation_detail(errors)
        return problem_response(
            status=422,
            slug="validation",
            title="Invalid input",
            detail=detail,
            instance=request.url.path,
            errors=errors,
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        page = _as_page(request, exc.status_code, exc, dict(exc.headers) if exc.headers else None)
        if page is not None:
            return page
        slug, title = status_problem(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        if exc.status_code == 404 and detail in (None, "Not Found"):
            detail = f"No route or resource at {request.url.path}"
        return problem_response(
            status=exc.status_code,
            slug=slug,
            title=title,
            detail=detail,
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_database_busy(request: Request, exc: Exception) -> Response:
        # Every pooled connection stayed taken for the pool's whole timeout: the service is
        # overloaded, not broken. Say so, and when to try again, instead of a 500.
        logger.warning("database pool exhausted on %s %s", request.method, request.url.path)
        slug, title = status_problem(503)
        return problem_response(
            status=503,
            slug=slug,
            title=title,
            detail="The service is too busy to reach its database; try again in a few seconds.",
            instance=request.url.path,
            headers={"retry-after": "5"},
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # Starlette runs this handler in its outermost middleware, after RequestIdMiddleware
        # has returned: take the request id back from the scope so that the log line, the
        # problem and the response header all still carry it.
        state = request.scope.get("state", {})
        request_id = request_id_var.get() or state.get("request_id")
        token = request_id_var.set(request_id)
        language_token = problem_language_var.set(
            problem_language_var.get()
            or state.get("problem_language")
            or language_of(request.headers.get("accept-language"))
        )
        try:
            logger.exception("unhandled error on %s %s", request.method, request.url.path)
            page = _as_page(
                request, 500, None, {"x-request-id": request_id} if request_id else None
            )
            if page is not None:
                return page
            return problem_response(
                status=500,
                slug="internal",
                title="Internal error",
                detail="An unexpected error occurred; it has been logged with this request id.",
                instance=request.url.path,
                headers={"x-request-id": request_id} if request_id else None,
            )
        finally:
            problem_language_var.reset(language_token)
            request_id_var.reset(token)

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, on_database_busy)
    app.add_exception_handler(Exception, on_unexpected)
