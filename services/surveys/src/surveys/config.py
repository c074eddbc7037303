"""Settings of the surveys service (env prefix ``MAILLAGE_SURVEYS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_SURVEYS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/surveys.db"
    port: int = 8003
    #: Durable consumer names start with this, so two deployments can share a NATS server.
    consumer_prefix: str = "surveys"
    #: Every this many seconds one replica reminds who has not answered (surveys with
    #: ``remind_after_days``) and closes the surveys whose ``closes_at`` has passed.
    schedule_check_seconds: float = 300.0
    #: Training attendees are invited to the satisfaction survey the next morning at this
    #: hour (Europe/Paris).
    feedback_invite_hour: int = 9
    #: How often the job looks for attendees whose morning has come (seconds).
    feedback_every_seconds: float = 60.0
    #: Responses a survey's public link may start in a minute from one client address...
    public_link_per_address_per_minute: int = Field(default=10, ge=1)
    #: ...and from everyone together (beyond either: a 429 with Retry-After).
    public_link_per_survey_per_minute: int = Field(default=300, ge=1)
    #: Read your writes: how long an invitation run naming actors (or an audience) waits for
    #: the directory's events about them before answering (the projection usually takes
    #: milliseconds); an actor still unknown is then a 422.
    actor_wait_seconds: float = 2.0
