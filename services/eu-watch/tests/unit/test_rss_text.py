"""The calls' RSS stays well-formed XML whatever text a call or the request holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast
from xml.etree import ElementTree

from eu_watch.calls.feeds import rss


def test_controls_and_quotes_cannot_break_the_feed() -> None:
    """A portal title with a control character made the whole feed unreadable XML, and a
    raw quote in the request's query string closed the atom:link attribute early."""
    call = SimpleNamespace(
        id=uuid.uuid4(),
        title="Ocean \x0b literacy \x1b <b>",
        funder="EU",
        programme=None,
        deadlines=[],
        description="a\x01b",
        url=None,
        updated_at=datetime(2027, 1, 1, tzinfo=UTC),
        themes=[{"theme": "sea_coast"}],
    )
    body = rss(
        title="Appels",
        self_url='https://m.example/v1/calls.rss?q="x" onload="y',
        list_url="https://m.example/v1/calls",
        call_url="https://m.example/v1/calls/{id}",
        calls=[cast(Any, call)],
        now=datetime(2027, 1, 2, tzinfo=UTC),
    )
    root = ElementTree.fromstring(body)
    link = root.find("channel/{http://www.w3.org/2005/Atom}link")
    assert link is not None
    assert link.get("href") == 'https://m.example/v1/calls.rss?q="x" onload="y'
    assert link.get("onload") is None
    assert root.findtext("channel/item/title") == "Ocean  literacy  <b>"
