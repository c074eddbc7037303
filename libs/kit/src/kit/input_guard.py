"""Input that no part of the stack can store or send on, refused where it comes in.

JSON itself allows what the rest cannot take: a NUL character (PostgreSQL refuses it in text
and jsonb), a lone UTF-16 surrogate such as ``"\\ud800"`` (no UTF-8 encoder takes it),
integers beyond 64 bits (no database column holds them), ``NaN`` and ``Infinity`` (not JSON
at all, though Python reads them), and deep nesting (the JSON writer gives up at 255 levels).
Typed fields catch some of these, free JSON fields (a survey's ``audience``, a partner's
push) none: each surfaced as a 500, after part of the work. :class:`InputGuard` checks
every JSON request body and the query string once, before any route runs, and answers a 422
problem naming the first bad field; :func:`json_input_problem` is the same check for a body
read by hand.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.problems import PROBLEM_MEDIA_TYPE, problem_body, problem_header_pairs

#: Deeper documents are refused; no Maillage input nests anywhere near this.
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_NUL_PROBLEM = "must not contain the NUL character (U+0000)"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _NotJsonConstantError(ValueError):
    """``NaN``/``Infinity`` in a body: Python's parser takes them, JSON does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonConstantError(name)


def _path(parts: tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "body"


def _text_problem(value: str) -> str | None:
    if "\x00" in value:
        return _NUL_PROBLEM
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain a lone UTF-16 surrogate (not a character)"
    return None


def json_input_problem(document: Any) -> tuple[str, str] | None:
    """The first ``(field, message)`` of ``document`` (parsed JSON) that cannot be stored,
    or ``None`` when all of it can."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, parts = stack.pop()
        if len(parts) > MAX_DEPTH:
            return _path(parts[:MAX_DEPTH]), f"nests deeper than {MAX_DEPTH} levels"
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                return _path(parts), problem
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                return _path(parts), "is beyond the 64-bit integer range"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                problem = _text_problem(key)
                if problem:
                    return _path(parts), f"has a key that {problem.removeprefix('must ')}"
                stack.append((item, (*parts, key)))
        elif isinstance(value, list):
            stack.extend(
                (item, (*parts, index)) for index, item in reversed(list(enumerate(value)))
            )
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


class InputGuard:
    """Refuse, with a 422 naming the field, a query parameter holding NUL and a JSON body
    :func:`json_input_problem` rejects.

    The body is read whole (the body limit outside this middleware bounds it) and handed on
    unchanged; a body that is not valid JSON passes, for the route's own 422.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if "\x00" in value or "\x00" in name:
                    await _refuse(send, scope, f"query.{name}", _NUL_PROBLEM)
                    return
        if scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = _problem_of(body) if body else None
        if problem is not None:
            await _refuse(send, scope, *problem)
            return
        replay = iter(messages)

        async def replayed_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed_receive, send)


def _problem_of(body: bytes) -> tuple[str, str] | None:
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except _NotJsonConstantError as exc:
        return "body", f"{exc} is not a JSON number"
    except RecursionError:
        return "body", f"nests deeper than {MAX_DEPTH} levels"
    except ValueError:
        return None  # not JSON: the route answers its own 422
    return json_input_problem(document)


async def _refuse(send: Send, scope: Scope, field: str, message: str) -> None:
    body = orjson.dumps(
        problem_body(
            status=422,
            slug="validation",
            title="Invalid input",
            detail=f"{field}: {message}",
            instance=scope.get("path"),
            errors=[{"field": field, "message": message}],
        )
    )
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *problem_header_pairs(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
