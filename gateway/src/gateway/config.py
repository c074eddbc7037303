"""Settings of the gateway: env prefix ``MAILLAGE_GATEWAY_``, admin key ``MAILLAGE_ADMIN_KEY``."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.limits import RateLimits, TokenBuckets
from kit.settings import CommonSettings


class Settings(BaseSettings):
    """Where the services live, how long to wait for them, and the bootstrap admin key."""

    model_config = SettingsConfigDict(
        env_prefix="MAILLAGE_GATEWAY_", extra="ignore", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = 8000
    #: API keys live here; PostgreSQL in production (``postgresql+asyncpg://…``).
    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    directory_url: str = "http://127.0.0.1:8001"
    events_url: str = "http://127.0.0.1:8002"
    surveys_url: str = "http://127.0.0.1:8003"
    eu_watch_url: str = "http://127.0.0.1:8004"
    #: Longest wait for the next bytes from a service (headers or body) before a 504.
    upstream_timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 5.0
    max_body_bytes: int = 1_048_576
    #: Spreadsheets sent to POST /v1/imports may be this large (the directory's own limit).
    import_max_bytes: int = 50 * 1024 * 1024
    #: Most connections open to the services at once (kept alive between requests).
    upstream_connection_limit: int = 512
    #: How long an idle connection to a service is kept; under the services' own keep-alive.
    upstream_keepalive_seconds: float = 4.0
    openapi_cache_seconds: float = 30.0
    #: How long /readyz waits for each service.
    probe_timeout_seconds: float = 3.0
    #: How long the OpenAPI merge waits for each service's document. A service builds its
    #: document at the first request (seconds of CPU for the largest, many more on a loaded
    #: machine): at 3 s the first merged document after a start often left services out.
    #: Nobody waits on documentation as on /readyz, and a service that cannot be reached
    #: still fails at once.
    openapi_timeout_seconds: float = 30.0
    #: How long a verified key is trusted without asking the database again: a revocation
    #: made through another gateway process takes effect within this time.
    key_cache_seconds: float = 30.0
    #: ``last_used_at`` of a key is written at most this often.
    key_last_used_seconds: float = 60.0
    #: Calls a minute per API key, and the burst a key may spend at once; 0 turns it off.
    rate_limit_key_per_minute: float = 3000
    rate_limit_key_burst: int = 500
    #: Calls a minute per IP address for anonymous callers (and failed authentications).
    rate_limit_ip_per_minute: float = 1200
    rate_limit_ip_burst: int = 200
    #: Calls in a row that fail to reach a service before the gateway stops trying it for
    #: ``circuit_cooldown_seconds`` (503 at once meanwhile); 0 turns the breakers off.
    circuit_failure_threshold: int = 5
    circuit_cooldown_seconds: float = 10.0
    #: Proxies in front of the gateway (addresses or networks, comma-separated) whose
    #: X-Forwarded-For names the caller. Rate limits by address (key guessing included)
    #: count that caller. Empty, the default: the TCP peer is always the caller. Not
    #: uvicorn's 127.0.0.1, which let any local process, or a proxy on the same host passing
    #: the client's header through, pick the address it is counted under.
    trusted_proxies: str = ""
    #: Front-end origins allowed to call the API from a browser, comma-separated
    #: (``https://app.example.org,https://admin.example.org``; ``*``: any). Empty: none.
    cors_origins: str = ""
    #: How long a browser may reuse a preflight answer.
    cors_max_age_seconds: int = 600
    #: The key(s) encrypting webhook endpoint and partner inbox secrets in the database
    #: (Fernet keys, comma-separated: the first encrypts, each decrypts, for a rotation; see
    #: gateway/encryption.py). Unset: read from ``secrets_key_file``.
    secrets_key: SecretStr | None = None
    #: The key file, one key a line, mode 0600 (``maillage run`` creates it in var/).
    secrets_key_file: Path = Path("var/gateway-secrets.key")
    #: Hosts that may receive webhooks whatever they resolve to, over http too
    #: (comma-separated, e.g. ``127.0.0.1,localhost`` for the embedded run and tests).
    webhook_allowed_hosts: str = ""
    #: After a secret rotation, how long the previous secret still signs deliveries.
    webhook_secret_grace_seconds: float = 24 * 3600
    #: Delays before each delivery attempt, in seconds (Svix's schedule); then it gives up.
    webhook_retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]
    )
    #: Longest wait for a receiver's answer.
    webhook_timeout_seconds: float = 15.0
    #: How often the worker looks for deliveries that are due.
    webhook_poll_seconds: float = 1.0
    #: An endpoint failing with no success for this long is disabled (its owner is told).
    webhook_disable_after_seconds: float = 5 * 24 * 3600
    #: Deliveries one worker posts at once, and at most to one endpoint (a slow receiver
    #: with a backlog leaves the other slots to the others).
    webhook_concurrency: int = 64
    webhook_endpoint_concurrency: int = 32
    #: How long deliveries that succeeded or failed are kept, with their attempts (counted
    #: from their creation; the worker deletes older ones every ``prune_every_seconds``);
    #: pending deliveries are kept until they finish, whatever their age.
    webhook_retention_days: float = 30.0
    #: Partner inbox: how far ``webhook-timestamp`` may be from now (either way).
    partner_inbox_tolerance_seconds: float = 300.0
    #: Largest body a partner may push to its inbox.
    partner_inbox_max_bytes: int = 256 * 1024
    #: After an inbox secret rotation, how long the previous secret is still accepted.
    partner_secret_grace_seconds: float = 24 * 3600
    #: Delays before each retry of a push the owning service could not take (5xx, timeout,
    #: no answer); the last delay repeats forever: a push is never dropped.
    partner_forward_retry_seconds: list[float] = Field(
        default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0]
    )
    #: Longest wait for the owning service's answer to a forwarded push.
    partner_forward_timeout_seconds: float = 15.0
    #: How often the worker looks for pushes to forward.
    partner_forward_poll_seconds: float = 1.0
    #: How long forwarded pushes and the received ``webhook-id`` values are kept (a repeat
    #: within it is dropped); rejected and pending pushes are kept until dealt with.
    partner_inbox_retention_days: float = 30.0
    #: Pushes the worker forwards at once.
    partner_forward_concurrency: int = 20
    #: How often the worker deletes what outlived ``webhook_retention_days`` and
    #: ``partner_inbox_retention_days``.
    prune_every_seconds: float = 3600.0
    page_size_default: int = 50
    page_size_max: int = 200
    # Bootstrap key: read from MAILLAGE_ADMIN_KEY (no gateway prefix, per the architecture).
    admin_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("MAILLAGE_ADMIN_KEY", "admin_key")
    )
    common: CommonSettings = Field(default_factory=CommonSettings)

    def rate_limits(self) -> RateLimits:
        """The limits these settings describe (a rate of 0 means no limit)."""

        def buckets(per_minute: float, burst: int) -> TokenBuckets | None:
            return TokenBuckets(per_minute=per_minute, burst=burst) if per_minute > 0 else None

        return RateLimits(
            by_key=buckets(self.rate_limit_key_per_minute, self.rate_limit_key_burst),
            by_address=buckets(self.rate_limit_ip_per_minute, self.rate_limit_ip_burst),
        )

    def service_urls(self) -> dict[str, str]:
        """Base URL of each service, by service name."""
        return {
            "directory": self.directory_url,
            "events": self.events_url,
            "surveys": self.surveys_url,
            "eu-watch": self.eu_watch_url,
        }
