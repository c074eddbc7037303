"""Reading what a JetStream stream holds, for tests that check what was published."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError


async def stream_messages(js: JetStreamContext, stream: str, subject: str) -> list[RawStreamMsg]:
    """Every message stored in ``stream`` on ``subject`` (wildcards allowed), in order."""
    messages: list[RawStreamMsg] = []
    seq = 1
    while True:
        try:
            message = await js.get_msg(stream, seq=seq, subject=subject, next=True)
        except NotFoundError:
            return messages
        messages.append(message)
        seq = (message.seq or seq) + 1
