"""Answering through a personal link: read, save partially, submit. Services flush, never
commit.

The token is the only key: an unknown token, a token of another survey than the one named
and a token of a deleted survey all get the same 404. A named survey's response points at
its invitation and actor (and keeps the actor's profile when submitted).

An anonymous survey's response keeps neither. While partial it is found again through
``respondent_key``, an HMAC of the token under the service's secret; when submitted that key
is dropped, so nothing (not even the secret with the database) leads from an invitation to
the answers any more. Its times are the day only (:func:`policies.anonymous_moment`), its id
is random, the invitation records only that it was used (``invited`` until submitted, its
``updated_at`` untouched), and the ``surveys.response.submitted`` event names a random id of
its own, not the response's.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.surveys import RESPONSE_SUBMITTED, ResponseSubmitted
from contracts.vocabularies import SurveyStatus
from kit.models import utcnow
from surveys.actors.repository import known_actor_repository
from surveys.answers.service import answer_service
from surveys.db import outbox
from surveys.links import may_be_token
from surveys.questionnaires.compiled import CompiledVersion, compiled_versions
from surveys.responses import policies, validation
from surveys.responses.errors import AnswersInvalid, ResponseLinkNotFound, SurveyNotAnswerable
from surveys.responses.repository import (
    LinkedInvitation,
    LinkedSurvey,
    StoredResponse,
    response_repository,
)
from surveys.responses.schemas import ResponseRead, ResponseSave

REFUSAL_WORDS = {
    policies.Refusal.CLOSED: (
        "Ce questionnaire est fermé : il ne prend plus de réponses.",
        "This survey is closed: it takes no more answers.",
    ),
    policies.Refusal.NOT_OPEN_YET: (
        "Ce questionnaire n'est pas encore ouvert.",
        "This survey is not open yet.",
    ),
    policies.Refusal.SUBMITTED: (
        "Vos réponses ont été envoyées ; ce questionnaire ne permet plus de les modifier.",
        "Your answers were submitted; this survey does not let them change any more.",
    ),
}


@dataclass
class Answering:
    """Everything one link opens."""

    invitation: LinkedInvitation
    survey: LinkedSurvey
    version: CompiledVersion
    response: StoredResponse | None

    @property
    def sections(self) -> list[dict[str, Any]]:
        return self.version.sections


def respondent_key(secret: str, token: str) -> str:
    """The key of an anonymous response: its link's token, hashed under a secret."""
    return hmac.new(
        secret.encode(), f"surveys-response:{token}".encode(), hashlib.sha256
    ).hexdigest()


