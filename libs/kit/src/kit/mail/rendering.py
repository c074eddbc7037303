"""Turning a mail outbox row into a MIME message: Jinja2 templates, fr/en, text + HTML.

A service's template folder holds, per language (``fr/``, ``en/``) and per template:

- ``<template>.txt``: ``{% block subject %}`` (one line) and ``{% block body %}`` (plain
  text, not escaped);
- ``<template>.html``: ``{% extends "mail/layout.html" %}`` and ``{% block content %}``
  (autoescaped: a title with ``<script>`` shows as text).

Templates see the row's ``data``, plus ``language``, ``public_url``, ``unsubscribe_link``
(reminders and digests) and the filters ``absolute`` (a path made absolute from
``MAILLAGE_PUBLIC_URL``), ``when`` (an ISO datetime told in Europe/Paris, in the message's
language) and ``day`` (its day alone, as ``when`` tells it). An undefined variable is an
error: the message fails visibly instead of going out with a blank.

Headers are built with :mod:`email`'s ``EmailMessage`` from values whose line breaks were
removed first: a name or a title cannot add a header.
"""

from __future__ import annotations

import base64
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from kit.mail.tokens import UnsubscribeTokens

PARIS = ZoneInfo("Europe/Paris")
KIT_TEMPLATES = Path(__file__).parent / "templates"
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")

_WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_MONTHS = {
    "fr": [
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ],
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
}  # fmt: skip


class MailTemplateError(Exception):
    """A message cannot be rendered (missing template, undefined variable, syntax error)."""


def one_line(value: str) -> str:
    """``value`` with every line break turned into a space: safe for a header."""
    return _LINE_BREAKS.sub(" ", value).strip()


def told_in_paris(value: str | datetime, language: str, *, with_time: bool = True) -> str:
    """``2026-12-08T13:30:00Z`` → ``mardi 8 décembre 2026 à 14:30`` (Europe/Paris), or
    ``mardi 8 décembre 2026`` without the time."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(PARIS)
    lang = language if language in _MONTHS else "fr"
    weekday = _WEEKDAYS[lang][local.weekday()]
    day = f"{weekday} {local.day} {_MONTHS[lang][local.month - 1]} {local.year}"
    if not with_time:
        return day
    if lang == "en":
        return f"{day} at {local:%H:%M}"
    return f"{day} à {local:%H:%M}"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class MailRenderer:
    """Renders one service's templates."""

    def __init__(self, templates: Path, *, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(templates), jinja2.FileSystemLoader(KIT_TEMPLATES)]
            ),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters["absolute"] = self.absolute
        self.environment.filters["when"] = _when
        self.environment.filters["day"] = _day

    def absolute(self, path: str) -> str:
        """A path of the platform (``/p/...``) as a link from ``MAILLAGE_PUBLIC_URL``."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.public_url}/{path.lstrip('/')}"

    def render(
        self,
        template: str,
        language: str,
        data: dict[str, Any],
        *,
        unsubscribe_link: str | None = None,
    ) -> RenderedMail:
        """Render the subject, text and HTML parts, or raise :class:`MailTemplateError`."""
        context = {
            **self._with_absolute_links(data),
            "language": language,
            "public_url": self.public_url,
            "unsubscribe_link": unsubscribe_link,
        }
        try:
            text_template = self.environment.get_template(f"{language}/{template}.txt")
            text_context = text_template.new_context(context)
            subject = one_line("".join(text_template.blocks["subject"](text_context)))
            body = "".join(text_template.blocks["body"](text_context)).strip() + "\n"
            html = self.environment.get_template(f"{language}/{template}.html").render(
                {**context, "subject": subject}
            )
        except (jinja2.TemplateError, KeyError, ValueError, TypeError) as exc:
            raise MailTemplateError(f"{type(exc).__name__}: {exc}") from exc
        if not subject:
            raise MailTemplateError(f"{language}/{template}.txt has an empty subject")
        if unsubscribe_link:
            body += f"\n--\n{_unsubscribe_line(language)} {unsubscribe_link}\n"
        return RenderedMail(subject=subject, text=body, html=html)

    def _with_absolute_links(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self._with_absolute_links(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._with_absolute_links(v, key) for v in value]
        if isinstance(value, str) and (key == "link" or key.endswith("_link")):
            return self.absolute(value) if value.startswith("/") else value
        return value


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, value: str | datetime) -> str:
    return told_in_paris(value, str(context.get("language", "fr")))


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, value: str | datetime) -> str:
    return told_in_paris(value, str(context.get("language", "fr")), with_time=False)


def _unsubscribe_line(language: str) -> str:
    if language == "en":
        return "Stop receiving these messages:"
    return "Ne plus recevoir ces messages :"


#: Headers written on the wire exactly as set. Python's SMTP policy folds every header to 78
#: characters and, where a header is one long token (a URL in angle brackets), turns it into
#: RFC 2047 encoded words: ``List-Unsubscribe: =?utf-8?q?=3Chttps=3A//...?=``, which no mail
#: client reads as a link, so RFC 8058 one-click unsubscription never worked. Their values
#: are ASCII URLs far below RFC 5322's 998-character line limit.
_VERBATIM_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


class _WirePolicy(email.policy.EmailPolicy):
    """``email.policy.SMTP`` (CRLF, folded at 78), but the verbatim headers left whole."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _VERBATIM_HEADERS:
            line = f"{name}: {value}"
            if not line.isascii() or len(line) > 998 or "\n" in line or "\r" in line:
                raise ValueError(f"{name} cannot be written as one ASCII line")
            return f"{line}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE_POLICY = _WirePolicy(linesep="\r\n")


