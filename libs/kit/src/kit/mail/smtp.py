"""The SMTP server a sender talks to, from ``MAILLAGE_SMTP_URL``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


@dataclass(frozen=True)
class SmtpServer:
    """``smtp://[user:pass@]host[:port]`` or ``smtps://...``.

    ``smtp://``: port 587 with credentials, else 25; STARTTLS is required when credentials
    are given (a password never crosses the network in clear) and used when offered
    otherwise (``?starttls=off`` to never try, for a local sink). ``smtps://``: TLS from the
    first byte, port 465.
    """

    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None
    validate_certs: bool = True

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            msg = "MAILLAGE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host"
            raise ValueError(msg)
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        use_tls = parts.scheme == "smtps"
        if use_tls:
            start_tls: bool | None = False
        elif options.get("starttls") == "off":
            start_tls = False
        elif username:
            start_tls = True
        else:
            start_tls = None
        default_port = 465 if use_tls else (587 if username else 25)
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            username=username,
            password=password,
            use_tls=use_tls,
            start_tls=start_tls,
            validate_certs=options.get("verify") != "off",
        )

    def client(self, *, timeout: float) -> aiosmtplib.SMTP:
        """A client, not yet connected (``await client.connect()`` logs in too)."""
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            validate_certs=self.validate_certs,
            timeout=timeout,
        )

    @property
    def display(self) -> str:
        """Where mail goes, without the password (for banners and logs)."""
        scheme = "smtps" if self.use_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"
