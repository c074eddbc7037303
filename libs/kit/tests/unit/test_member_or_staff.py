"""Writes on the network's records: staff and members only (readers read, partners sync)."""

from __future__ import annotations

import uuid

import pytest
from fastapi import APIRouter, FastAPI

from kit.api_docs import install_api_docs
from kit.identity import (
    ANONYMOUS,
    Identity,
    MemberOrStaffIdentity,
    Role,
    require_member_or_staff,
)
from kit.problems import Forbidden, Unauthenticated


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANIMATOR, Role.MEMBER])
async def test_staff_and_members_are_let_in(role: Role) -> None:
    actors = (uuid.uuid4(),) if role is Role.MEMBER else ()
    caller = Identity(subject="key_1", role=role, actor_ids=actors)
    assert await require_member_or_staff(caller) is caller


@pytest.mark.parametrize(
    "caller",
    [
        Identity(subject="key_2", role=Role.READER),
        Identity(subject="key_3", role=Role.PARTNER, partner="echosciences"),
    ],
    ids=["reader", "partner"],
)
async def test_reader_and_partner_keys_are_refused(caller: Identity) -> None:
    with pytest.raises(Forbidden):
        await require_member_or_staff(caller)


async def test_anonymous_callers_are_asked_for_a_key() -> None:
    with pytest.raises(Unauthenticated):
        await require_member_or_staff(ANONYMOUS)


def test_the_documented_roles_are_staff_and_members() -> None:
    router = APIRouter()

    @router.patch("/v1/things/{thing_id}")
    async def change(thing_id: str, identity: MemberOrStaffIdentity) -> None:
        return None

    app = FastAPI()
    app.include_router(router)
    install_api_docs(app)
    operation = app.openapi()["paths"]["/v1/things/{thing_id}"]["patch"]
    assert operation["x-roles"] == ["admin", "animator", "member"]
    assert "own actors" in operation["x-roles-note"]
