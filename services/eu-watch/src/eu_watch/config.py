"""Settings of the eu-watch service (env prefix ``MAILLAGE_EU_WATCH_``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings

PORTAL_SEARCH_URL = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_EU_WATCH_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/eu_watch.db"
    port: int = 8004
    #: Durable consumer names start with this (one set per deployment).
    consumer_prefix: str = "eu-watch"
    #: Read your writes: how long a question about an actor (``for_actor``, ``lead``) or
    #: about every member (a call's matches) waits for the directory's events the projection
    #: has not applied yet (usually milliseconds); an actor still unknown is then a 422.
    actor_wait_seconds: float = Field(default=2.0, ge=0)

    #: The portal's search endpoint; the facet endpoint is its sibling ``…/facet``.
    sedia_url: str = PORTAL_SEARCH_URL
    #: false: no scheduled sync (staff can still ask for one, which then runs in this process).
    sedia_sync: bool = True
    sedia_sync_interval_seconds: float = Field(default=6 * 3600, gt=0)
    sedia_page_size: int = Field(default=100, ge=1, le=100)
    sedia_programme_period: str | None = "2021 - 2027"
    sedia_timeout_seconds: float = Field(default=60.0, gt=0)
    #: Attempts per page (5xx, timeouts, bodies that are not JSON), with exponential backoff.
    sedia_max_attempts: int = Field(default=5, ge=1)
    sedia_backoff_seconds: float = Field(default=2.0, ge=0)
    #: The longest a ``429 Retry-After`` is waited before the page is asked again.
    sedia_max_retry_after_seconds: float = Field(default=300.0, ge=0)
    #: How long a sync holds its lease without renewing it; each page renews it, so one page
    #: (its retries and Retry-After waits included) must take less.
    sync_lease_seconds: float = Field(default=600.0, gt=0)
    #: How often the scheduler looks for due work (syncs asked for, status moves).
    scheduler_tick_seconds: float = Field(default=30.0, gt=0)

    #: How often one replica (a lease) looks for calls new to each watch and sends what is
    #: due (0: no watch worker in this process).
    watch_check_seconds: float = Field(default=60.0, ge=0)
    #: When weekly watches get their digest: this weekday (0 Monday … 6 Sunday) from this
    #: hour, Europe/Paris; a digest holds the calls found before that moment.
    digest_weekday: int = Field(default=0, ge=0, le=6)
    digest_hour: int = Field(default=8, ge=0, le=23)
    #: Days before each cut-off of a followed call when its followers are reminded (and
    #: ``eu_watch.call.deadline_approaching`` is announced), once each.
    reminder_days: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default=[30, 7], min_length=1, max_length=5
    )
    #: How often one replica (a lease) looks for reminders due (0: none in this process).
    reminder_check_seconds: float = Field(default=900.0, ge=0)
