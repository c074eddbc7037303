"""Unknown query parameters are refused, on every ``/v1`` route of every process.

A misspelt filter (``?typ=museum``) used to be ignored, so a client got every actor and
believed it had filtered. :func:`refuse_unknown_query_parameters` is an app-wide dependency
(``kit.service`` and the gateway install it): it compares the request's query parameters with
those the matched route declares, through all of its dependencies, and answers a 422 naming
each unknown one with the closest known name.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from kit.api_docs import route_roles
from kit.identity import ANONYMOUS, Identity
from kit.problems import DomainError, InvalidInput

#: Only the public API is strict; pages (``/p/...``) take ``lang`` and the like.
STRICT_PREFIX = "/v1/"

_known: dict[int, frozenset[str]] = {}


class UnknownQueryParameter(InvalidInput):
    """A 422 (``validation``) with one error per unknown parameter."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        DomainError.__init__(self, detail, errors=errors)


def _names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for field in dependant.query_params:
        annotation: Any = field.field_info.annotation
        if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
            # A parameter model (``Annotated[Filters, Query()]``) spreads its fields.
            names.update(f.alias or n for n, f in annotation.model_fields.items())
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _names(sub)
    return names


def known_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` declares, its dependencies' included."""
    key = id(route)
    if key not in _known:
        _known[key] = frozenset(_names(route.dependant))
    return _known[key]


def _message(name: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"unknown query parameter; did you mean `{close[0]}`?"
    if not known:
        return "unknown query parameter: this operation takes none"
    return "unknown query parameter; known: " + ", ".join(f"`{k}`" for k in sorted(known))


async def refuse_unknown_query_parameters(request: Request) -> None:
    """App-wide dependency: a 422 naming each query parameter the route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.path.startswith(STRICT_PREFIX):
        return
    requirement = route_roles(route)
    identity = request.scope.get("state", {}).get("identity")
    role = identity.role if isinstance(identity, Identity) else ANONYMOUS.role
    if requirement is not None and role not in requirement.roles:
        return  # the route answers 401/403 first: who may call comes before what was sent
    known = known_query_parameters(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    if unknown:
        raise UnknownQueryParameter(
            [{"field": f"query.{name}", "message": _message(name, known)} for name in unknown]
        )
