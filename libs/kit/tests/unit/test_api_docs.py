"""A service's OpenAPI document names the roles of each route and every problem type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, Header

from kit.api_docs import install_api_docs, problem_types, register_role_requirement
from kit.identity import AuthenticatedIdentity, CurrentIdentity, Identity, Role, StaffIdentity
from kit.problems import PROBLEM_BASE, DomainError


class OrchestraFull(DomainError):
    status, slug, title = 409, "orchestra-full", "The orchestra is full"


async def require_conductor(identity: StaffIdentity) -> Identity:
    return identity


register_role_requirement(require_conductor, [Role.ADMIN], "Only the conductor.")


def app_with_routes() -> FastAPI:
    router = APIRouter(prefix="/v1/things")

    @router.get("")
    async def read(identity: CurrentIdentity) -> None: ...

    @router.patch("/{thing_id}")
    async def change(thing_id: str, identity: AuthenticatedIdentity) -> None: ...

    @router.delete("/{thing_id}")
    async def remove(thing_id: str, identity: StaffIdentity) -> None: ...

    @router.post("/{thing_id}/tune")
    async def tune(
        thing_id: str, identity: Annotated[Identity, Depends(require_conductor)]
    ) -> None: ...

    @router.get("/plain")
    async def plain() -> None: ...

    app = FastAPI()
    app.include_router(router)
    install_api_docs(app)
    return app


def test_roles_follow_the_identity_dependency_of_each_route() -> None:
    paths = app_with_routes().openapi()["paths"]

    assert paths["/v1/things"]["get"]["x-roles"] == [
        "admin",
        "animator",
        "member",
        "partner",
        "reader",
        "anonymous",
    ]
    assert paths["/v1/things/{thing_id}"]["patch"]["x-roles"] == [
        "admin",
        "animator",
        "member",
        "partner",
        "reader",
    ]
    assert "record" in paths["/v1/things/{thing_id}"]["patch"]["x-roles-note"]
    assert paths["/v1/things/{thing_id}"]["delete"]["x-roles"] == ["admin", "animator"]
    # Nested dependencies narrow the roles: the conductor rule inside the staff rule.
    tune = paths["/v1/things/{thing_id}/tune"]["post"]
    assert tune["x-roles"] == ["admin"]
    assert tune["x-roles-note"] == "Only the conductor."
    assert "x-roles" not in paths["/v1/things/plain"]["get"]


def test_problem_types_include_every_loaded_domain_error() -> None:
    document = app_with_routes().openapi()

    types = {p["type"]: p for p in document["x-problem-types"]}
    assert types[PROBLEM_BASE + "orchestra-full"] == {
        "type": PROBLEM_BASE + "orchestra-full",
        "title": "The orchestra is full",
        "status": 409,
    }
    for slug in ("validation", "not-found", "unauthenticated", "forbidden", "internal"):
        assert PROBLEM_BASE + slug in types
    assert document["x-problem-types"] == problem_types()


def test_every_operation_documents_the_answers_its_shape_can_give() -> None:
    """A contract fuzzer met 404, 409, 412 and 400 undocumented on many routes."""

    router = APIRouter(prefix="/v1/notes")

    @router.get("")
    async def listing() -> None: ...

    @router.post("")
    async def create(text: Annotated[str, Body(embed=True)]) -> None: ...

    @router.get("/{note_id}")
    async def read(note_id: str) -> None: ...

    @router.patch("/{note_id}")
    async def change(
        note_id: str,
        text: Annotated[str, Body(embed=True)],
        if_match: Annotated[str | None, Header()] = None,
    ) -> None: ...

    app = FastAPI()
    app.include_router(router)
    install_api_docs(app)
    paths = app.openapi()["paths"]

    def statuses(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"]) - {"200", "422"}

    assert statuses("/v1/notes", "get") == set()
    assert statuses("/v1/notes", "post") == {"400", "409"}
    assert statuses("/v1/notes/{note_id}", "get") == {"404"}
    assert statuses("/v1/notes/{note_id}", "patch") == {"400", "404", "409", "412"}
