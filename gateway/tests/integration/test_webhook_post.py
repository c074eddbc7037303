"""One delivery attempt against a real local receiver: redirects are not followed, a slow
receiver times out, and either way the attempt is an outcome, never an exception."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.config import Settings
from gateway.webhooks.delivery import Attempt, post, webhook_session
from kit.models import utcnow
from kit.testing.apps import served

ALLOWED = frozenset({"127.0.0.1"})


class Receiver:
    """``/moved`` redirects to ``/inside``; ``/slow`` answers after 2 s; both note hits."""

    def __init__(self) -> None:
        self.hits: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.hits.append(scope["path"])
        more_body = True
        while more_body:  # read the whole delivery before answering
            more_body = (await receive()).get("more_body", False)
        if scope["path"] == "/slow":
            await asyncio.sleep(2)
        status, headers = 200, []
        if scope["path"] == "/moved":
            status, headers = 302, [(b"location", b"/inside")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})


def attempt(url: str) -> Attempt:
    return Attempt(
        delivery_id="msg_test",
        endpoint_id="whep_test",
        url=url,
        keys=["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        body='{"type": "webhook.ping", "timestamp": "2026-12-07T00:00:00Z", "data": {}}',
    )


async def test_a_redirect_is_an_answer_not_a_hop() -> None:
    receiver = Receiver()
    async with served(receiver) as url, webhook_session(ALLOWED, timeout_seconds=5) as http:
        outcome = await post(
            http, attempt(f"{url}/moved"), allowed_hosts=ALLOWED, attempted_at=utcnow()
        )

    assert outcome.status == 302
    assert not outcome.succeeded  # retried like any other failure
    assert receiver.hits == ["/moved"]  # /inside never reached


async def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt() -> None:
    receiver = Receiver()
    async with served(receiver) as url, webhook_session(ALLOWED, timeout_seconds=0.5) as http:
        outcome = await post(
            http, attempt(f"{url}/slow"), allowed_hosts=ALLOWED, attempted_at=utcnow()
        )

    assert outcome.status is None
    assert outcome.error is not None
    assert outcome.error == "no answer in time"  # words, never a Python repr
    assert 400 <= outcome.duration_ms < 1900


def test_receivers_get_fifteen_seconds_by_default() -> None:
    assert Settings.model_fields["webhook_timeout_seconds"].default == 15
