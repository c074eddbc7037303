from __future__ import annotations

from typing import Any

from gateway.openapi_merge import (
    PROBLEM_SCHEMAS,
    action_operation_id,
    merge_documents,
    rewrite_refs,
    service_prefix,
)

PROBLEMS = set(PROBLEM_SCHEMAS)


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def document(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def get_returning(name: str, operation_id: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "responses": {"200": {"content": {"application/json": {"schema": schema_ref(name)}}}},
        }
    }


PLACE = {"type": "object", "properties": {"city": {"type": "string"}}}
PAGE_OF_ITEMS = {"type": "object", "properties": {"items": {"items": schema_ref("Item")}}}


def test_paths_of_each_service_are_kept_and_foreign_ones_dropped() -> None:
    merged = merge_documents(
        {
            "directory": document(
                {
                    "/v1/actors": get_returning("Place", "list_actors"),
                    "/healthz": {"get": {}},
                    "/v1/events": {"get": {}},  # not the directory's to publish
                },
                {"Place": PLACE},
            ),
            "events": document({"/v1/events": get_returning("Place", "list")}, {"Place": PLACE}),
        }
    )

    assert set(merged["paths"]) == {"/v1/actors", "/v1/events"}
    assert merged["paths"]["/v1/events"]["get"]["operationId"] == "list"


def test_identical_schemas_are_shared() -> None:
    merged = merge_documents(
        {
            "directory": document({}, {"Place": PLACE}),
            "events": document({}, {"Place": dict(PLACE)}),
        }
    )

    assert {k: v for k, v in merged["components"]["schemas"].items() if k not in PROBLEMS} == {
        "Place": PLACE
    }


def test_conflicting_schema_is_prefixed_and_its_refs_follow() -> None:
    directory_item = {"type": "object", "properties": {"id": {"type": "string"}}}
    events_item = {"type": "object", "properties": {"title": {"type": "string"}}}
    merged = merge_documents(
        {
            "directory": document(
                {"/v1/actors": get_returning("Item", "a")}, {"Item": directory_item}
            ),
            "eu-watch": document({"/v1/calls": get_returning("Item", "c")}, {"Item": events_item}),
        }
    )

    schemas = merged["components"]["schemas"]
    assert schemas["Item"] == directory_item
    assert schemas["EuWatchItem"] == events_item
    calls = merged["paths"]["/v1/calls"]["get"]["responses"]["200"]["content"]
    assert calls["application/json"]["schema"] == schema_ref("EuWatchItem")
    actors = merged["paths"]["/v1/actors"]["get"]["responses"]["200"]["content"]
    assert actors["application/json"]["schema"] == schema_ref("Item")


def test_a_schema_referring_to_a_renamed_one_is_renamed_too() -> None:
    merged = merge_documents(
        {
            "directory": document({}, {"Item": {"type": "string"}, "PageOfItems": PAGE_OF_ITEMS}),
            "events": document({}, {"Item": {"type": "integer"}, "PageOfItems": PAGE_OF_ITEMS}),
        }
    )

    schemas = merged["components"]["schemas"]
    assert schemas["PageOfItems"] == PAGE_OF_ITEMS
    assert schemas["EventsPageOfItems"]["properties"]["items"]["items"] == schema_ref("EventsItem")


def test_colliding_operation_ids_are_prefixed() -> None:
    merged = merge_documents(
        {
            "directory": document({"/v1/actors": get_returning("P", "read")}, {"P": PLACE}),
            "events": document({"/v1/events": get_returning("P", "read")}, {"P": PLACE}),
        }
    )

    assert merged["paths"]["/v1/actors"]["get"]["operationId"] == "read"
    assert merged["paths"]["/v1/events"]["get"]["operationId"] == "eventsRead"


def test_fastapi_operation_ids_become_actions() -> None:
    assert action_operation_id("list_events_v1_events_get", "get", "/v1/events") == "listEvents"
    assert action_operation_id("create_actor_v1_actors_post", "post", "/v1/actors") == "createActor"
    assert (
        action_operation_id(
            "actor_history_v1_actors__actor_id__history_get", "get", "/v1/actors/{actor_id}/history"
        )
        == "getActorHistory"
    )
    assert action_operation_id("custom", "get", "/v1/x") == "custom"


def test_a_renamed_schema_gets_its_new_name_as_title() -> None:
    label_fr = {"title": "Label", "type": "object", "properties": {"fr": {"type": "string"}}}
    label_en = {"title": "Label", "type": "object", "properties": {"en": {"type": "string"}}}
    merged = merge_documents(
        {
            "directory": document({"/v1/actors": get_returning("Label", "a")}, {"Label": label_fr}),
            "surveys": document({"/v1/surveys": get_returning("Label", "b")}, {"Label": label_en}),
        }
    )

    schemas = merged["components"]["schemas"]
    assert schemas["Label"]["title"] == "Label"
    assert schemas["SurveysLabel"]["title"] == "SurveysLabel"
    titles = [s["title"] for s in schemas.values()]
    assert len(titles) == len(set(titles))


def test_bearer_scheme_is_declared_and_optional() -> None:
    merged = merge_documents({"gateway": document({"/healthz": {"get": {}}}, {})})

    assert merged["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {} in merged["security"]
    assert "/healthz" in merged["paths"]


def test_missing_services_are_named() -> None:
    merged = merge_documents({}, description="API.", missing=("surveys",))

    assert merged["x-missing-services"] == ["surveys"]
    assert "surveys" in merged["info"]["description"]
    assert merged["info"]["description"].startswith("API.")


def test_discriminator_mappings_are_rewritten() -> None:
    node = {"discriminator": {"mapping": {"a": "#/components/schemas/A"}}}

    rewritten = rewrite_refs(node, {"#/components/schemas/A": "#/components/schemas/EventsA"})

    assert rewritten["discriminator"]["mapping"]["a"] == "#/components/schemas/EventsA"


def test_service_prefix_is_pascal_case() -> None:
    assert service_prefix("eu-watch") == "EuWatch"
    assert service_prefix("directory") == "Directory"


def test_problems_the_gateway_answers_itself_are_documented_on_public_operations() -> None:
    merged = merge_documents(
        {
            "gateway": document(
                {"/v1/api-keys": {"post": {"responses": {"403": {"description": "not admin"}}}}},
                {},
            ),
            "directory": document(
                {
                    "/v1/actors": {
                        "get": {"responses": {"401": {"description": "the directory's own"}}}
                    }
                },
                {},
            ),
        }
    )

    relayed = merged["paths"]["/v1/actors"]["get"]["responses"]
    own = merged["paths"]["/v1/api-keys"]["post"]["responses"]
    assert relayed["401"]["description"] == "the directory's own"
    assert relayed["401"]["content"]["application/problem+json"]["schema"] == schema_ref("Problem")
    assert relayed["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    assert relayed["503"] == {"$ref": "#/components/responses/ServiceUnavailable"}
    assert {"502", "504"} <= set(relayed)
    assert set(own) == {"401", "403", "429"}
    too_many = merged["components"]["responses"]["TooManyRequests"]
    assert {"Retry-After", "RateLimit-Remaining"} <= set(too_many["headers"])
    assert "application/problem+json" in too_many["content"]
