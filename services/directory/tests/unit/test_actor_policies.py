"""The directory's privacy and edit rules, without a database."""

from __future__ import annotations

import uuid

import pytest

from directory.actors import policies
from directory.actors.errors import ActorEditForbidden
from kit.identity import Identity, Role
from kit.problems import Forbidden

OWN = uuid.uuid4()
OTHER = uuid.uuid4()
STAFF = Identity(subject="k-staff", role=Role.ANIMATOR)
MEMBER = Identity(subject="k-member", role=Role.MEMBER, actor_ids=(OWN,))
PARTNER = Identity(subject="k-partner", role=Role.PARTNER, partner="echosciences")
ANONYMOUS = Identity(subject="anonymous", role=Role.ANONYMOUS)


def test_private_fields_show_to_staff_and_the_actors_own_members_only() -> None:
    assert policies.may_see_private(STAFF, OTHER)
    assert policies.may_see_private(MEMBER, OWN)
    assert not policies.may_see_private(MEMBER, OTHER)
    assert not policies.may_see_private(PARTNER, OWN)
    assert not policies.may_see_private(ANONYMOUS, OWN)


def test_exports_hold_private_columns_for_staff_only_not_members() -> None:
    assert policies.may_export_private(STAFF)
    assert not policies.may_export_private(MEMBER)


@pytest.mark.parametrize("caller", [MEMBER, PARTNER, ANONYMOUS])
def test_only_staff_search_count_or_export_by_membership_or_export_contacts(
    caller: Identity,
) -> None:
    with pytest.raises(Forbidden):
        policies.check_search(caller, member_filter=True, facets=())
    with pytest.raises(Forbidden):
        policies.check_search(caller, member_filter=False, facets=("circle", "member"))
    with pytest.raises(Forbidden):
        policies.check_export(caller, member_filter=False, format="vcf")
    with pytest.raises(Forbidden):
        policies.check_export(caller, member_filter=True, format="csv")
    policies.check_search(caller, member_filter=False, facets=("circle",))
    policies.check_export(caller, member_filter=False, format="csv")
    policies.check_search(STAFF, member_filter=True, facets=("member",))
    policies.check_export(STAFF, member_filter=True, format="vcf")


def test_members_edit_their_own_actor_but_never_its_staff_only_fields() -> None:
    policies.check_edit(MEMBER, OWN)
    policies.check_fields(MEMBER, {"description", "website"})
    with pytest.raises(ActorEditForbidden):
        policies.check_edit(MEMBER, OTHER)
    with pytest.raises(ActorEditForbidden) as refused:
        policies.check_fields(MEMBER, {"description", "membership", "circle"})
    assert refused.value.extensions["fields"] == ["circle", "membership"]
    policies.check_fields(STAFF, {"membership", "circle"})


def test_history_merge_and_delete_rights() -> None:
    policies.check_history(MEMBER, OWN)
    with pytest.raises(ActorEditForbidden):
        policies.check_history(MEMBER, OTHER)
    with pytest.raises(ActorEditForbidden):
        policies.check_history(PARTNER, OWN)
    policies.check_staff(STAFF, "merge actors")
    with pytest.raises(ActorEditForbidden, match="Only network staff may delete an actor"):
        policies.check_staff(MEMBER, "delete an actor")
