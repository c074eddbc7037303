"""``maillage surveys import FILE.xlsx|FILE.json`` and ``maillage surveys invite SURVEY
[filters]``: questionnaires from the command line, through the gateway.

``invite`` takes the directory's filters as ``key=value`` (``type=museum region=76 member=true``;
a key given twice is "any of") and prints the report of a dry run; with ``--for-real`` it
invites instead and prints the report of that run, once. The server makes the invitations in
one request (2,000 in under 2 s); their messages then leave through the mail outbox, the long
part, so the progress bar follows the mailing (``GET /v1/surveys/{id}/invitations/summary``)
until nothing is left to send, for at most ``--follow`` seconds (the outbox goes on without us).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import IO, Any

import httpx

from maillage_cli.address import api_base, refused_key, unreachable
from maillage_cli.progress import POLL_SECONDS, bar

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRUE_WORDS = frozenset({"true", "yes", "1", "oui", "vrai"})
FALSE_WORDS = frozenset({"false", "no", "0", "non", "faux"})
LIST_FILTERS = ("type", "circle", "club", "theme", "department", "region", "status")
#: How long ``invite --for-real`` follows the mailing by default.
FOLLOW_SECONDS = 300.0


def register(commands: Any) -> None:
    """Add ``surveys`` and its subcommands to the ``maillage`` parser's ``commands``."""
    surveys = commands.add_parser("surveys", help="import questionnaires, invite an audience")
    surveys.add_argument(
        "--api-url",
        help="default: $MAILLAGE_API_URL, else the address `maillage run` wrote to "
        "var/api-url, else http://127.0.0.1:8000",
    )
    surveys.add_argument("--key", help="staff key; default: $MAILLAGE_ADMIN_KEY or var/admin-key")
    surveys.add_argument("--var-dir", type=Path, default=Path("var"))
    actions = surveys.add_subparsers(dest="surveys_command", required=True)
    imported = actions.add_parser("import", help="a draft from an XLSForm (.xlsx) or JSON file")
    imported.add_argument("file", type=Path)
    invite = actions.add_parser("invite", help="invite an audience (a dry run unless --for-real)")
    invite.add_argument("survey", help="the survey's id")
    invite.add_argument("filters", nargs="*", help="e.g. type=museum region=76 member=true")
    invite.add_argument("--for-real", action="store_true", help="make and mail the invitations")
    invite.add_argument(
        "--follow",
        type=float,
        default=FOLLOW_SECONDS,
        metavar="SECONDS",
        help="follow the mailing with a progress bar for at most this long (0: do not follow; "
        f"default {FOLLOW_SECONDS:g})",
    )


def audience_of(filters: list[str]) -> dict[str, Any]:
    """``["type=museum", "type=library", "member=true"]`` → the API's audience object."""
    audience: dict[str, Any] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise ValueError(f"'{item}' is not key=value")
        if key == "member":
            # Strict: a typo read as "false" would invite the non-members for real.
            if value.lower() not in TRUE_WORDS | FALSE_WORDS:
                raise ValueError(f"{item}: true or false")
            audience["member"] = value.lower() in TRUE_WORDS
        elif key == "circle":
            if value not in ("1", "2", "3"):
                raise ValueError(f"{item}: 1, 2 or 3")
            audience.setdefault(key, []).append(int(value))
        elif key in LIST_FILTERS:
            audience.setdefault(key, []).append(value)
        else:
            raise ValueError(f"unknown filter '{key}' (one of {', '.join(LIST_FILTERS)}, member)")
    return audience


def _problem(response: httpx.Response, err: IO[str]) -> int:
    """Print a refusal once: its detail, then the field errors it does not already say (a
    validation problem's detail is its first errors in one line)."""
    refused = refused_key("maillage surveys", api_base(response), response)
    if refused is not None:  # a wrong key: say which API refused it and where keys come from
        print(refused, file=err)
        return 1
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    detail = str(body.get("detail") or body.get("title") or "")
    print(f"refused ({response.status_code}): {detail}", file=err)
    for error in body.get("errors") or []:
        line = f"{error.get('field')}: {error.get('message')}"
        if line not in detail:
            print(f"  {line}", file=err)
    return 1


