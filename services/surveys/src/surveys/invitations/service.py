"""Invitations: who is asked to answer, with a personal link each, and their reminders.
Services flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.surveys import INVITATION_CREATED, InvitationCreated
from contracts.vocabularies import SurveyStatus
from kit.identity import Identity
from kit.mail import MailCategory, MailStatus
from kit.mail.repository import mail_repository
from kit.models import utcnow
from kit.paging import Page, PageParams, build_page, decode_time_id_cursor, time_id_key
from kit.problems import InvalidInput
from surveys.actors.models import KnownActor
from surveys.actors.repository import ActorFilter, known_actor_repository
from surveys.db import mail, outbox
from surveys.feedback.repository import feedback_repository
from surveys.invitations import policies
from surveys.invitations.errors import (
    InvitationNotFound,
    InvitationsClosed,
    InvitationsForbidden,
    PublicLinkBusy,
)
from surveys.invitations.models import Invitation
from surveys.invitations.repository import invitation_repository, public_link_count_repository
from surveys.invitations.schemas import (
    Audience,
    InvitationRead,
    InvitationReport,
    InvitationRun,
    InvitationSummary,
    MailingProgress,
    ReminderReport,
    Unreachable,
)
from surveys.links import form_path, form_url, may_be_token, new_token
from surveys.questionnaires.errors import SurveyNotFound
from surveys.questionnaires.models import Survey
from surveys.questionnaires.repository import survey_repository
from surveys.responses.errors import ResponseLinkNotFound

#: What a respondent unsubscribes from: every survey message (invitations and reminders).
MAIL_KIND = "surveys"
INVITATION_TEMPLATE = "survey_invitation"
REMINDER_TEMPLATE = "survey_reminder"


def mail_key(template: str, invitation_id: uuid.UUID) -> str:
    """The mail outbox's key of an invitation's message: one message per template and
    invitation, however often a run or a reminder is retried."""
    return f"{template}:{invitation_id}"


@dataclass(frozen=True)
class _Invitee:
    actor_id: uuid.UUID | None
    email: str | None
    name: str | None
    language: str
    source: str


@dataclass(frozen=True)
class Training:
    """What an invitation after a training's attendance tells of that training."""

    id: uuid.UUID
    title: str
    starts_at: datetime | None = None
    place: str | None = None

    def mail_data(self) -> dict[str, Any]:
        return {
            "training": self.title,
            "training_starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "training_place": self.place,
        }


#: The mail data of an invitation that follows no training.
NO_TRAINING: dict[str, Any] = {"training": None, "training_starts_at": None, "training_place": None}


def _client_key(secret: str, survey_id: uuid.UUID, address: str | None) -> str:
    """Who counts as one client of a public link: a keyed hash of the address (callers
    without one share a count), so the counts never hold an address."""
    message = f"surveys-public-link:{survey_id}:{address or '-'}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def audience_filter(audience: Audience) -> ActorFilter:
    return ActorFilter(
        types=[t.value for t in audience.type],
        circles=list(audience.circle),
        clubs=[c.value for c in audience.club],
        themes=[t.value for t in audience.theme],
        departments=list(audience.department),
        regions=list(audience.region),
        member=audience.member,
        statuses=[s.value for s in audience.status],
    )


