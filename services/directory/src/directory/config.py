"""Settings of the directory service (env prefix ``MAILLAGE_DIRECTORY_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_DIRECTORY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/directory.db"
    port: int = 8001
    #: Largest spreadsheet accepted by POST /v1/imports (bytes).
    import_max_bytes: int = 50 * 1024 * 1024
