"""Errors about the actors a caller acts for: a member key acts for its own actor only, in
matches, partner suggestions, watches and follows alike."""

from __future__ import annotations

from kit.problems import Forbidden


class NotYourActor(Forbidden):
    slug, title = "not-your-actor", "You do not act for this actor"
