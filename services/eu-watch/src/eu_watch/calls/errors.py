"""Errors of the calls API."""

from __future__ import annotations

from kit.problems import Conflict, NotFound


class CallNotFound(NotFound):
    slug, title = "call-not-found", "Call not found"


class CallAlreadyWatched(Conflict):
    slug, title = "call-already-watched", "This call is already watched"
