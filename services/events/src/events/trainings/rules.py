"""The rules of trainings: who may carry training details, and what a session may hold."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import Training
from contracts.vocabularies import EventKind
from events.agenda.models import Event
from events.organizers.repository import known_actor_repository
from kit.problems import InvalidInput


class _Timing(Protocol):
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


def checked_training(
    *, kind: EventKind, timings: Sequence[_Timing], training: Training | None
) -> Training | None:
    """``training`` with each session's timings in order, or a 422 naming the field at fault.

    Only trainings carry training details; a session's timings must be timings of the event,
    each in one session at most.
    """
    if training is None:
        return None
    if kind is not EventKind.TRAINING:
        raise InvalidInput(
            "training",
            f"only events of kind training carry objectives, trainers, prerequisites and "
            f"sessions, not a {kind.value} (changing a training's kind, send training: null)",
        )
    own = {(t.start, t.end) for t in timings}
    taken: dict[tuple[datetime, datetime], int] = {}
    for i, training_session in enumerate(training.sessions):
        for j, timing in enumerate(training_session.timings):
            key = (timing.start, timing.end)
            field = f"training.sessions[{i}].timings[{j}]"
            if key not in own:
                raise InvalidInput(field, "not one of the event's timings (same start and end)")
            if key in taken:
                raise InvalidInput(field, f"already in session {taken[key]}")
            taken[key] = i
    return training.model_copy(
        update={
            "sessions": [
                s.model_copy(update={"timings": sorted(s.timings, key=lambda t: t.start)})
                for s in training.sessions
            ]
        }
    )


async def check_trainers(
    session: AsyncSession, training: Training | None, *, already: Iterable[uuid.UUID] = ()
) -> None:
    """Trainers given with an actor id name an actor the calendar knows (new ones only)."""
    if training is None:
        return
    kept = set(already)
    wanted = [
        (i, t.actor_id)
        for i, t in enumerate(training.trainers)
        if t.actor_id is not None and t.actor_id not in kept
    ]
    if not wanted:
        return
    known = await known_actor_repository.get_many(session, [a for _, a in wanted])
    for index, actor_id in wanted:
        actor = known.get(actor_id)
        if actor is None or actor.deleted_at is not None or actor.merged_into is not None:
            raise InvalidInput(
                f"training.trainers[{index}].actor_id",
                f"unknown, deleted or merged actor {actor_id}",
            )


def trainer_actor_ids(training: Training | dict[str, Any] | None) -> set[uuid.UUID]:
    if training is None:
        return set()
    model = training if isinstance(training, Training) else Training.model_validate(training)
    return {t.actor_id for t in model.trainers if t.actor_id is not None}


@dataclass(frozen=True)
class Session:
    """A session as registrants attend it: a title and the positions of its timings."""

    title: str
    timing_positions: tuple[int, ...]


def sessions_of(event: Event) -> list[Session]:
    """The sessions of an event: a training's own, else one per timing."""
    declared = (event.training or {}).get("sessions") or []
    if not declared:
        count = len(event.timings)
        return [
            Session(
                title=event.title if count == 1 else f"{event.title} ({i + 1}/{count})",
                timing_positions=(i,),
            )
            for i in range(count)
        ]
    position = {_key(t): i for i, t in enumerate(event.timings)}
    return [
        Session(
            title=s["title"],
            timing_positions=tuple(position[_key(t)] for t in s["timings"] if _key(t) in position),
        )
        for s in declared
    ]


def session_titles_by_timing(event: Event) -> dict[int, str]:
    """The title of the declared session each timing belongs to (empty without sessions)."""
    if not (event.training or {}).get("sessions"):
        return {}
    return {p: s.title for s in sessions_of(event) for p in s.timing_positions}


def _key(timing: dict[str, str]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(timing["start"]), datetime.fromisoformat(timing["end"])
