"""Settings shared by every Maillage process.

Each service has its own prefix (``MAILLAGE_DIRECTORY_``...) for what is its own, such as its
database; what every process must agree on (the NATS URL, the identity secret) lives in
:class:`CommonSettings` under the plain ``MAILLAGE_`` prefix so an operator sets it once.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_IDENTITY_SECRET = "maillage-dev-identity-secret-change-me-in-production"  # noqa: S105


class CommonSettings(BaseSettings):
    """Values every process reads from ``MAILLAGE_*``."""

    model_config = SettingsConfigDict(env_prefix="MAILLAGE_", extra="ignore")

    nats_url: str = "nats://127.0.0.1:4222"
    identity_secret: SecretStr = SecretStr(DEV_IDENTITY_SECRET)
    identity_ttl_seconds: int = 60
    log_level: str = "INFO"
    environment: str = "development"


class ServiceSettings(BaseSettings):
    """Base of each service's ``Settings``; subclasses set ``env_prefix``."""

    model_config = SettingsConfigDict(env_prefix="MAILLAGE_SERVICE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/service.db"
    host: str = "127.0.0.1"
    port: int = 8001
    max_body_bytes: int = 1_048_576
    page_size_default: int = 50
    page_size_max: int = 200
    outbox_poll_seconds: float = 1.0
    outbox_batch_size: int = 200
    consumer_max_deliver: int = 5
    consumer_ack_wait_seconds: float = 30.0
    #: Run the service's background jobs inside the API process (simple, the embedded
    #: default); set false when a separate ``maillage-<service> worker`` process runs them.
    run_workers: bool = True
    common: CommonSettings = Field(default_factory=CommonSettings)
