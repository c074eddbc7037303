"""Settings of the eu-watch service (env prefix ``MAILLAGE_EU_WATCH_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_EU_WATCH_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/eu_watch.db"
    port: int = 8004
