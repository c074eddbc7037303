"""Settings shared by every Maillage process.

Each service has its own prefix (``MAILLAGE_DIRECTORY_``...) for what is its own, such as its
database; what every process must agree on (the NATS URL, the identity secret) lives in
:class:`CommonSettings` under the plain ``MAILLAGE_`` prefix so an operator sets it once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_IDENTITY_SECRET = "maillage-dev-identity-secret-change-me-in-production"  # noqa: S105
#: The environment in which the built-in secret and short secrets are tolerated.
DEVELOPMENT = "development"
SettingsT = TypeVar("SettingsT", bound=BaseSettings)
#: HS256 keys shorter than the hash output (32 bytes) are brute-forceable (RFC 7518 §3.2).
MIN_IDENTITY_SECRET_BYTES = 32


class CommonSettings(BaseSettings):
    """Values every process reads from ``MAILLAGE_*``."""

    # A refused value must not be echoed into logs (it may be the secret itself).
    model_config = SettingsConfigDict(
        env_prefix="MAILLAGE_", extra="ignore", hide_input_in_errors=True
    )

    nats_url: str = "nats://127.0.0.1:4222"
    identity_secret: SecretStr = SecretStr(DEV_IDENTITY_SECRET)
    identity_ttl_seconds: int = 60
    log_level: str = "INFO"
    environment: str = DEVELOPMENT

    # Geocoding (see kit.geocoding): places written with a street and no coordinates are
    # placed at their address by the national address base (BAN) when the operator turns it
    # on; off, they stay at their commune's centre.
    geocoding_ban: bool = False
    #: The BAN's API (``/search/`` and the batch ``/search/csv/`` under it).
    geocoding_ban_url: str = "https://api-adresse.data.gouv.fr"
    geocoding_timeout_seconds: float = 5.0
    #: Results the BAN scores below this are ignored (the commune's centre stays).
    geocoding_min_score: float = 0.5

    # Mail (see kit.mail): where every service's sender hands its messages.
    #: ``smtp://user:pass@host:587`` (STARTTLS when the server offers it, required with a
    #: password), ``smtps://user:pass@host:465`` (TLS from the first byte). ``make run`` points
    #: it at its local sink unless it is set.
    smtp_url: SecretStr = SecretStr("smtp://127.0.0.1:8025")
    #: The ``From`` of every message.
    mail_from: str = "Maillage <no-reply@maillage.localhost>"
    #: Where people reach the platform: every link in a message is made absolute from it.
    public_url: str = "http://127.0.0.1:8000"
    #: Messages a service hands to the SMTP server per minute, all its replicas together
    #: (0: as fast as the server takes them).
    mail_rate_per_minute: int = 0
    #: Messages claimed per pass, and SMTP connections a sender uses at once.
    mail_batch_size: int = 100
    mail_connections: int = 4
    mail_poll_seconds: float = 2.0
    #: Temporary failures (server down, 4xx) are retried with backoff capped at this many
    #: seconds, at most ``mail_max_attempts`` times; then the message is recorded as failed.
    mail_retry_cap_seconds: float = 300.0
    mail_max_attempts: int = 20
    smtp_timeout_seconds: float = 30.0
    #: Where messages for the network's staff go (a claim to review, the daily summary);
    #: empty: staff get no mail.
    staff_email: str = ""
    #: A daily message to ``staff_email`` per service of what waits for staff (events to
    #: moderate, claims, failed mail), from this hour on (Europe/Paris); off by default.
    staff_summary: bool = False
    staff_summary_hour: int = 8

    @model_validator(mode="after")
    def _refuse_weak_identity_secret(self) -> Self:
        """Outside development, whoever knows the identity secret is admin of every service:
        refuse to start with the built-in one (it is public, in this repository) or with
        one short enough to guess."""
        if self.environment.strip().lower() == DEVELOPMENT:
            return self
        secret = self.identity_secret.get_secret_value()
        advice = 'generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        if secret == DEV_IDENTITY_SECRET:
            msg = (
                f"MAILLAGE_IDENTITY_SECRET is not set (MAILLAGE_ENVIRONMENT={self.environment}):"
                f" the built-in development secret is public and refused outside development;"
                f" {advice}"
            )
            raise ValueError(msg)
        if len(secret.encode()) < MIN_IDENTITY_SECRET_BYTES:
            msg = (
                f"MAILLAGE_IDENTITY_SECRET is too short ({len(secret.encode())} bytes,"
                f" MAILLAGE_ENVIRONMENT={self.environment}): at least"
                f" {MIN_IDENTITY_SECRET_BYTES} bytes are needed outside development; {advice}"
            )
            raise ValueError(msg)
        return self


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


def settings_or_exit(factory: Callable[[], SettingsT], *, program: str) -> SettingsT:
    """``factory()``, or exit with status 2 and one line per refused setting (no traceback:
    an operator reads it in a container's log)."""
    try:
        return factory()
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False):
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"  {where}: {message}" if where else f"  {message}")
        print(f"{program}: refusing to start:\n" + "\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None