def wire_bytes(message: EmailMessage, *, utf8: bool = False, cte_type: str = "8bit") -> bytes:
    """The message as it goes to the SMTP server (what ``aiosmtplib.send_message`` would
    flatten, with :data:`WIRE_POLICY`): ``utf8`` for a server taking SMTPUTF8 when an address
    needs it, ``cte_type="7bit"`` for one that does not offer 8BITMIME."""
    policy = WIRE_POLICY.clone(utf8=utf8, cte_type=cte_type)
    with BytesIO() as out:
        BytesGenerator(out, policy=policy).flatten(message)
        return out.getvalue()


def build_message(
    *,
    rendered: RenderedMail,
    mail_from: str,
    recipient: str,
    recipient_name: str | None,
    message_id: str,
    language: str,
    created_at: datetime,
    unsubscribe_link: str | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> EmailMessage:
    """The MIME message: ``multipart/alternative`` text + HTML, then attachments."""
    message = EmailMessage()
    from_name, from_address = parseaddr(mail_from)
    message["From"] = _address(from_address, from_name)
    message["To"] = _address(recipient, recipient_name)
    message["Subject"] = one_line(rendered.subject)
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = f"<{one_line(message_id)}>"
    message["Content-Language"] = language
    # RFC 3834: an automatic message; vacation responders stay quiet.
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_link:
        message["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    for attachment in attachments or []:
        maintype, _, subtype = attachment["content_type"].partition(";")[0].partition("/")
        message.add_attachment(
            base64.b64decode(attachment["content_base64"]),
            maintype=maintype.strip() or "application",
            subtype=subtype.strip() or "octet-stream",
            filename=one_line(attachment["filename"]),
            # Text attachments (an .ics) are UTF-8: said so, so clients read accents right.
            params={"charset": "utf-8"} if maintype.strip() == "text" else {},
        )
    return message


def _address(addr_spec: str, display_name: str | None) -> Address:
    """An address header value; raises ValueError for an address that is not one."""
    addr_spec = one_line(addr_spec)
    if not addr_spec or "@" not in addr_spec or any(c in addr_spec for c in " <>,;\"'"):
        raise ValueError(f"not an e-mail address: {addr_spec!r}")
    return Address(display_name=one_line(display_name or ""), addr_spec=addr_spec)


def unsubscribe_link(
    renderer: MailRenderer, tokens: UnsubscribeTokens, address: str, kind: str
) -> str:
    """The absolute one-click unsubscribe link of ``address`` for ``kind``."""
    return renderer.absolute(f"/p/unsubscribe/{tokens.sign(address, kind)}")
