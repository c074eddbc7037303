"""The training → satisfaction chain. Attendance is learnt from ``events.attendance.recorded``
only (never from the events database); each attendee of a training that names a
``feedback_survey_id`` is invited once, the morning after, by a leased periodic job."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import AttendanceRecorded
from contracts.vocabularies import SurveyStatus
from kit.cloudevents import CloudEvent
from kit.identity import Identity, Role
from kit.models import utcnow
from surveys.feedback.policies import asks_for_feedback, invitation_due
from surveys.feedback.repository import feedback_repository
from surveys.invitations.service import Training, invitation_service
from surveys.questionnaires.repository import survey_repository

#: Who creates the invitations of the chain (shown as their author).
CHAIN = Identity(subject="training-feedback", role=Role.ADMIN)


class FeedbackService:
    async def record_attendance(
        self, session: AsyncSession, event: CloudEvent, *, invite_hour: int
    ) -> bool:
        """Note a present attendee of a training with a satisfaction survey (once)."""
        attendance = AttendanceRecorded.model_validate(event.data)
        if not asks_for_feedback(attendance):
            return False
        return await feedback_repository.add_once(
            session,
            {
                "id": uuid.uuid4(),
                "event_id": attendance.event_id,
                "event_title": attendance.event_title[:300],
                "event_themes": attendance.event_themes,
                "event_starts_at": attendance.event_starts_at,
                "event_place": (attendance.event_place or "")[:500] or None,
                "language": "en" if attendance.language == "en" else "fr",
                "survey_id": attendance.feedback_survey_id,
                "email": attendance.email.strip().lower(),
                "name": attendance.name[:300],
                "actor_id": attendance.actor_id,
                "attended_at": attendance.recorded_at,
                "due_at": invitation_due(
                    attendance.recorded_at, attendance.event_starts_at, hour=invite_hour
                ),
                "status": "pending",
                "created_at": utcnow(),
            },
        )

    async def invite_due(
        self, session: AsyncSession, *, now: datetime, limit: int = 200
    ) -> dict[str, Any]:
        """Invite the attendees whose morning has come; counts for the lease's record."""
        counts = {"invited": 0, "skipped": 0}
        for row in await feedback_repository.due(session, now=now, limit=limit):
            survey = await survey_repository.get(session, row.survey_id)
            if survey is None or survey.status != SurveyStatus.OPEN:
                row.status, row.note = "skipped", "the satisfaction survey is not open"
                counts["skipped"] += 1
                continue
            # Once per training and person: a satisfaction survey shared by several
            # trainings asks about each one the person attended.
            invitation = await invitation_service.invite_after_training(
                session,
                survey=survey,
                training=Training(
                    row.event_id, row.event_title, row.event_starts_at, row.event_place
                ),
                email=row.email,
                name=row.name or None,
                language=row.language,
                identity=CHAIN,
            )
            if invitation is not None:
                row.status, row.invitation_id = "invited", invitation.id
                counts["invited"] += 1
            else:
                row.status, row.note = "skipped", "already invited after this training"
                counts["skipped"] += 1
        await session.flush()
        return counts


feedback_service = FeedbackService()
