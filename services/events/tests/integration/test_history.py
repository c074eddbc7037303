"""GET /v1/events/{id}/history on both backends: who changed which fields, when."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from kit.identity import IdentitySigner
from kit.testing.plugin import asgi_client, identity_headers

NewEvent = Callable[..., Awaitable[dict[str, Any]]]
Announce = Callable[..., Awaitable[Any]]


async def history(client: httpx.AsyncClient, event_id: str, **params: Any) -> list[dict[str, Any]]:
    """Every entry, walking the pages."""
    entries: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        query = {**params, **({"after": after} if after else {})}
        response = await client.get(f"/v1/events/{event_id}/history", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        entries.extend(page["items"])
        if not page["next"]:
            return entries
        after = page["next"]


async def test_every_change_is_recorded_with_who_when_and_what(
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Announce,
    new_event: NewEvent,
) -> None:
    own = uuid.uuid4()
    await announce("directory.actor.created", own, name="Fermat Science")
    event = await new_event(organizer_id=own, state="pending", summary=None)
    url = f"/v1/events/{event['id']}"
    async with member_of(own) as member:
        edited = await member.patch(
            url, json={"summary": "Pour les enseignants du Tarn-et-Garonne"}
        )
        assert edited.status_code == 200, edited.text
        # Refused changes and changes that change nothing leave no entry.
        assert (await member.patch(url, json={"state": "published"})).status_code == 403
        assert (await member.patch(url, json={"timings": []})).status_code == 422
        assert (await member.patch(url, json={"title": event["title"]})).status_code == 200
    published = await admin.patch(url, json={"state": "published", "title": "Formation Fermat"})
    assert published.status_code == 200
    cancelled = await admin.patch(url, json={"status": "cancelled"})
    assert cancelled.status_code == 200

    entries = await history(admin, event["id"])
    assert [(e["action"], e["version"]) for e in entries] == [
        ("created", 1),
        ("updated", 2),
        ("published", 3),
        ("cancelled", 4),
    ]
    created, updated, moderated, cancel = entries
    assert (created["changed_by"], created["changed_by_role"]) == ("test-admin", "admin")
    assert created["changes"]["title"] == {"before": None, "after": event["title"]}
    assert created["changes"]["state"] == {"before": None, "after": "pending"}
    assert created["changes"]["organizer_ids"] == {"before": None, "after": [str(own)]}
    assert "summary" not in created["changes"]  # nothing to say about an empty field
    assert (updated["changed_by"], updated["changed_by_role"]) == ("test-member", "member")
    assert updated["changes"] == {
        "summary": {"before": None, "after": "Pour les enseignants du Tarn-et-Garonne"}
    }
    assert updated["changed_at"] == edited.json()["updated_at"]
    assert moderated["changes"] == {
        "state": {"before": "pending", "after": "published"},
        "title": {"before": event["title"], "after": "Formation Fermat"},
    }
    assert cancel["changes"] == {"status": {"before": "scheduled", "after": "cancelled"}}


async def test_refusal_and_training_changes_are_named(
    admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(state="pending", training={"objectives": ["Animer un débat"]})
    url = f"/v1/events/{event['id']}"
    refused = await admin.patch(url, json={"state": "refused"})
    assert refused.status_code == 200
    resubmitted = await admin.patch(
        url, json={"state": "pending", "training": {"prerequisites": ["Aucun"]}}
    )
    assert resubmitted.status_code == 200
    entries = await history(admin, event["id"])
    assert [e["action"] for e in entries] == ["created", "refused", "submitted"]
    assert entries[2]["changes"]["training"] == {
        "before": {
            "objectives": ["Animer un débat"],
            "trainers": [],
            "prerequisites": [],
            "sessions": [],
            "feedback_survey_id": None,
        },
        "after": {
            "objectives": ["Animer un débat"],
            "trainers": [],
            "prerequisites": ["Aucun"],
            "sessions": [],
            "feedback_survey_id": None,
        },
    }


async def test_history_pages_with_a_cursor(admin: httpx.AsyncClient, new_event: NewEvent) -> None:
    event = await new_event()
    for n in range(4):
        response = await admin.patch(f"/v1/events/{event['id']}", json={"title": f"Édition {n}"})
        assert response.status_code == 200
    url = f"/v1/events/{event['id']}/history"
    first = (await admin.get(url, params={"limit": 2})).json()
    assert [e["version"] for e in first["items"]] == [1, 2]
    second = (await admin.get(url, params={"limit": 2, "after": first["next"]})).json()
    assert [e["version"] for e in second["items"]] == [3, 4]
    assert [e["version"] for e in await history(admin, event["id"], limit=2)] == [1, 2, 3, 4, 5]
    assert (await admin.get(url, params={"after": "bm9u"})).status_code == 422


async def test_only_staff_and_the_organizers_members_read_it(
    events_app: FastAPI,
    identity_signer: IdentitySigner,
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Announce,
    new_event: NewEvent,
) -> None:
    own = uuid.uuid4()
    await announce("directory.actor.created", own, name="Genopolys")
    pending = await new_event(organizer_id=own, state="pending")
    public = await new_event(organizer_id=own)

    def url(event: dict[str, Any]) -> str:
        return f"/v1/events/{event['id']}/history"

    async with member_of(own) as member:
        assert (await member.get(url(pending))).status_code == 200
        assert (await member.get(url(public))).status_code == 200
    animator = asgi_client(events_app, identity_headers(identity_signer, "animator"))
    async with animator:
        assert (await animator.get(url(pending))).status_code == 200
    assert (await anonymous.get(url(public))).status_code == 401
    async with member_of(uuid.uuid4()) as stranger:
        forbidden = await stranger.get(url(public))
        assert forbidden.status_code == 403
        assert forbidden.json()["type"].endswith("/event-history-forbidden")
        # An unpublished event does not exist for them.
        assert (await stranger.get(url(pending))).status_code == 404
    # Reader and partner keys are refused by role, before any event is read.
    keys = [
        asgi_client(events_app, identity_headers(identity_signer, "reader")),
        asgi_client(events_app, identity_headers(identity_signer, "partner", partner="openagenda")),
    ]
    for key in keys:
        async with key:
            for event in (public, pending):
                refused = await key.get(url(event))
                assert refused.status_code == 403
                assert refused.json()["type"].endswith("/forbidden")
    assert (await admin.get(f"/v1/events/{uuid.uuid4()}/history")).status_code == 404


async def test_a_deleted_event_keeps_its_history_for_staff(
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Announce,
    new_event: NewEvent,
) -> None:
    own = uuid.uuid4()
    await announce("directory.actor.created", own, name="Astu'Sciences")
    event = await new_event(organizer_id=own)
    async with member_of(own) as member:
        assert (await member.delete(f"/v1/events/{event['id']}")).status_code == 204
        # The event is gone for its organizers, history included.
        assert (await member.get(f"/v1/events/{event['id']}/history")).status_code == 404
    entries = await history(admin, event["id"])
    assert [(e["action"], e["version"], e["changed_by"]) for e in entries] == [
        ("created", 1, "test-admin"),
        ("deleted", 2, "test-member"),
    ]
    assert list(entries[1]["changes"]) == ["deleted_at"]
    assert entries[1]["changes"]["deleted_at"]["before"] is None
