"""CloudEvents 1.0 structured JSON envelope."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError

from kit.cloudevents import CloudEvent


def test_round_trip_keeps_every_attribute() -> None:
    event = CloudEvent(
        source="/directory",
        type="directory.actor.created",
        subject="actor/42",
        data={"name": "Musée", "tags": ["a", "b"], "n": 1.5},
    )
    setattr(event, "requestid", "req-1")  # noqa: B010 - CloudEvents extension attribute

    again = CloudEvent.from_json(event.to_json())

    assert again == event
    assert again.model_extra == {"requestid": "req-1"}
    assert again.time.tzinfo is not None


def test_json_has_the_required_context_attributes() -> None:
    event = CloudEvent(source="/events", type="events.event.published", data={})
    raw = orjson.loads(event.to_json())
    assert raw["specversion"] == "1.0"
    assert {"id", "source", "type", "time", "datacontenttype", "data"} <= set(raw)
    assert "subject" not in raw  # absent attributes are omitted, not null
    assert datetime.fromisoformat(raw["time"]).utcoffset() is not None


def test_ids_are_unique() -> None:
    assert CloudEvent(source="s", type="t").id != CloudEvent(source="s", type="t").id


def test_reads_an_event_written_by_another_producer() -> None:
    raw = (
        b'{"specversion":"1.0","id":"A234-1234-1234","source":"https://example.com/x",'
        b'"type":"surveys.response.submitted","time":"2018-04-05T17:31:00Z",'
        b'"datacontenttype":"application/json","data":{"survey":1},"comexampleext":"v"}'
    )
    event = CloudEvent.from_json(raw)
    assert event.id == "A234-1234-1234"
    assert event.time == datetime(2018, 4, 5, 17, 31, tzinfo=UTC)
    assert event.data == {"survey": 1}
    assert orjson.loads(event.to_json())["comexampleext"] == "v"


@pytest.mark.parametrize(
    "raw",
    [b"not json", b'{"id": "1", "type": "t"}', b'{"source": "s", "type": "t", "data": [1]}'],
)
def test_unreadable_envelopes_are_rejected(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        CloudEvent.from_json(raw)
