"""What a service's OpenAPI document says beyond FastAPI's: roles per route, problem types.

:func:`install_api_docs` makes an app's ``/openapi.json`` carry, on every operation, the
roles its identity dependency lets in (``x-roles``, derived from the route's dependencies, so
the document cannot drift from the code), and at the top level every problem type the process
can answer (``x-problem-types``). The gateway merges these into the public document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from kit.identity import (
    MEMBER_OR_STAFF_ROLES,
    STAFF_ROLES,
    Role,
    current_identity,
    require_authenticated,
    require_member_or_staff,
    require_staff,
)
from kit.problems import PROBLEM_BASE, DomainError, status_problem

ALL_ROLES = frozenset(Role)
KEY_ROLES = ALL_ROLES - {Role.ANONYMOUS}


@dataclass(frozen=True)
class RoleRequirement:
    """What an identity dependency lets in, and a sentence saying so."""

    roles: frozenset[Role]
    note: str = ""


_REQUIREMENTS: dict[Callable[..., Any], RoleRequirement] = {
    current_identity: RoleRequirement(ALL_ROLES),
    require_authenticated: RoleRequirement(
        KEY_ROLES, "The service then applies its own rules to the record (BOLA checks)."
    ),
    require_staff: RoleRequirement(STAFF_ROLES),
    require_member_or_staff: RoleRequirement(
        MEMBER_OR_STAFF_ROLES,
        "Members only for their own actors: the service then applies its own rules to the "
        "record (BOLA checks).",
    ),
}


def register_role_requirement(
    dependency: Callable[..., Any], roles: Iterable[Role], note: str = ""
) -> None:
    """Declare that routes depending on ``dependency`` admit only ``roles``."""
    _REQUIREMENTS[dependency] = RoleRequirement(frozenset(roles), note)


def _requirements(dependant: Dependant) -> list[RoleRequirement]:
    found: list[RoleRequirement] = []
    for sub in dependant.dependencies:
        if sub.call is not None and sub.call in _REQUIREMENTS:
            found.append(_REQUIREMENTS[sub.call])
        found.extend(_requirements(sub))
    return found


def route_roles(route: Any) -> RoleRequirement | None:
    """The roles ``route`` (an API route) admits, those every identity dependency of it
    admits, or None when it has no identity dependency at all."""
    found = _requirements(route.dependant)
    if not found:
        return None
    roles = frozenset.intersection(*(r.roles for r in found))
    notes = " ".join(dict.fromkeys(r.note for r in found if r.note))
    return RoleRequirement(roles, notes)


def ordered(roles: Iterable[Role | str]) -> list[str]:
    """Roles in :class:`Role` order (most powerful first), as strings."""
    wanted = {str(r) for r in roles}
    return [role.value for role in Role if role.value in wanted]


def _subclasses(cls: type[DomainError]) -> Iterable[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def problem_types() -> list[dict[str, Any]]:
    """Every problem type this process can answer: each :class:`DomainError` subclass it has
    loaded, every HTTP status kit.problems names, validation and the internal error."""
    seen: dict[str, dict[str, Any]] = {}

    def add(slug: str, title: str, status: int) -> None:
        seen.setdefault(slug, {"type": PROBLEM_BASE + slug, "title": title, "status": status})

    classes: list[type[DomainError]] = [DomainError, *_subclasses(DomainError)]
    for cls in classes:
        add(cls.slug, cls.title, cls.status)
    for status in (400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 429, 502, 503, 504):
        add(*status_problem(status), status)
    add("validation", "Invalid input", 422)
    add("internal", "Internal error", 500)
    add("not-ready", "Not ready", 503)
    return sorted(seen.values(), key=lambda p: (p["status"], p["type"]))


def annotate_document(document: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Add ``x-roles`` (and ``x-roles-note``) to the operations of ``routes`` in
    ``document``, and ``x-problem-types`` at its top level. Changes and returns ``document``."""
    paths = document.get("paths") or {}
    for item in paths.values():
        for method, operation in item.items():
            if method in _METHODS and isinstance(operation, dict):
                _document_standard_answers(method, operation)
    # FastAPI keeps included routers whole; walk the routes as its own OpenAPI code does.
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        requirement = route_roles(route)
        if requirement is None:
            continue
        item = paths.get(route.path_format) or {}
        for method in route.methods or ():
            operation = item.get(method.lower())
            if isinstance(operation, dict):
                operation["x-roles"] = ordered(requirement.roles)
                if requirement.note:
                    operation["x-roles-note"] = requirement.note
    document["x-problem-types"] = problem_types()
    return document


_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_WRITES = frozenset({"put", "post", "delete", "patch"})
#: Answers any operation of a given shape can give, whatever its handler: FastAPI documents
#: only 200 and 422, and a client (or a contract fuzzer) met the others undocumented.
_STANDARD_ANSWERS = {
    "400": "The body could not be read as the declared media type (not UTF-8, say).",
    "404": "No such record, or one the caller may not see (the same answer).",
    "409": "The request conflicts with the current state of the record (a name taken, a "
    "state that does not allow this change, a repeated Idempotency-Key with another body).",
    "412": "`If-Match` names a version that is no longer current: read it again.",
}


def _document_standard_answers(method: str, operation: dict[str, Any]) -> None:
    parameters = [p for p in operation.get("parameters") or () if isinstance(p, dict)]
    has_path_id = any(p.get("in") == "path" for p in parameters)
    statuses = []
    if "requestBody" in operation:
        statuses.append("400")
    if has_path_id:
        statuses.append("404")
    if method in _WRITES:
        statuses.append("409")
    if any(
        p.get("in") == "header" and str(p.get("name")).lower() == "if-match" for p in parameters
    ):
        statuses.append("412")
    responses = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(status, {"description": _STANDARD_ANSWERS[status]})


def install_api_docs(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) carry roles and problem types."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        app.openapi_schema = annotate_document(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
