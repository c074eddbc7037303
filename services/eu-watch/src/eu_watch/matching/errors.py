"""Errors of matching and partner suggestions."""

from __future__ import annotations

from kit.problems import Forbidden


class NotYourActor(Forbidden):
    slug, title = "not-your-actor", "You do not act for this actor"
