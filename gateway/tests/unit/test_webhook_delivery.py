from __future__ import annotations

import pytest

from contracts.events import PERSONAL_FIELDS
from gateway.webhooks.audience import delivered_to, matches
from gateway.webhooks.delivery import ordering_key, public_data
from kit.cloudevents import CloudEvent


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["*"], "surveys.response.submitted", True),
        (["events.*"], "events.registration.confirmed", True),
        (["directory.actor.*"], "directory.actor.updated", True),
        (["directory.actor.*"], "directory.actors.updated", False),
        (["directory.actor.*"], "directory.resource.updated", False),
        (["events.event.published"], "events.event.published", True),
        (["events.event.published"], "events.event.published.again", False),
        (["events"], "events.event.published", False),
    ],
)
def test_event_types_match_exactly_or_by_wildcard(
    patterns: list[str], event_type: str, expected: bool
) -> None:
    assert matches(patterns, event_type) is expected


def _event(event_type: str, **data: object) -> CloudEvent:
    return CloudEvent(source="/test", type=event_type, data=data)


def test_partners_endpoints_never_get_changes_about_people() -> None:
    for event_type in ("events.registration.confirmed", "events.attendance.recorded"):
        assert delivered_to(["*"], _event(event_type), partner=None)
        assert not delivered_to(["*"], _event(event_type), partner="echosciences")
        assert not delivered_to(["events.*"], _event(event_type), partner="echosciences")
    published = _event("events.event.published")
    assert delivered_to(["events.*"], published, partner="echosciences")


def test_a_partner_hears_only_of_its_own_endpoints_being_disabled() -> None:
    disabled = _event("gateway.webhook_endpoint.disabled", partner="echosciences")

    assert delivered_to(["*"], disabled, partner="echosciences")
    assert not delivered_to(["*"], disabled, partner="openagenda")
    assert delivered_to(["gateway.*"], disabled, partner=None)  # the network hears of all


def test_registrations_lose_their_personal_fields_and_other_events_keep_names() -> None:
    data = {"id": "r1", "name": "Ada", "email": "a@x.org", "status": "confirmed"}

    assert public_data("events.registration.confirmed", data) == {"id": "r1", "status": "confirmed"}
    assert not PERSONAL_FIELDS & public_data("events.attendance.recorded", data).keys()
    assert public_data("directory.actor.updated", {"name": "Muséum"}) == {"name": "Muséum"}


def test_actors_lose_their_membership_before_any_webhook() -> None:
    membership = {"member": True, "since": "2020-01-01", "paid_until": "2026-12-31"}
    data = {"id": "a1", "name": "Muséum", "email": "contact@museum.fr", "membership": membership}

    for event_type in ("directory.actor.created", "directory.actor.updated"):
        assert public_data(event_type, data) == {
            "id": "a1",
            "name": "Muséum",
            "email": "contact@museum.fr",
        }


def test_a_records_changes_share_an_ordering_key_its_subject_else_its_id() -> None:
    def event(subject: str | None, data: dict[str, object]) -> CloudEvent:
        return CloudEvent(source="/events", type="events.event.updated", subject=subject, data=data)

    assert ordering_key(event("e1", {"id": "other"})) == "e1"
    assert ordering_key(event(None, {"id": "e2"})) == "e2"
    assert ordering_key(event(None, {"title": "no id"})) is None
    assert ordering_key(event("x" * 500, {})) == "x" * 200  # fits the column


async def test_a_failed_attempt_reads_as_words() -> None:
    import socket  # noqa: PLC0415

    import aiohttp  # noqa: PLC0415

    from gateway.retries import in_words  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError) as refused:
            await http.get(f"http://127.0.0.1:{port}/hooks")
    assert in_words(refused.value) == f"connection refused by 127.0.0.1:{port}"
    assert in_words(TimeoutError()) == "no answer in time"