class InvitationService:
    async def invite(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        run: InvitationRun,
        identity: Identity,
    ) -> InvitationReport:
        """Match the run against the actor projection; unless ``dry_run``, invite each new
        actor and person once (running it again adds only who is new) and mail the link."""
        survey = await survey_repository.lock(session, survey_id)
        if survey is None:
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        if not run.dry_run and survey.status != SurveyStatus.OPEN:
            raise InvitationsClosed(
                f"Invitations go out for an open survey; this one is {survey.status}"
                " (a dry run still reports who would be invited)."
            )
        if survey.status in (SurveyStatus.CLOSED, SurveyStatus.ARCHIVED):
            raise InvitationsClosed(f"The survey is {survey.status}.")
        actors = await self._actors_of(session, run)
        invited = await invitation_repository.invited_actor_ids(
            session, survey.id, [a.id for a in actors]
        )
        emails = {p.email.lower(): p for p in run.people}
        invited_emails = await invitation_repository.invited_emails(session, survey.id, emails)
        invitees = [
            _Invitee(a.id, a.email, a.name, run.language, "audience" if run.audience else "actor")
            for a in actors
            if a.id not in invited
        ] + [
            _Invitee(None, email, person.name, person.language, "email")
            for email, person in emails.items()
            if email not in invited_emails
        ]
        report = InvitationReport(
            dry_run=run.dry_run,
            matched=len(actors) + len(emails),
            already_invited=len(invited) + len(invited_emails),
            reachable=sum(1 for i in invitees if i.email),
            unreachable=[
                Unreachable(actor_id=a.id, name=a.name)
                for a in actors
                if a.id not in invited and not a.email
            ],
            created=0,
        )
        if run.dry_run or not invitees:
            return report
        created = await self._create(session, survey, invitees, identity=identity)
        return report.model_copy(update={"created": len(created)})

    async def invite_after_training(
        self,
        session: AsyncSession,
        *,
        survey: Survey,
        training: Training,
        email: str,
        name: str | None,
        language: str,
        identity: Identity,
    ) -> Invitation | None:
        """Invite an attendee of a training to its satisfaction survey, once per training and
        address (None when already invited for this training), in their language (French
        unless English); the mail names the training, its day and its place."""
        email = email.strip().lower()
        if await invitation_repository.of_training(session, survey.id, training.id, email):
            return None
        invitee = _Invitee(None, email, name, "en" if language == "en" else "fr", "training")
        [invitation] = await self._create(
            session, survey, [invitee], identity=identity, training=training
        )
        return invitation

    async def _actors_of(self, session: AsyncSession, run: InvitationRun) -> list[KnownActor]:
        found: dict[uuid.UUID, KnownActor] = {}
        if run.audience is not None:
            for actor in await known_actor_repository.matching(
                session, audience_filter(run.audience)
            ):
                found[actor.id] = actor
        if run.actor_ids:
            named = await known_actor_repository.get_many(session, run.actor_ids)
            for index, actor_id in enumerate(run.actor_ids):
                known = named.get(actor_id)
                if known is None or known.deleted_at is not None or known.merged_into:
                    raise InvalidInput(f"actor_ids[{index}]", f"no live actor {actor_id}")
                found[actor_id] = known
        return list(found.values())

    async def _create(
        self,
        session: AsyncSession,
        survey: Survey,
        invitees: Sequence[_Invitee],
        *,
        identity: Identity,
        training: Training | None = None,
    ) -> list[Invitation]:
        now = utcnow()
        invitations = [
            Invitation(
                id=uuid.uuid4(),
                survey_id=survey.id,
                actor_id=invitee.actor_id,
                email=invitee.email,
                name=invitee.name,
                token=new_token(),
                source=invitee.source,
                language=invitee.language,
                status="invited",
                reminders_sent=0,
                created_at=now,
                updated_at=now,
                created_by=identity.subject,
                training_id=training.id if training else None,
            )
            for invitee in invitees
        ]
        session.add_all(invitations)
        await session.flush()
        await outbox.emit_many(
            session,
            [
                (
                    INVITATION_CREATED,
                    str(invitation.id),
                    InvitationCreated(
                        id=invitation.id,
                        survey_id=survey.id,
                        actor_id=invitation.actor_id,
                        created_at=now,
                    ).model_dump(mode="json"),
                )
                for invitation in invitations
            ],
        )
        for invitation in invitations:
            if invitation.email:
                await self._mail(
                    session,
                    survey,
                    invitation,
                    template=INVITATION_TEMPLATE,
                    training=training,
                )
        return invitations

    async def public_survey(self, session: AsyncSession, *, public_token: str) -> Survey:
        """The open survey whose public link this is; any other (a token that cannot be
        one, an unknown one, a survey closed or deleted since) is the same 404 page."""
        survey = (
            await survey_repository.by_public_token(session, public_token)
            if may_be_token(public_token)
            else None
        )
        if survey is None or survey.status != SurveyStatus.OPEN or not survey.current_version:
            raise ResponseLinkNotFound
        return survey

    async def start_public(
        self,
        session: AsyncSession,
        *,
        public_token: str,
        client_address: str | None,
        secret: str,
        limits: policies.PublicLinkLimits,
    ) -> str:
        """A new anonymous-link invitation of the open survey whose public link this is;
        its personal token (the respondent continues on ``/p/surveys/{token}``). Each
        address, and everyone together, may start so many per minute on one survey
        (:class:`PublicLinkBusy`, a 429 with ``Retry-After``, beyond)."""
        survey = await self.public_survey(session, public_token=public_token)
        now = utcnow()
        window, retry_after = policies.public_link_window(now)
        counts = public_link_count_repository
        await counts.forget_before(session, survey_id=survey.id, window_start=window)
        by_address = await counts.hit(
            session,
            survey_id=survey.id,
            client=_client_key(secret, survey.id, client_address),
            window_start=window,
        )
        in_all = await counts.hit(session, survey_id=survey.id, client="*", window_start=window)
        if not policies.public_link_allows(limits, by_address=by_address, in_all=in_all):
            raise PublicLinkBusy(retry_after=retry_after)  # the request's rollback uncounts it
        invitation = Invitation(
            id=uuid.uuid4(),
            survey_id=survey.id,
            token=new_token(),
            source="public_link",
            language="fr",
            status="invited",
            reminders_sent=0,
            created_at=now,
            updated_at=now,
        )
        session.add(invitation)
        await session.flush()
        return invitation.token

    async def remind(
        self, session: AsyncSession, *, survey_id: uuid.UUID, invited_days_ago: int = 0
    ) -> ReminderReport:
        """Remind once each invitation not submitted, with an address, at least
        ``invited_days_ago`` old; addresses that unsubscribed are counted, not mailed."""
        survey = await survey_repository.lock(session, survey_id)
        if survey is None:
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        if survey.status != SurveyStatus.OPEN:
            raise InvitationsClosed(f"Reminders go out for an open survey; it is {survey.status}.")
        return await self.remind_locked(
            session, survey, invited_before=utcnow() - timedelta(days=invited_days_ago)
        )

    async def remind_locked(
        self, session: AsyncSession, survey: Survey, *, invited_before: datetime
    ) -> ReminderReport:
        due = await invitation_repository.due_for_reminder(
            session, survey_id=survey.id, invited_before=invited_before
        )
        reminded = suppressed = 0
        now = utcnow()
        # A reminder after a training names it as its invitation did.
        trainings = {
            row.invitation_id: Training(
                row.event_id, row.event_title, row.event_starts_at, row.event_place
            )
            for row in await feedback_repository.of_invitations(
                session, [i.id for i in due if i.training_id is not None]
            )
        }
        for invitation in due:
            invitation.reminders_sent += 1
            invitation.last_reminded_at = now
            if invitation.email and await mail.is_suppressed(session, invitation.email, MAIL_KIND):
                suppressed += 1
                continue
            reminded += await self._mail(
                session,
                survey,
                invitation,
                template=REMINDER_TEMPLATE,
                training=trainings.get(invitation.id),
            )
        await session.flush()
        return ReminderReport(reminded=reminded, suppressed=suppressed)

    async def _mail(
        self,
        session: AsyncSession,
        survey: Survey,
        invitation: Invitation,
        *,
        template: str,
        training: Training | None = None,
    ) -> int:
        assert invitation.email is not None
        language = invitation.language
        title = survey.title.get(language) or survey.title["fr"]
        data: dict[str, Any] = {
            "survey": {
                "title": title,
                "closes_at": survey.closes_at.isoformat() if survey.closes_at else None,
                # Published before it opens: the link says "not open yet" until then.
                "opens_at": (
                    survey.opens_at.isoformat()
                    if survey.opens_at and survey.opens_at > utcnow()
                    else None
                ),
                "anonymous": survey.anonymous,
            },
            "name": invitation.name,
            "link": form_path(invitation.token),
            **(training.mail_data() if training else NO_TRAINING),
        }
        written = await mail.send(
            session,
            to=invitation.email,
            to_name=invitation.name,
            template=template,
            data=data,
            key=mail_key(template, invitation.id),
            language=language,
            category=MailCategory.REMINDER,
            kind=MAIL_KIND,
        )
        return int(written)

    async def summary(self, session: AsyncSession, *, survey_id: uuid.UUID) -> InvitationSummary:
        """A survey's invitations counted by status, and their messages by mail status."""
        if await survey_repository.get(session, survey_id) is None:
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        statuses = await invitation_repository.count_by_status(session, survey_id)
        addressed = await invitation_repository.addressed_ids(session, survey_id)
        mails = await mail_repository.statuses_of_keys(
            session, mail, [mail_key(INVITATION_TEMPLATE, i) for i in addressed]
        )
        total = sum(statuses.values())
        return InvitationSummary(
            invitations=total,
            invited=statuses.get("invited", 0),
            partial=statuses.get("partial", 0),
            submitted=statuses.get("submitted", 0),
            without_address=total - len(addressed),
            mail=MailingProgress(
                to_send=mails.get(MailStatus.PENDING, 0) + mails.get(MailStatus.SENDING, 0),
                sent=mails.get(MailStatus.SENT, 0),
                failed=mails.get(MailStatus.FAILED, 0),
                suppressed=mails.get(MailStatus.SUPPRESSED, 0),
            ),
        )

    async def list_of_survey(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        status: str | None,
        paging: PageParams,
        public_url: str,
    ) -> Page[InvitationRead]:
        """A page of a survey's invitations, oldest first, with their personal links."""
        if await survey_repository.get(session, survey_id) is None:
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        rows = await invitation_repository.list_after(
            session,
            survey_id=survey_id,
            status=status,
            after=decode_time_id_cursor(paging.after),
            limit=paging.limit + 1,
        )
        return await self._page(session, rows, paging, public_url=public_url)

    async def list_of_actor(
        self,
        session: AsyncSession,
        *,
        actor_id: uuid.UUID,
        identity: Identity,
        paging: PageParams,
        public_url: str,
    ) -> Page[InvitationRead]:
        """A page of an actor's invitations (and of the actor it was merged into)."""
        if not policies.may_see_invitations_of(identity, actor_id):
            raise InvitationsForbidden(
                "A member key sees the invitations of the actors it belongs to only."
            )
        survivor = await known_actor_repository.final_survivor(session, actor_id)
        rows = await invitation_repository.list_after(
            session,
            actor_ids=sorted({actor_id, survivor}),
            after=decode_time_id_cursor(paging.after),
            limit=paging.limit + 1,
        )
        return await self._page(session, rows, paging, public_url=public_url)

    async def _page(
        self,
        session: AsyncSession,
        rows: Sequence[Invitation],
        paging: PageParams,
        *,
        public_url: str,
    ) -> Page[InvitationRead]:
        items, next_cursor = build_page(rows, paging, key=lambda i: time_id_key(i.created_at, i.id))
        return Page(
            items=await self.to_reads(session, items, public_url=public_url), next=next_cursor
        )

    async def get(
        self, session: AsyncSession, *, invitation_id: uuid.UUID, identity: Identity
    ) -> Invitation:
        invitation = await invitation_repository.get(session, invitation_id)
        # Another actor's invitation answers as an unknown one: no oracle of who is invited.
        if invitation is None or not policies.may_see_invitations_of(identity, invitation.actor_id):
            raise InvitationNotFound(f"No invitation with id {invitation_id}.")
        return invitation

    async def to_reads(
        self, session: AsyncSession, invitations: Sequence[Invitation], *, public_url: str
    ) -> list[InvitationRead]:
        actors = await known_actor_repository.get_many(
            session, [i.actor_id for i in invitations if i.actor_id]
        )
        return [
            InvitationRead(
                id=i.id,
                survey_id=i.survey_id,
                actor_id=i.actor_id,
                actor_name=actors[i.actor_id].name if i.actor_id in actors else None,
                name=i.name,
                email=i.email,
                status=i.status,
                source=i.source,
                language=i.language,
                url=form_url(public_url, i.token),
                reminders_sent=i.reminders_sent,
                last_reminded_at=i.last_reminded_at,
                created_at=i.created_at,
            )
            for i in invitations
        ]


invitation_service = InvitationService()
