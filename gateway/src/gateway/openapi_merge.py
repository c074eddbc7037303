"""One OpenAPI document for the public API, merged from the services' own.

Each service's ``/openapi.json`` is fetched with a signed reader identity. Only the paths the
gateway routes to that service are kept. Components with the same name and the same content
are shared; a name that means different things in two services is prefixed with the service
(``EventsProblem``) and every ``$ref`` of that service rewritten. Every schema's ``title`` is
then its component name, so generators (openapi-python-client, datamodel-code-generator,
openapi-typescript), which name classes after titles, never meet two models of one name.
Operation ids read as actions in camelCase (``listEvents``, ``createActor``), from the route
function's name rather than FastAPI's ``list_events_v1_events_get``. A service that does not
answer is left out and listed in ``x-missing-services`` and in ``info.description``.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import aiohttp
import orjson

from gateway.callers import anonymous_may
from gateway.dependencies import current_identity, require_admin, require_webhook_owner
from gateway.proxy.routing import owner_of
from kit.api_docs import ordered, register_role_requirement
from kit.identity import Role
from kit.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE

logger = logging.getLogger(__name__)

Document = dict[str, Any]

BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "An API key: `Authorization: Bearer <key>`. Without one you act anonymously and "
        "may only read published, public data."
    ),
}
#: The inbox's callers sign their pushes instead of sending a key (Standard Webhooks).
STANDARD_WEBHOOKS_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "webhook-signature",
    "description": (
        "Standard Webhooks signature of a partner push: `webhook-id` (unique per message), "
        "`webhook-timestamp` (Unix seconds, within 5 minutes of now) and `webhook-signature` "
        "(`v1,<base64 HMAC-SHA256 of '<id>.<timestamp>.<body>'>` with the `whsec_` secret the "
        "network issued to the partner). See https://www.standardwebhooks.com/."
    ),
}
SECURITY_SCHEMES = {"bearer": BEARER_SCHEME, "standardWebhooks": STANDARD_WEBHOOKS_SCHEME}
_INBOX_PATH = re.compile(r"^/v1/partners/[^/]+/inbox$")

PROBLEM_REF = "#/components/schemas/Problem"
VALIDATION_PROBLEM_REF = "#/components/schemas/ValidationProblem"
#: RFC 9457 problem details as Maillage writes them (kit.problems).
PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "title": "Problem",
        "type": "object",
        "description": (
            "RFC 9457 problem details, sent as `application/problem+json`. `type` is one of "
            "the URIs listed in the API description and in `x-problem-types`; further "
            "members may carry what a problem needs (`retry_after_seconds`...)."
        ),
        "properties": {
            "type": {
                "type": "string",
                "format": "uri",
                "description": f"What went wrong, as a URI under {PROBLEM_BASE}.",
            },
            "title": {"type": "string", "description": "Short summary of the problem type."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "detail": {"type": "string", "description": "This occurrence, for a person."},
            "instance": {"type": "string", "description": "The path that was called."},
            "request_id": {"type": "string", "description": "To quote when asking for help."},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProblemFieldError"},
            },
        },
        "required": ["type", "title", "status"],
        "additionalProperties": True,
    },
    "ProblemFieldError": {
        "title": "ProblemFieldError",
        "type": "object",
        "description": "One field at fault: a JSON path in the body (`address.postcode`), or "
        "the parameter with its place (`query.limit`).",
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
        "required": ["field", "message"],
    },
    "ValidationProblem": {
        "title": "ValidationProblem",
        "description": "A 422 problem (`type` ending in `/validation`) naming every field "
        "at fault.",
        "allOf": [
            {"$ref": PROBLEM_REF},
            {"type": "object", "required": ["errors"]},
        ],
    },
}
_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
_VALIDATION_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": VALIDATION_PROBLEM_REF}}}
#: FastAPI's default 422 schemas, replaced by ValidationProblem (what the kit answers).
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problem(slug: str, title: str, status: int) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status}


#: Problems the proxy writes itself (gateway.proxy.relay, gateway.cors) on relayed paths.
GATEWAY_PROBLEM_TYPES: tuple[dict[str, Any], ...] = (
    _problem("unauthenticated", "Authentication required", 401),
    _problem("cors-refused", "Cross-origin request refused", 403),
    _problem("payload-too-large", "Payload too large", 413),
    _problem("too-many-requests", "Too many requests", 429),
    _problem("internal", "Internal error", 500),
    _problem("bad-gateway", "Bad gateway", 502),
    _problem("service-unavailable", "Service unavailable", 503),
    _problem("gateway-timeout", "Gateway timeout", 504),
)

# The roles the gateway's own routes admit, from their dependencies as for the services.
register_role_requirement(current_identity, frozenset(Role))
register_role_requirement(require_admin, [Role.ADMIN])
register_role_requirement(
    require_webhook_owner,
    [Role.ADMIN, Role.PARTNER],
    "A partner key sees and manages only its own partner's endpoints.",
)
_ROLE_WORDS = {
    Role.ADMIN: "admin",
    Role.ANIMATOR: "animator",
    Role.MEMBER: "member (bound to actors)",
    Role.PARTNER: "partner",
    Role.READER: "reader",
    Role.ANONYMOUS: "anonymous callers (no key)",
}
_RATE_HEADERS = {
    "RateLimit-Limit": {"description": "Calls a burst may hold.", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Calls left now.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {
        "description": "Seconds until the allowance is whole again.",
        "schema": {"type": "integer"},
    },
}
_RETRY_AFTER = {"description": "Seconds to wait.", "schema": {"type": "integer"}}
#: What the gateway itself may answer on any public operation, whatever the service says.
GATEWAY_RESPONSES: dict[str, dict[str, Any]] = {
    "Unauthenticated": {
        "description": "The API key is unknown, malformed, expired or revoked.",
        "content": _PROBLEM_CONTENT,
    },
    "TooManyRequests": {
        "description": "Rate limit reached (per API key, or per address for anonymous calls).",
        "headers": {**_RATE_HEADERS, "Retry-After": _RETRY_AFTER},
        "content": _PROBLEM_CONTENT,
    },
    "PayloadTooLarge": {
        "description": "The body is over the limit (`limit_bytes` says which).",
        "content": _PROBLEM_CONTENT,
    },
    "BadGateway": {
        "description": "The service is unreachable or broke off its answer.",
        "content": _PROBLEM_CONTENT,
    },
    "ServiceUnavailable": {
        "description": "The service is known to be down; try again after `Retry-After`.",
        "headers": {"Retry-After": _RETRY_AFTER},
        "content": _PROBLEM_CONTENT,
    },
    "GatewayTimeout": {
        "description": "The service did not answer in time.",
        "content": _PROBLEM_CONTENT,
    },
}
_OWN_ROUTE_RESPONSES = {"401": "Unauthenticated", "429": "TooManyRequests"}
_RELAYED_RESPONSES = {
    **_OWN_ROUTE_RESPONSES,
    "502": "BadGateway",
    "503": "ServiceUnavailable",
    "504": "GatewayTimeout",
}
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def service_prefix(service: str) -> str:
    """``eu-watch`` → ``EuWatch``: what a conflicting component name is prefixed with."""
    return "".join(part.capitalize() for part in service.replace("_", "-").split("-"))


def rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of ``node`` with every ``$ref`` (and discriminator mapping) in ``renames`` changed."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = renames.get(value, value)
            elif key == "mapping" and isinstance(value, dict):
                out[key] = {
                    k: renames.get(v, v) if isinstance(v, str) else rewrite_refs(v, renames)
                    for k, v in value.items()
                }
            else:
                out[key] = rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [rewrite_refs(item, renames) for item in node]
    return node


def _component_renames(
    service: str, components: Mapping[str, Any], merged: Mapping[str, dict[str, Any]]
) -> dict[str, str]:
    """Which of ``service``'s components must be renamed to live beside ``merged``.

    A component is shared only if its content, once its own references are rewritten, equals
    the merged one; renaming one component can change the content of those referring to it,
    so this runs until nothing changes.
    """
    renames: dict[str, str] = {}
    prefix = service_prefix(service)
    changed = True
    while changed:
        changed = False
        for kind, items in components.items():
            if not isinstance(items, dict):
                continue
            existing = merged.get(kind, {})
            for name, content in items.items():
                ref = f"#/components/{kind}/{name}"
                if ref in renames or name not in existing:
                    continue
                if rewrite_refs(content, renames) != existing[name]:
                    new_name = prefix + name
                    suffix = 2
                    while new_name in existing or new_name in items:
                        new_name = f"{prefix}{name}{suffix}"
                        suffix += 1
                    renames[ref] = f"#/components/{kind}/{new_name}"
                    changed = True
    return renames


def merge_documents(
    documents: Mapping[str, Document],
    *,
    title: str = "Maillage API",
    version: str = "1",
    description: str = "",
    missing: tuple[str, ...] = (),
) -> Document:
    """Merge ``documents`` (service name → OpenAPI 3.x document) into one.

    The first document wins where two declare the same operation; the gateway passes its own
    document first, under the name ``gateway``.
    """
    merged_paths: dict[str, dict[str, Any]] = {}
    merged_components: dict[str, dict[str, Any]] = {}
    tags: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    openapi_version = "3.1.0"

    for service, document in documents.items():
        openapi_version = str(document.get("openapi", openapi_version))
        components = document.get("components") or {}
        renames = _component_renames(service, components, merged_components)
        _merge_components(merged_components, components, renames)
        paths = {
            path: rewrite_refs(item, renames)
            for path, item in (document.get("paths") or {}).items()
            # A service's health checks and the like are not part of the public API.
            if service == "gateway" or owner_of(path) == service
        }
        _merge_paths(merged_paths, paths, service=service, operation_ids=operation_ids)
        for tag in document.get("tags") or []:
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)

    merged_components.setdefault("securitySchemes", {}).update(copy.deepcopy(SECURITY_SCHEMES))
    _title_schemas_by_name(merged_components)
    _add_gateway_responses(merged_paths, merged_components)
    _document_roles(merged_paths)
    problem_types = _problem_types(documents.values())
    _document_problems(merged_paths, merged_components, problem_types)
    description = _with_problem_table(description, problem_types)
    if missing:
        note = "Not included right now (service unreachable): " + ", ".join(missing) + "."
        description = f"{description}\n\n{note}" if description else note
    merged: Document = {
        "openapi": openapi_version,
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(merged_paths.items())),
        "components": merged_components,
        # A key is optional: anonymous callers may read.
        "security": [{"bearer": []}, {}],
        "x-missing-services": list(missing),
        "x-problem-types": problem_types,
    }
    if tags:
        merged["tags"] = list(tags.values())
    return merged


def _title_schemas_by_name(components: dict[str, dict[str, Any]]) -> None:
    """Each schema's ``title`` becomes its (unique) component name: two services' ``Label``
    keep their FastAPI title ``Label`` after one is renamed ``SurveysLabel``, and generators
    that name models after titles would otherwise make two ``Label`` classes."""
    for name, schema in (components.get("schemas") or {}).items():
        if isinstance(schema, dict) and "title" in schema:
            schema["title"] = name


#: First words of route function names that already say the action; any other GET is a
#: ``get`` (``actor_history`` → ``getActorHistory``).
_ACTION_VERBS = frozenset(
    {
        "approve", "cancel", "create", "decide", "delete", "disable", "enable", "export",
        "get", "import", "invite", "list", "merge", "ping", "publish", "push", "put", "read",
        "record", "recover", "refuse", "register", "remind", "request", "resend", "retry",
        "revoke", "rotate", "run", "save", "submit", "unpublish", "update",
    }
)  # fmt: skip


def action_operation_id(operation_id: str, method: str, path: str) -> str:
    """``list_events_v1_events_get`` (FastAPI's id for ``list_events`` at GET /v1/events) →
    ``listEvents``. An id that is not FastAPI's default is kept as it is."""
    suffix = re.sub(r"\W", "_", path) + "_" + method.lower()
    if not operation_id.endswith(suffix) or operation_id == suffix:
        return operation_id
    words = [w for w in operation_id[: -len(suffix)].split("_") if w]
    if not words:
        return operation_id
    if words[0] not in _ACTION_VERBS:
        words.insert(0, "get" if method.lower() == "get" else method.lower())
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _add_gateway_responses(
    paths: dict[str, dict[str, Any]], components: dict[str, dict[str, Any]]
) -> None:
    """Document the problems the gateway answers itself (a service's own entry wins)."""
    responses = components.setdefault("responses", {})
    for name, response in GATEWAY_RESPONSES.items():
        responses.setdefault(name, copy.deepcopy(response))
    for path, item in paths.items():
        if not path.startswith("/v1/"):
            continue
        added = _RELAYED_RESPONSES if owner_of(path) else _OWN_ROUTE_RESPONSES
        for key, operation in item.items():
            if key in HTTP_METHODS and isinstance(operation, dict):
                declared = operation.setdefault("responses", {})
                for status, name in added.items():
                    declared.setdefault(status, {"$ref": f"#/components/responses/{name}"})
                if "requestBody" in operation:
                    declared.setdefault("413", {"$ref": "#/components/responses/PayloadTooLarge"})


def operation_roles(method: str, path: str, operation: Mapping[str, Any]) -> list[str]:
    """Who may call ``method path``: the roles its service declares (``x-roles``, derived
    from the route's dependencies) less anonymous callers where the gateway wants a key.

    An operation without ``x-roles`` is open to any key, and to anonymous callers where the
    gateway lets them in (reads, and the few writes of ``callers.anonymous_may``, such as
    saving answers through a personal link).
    """
    declared = operation.get("x-roles")
    if isinstance(declared, list):
        roles = {str(role) for role in declared}
    else:
        roles = {role.value for role in Role}
    if not anonymous_may(method.upper(), path):
        roles.discard(Role.ANONYMOUS.value)
    return ordered(roles)


def _roles_sentence(roles: list[str], note: str) -> str:
    if not roles:
        return "**Who may call:** nobody through the public API."
    words = [_ROLE_WORDS[Role(role)] for role in roles]
    sentence = "**Who may call:** " + ", ".join(words) + "."
    if Role.ANONYMOUS.value not in roles:
        sentence += " Needs an API key (`Authorization: Bearer <key>`)."
    return f"{sentence} {note}".rstrip()


def _document_roles(paths: dict[str, dict[str, Any]]) -> None:
    """Give every public operation its ``x-roles``, a sentence saying them, and the security
    requirement that follows (a key, a key or nothing, or a partner's signature)."""
    for path, item in paths.items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            if _INBOX_PATH.match(path):
                roles = [Role.PARTNER.value]
                note = (
                    "No API key: the push is signed with the partner's inbox secret "
                    "(Standard Webhooks); a forged, stale or replayed signature is a 401."
                )
                sentence = f"**Who may call:** the partner named in the path. {note}"
                operation["security"] = [{"standardWebhooks": []}]
            else:
                roles = operation_roles(method, path, operation)
                note = str(operation.get("x-roles-note", ""))
                sentence = _roles_sentence(roles, note)
                operation["security"] = [{"bearer": []}] + (
                    [{}] if Role.ANONYMOUS.value in roles else []
                )
            operation["x-roles"] = roles
            description = operation.get("description")
            operation["description"] = f"{description}\n\n{sentence}" if description else sentence


def _problem_types(documents: Iterable[Document]) -> list[dict[str, Any]]:
    """The problem types every merged document declares (``x-problem-types``) and those the
    gateway answers itself, once each, by status then URI."""
    found: dict[str, dict[str, Any]] = {}
    declared: list[Any] = list(GATEWAY_PROBLEM_TYPES)
    for document in documents:
        types = document.get("x-problem-types")
        if isinstance(types, list):
            declared.extend(types)
    for problem in declared:
        if isinstance(problem, dict) and isinstance(problem.get("type"), str):
            found.setdefault(
                problem["type"],
                {k: problem[k] for k in ("type", "title", "status") if k in problem},
            )
    return sorted(found.values(), key=lambda p: (int(p.get("status", 0)), p["type"]))


def _is_error_status(status: str) -> bool:
    return status[:1] in ("4", "5")


def _document_problems(
    paths: dict[str, dict[str, Any]],
    components: dict[str, dict[str, Any]],
    problem_types: list[dict[str, Any]],
) -> None:
    """Declare the problem schemas and make every 4xx/5xx response refer to them."""
    schemas = components.setdefault("schemas", {})
    for name, schema in PROBLEM_SCHEMAS.items():
        schemas[name] = copy.deepcopy(schema)
    schemas["Problem"]["properties"]["type"]["examples"] = [p["type"] for p in problem_types]
    for response in (components.get("responses") or {}).values():
        if isinstance(response, dict):
            response["content"] = copy.deepcopy(_PROBLEM_CONTENT)
    for item in paths.values():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not _is_error_status(str(status)) or not isinstance(response, dict):
                    continue
                if "$ref" in response:
                    continue  # a shared response, given its problem content above
                content = _VALIDATION_CONTENT if str(status) == "422" else _PROBLEM_CONTENT
                response["content"] = copy.deepcopy(content)
    text = orjson.dumps({"paths": paths, "components": components}).decode()
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if f'"#/components/schemas/{name}"' not in text:
            schemas.pop(name, None)


def _with_problem_table(description: str, problem_types: list[dict[str, Any]]) -> str:
    rows = "\n".join(
        f"| {p.get('status', '')} | `{p['type']}` | {p.get('title', '')} |" for p in problem_types
    )
    table = (
        "## Problem types\n\nEvery error is RFC 9457 `application/problem+json` (schema "
        "`Problem`; 422 answers are `ValidationProblem`, naming each field at fault). "
        "The `type` of a problem is one of:\n\n| status | type | title |\n| --- | --- | --- |\n"
        + rows
    )
    roles = (
        "## Roles\n\nEach operation says who may call it (`x-roles`): `admin`, `animator` "
        "(network staff), `member` (bound to actors; edits only its own), `partner` (bound to "
        "a partner platform), `reader`, and `anonymous` callers without a key, who read "
        "published, public data only."
    )
    return "\n\n".join(part for part in (description, roles, table) if part)


class ServiceDocumentError(Exception):
    """A service answered, but not with its OpenAPI document."""


def _merge_components(
    merged: dict[str, dict[str, Any]], components: Mapping[str, Any], renames: Mapping[str, str]
) -> None:
    for kind, items in components.items():
        if not isinstance(items, dict):
            continue
        target = merged.setdefault(kind, {})
        for name, content in items.items():
            ref = f"#/components/{kind}/{name}"
            new_name = renames.get(ref, ref).rsplit("/", 1)[1]
            target.setdefault(new_name, rewrite_refs(content, renames))


def _merge_paths(
    merged: dict[str, dict[str, Any]],
    paths: Mapping[str, dict[str, Any]],
    *,
    service: str,
    operation_ids: set[str],
) -> None:
    for path, item in paths.items():
        merged_item = merged.setdefault(path, {})
        for key, operation in item.items():
            if key in merged_item:
                logger.warning("openapi: %s %s declared twice; keeping the first", key, path)
                continue
            if key in HTTP_METHODS and isinstance(operation, dict):
                operation_id = operation.get("operationId")
                if isinstance(operation_id, str):
                    operation_id = action_operation_id(operation_id, key, path)
                    operation["operationId"] = operation_id
                if operation_id in operation_ids:
                    prefix = service_prefix(service)
                    name = str(operation_id)
                    operation["operationId"] = (
                        prefix[:1].lower() + prefix[1:] + name[:1].upper() + name[1:]
                    )
                operation_ids.add(operation.get("operationId", ""))
            merged_item[key] = operation


async def fetch_document(
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    headers: Mapping[str, str],
    timeout_seconds: float,
) -> Document:
    """A service's own OpenAPI document; raises on any failure."""
    async with session.get(
        base_url + "/openapi.json",
        headers=dict(headers),
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        allow_redirects=False,
    ) as response:
        if response.status != 200:
            raise ServiceDocumentError(f"HTTP {response.status}")
        document = await response.json(content_type=None)
    if not isinstance(document, dict):
        raise ValueError("the OpenAPI document is not a JSON object")
    return document


class MergedOpenApi:
    """The merged document, rebuilt at most every ``ttl_seconds``.

    A merge that missed a service is kept for a shorter time, so the document completes
    itself soon after the service comes back.
    """

    def __init__(
        self,
        *,
        own_document: Callable[[], Document],
        services: Mapping[str, str],
        session: Callable[[], aiohttp.ClientSession],
        headers: Callable[[], Mapping[str, str]],
        ttl_seconds: float,
        timeout_seconds: float,
        title: str = "Maillage API",
        description: str = "",
    ) -> None:
        self._own_document = own_document
        self._services = dict(services)
        self._session = session
        self._headers = headers
        self._ttl = ttl_seconds
        self._timeout = timeout_seconds
        self._title = title
        self._description = description
        self._document: Document | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> Document:
        """The merged document, from cache when fresh."""
        if self._document is not None and time.monotonic() < self._expires:
            return self._document
        async with self._lock:  # one rebuild at a time; the others take its result
            if self._document is not None and time.monotonic() < self._expires:
                return self._document
            document, missing = await self._build()
            ttl = self._ttl if not missing else min(self._ttl, 5.0)
            self._document, self._expires = document, time.monotonic() + ttl
            return document

    async def _build(self) -> tuple[Document, tuple[str, ...]]:
        session, headers = self._session(), self._headers()
        names = list(self._services)
        fetches: list[Awaitable[Document]] = [
            fetch_document(
                session, self._services[name], headers=headers, timeout_seconds=self._timeout
            )
            for name in names
        ]
        results = await asyncio.gather(*fetches, return_exceptions=True)
        documents: dict[str, Document] = {"gateway": copy.deepcopy(self._own_document())}
        missing: list[str] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                # Not the exception's repr: aiohttp's carries the request headers and their token.
                logger.warning("openapi: %s left out: %s %s", name, type(result).__name__, result)
                missing.append(name)
            else:
                documents[name] = result
        merged = merge_documents(
            documents, title=self._title, description=self._description, missing=tuple(missing)
        )
        return merged, tuple(missing)
