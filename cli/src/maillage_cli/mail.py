"""``maillage mail list|show``: the messages the local sink of ``maillage run`` kept."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kit.mail.sink import ReceivedMail, received


def register(commands: Any) -> None:
    """Add ``mail`` and its subcommands to the ``maillage`` parser's ``commands``."""
    mail = commands.add_parser(
        "mail", help="list or show the messages kept by the local mail sink (var/mail/)"
    )
    actions = mail.add_subparsers(dest="mail_command", required=True)
    listing = actions.add_parser("list", help="one line per message, newest last")
    listing.add_argument("--var-dir", type=Path, default=Path("var"), help="default: var/")
    listing.add_argument("--to", help="only messages to this address")
    listing.add_argument("--last", type=int, help="only the last N messages")
    show = actions.add_parser("show", help="print one message (its headers and text part)")
    show.add_argument("id", help="a message id from `maillage mail list`")
    show.add_argument("--var-dir", type=Path, default=Path("var"), help="default: var/")
    show.add_argument("--raw", action="store_true", help="the whole .eml, as received")


def run(args: argparse.Namespace) -> int:
    directory = args.var_dir / "mail"
    mails = received(directory)
    if args.mail_command == "list":
        return list_mails(mails, directory, to=args.to, last=args.last)
    return show_mail(mails, args.id, raw=args.raw)


def list_mails(
    mails: list[ReceivedMail], directory: Path, *, to: str | None, last: int | None
) -> int:
    if to:
        mails = [m for m in mails if to.lower() in (a.lower() for a in m.envelope_to)]
    if last:
        mails = mails[-last:]
    if not mails:
        print(f"No message in {directory}/.")
        return 0
    for mail in mails:
        recipients = ", ".join(mail.envelope_to) or str(mail.message["To"])
        print(f"{mail.id}  {mail.message['Date']}  {recipients}  {mail.message['Subject']}")
    return 0


def show_mail(mails: list[ReceivedMail], mail_id: str, *, raw: bool) -> int:
    found = next((m for m in mails if m.id == mail_id or m.id.startswith(mail_id)), None)
    if found is None:
        print(f"maillage mail show: no message {mail_id}", file=sys.stderr)
        return 1
    if raw:
        sys.stdout.write(found.path.read_text(errors="replace"))
        return 0
    for header in ("Date", "From", "To", "Subject", "Message-ID", "List-Unsubscribe"):
        if found.message[header]:
            print(f"{header}: {found.message[header]}")
    attachments = [name for name, _ in found.attachments()]
    if attachments:
        print(f"Attachments: {', '.join(attachments)}")
    print()
    print(found.text)
    return 0