class ResponseService:
    async def open(
        self,
        session: AsyncSession,
        *,
        token: str,
        secret: str,
        survey_id: uuid.UUID | None = None,
        for_update: bool = False,
    ) -> Answering:
        """What ``token`` opens (locked for a change with ``for_update``), in one query; the
        version's definition comes from :mod:`surveys.questionnaires.compiled` (read once
        per process, a published version never changing)."""
        found = (
            await response_repository.link(
                session, token, respondent_key=respondent_key(secret, token), for_update=for_update
            )
            if may_be_token(token)
            else None
        )
        if found is None:
            raise ResponseLinkNotFound
        invitation, survey, version_id = found.invitation, found.survey, found.version_id
        if survey_id is not None and invitation.survey_id != survey_id:
            raise ResponseLinkNotFound
        if survey.status == SurveyStatus.DRAFT or not survey.current_version or not version_id:
            raise ResponseLinkNotFound
        version = compiled_versions.get(version_id)
        if version is None:
            definition = await response_repository.definition_of(session, version_id)
            if definition is None:
                raise ResponseLinkNotFound
            version = compiled_versions.keep(version_id, survey.current_version, definition)
        response = found.response
        return Answering(invitation, survey, version, response)

    def read(self, answering: Answering) -> ResponseRead:
        response = answering.response
        answers = response.answers if response else {}
        checked = validation.check(answering.sections, answers, complete=False)
        status = answering.invitation.status
        if status == "invited" and response is not None:  # an anonymous survey's partial
            status = "partial"
        return ResponseRead(
            survey_id=answering.survey.id,
            version=answering.version.number,
            answered_version=response.version if response else None,
            survey=answering.version.model,
            status=status,
            answers=checked.answers,
            visible_questions=sorted(checked.visible),
            editable=self.refusal(answering) is None,
            closes_at=answering.survey.closes_at,
            submitted_at=response.submitted_at if response else None,
            language=(response.language if response else answering.invitation.language),
        )

    def refusal(self, answering: Answering) -> policies.Refusal | None:
        survey = answering.survey
        return policies.answering_refusal(
            status=SurveyStatus(survey.status),
            opens_at=survey.opens_at,
            closes_at=survey.closes_at,
            now=utcnow(),
            submitted=answering.invitation.status == "submitted",
            allow_edit_after_submit=survey.allow_edit_after_submit,
            anonymous=survey.anonymous,
        )

    async def save(
        self,
        session: AsyncSession,
        *,
        token: str,
        data: ResponseSave,
        secret: str,
        survey_id: uuid.UUID | None = None,
        submit: bool = False,
    ) -> Answering:
        """Merge ``data`` into the stored answers and check them (all of them when
        ``submit``); a 422 names every question at fault and nothing is stored then."""
        answering = await self.open(
            session, token=token, secret=secret, survey_id=survey_id, for_update=True
        )
        refusal = self.refusal(answering)
        if refusal is not None:
            fr, en = REFUSAL_WORDS[refusal]
            raise SurveyNotAnswerable(fr=fr, en=en)
        stored = answering.response.answers if answering.response else {}
        merged = validation.merge(stored, data.answers)
        # Once submitted, a response stays whole: every later edit is checked as a submission.
        complete = submit or answering.invitation.status == "submitted"
        checked = validation.check(answering.sections, merged, complete=complete)
        wrong = {c: m for c, m in checked.errors.items() if c in data.answers or complete}
        if wrong:
            raise AnswersInvalid(
                f"{len(wrong)} answer(s) to correct: "
                + "; ".join(f"{c}: {m}" for c, m in sorted(wrong.items())[:5]),
                errors=validation.Checked({}, wrong).as_errors(),
            )
        anonymous = answering.survey.anonymous
        invitation = answering.invitation
        now = utcnow()
        # An anonymous response says which day, never which moment (see the module).
        stamp = policies.anonymous_moment(now) if anonymous else now
        response = answering.response or self._new_response(answering, stamp)
        first_submission = submit and response.status != "submitted"
        changes: dict[str, Any] = {
            "answers": checked.answers,
            "version": answering.version.number,
            "language": data.language or response.language,
            "updated_at": stamp,
        }
        invitation_changes: dict[str, Any] = {}
        if submit:
            changes |= {"status": "submitted", "submitted_at": stamp}
            invitation_changes["status"] = "submitted"
            if anonymous:
                changes["respondent_key"] = None  # cut from the link: found by nothing now
            elif invitation.actor_id:
                changes["profile"] = await self._profile(session, invitation.actor_id)
        elif not anonymous and invitation.status == "invited":
            invitation_changes["status"] = "partial"
        if not anonymous:
            invitation_changes["updated_at"] = now
        await self._store(session, answering, response, changes, secret=secret, token=token)
        if invitation_changes:
            await response_repository.update_invitation(session, invitation.id, invitation_changes)
            invitation.status = invitation_changes.get("status", invitation.status)
        if response.status == "submitted":  # its counted form, for results (rewritten on edits)
            await answer_service.record(
                session,
                response,
                sections=answering.sections,
                # Only an invitation after a training has a feedback row (the training cut).
                invitation_id=invitation.id if invitation.training_id is not None else None,
                first=first_submission,
            )
        if first_submission:
            event_id = uuid.uuid4() if anonymous else response.id
            await outbox.emit(
                session,
                type=RESPONSE_SUBMITTED,
                subject=str(event_id),
                data=ResponseSubmitted(
                    id=event_id,
                    survey_id=answering.survey.id,
                    version=response.version,
                    anonymous=anonymous,
                    actor_id=response.actor_id,
                    submitted_at=stamp,
                ).model_dump(mode="json"),
            )
        return answering

    async def _store(
        self,
        session: AsyncSession,
        answering: Answering,
        response: StoredResponse,
        changes: dict[str, Any],
        *,
        secret: str,
        token: str,
    ) -> None:
        """Write ``changes`` to the response (inserted when new), and to ``response``."""
        for name, value in changes.items():
            if name != "respondent_key":  # not read through a link: not in StoredResponse
                setattr(response, name, value)
        if answering.response is not None:
            await response_repository.update(session, response.id, changes)
            return
        anonymous = answering.survey.anonymous
        # An anonymous response is found again through its key while partial (see the module).
        keyed = anonymous and response.status != "submitted"
        await response_repository.add(
            session,
            response,
            invitation_id=None if anonymous else answering.invitation.id,
            respondent_key=respondent_key(secret, token) if keyed else None,
            created_at=changes["updated_at"],  # created by its first save
        )
        answering.response = response

    def _new_response(self, answering: Answering, stamp: datetime) -> StoredResponse:
        invitation, anonymous = answering.invitation, answering.survey.anonymous
        return StoredResponse(
            id=uuid.uuid4(),
            survey_id=answering.survey.id,
            version=answering.version.number,
            actor_id=None if anonymous else invitation.actor_id,
            profile=None,
            answers={},
            status="partial",
            language=invitation.language,
            updated_at=stamp,
            submitted_at=None,
        )

    async def _profile(self, session: AsyncSession, actor_id: uuid.UUID) -> dict[str, Any] | None:
        """What the actor was when it answered: the cuts of this wave's results."""
        actor = await known_actor_repository.get(session, actor_id)
        if actor is None:
            return None
        return {
            "kind": actor.kind,
            "types": actor.types,
            "circle": actor.circle,
            "clubs": actor.clubs,
            "themes": actor.themes,
            "department": actor.department,
            "region": actor.region,
            "member": actor.member,
        }


response_service = ResponseService()
