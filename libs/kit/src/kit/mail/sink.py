"""A local SMTP server that keeps every message it receives as an ``.eml`` file.

``make run`` starts one (``python -m kit.mail.sink --dir var/mail --port N``) so that mail
works with no relay, and the tests use it as the real SMTP server whose received messages they
read (:func:`received`). It accepts any sender and recipient, unless told to refuse some
(``refuse``: address → SMTP answer such as ``"550 5.1.1 No such mailbox"``), which is how
tests see what a real server's refusal does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

Refusal = Callable[[str], str | None]


class _Handler:
    def __init__(self, directory: Path, refuse: Refusal | None) -> None:
        self.directory = directory
        self.refuse = refuse

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        answer = self.refuse(address) if self.refuse else None
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        envelope_lines = "".join(f"X-Sink-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:6]}"
        temporary = self.directory / f".{name}.tmp"
        # Written whole, then renamed: a reader never sees half a message. Its owner's alone
        # (0600): a message carries personal links, each as good as a password.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(envelope_lines.encode() + content)
        os.replace(temporary, self.directory / f"{name}.eml")
        return "250 Message accepted for delivery"


class MailSink:
    """The SMTP sink, in the running event loop; ``async with MailSink(dir) as sink``."""

    def __init__(
        self,
        directory: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        refuse: Refusal | None = None,
    ) -> None:
        self.directory = directory
        self.host = host
        self.port = port
        self.handler = _Handler(directory, refuse)
        self._server: asyncio.Server | None = None
        self._connections: set[SMTP] = set()
        # Messages already read, by file name: a file is written whole and never changes,
        # and a session-long sink holds thousands, which tests poll every 50 ms.
        self._read: dict[str, ReceivedMail] = {}

    @property
    def url(self) -> str:
        """The ``MAILLAGE_SMTP_URL`` that reaches this sink."""
        return f"smtp://{self.host}:{self.port}?starttls=off"

    async def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)  # its messages are for the owner alone, as var/ is

        def protocol() -> SMTP:
            connection = SMTP(self.handler, hostname="maillage-sink", ident="Maillage mail sink")
            self._connections.add(connection)
            return connection

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every open connection (as a crashed server would)."""
        if self._server is None:
            return
        self._server.close()
        for connection in self._connections:
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        self._connections.clear()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> MailSink:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def received(self) -> list[ReceivedMail]:
        return received(self.directory, cache=self._read)


@dataclass(frozen=True)
class ReceivedMail:
    """One ``.eml`` file of a sink's folder."""

    id: str
    path: Path
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return str(part.get_content()) if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return str(part.get_content()) if part is not None else ""

    @property
    def envelope_to(self) -> list[str]:
        return [str(v) for v in self.message.get_all("X-Sink-Envelope-To", [])]

    def attachments(self) -> list[tuple[str, bytes]]:
        """``(filename, bytes)`` of each attachment, as sent."""
        return [
            (str(part.get_filename()), bytes(part.get_payload(decode=True) or b""))
            for part in self.message.iter_attachments()
            if isinstance(part, EmailMessage)
        ]


def received(
    directory: Path, *, cache: dict[str, ReceivedMail] | None = None
) -> list[ReceivedMail]:
    """Every message kept in ``directory``, oldest first; with ``cache``, each file is parsed
    once (a file removed since is no longer listed)."""
    if not directory.exists():
        return []
    mails = []
    for path in sorted(directory.glob("*.eml")):
        mail = cache.get(path.name) if cache is not None else None
        if mail is None:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            mail = ReceivedMail(id=path.stem, path=path, message=message)
            if cache is not None:
                cache[path.name] = mail
        mails.append(mail)
    return mails


async def serve(directory: Path, host: str, port: int) -> None:
    async with MailSink(directory, host=host, port=port) as sink:
        print(f"mail sink: {sink.url} → {directory}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Keep every message received over SMTP.")
    parser.add_argument("--dir", type=Path, default=Path("var/mail"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.dir, args.host, args.port))


if __name__ == "__main__":
    main()