async def import_file(
    client: httpx.AsyncClient, path: Path, *, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr
) -> int:
    """Upload ``path`` as a draft; print its id and title (0), the errors (1), or why the
    file cannot be read (2)."""
    try:
        content = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:  # missing, a directory, unreadable: the user's to fix, no traceback
        print(f"maillage surveys import: cannot read {path}: {exc.strerror or exc}", file=err)
        return 2
    if path.suffix.lower() == ".json":
        response = await client.post(
            "/v1/surveys/import", content=content, headers={"content-type": "application/json"}
        )
    else:
        response = await client.post(
            "/v1/surveys/import?format=xlsform", content=content, headers={"content-type": XLSX}
        )
    if response.status_code != 201:
        return _problem(response, err)
    survey = response.json()
    questions = sum(len(s["questions"]) for s in survey["sections"])
    print(
        f"draft {survey['id']}: {survey['title']['fr']} "
        f"({len(survey['sections'])} pages, {questions} questions)",
        file=out,
    )
    return 0


def _report(report: dict[str, Any], out: IO[str]) -> None:
    print(
        f"matched {report['matched']}, already invited {report['already_invited']}, "
        f"reachable {report['reachable']}, unreachable {len(report['unreachable'])}, "
        f"created {report['created']}",
        file=out,
    )
    for actor in report["unreachable"][:20]:
        print(f"  no e-mail: {actor['name']} ({actor['actor_id']})", file=out)


async def invite(
    client: httpx.AsyncClient,
    survey_id: str,
    filters: list[str],
    *,
    for_real: bool,
    out: IO[str] = sys.stdout,
    err: IO[str] = sys.stderr,
    progress: IO[str] = sys.stderr,
    follow: float = FOLLOW_SECONDS,
) -> int:
    """Report who the audience matches and, ``for_real``, invite them and follow their
    mailing for at most ``follow`` seconds."""
    try:
        audience = audience_of(filters)
    except ValueError as exc:
        print(f"maillage surveys invite: {exc}", file=err)
        return 2
    url = f"/v1/surveys/{survey_id}/invitations"
    if not for_real:
        dry = await client.post(url, json={"audience": audience})
        if dry.status_code != 200:
            return _problem(dry, err)
        _report(dry.json(), out)
        print(
            "Dry run: nobody was invited. To invite: maillage surveys invite --for-real …", file=out
        )
        return 0
    print("inviting…", file=progress)
    real = await client.post(url, json={"audience": audience, "dry_run": False})
    if real.status_code != 200:
        return _problem(real, err)
    _report(real.json(), out)
    if follow > 0:
        summary = await follow_mailing(client, survey_id, progress=progress, within=follow)
        mailing_report(summary["mail"], out)
    return 0


async def follow_mailing(
    client: httpx.AsyncClient, survey_id: str, *, progress: IO[str], within: float
) -> dict[str, Any]:
    """Draw how many of the survey's invitation messages have left the mail outbox, until
    none is left to send or ``within`` seconds have passed; the last summary."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        response = await client.get(f"/v1/surveys/{survey_id}/invitations/summary")
        response.raise_for_status()
        summary: dict[str, Any] = response.json()
        mail = summary["mail"]
        total = sum(mail.values())
        print("\r" + bar(total - mail["to_send"], total, "messages"), end="", file=progress)
        if not mail["to_send"] or loop.time() >= deadline:
            print(file=progress)
            return summary
        await asyncio.sleep(POLL_SECONDS)


def mailing_report(mail: dict[str, int], out: IO[str]) -> None:
    print(
        f"mailed {mail['sent']}, failed {mail['failed']}, unsubscribed {mail['suppressed']}, "
        f"still to send {mail['to_send']}",
        file=out,
    )
    if mail["to_send"]:
        print("The rest leaves through the mail outbox: GET /v1/mail/surveys shows it.", file=out)
    if mail["failed"]:
        print(
            "Failed messages: GET /v1/mail/surveys?status=failed, each sent again by "
            "POST /v1/mail/surveys/{id}/resend.",
            file=out,
        )


async def run(args: argparse.Namespace, key: str | None) -> int:
    """Run ``maillage surveys <args.surveys_command>``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    out, err = sys.stdout, sys.stderr  # as they are now (the defaults were bound at import)
    async with httpx.AsyncClient(base_url=args.api_url, headers=headers, timeout=120) as client:
        try:
            if args.surveys_command == "import":
                return await import_file(client, args.file, out=out, err=err)
            return await invite(
                client,
                args.survey,
                args.filters,
                for_real=args.for_real,
                out=out,
                err=err,
                progress=err,
                follow=args.follow,
            )
        except httpx.HTTPError as exc:  # no stack there: where its address came from
            origin = getattr(args, "origin", "--api-url")
            print(unreachable("maillage surveys", args.api_url, origin, exc), file=err)
            return 1
