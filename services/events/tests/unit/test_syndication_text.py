"""Feeds stay well-formed XML whatever text was stored (input refuses controls since)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from events.search.syndication import _sub


def test_characters_xml_cannot_hold_are_dropped() -> None:
    root = ET.Element("item")
    _sub(root, "title", "Chimie \x01\x0b\x1b d'été ]]> fin", note="a\x00b")
    parsed = ET.fromstring(ET.tostring(root))
    assert parsed.findtext("title") == "Chimie  d'été ]]> fin"
    assert parsed.find("title").get("note") == "ab"  # type: ignore[union-attr]
