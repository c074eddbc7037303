"""What the invitations API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from contracts.text import ONE_LINE
from contracts.vocabularies import ActorStatus, ActorType, Circle, Club, Theme

Department = Annotated[str, Field(pattern=r"^(\d{2}|2[AB]|97\d)$")]
Region = Annotated[str, Field(pattern=r"^\d{2}$")]
#: Invitations made in one run at most (an audience of the whole network fits).
MAX_PER_RUN = 20_000


class Audience(BaseModel):
    """Who to invite, written as the directory's filters: each list is "any of", the filters
    together "all of"; an empty audience is every active actor."""

    model_config = ConfigDict(extra="forbid")

    type: list[ActorType] = []
    circle: list[Circle] = []
    club: list[Club] = []
    theme: list[Theme] = []
    department: list[Department] = []
    region: list[Region] = []
    member: bool | None = None
    status: list[ActorStatus] = [ActorStatus.ACTIVE]


class Person(BaseModel):
    """Someone invited by address, not as a directory actor."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: Annotated[str, Field(max_length=300), ONE_LINE] | None = None
    language: Literal["fr", "en"] = "fr"


class InvitationRun(BaseModel):
    """``POST /v1/surveys/{id}/invitations``: an audience, named actors, people, or several."""

    model_config = ConfigDict(extra="forbid")

    audience: Audience | None = None
    actor_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_PER_RUN)] = []
    people: Annotated[list[Person], Field(max_length=MAX_PER_RUN)] = []
    dry_run: bool = Field(True, description="Report who would be invited, invite nobody.")
    language: Literal["fr", "en"] = Field("fr", description="Of the actors' invitations.")

    @model_validator(mode="after")
    def _someone(self) -> InvitationRun:
        if self.audience is None and not self.actor_ids and not self.people:
            raise ValueError("give an audience, actor_ids or people")
        return self


class Unreachable(BaseModel):
    actor_id: uuid.UUID
    name: str


class InvitationReport(BaseModel):
    """What a run found (and, unless a dry run, did)."""

    dry_run: bool
    matched: int = Field(description="Actors and people the run names.")
    already_invited: int
    reachable: int = Field(description="New invitees with an e-mail address.")
    unreachable: list[Unreachable] = Field(description="New invitees without an address.")
    created: int = Field(description="Invitations made (0 in a dry run).")


class InvitationRead(BaseModel):
    id: uuid.UUID
    survey_id: uuid.UUID
    actor_id: uuid.UUID | None
    actor_name: str | None = None
    name: str | None
    email: str | None
    status: Literal["invited", "partial", "submitted"]
    source: str
    language: str
    url: str = Field(description="The personal link to the form.")
    reminders_sent: int
    last_reminded_at: datetime | None
    created_at: datetime


class MailingProgress(BaseModel):
    """Where the invitation messages are: written to the mail outbox, then handed to the
    SMTP server by the outbox's sender."""

    to_send: int = Field(description="Waiting in the mail outbox (pending or being sent).")
    sent: int = Field(description="Accepted by the SMTP server.")
    failed: int = Field(description="Refused for good; staff may resend them (/v1/mail).")
    suppressed: int = Field(description="Not sent: the address asked to hear no more.")


class InvitationSummary(BaseModel):
    """A survey's invitations counted: how many, how far their answers and their mails are."""

    invitations: int
    invited: int = Field(description="Not answered yet.")
    partial: int = Field(description="Saved, not submitted.")
    submitted: int
    without_address: int = Field(description="Invitations no message could be sent for.")
    mail: MailingProgress = Field(description="The invitation messages (not the reminders).")


class ReminderRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invited_days_ago: Annotated[int, Field(ge=0, le=365)] = Field(
        0, description="Remind only invitations at least this old."
    )


class ReminderReport(BaseModel):
    reminded: int = Field(description="Reminders written (each invitation is reminded once).")
    suppressed: int = Field(description="Not sent: the address asked to hear no more.")
