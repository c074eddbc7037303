"""Settings of the events service (env prefix ``MAILLAGE_EVENTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_EVENTS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/events.db"
    port: int = 8002
    #: Durable consumer names start with this, so two deployments can share a NATS server.
    consumer_prefix: str = "events"
    #: Name calendar clients show for the iCalendar feed.
    ics_calendar_name: str = "Maillage — agenda du réseau"
    #: Events read per query while streaming the iCalendar feed (bounds its memory).
    ics_batch_size: int = 500
