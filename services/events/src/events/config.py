"""Settings of the events service (env prefix ``MAILLAGE_EVENTS_``)."""

from __future__ import annotations

from pydantic import SecretStr
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
    #: Partner sources whose pushed and imported events are published at once (comma-separated,
    #: e.g. ``openagenda,echosciences``); other sources' events wait as ``pending`` for an
    #: animator's moderation.
    trusted_sources: str = ""
    #: Read your writes: how long a write naming an organizer the calendar has not heard of
    #: yet waits for the directory's event before answering 422 (the projection usually
    #: takes milliseconds).
    organizer_wait_seconds: float = 2.0
    #: The OpenAgenda v2 API and the key it gives an account (read access to public events).
    openagenda_base_url: str = "https://api.openagenda.com/v2"
    openagenda_key: SecretStr = SecretStr("")
    #: Events asked per OpenAgenda page (its maximum is 300) and the timeout of each call.
    openagenda_page_size: int = 100
    openagenda_timeout_seconds: float = 30.0
    #: Every this many seconds, import what changed in each agenda imported before
    #: (0: only on demand, by ``maillage-events openagenda-import`` or the endpoint).
    openagenda_sync_interval_seconds: float = 0.0

    #: Confirmed registrants get a reminder this many hours before their event (0: none).
    reminder_hours_before: float = 24.0
    #: How often one replica looks for reminders to send.
    reminder_check_seconds: float = 300.0
    #: How long an anonymous registrant's seat is held (``pending_email``) for them to open
    #: the link mailed to them; and how often one replica frees the seats of expired holds.
    registration_hold_minutes: float = 30.0
    registration_hold_check_seconds: float = 60.0
    #: Unconfirmed holds one client address may have on one event at a time.
    registration_holds_per_client: int = 3

    def is_trusted(self, source: str) -> bool:
        """Whether ``source``'s events are published without moderation."""
        return source in {s.strip() for s in self.trusted_sources.split(",") if s.strip()}
