"""The rules of watches (pure): who owns one, what its filters must name, which calls it
selects, and when a weekly digest is due."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.vocabularies import CallStatus, Theme
from eu_watch.actors.errors import NotYourActor
from eu_watch.calls.filters import CallFilters
from eu_watch.calls.policies import BRUSSELS
from kit.identity import Identity
from kit.problems import InvalidInput

PARIS = ZoneInfo("Europe/Paris")
#: A watch hears of calls one can still apply to.
WATCHED_STATUSES = (CallStatus.FORTHCOMING, CallStatus.OPEN)


@dataclass(frozen=True)
class WatchCriteria:
    """A watch's filters: every one given must hold (``themes``, ``programmes``,
    ``types_of_action`` and ``keywords``: any of their values)."""

    themes: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    types_of_action: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    funder: str | None = None
    min_budget: float | None = None
    deadline_within_days: int | None = None


def owner_for_new(
    identity: Identity, requested: uuid.UUID | None, *, field: str
) -> uuid.UUID | None:
    """Whom a new watch or follow is for: staff name any actor, or none (the network's own);
    a member its own actor (the one its key is bound to when it names none). A member naming
    another actor: 403, as everywhere in this service."""
    if identity.is_staff:
        return requested
    if requested is not None:
        if not identity.acts_for(requested):
            raise NotYourActor("A member key acts for its own actor only.")
        return requested
    if len(identity.actor_ids) != 1:
        raise InvalidInput(field, "this key acts for several actors: name one")
    return identity.actor_ids[0]


def require_named_actor(*, exists: bool, gone: bool, field: str = "actor_id") -> None:
    """A watch or follow is for an actor of the directory: one it never had, or one deleted
    or merged, is a 422 on ``field`` (nothing would ever reach it)."""
    if not exists:
        raise InvalidInput(field, "no actor of the directory has this id")
    if gone:
        raise InvalidInput(field, "this actor was deleted or merged into another")


def may_see(identity: Identity, actor_id: uuid.UUID | None) -> bool:
    """Staff see every watch; a member the watches of its own actors (never the network's)."""
    return identity.is_staff or (actor_id is not None and identity.acts_for(actor_id))


def listed_actors(
    identity: Identity, requested: uuid.UUID | None, *, what: str
) -> tuple[uuid.UUID, ...] | None:
    """Whose watches or follows (``what``) a list shows: the actor asked for, if the caller
    may see it (403 otherwise); with none asked, everyone's for staff (``None``), a member
    its own actors'."""
    if requested is not None:
        if not may_see(identity, requested):
            raise NotYourActor(f"A member key sees its own actor's {what} only.")
        return (requested,)
    return None if identity.is_staff else tuple(identity.actor_ids)


def unknown_themes(themes: Iterable[str]) -> list[str]:
    known = {t.value for t in Theme}
    return [t for t in themes if t not in known]


def programme_names(programme: str, value: str) -> bool:
    """Whether ``value`` names ``programme``: its label or its short code, any case
    (``HORIZON`` names "Horizon Europe (HORIZON)"), as the calls' ``programme`` filter."""
    label, wanted = programme.lower(), value.lower()
    return label == wanted or label.endswith(f"({wanted})")


def unknown_programmes(values: Iterable[str], known: Iterable[str]) -> list[str]:
    labels = list(known)
    return [v for v in values if not any(programme_names(label, v) for label in labels)]


def selections(criteria: WatchCriteria, *, now: datetime) -> list[list[CallFilters]]:
    """The calls a watch selects, as the calls list's filters: a call is selected when it
    passes one filter set of every group (the groups are ANDed, a group's sets ORed: any
    keyword, any type of action). Closed calls are never selected."""
    deadline_from = deadline_to = None
    if criteria.deadline_within_days is not None:
        deadline_from = now.astimezone(BRUSSELS).date()
        deadline_to = deadline_from + timedelta(days=criteria.deadline_within_days)
    base = CallFilters(
        statuses=WATCHED_STATUSES,
        programmes=criteria.programmes,
        themes=tuple(Theme(t) for t in criteria.themes),
        funders=(criteria.funder,) if criteria.funder else (),
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        min_budget=criteria.min_budget,
    )
    groups = [[base]]
    if criteria.keywords:
        groups.append([CallFilters(q=keyword) for keyword in criteria.keywords])
    if criteria.types_of_action:
        groups.append([CallFilters(type_of_action=t) for t in criteria.types_of_action])
    return groups


def channel_addresses(
    channels: Sequence[str], *, given: str | None, actor_address: str | None, staff: str | None
) -> str | None:
    """Where a watch's e-mail goes: the address given, else the actor's public one (the
    staff address for the network's watches); None when it has no e-mail channel."""
    if "email" not in channels:
        return None
    return given or actor_address or staff or None


# -- digests ----------------------------------------------------------------------------------


def last_digest_moment(now: datetime, *, weekday: int, hour: int) -> datetime:
    """The latest digest moment at or before ``now``: ``weekday`` at ``hour`` in Paris."""
    local = now.astimezone(PARIS)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, time(hour), tzinfo=PARIS)
    if moment > local:
        moment = datetime.combine(day - timedelta(days=7), time(hour), tzinfo=PARIS)
    return moment


def week_of(moment: datetime) -> str:
    """``2026-W50``: the ISO week of a digest moment (Paris), which names the digest."""
    year, week, _ = moment.astimezone(PARIS).isocalendar()
    return f"{year}-W{week:02d}"
