"""The merged OpenAPI document of the real services says who may call each operation, how
to authenticate, and what every error looks like."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.main import create_app as create_gateway
from gateway.openapi_merge import GATEWAY_PROBLEM_TYPES, merge_documents, operation_roles
from kit.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, DomainError

PROBLEM_REFS = {"#/components/schemas/Problem", "#/components/schemas/ValidationProblem"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    """The document the gateway serves when every service answers."""
    from directory.main import create_app as directory  # noqa: PLC0415
    from eu_watch.main import create_app as eu_watch  # noqa: PLC0415
    from events.main import create_app as events  # noqa: PLC0415
    from surveys.main import create_app as surveys  # noqa: PLC0415

    documents = {
        "gateway": create_gateway()._own_openapi(),
        "directory": directory().openapi(),
        "events": events().openapi(),
        "surveys": surveys().openapi(),
        "eu-watch": eu_watch().openapi(),
    }
    return merge_documents(documents, description="API.")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_every_public_operation_says_who_may_call_it(merged: dict[str, Any]) -> None:
    public = [(m, p, op) for m, p, op in operations(merged) if p.startswith("/v1/")]

    assert len(public) > 40
    for method, path, operation in public:
        roles = operation["x-roles"]
        assert roles, f"{method} {path}"
        assert set(roles) <= {"admin", "animator", "member", "partner", "reader", "anonymous"}
        assert "**Who may call:**" in operation["description"], f"{method} {path}"
        anonymous = "anonymous" in roles
        assert ({} in operation["security"]) is anonymous, f"{method} {path}"


def test_roles_follow_the_dependencies_of_each_route(merged: dict[str, Any]) -> None:
    paths = merged["paths"]

    assert paths["/v1/actors"]["post"]["x-roles"] == ["admin", "animator"]
    assert paths["/v1/actors/{actor_id}"]["get"]["x-roles"][-1] == "anonymous"
    patch = paths["/v1/actors/{actor_id}"]["patch"]
    assert "member" in patch["x-roles"]
    assert "anonymous" not in patch["x-roles"]
    assert "its own rules" in patch["description"]
    assert paths["/v1/actors/{actor_id}"]["delete"]["x-roles"] == ["admin", "animator"]
    assert paths["/v1/api-keys"]["post"]["x-roles"] == ["admin"]
    assert paths["/v1/api-keys"]["post"]["security"] == [{"bearer": []}]
    assert paths["/v1/webhooks/endpoints"]["post"]["x-roles"] == ["admin", "partner"]
    # Only roles that can succeed, with the object-level rule in words beside them.
    create_event = paths["/v1/events"]["post"]
    assert create_event["x-roles"] == ["admin", "animator", "member"]
    assert "events one of its actors organizes" in create_event["description"]
    assert paths["/v1/registrations/{registration_id}/approve"]["post"]["x-roles"] == [
        "admin",
        "animator",
        "member",
    ]
    partner_put = paths["/v1/events/ext/{source}/{ext_id}"]["put"]
    assert partner_put["x-roles"] == ["admin", "animator", "partner"]
    assert "its own source" in partner_put["description"]
    # One of the two writes the public may make without a key.
    assert "anonymous" in paths["/v1/events/{event_id}/registrations"]["post"]["x-roles"]


def _response(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        resolved: dict[str, Any] = document["components"]["responses"][
            response["$ref"].rsplit("/", 1)[1]
        ]
        return resolved
    return response


def test_every_error_response_is_a_documented_problem(merged: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in operations(merged):
        for status, response in operation.get("responses", {}).items():
            if status[0] not in "45":
                continue
            content = _response(merged, response)["content"]
            assert list(content) == [PROBLEM_MEDIA_TYPE], f"{method} {path} {status}"
            ref = content[PROBLEM_MEDIA_TYPE]["schema"]["$ref"]
            assert ref in PROBLEM_REFS
            if status == "422":
                assert ref.endswith("/ValidationProblem")
            checked += 1

    assert checked > 100
    schemas = merged["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's shape is not what we answer
    assert schemas["Problem"]["required"] == ["type", "title", "status"]
    assert schemas["ValidationProblem"]["allOf"][0] == {"$ref": "#/components/schemas/Problem"}


def test_every_operation_taking_a_body_documents_the_413(merged: dict[str, Any]) -> None:
    with_body = [(m, p, o) for m, p, o in operations(merged) if "requestBody" in o]

    assert len(with_body) > 20
    for method, path, operation in with_body:
        assert "413" in operation["responses"], f"{method} {path}"


def _domain_errors(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _domain_errors(sub)


def test_every_problem_type_of_the_code_base_is_listed(merged: dict[str, Any]) -> None:
    listed = {p["type"] for p in merged["x-problem-types"]}
    # The fixture loaded every service, so every DomainError subclass is known here.
    expected = {PROBLEM_BASE + cls.slug for cls in _domain_errors(DomainError)}
    expected |= {p["type"] for p in GATEWAY_PROBLEM_TYPES}
    expected |= {PROBLEM_BASE + slug for slug in ("validation", "not-ready", "not-found")}

    assert expected <= listed
    assert len(expected) > 30
    assert merged["components"]["schemas"]["Problem"]["properties"]["type"]["examples"] == [
        p["type"] for p in merged["x-problem-types"]
    ]
    description = merged["info"]["description"]
    assert description.startswith("API.")
    for problem_type in expected:
        assert f"`{problem_type}`" in description


def test_security_schemes_name_the_key_header_and_the_inbox_signature() -> None:
    inbox = {"post": {"responses": {"202": {"description": "accepted"}}}}
    merged = merge_documents(
        {"gateway": {"openapi": "3.1.0", "paths": {"/v1/partners/{partner}/inbox": inbox}}}
    )

    schemes = merged["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    assert "Authorization: Bearer" in schemes["bearer"]["description"]
    assert schemes["standardWebhooks"]["name"] == "webhook-signature"
    assert "webhook-timestamp" in schemes["standardWebhooks"]["description"]
    operation = merged["paths"]["/v1/partners/{partner}/inbox"]["post"]
    assert operation["security"] == [{"standardWebhooks": []}]
    assert operation["x-roles"] == ["partner"]


@pytest.mark.parametrize(
    ("method", "path", "declared", "expected"),
    [
        # Nothing declared: reads are open, writes need a key.
        (
            "get",
            "/v1/things",
            None,
            ["admin", "animator", "member", "partner", "reader", "anonymous"],
        ),
        ("post", "/v1/things", None, ["admin", "animator", "member", "partner", "reader"]),
        # A service admitting anonymous writes is overruled where the gateway wants a key...
        ("post", "/v1/things", ["reader", "anonymous"], ["reader"]),
        # ...but not on the public sign-up.
        ("post", "/v1/events/{event_id}/registrations", ["anonymous"], ["anonymous"]),
        ("delete", "/v1/things/{id}", ["animator", "admin"], ["admin", "animator"]),
    ],
)
def test_operation_roles(
    method: str, path: str, declared: list[str] | None, expected: list[str]
) -> None:
    operation = {} if declared is None else {"x-roles": declared}

    assert operation_roles(method, path, operation) == expected
