"""The periodic job that sends the morning's satisfaction invitations (one replica)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime
from surveys.db import leases
from surveys.feedback.service import feedback_service

JOB = "training-feedback-invitations"
Worker = Callable[[Runtime], Coroutine[Any, Any, None]]


def feedback_worker(*, every_seconds: float) -> Worker:
    """Every ``every_seconds``, the replica holding the lease invites who is due."""

    async def work(runtime: Runtime) -> None:
        async def job() -> dict[str, Any]:
            async with runtime.database.transaction() as session:
                return await feedback_service.invite_due(session, now=utcnow())

        await run_periodically(
            runtime.database,
            leases,
            JOB,
            job,
            period=timedelta(seconds=every_seconds),
            check_every=every_seconds,
        )

    return work
