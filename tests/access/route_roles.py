"""Who may call what: every public route x every kind of caller -> the expected outcome.

This table is the one place the platform's access rules are written down;
``tests/access/test_route_roles.py`` walks every operation of the gateway's merged OpenAPI
with every caller below and fails on any difference, and on any route missing here (so a new
route must be classified before it ships). ``python tests/access/route_roles.py`` prints it
as Markdown.

Callers (columns):

- ``admin``, ``animator``: network staff keys;
- ``member``: a member key bound to actor A, on A's objects (A's actor record, an event A
  organizes, a resource A lends, a registration to A's event...);
- ``member@B``: the same key of A on actor B's objects (object-level rules, BOLA);
- ``partner``: a partner key of partner P, on P's objects (its webhook endpoints, the events
  it pushed under its own source) and on A's;
- ``partner@Q``: the same key of P on another partner Q's objects;
- ``reader``: a read-only key; ``anonymous``: no key at all.

Outcomes: ``ok`` (2xx/3xx: allowed and done), ``401`` (who are you?), ``403`` (known, not
allowed), ``404`` (hidden: the caller may not even learn that the object exists).

A route may appear several times with a variant in brackets when the object it is called on
changes the answer (``[pending]``: an event submitted by a member and not yet moderated;
``[draft]``: a survey not yet open; ``[shadow]``: a shadow actor record that may be claimed;
``[signed]``: a push signed with the partner's inbox secret).
"""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("admin", "animator", "member", "member@B", "partner", "partner@Q", "reader", "anonymous")
OUTCOMES = frozenset({"ok", "401", "403", "404"})

# fmt: off
TABLE = """
method path                                                                    variant adm  anim mem  m@B  part p@Q  read anon
GET    /healthz                                                                -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /readyz                                                                 -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/vocabularies                                                        -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/territories/communes                                                -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/territories/communes/{code}                                         -       ok   ok   ok   ok   ok   ok   ok   ok

# directory: actors. Staff create, delete, merge, see stats and duplicates; members edit their own
# and claim shadow records. Reader keys only read; partner keys only sync their platform's data.
GET    /v1/actors                                                              -       ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/actors                                                              -       ok   ok   403  403  403  403  403  401
GET    /v1/actors/export                                                       -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/actors/stats                                                        -       ok   ok   403  403  403  403  403  401
GET    /v1/actors/{actor_id}                                                   -       ok   ok   ok   ok   ok   ok   ok   ok
PATCH  /v1/actors/{actor_id}                                                   -       ok   ok   ok   403  403  403  403  401
DELETE /v1/actors/{actor_id}                                                   -       ok   ok   403  403  403  403  403  401
GET    /v1/actors/{actor_id}/history                                           -       ok   ok   ok   403  403  403  403  401
GET    /v1/actors/{actor_id}/duplicates                                        -       ok   ok   403  403  403  403  403  401
POST   /v1/actors/{actor_id}/merge                                             -       ok   ok   403  403  403  403  403  401
POST   /v1/actors/{actor_id}/claims                                            shadow  ok   ok   ok   ok   403  403  403  401
GET    /v1/actors/{actor_id}/claims                                            shadow  ok   ok   403  403  403  403  403  401
POST   /v1/actors/{actor_id}/claims/{claim_id}/decision                        shadow  ok   ok   403  403  403  403  403  401

# directory: the resource catalogue. Members lend on behalf of their own actor only.
GET    /v1/resources                                                           -       ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/resources                                                           -       ok   ok   ok   403  403  403  403  401
GET    /v1/resources/guide                                                     -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/resources/{resource_id}                                             -       ok   ok   ok   ok   ok   ok   ok   ok
PATCH  /v1/resources/{resource_id}                                             -       ok   ok   ok   403  403  403  403  401
DELETE /v1/resources/{resource_id}                                             -       ok   ok   ok   403  403  403  403  401

# directory: spreadsheet imports are staff work.
POST   /v1/imports                                                             -       ok   ok   403  403  403  403  403  401
GET    /v1/imports                                                             -       ok   ok   403  403  403  403  403  401
GET    /v1/imports/{import_id}                                                 -       ok   ok   403  403  403  403  403  401
POST   /v1/imports/{import_id}/run                                             -       ok   ok   403  403  403  403  403  401

# events: members submit events of their own actors (pending); animators moderate. An event
# not published yet is hidden (404) from all but staff and its organizers' members.
# Reader and partner keys can never write or manage events: refused by role (403) before
# the event is read, pending or not.
GET    /v1/events                                                              -       ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/events                                                              -       ok   ok   ok   403  403  403  403  401
GET    /v1/events.ics                                                          -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/events.rss                                                          -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/events.atom                                                         -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/events/{event_id}                                                   -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/events/{event_id}                                                   pending ok   ok   ok   404  404  404  404  404
PATCH  /v1/events/{event_id}                                                   -       ok   ok   ok   403  403  403  403  401
PATCH  /v1/events/{event_id}                                                   pending ok   ok   ok   404  403  403  403  401
DELETE /v1/events/{event_id}                                                   -       ok   ok   ok   403  403  403  403  401
DELETE /v1/events/{event_id}                                                   pending ok   ok   ok   404  403  403  403  401
GET    /v1/events/{event_id}/history                                           -       ok   ok   ok   403  403  403  403  401
GET    /v1/events/{event_id}/history                                           pending ok   ok   ok   404  403  403  403  401
GET    /v1/events/{event_id}.ics                                               -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/events/{event_id}.ics                                               pending ok   ok   ok   404  404  404  404  404

# events: partners write their own source's events only; staff run the OpenAgenda imports.
PUT    /v1/events/ext/{source}/{ext_id}                                        -       ok   ok   403  403  ok   403  403  401
DELETE /v1/events/ext/{source}/{ext_id}                                        -       ok   ok   403  403  ok   403  403  401
POST   /v1/events/imports/openagenda                                           -       ok   ok   403  403  403  403  403  401
GET    /v1/events/imports/openagenda/{agenda_uid}                              -       ok   ok   403  403  403  403  403  401

# events: registrations. Anyone signs up; organizers' members and staff manage. A registration
# itself is personal: without its token, to anyone else it does not exist (404).
POST   /v1/events/{event_id}/registrations                                     -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/events/{event_id}/registrations                                     -       ok   ok   ok   403  403  403  403  401
GET    /v1/events/{event_id}/registrations                                     pending ok   ok   ok   404  403  403  403  401
GET    /v1/events/{event_id}/registrations.csv                                 -       ok   ok   ok   403  403  403  403  401
GET    /v1/events/{event_id}/registrations.csv                                 pending ok   ok   ok   404  403  403  403  401
GET    /v1/registrations/{registration_id}                                     -       ok   ok   ok   404  404  404  404  404
POST   /v1/registrations/{registration_id}/cancel                              -       ok   ok   ok   404  404  404  404  404
POST   /v1/registrations/{registration_id}/approve                             -       ok   ok   ok   403  403  403  403  401
POST   /v1/registrations/{registration_id}/refuse                              -       ok   ok   ok   403  403  403  403  401
POST   /v1/registrations/{registration_id}/attendance                          -       ok   ok   ok   403  403  403  403  401
GET    /v1/events/{event_id}/attendance                                        -       ok   ok   ok   403  403  403  403  401
GET    /v1/events/{event_id}/attendance                                        pending ok   ok   ok   404  403  403  403  401

# mail: each service answers for its own messages; staff list them and resend (admins alone
# read what a message was rendered from).
GET    /v1/mail/events                                                         -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/events/{mail_id}                                               -       ok   ok   403  403  403  403  403  401
POST   /v1/mail/events/{mail_id}/resend                                        -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/directory                                                      -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/directory/{mail_id}                                            -       ok   ok   403  403  403  403  403  401
POST   /v1/mail/directory/{mail_id}/resend                                     -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/surveys                                                        -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/surveys/{mail_id}                                              -       ok   ok   403  403  403  403  403  401
POST   /v1/mail/surveys/{mail_id}/resend                                       -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/eu-watch                                                       -       ok   ok   403  403  403  403  403  401
GET    /v1/mail/eu-watch/{mail_id}                                             -       ok   ok   403  403  403  403  403  401
POST   /v1/mail/eu-watch/{mail_id}/resend                                      -       ok   ok   403  403  403  403  403  401

# surveys and EU watch: staff write; drafts are hidden from everyone else.
GET    /v1/surveys                                                             -       ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/surveys                                                             -       ok   ok   403  403  403  403  403  401
GET    /v1/surveys/{survey_id}                                                 -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/surveys/{survey_id}                                                 draft   ok   ok   404  404  404  404  404  404
POST   /v1/surveys/import                                                      -       ok   ok   403  403  403  403  403  401
PATCH  /v1/surveys/{survey_id}                                                 -       ok   ok   403  403  403  403  403  401
DELETE /v1/surveys/{survey_id}                                                 -       ok   ok   403  403  403  403  403  401
POST   /v1/surveys/{survey_id}/publish                                         -       ok   ok   403  403  403  403  403  401
POST   /v1/surveys/{survey_id}/close                                           -       ok   ok   403  403  403  403  403  401
POST   /v1/surveys/{survey_id}/archive                                         -       ok   ok   403  403  403  403  403  401
POST   /v1/surveys/{survey_id}/versions                                        -       ok   ok   403  403  403  403  403  401
GET    /v1/surveys/{survey_id}/versions                                        -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/surveys/{survey_id}/versions/{number}                               -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/surveys/{survey_id}/definition                                      -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/surveys/{survey_id}/definition                                      draft   ok   ok   404  404  404  404  404  404
POST   /v1/surveys/{survey_id}/invitations                                     -       ok   ok   403  403  403  403  403  401
GET    /v1/surveys/{survey_id}/invitations                                     -       ok   ok   403  403  403  403  403  401
GET    /v1/surveys/{survey_id}/invitations/summary                             -       ok   ok   403  403  403  403  403  401
POST   /v1/surveys/{survey_id}/reminders                                       -       ok   ok   403  403  403  403  403  401
# results: staff read any survey's; everyone else only published results (the open survey's
# are not: hidden); publishing, settings and exports are staff's.
GET    /v1/surveys/{survey_id}/results                                         -       ok   ok   404  404  404  404  404  404
GET    /v1/surveys/{survey_id}/crosstab                                        -       ok   ok   404  404  404  404  404  404
GET    /v1/surveys/{survey_id}/results/settings                                -       ok   ok   403  403  403  403  403  401
POST   /v1/surveys/{survey_id}/results/publish                                 -       ok   ok   403  403  403  403  403  401
DELETE /v1/surveys/{survey_id}/results/publish                                 -       ok   ok   403  403  403  403  403  401
GET    /v1/surveys/{survey_id}/responses.csv                                   -       ok   ok   403  403  403  403  403  401
GET    /v1/surveys/{survey_id}/responses.xlsx                                  -       ok   ok   403  403  403  403  403  401
# indicators: staff define them; a public one is read by all; the panel names actors: staff.
POST   /v1/indicators                                                          -       ok   ok   403  403  403  403  403  401
GET    /v1/indicators                                                          -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/indicators/{indicator_id}                                           -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/indicators/{indicator_id}.csv                                       -       ok   ok   ok   ok   ok   ok   ok   ok
PATCH  /v1/indicators/{indicator_id}                                           -       ok   ok   403  403  403  403  403  401
DELETE /v1/indicators/{indicator_id}                                           -       ok   ok   403  403  403  403  403  401
GET    /v1/indicators/{indicator_id}/panel                                     -       ok   ok   403  403  403  403  403  401
# responses: the personal link's token is the key, whoever holds it.
GET    /v1/responses/{token}                                                   -       ok   ok   ok   ok   ok   ok   ok   ok
PUT    /v1/responses/{token}                                                   -       ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/responses/{token}/submit                                            -       ok   ok   ok   ok   ok   ok   ok   ok
# invitations: a member key sees its own actor's invitations only; an invitation sent to a
# person's address is staff's.
GET    /v1/invitations                                                         -       ok   ok   ok   403  403  403  403  401
GET    /v1/invitations/{invitation_id}                                         -       ok   ok   404  404  404  404  404  401
GET    /v1/calls                                                               -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/calls.ics                                                           -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/calls.rss                                                           -       ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/calls                                                               -       ok   ok   403  403  403  403  403  401
GET    /v1/calls/{call_id}                                                     -       ok   ok   ok   ok   ok   ok   ok   ok
DELETE /v1/calls/{call_id}                                                     -       ok   ok   403  403  403  403  403  401
GET    /v1/calls/sources                                                       -       ok   ok   ok   ok   ok   ok   ok   ok
GET    /v1/calls/themes                                                        -       ok   ok   ok   ok   ok   ok   ok   ok
PUT    /v1/calls/themes/{theme}                                                -       ok   ok   403  403  403  403  403  401
GET    /v1/calls/{call_id}/matches                                             -       ok   ok   ok   ok   403  403  403  401
GET    /v1/calls/{call_id}/partners                                            -       ok   ok   ok   403  403  403  403  401
POST   /v1/calls/sources/sedia/sync                                            -       ok   ok   403  403  403  403  403  401
POST   /v1/calls/sources/sedia/import                                          -       ok   ok   403  403  403  403  403  401
# watches: a member's are its own actor's (another actor's are hidden); staff see every one
# and watch for the network; partner and reader keys have none.
POST   /v1/watches                                                             -       ok   ok   ok   403  403  403  403  401
GET    /v1/watches                                                             -       ok   ok   ok   403  403  403  403  401
GET    /v1/watches/{watch_id}                                                  -       ok   ok   ok   404  403  403  403  401
PATCH  /v1/watches/{watch_id}                                                  -       ok   ok   ok   404  403  403  403  401
DELETE /v1/watches/{watch_id}                                                  -       ok   ok   ok   404  403  403  403  401
# follows: a member follows calls for its own actor; naming another actor is refused.
GET    /v1/calls/followed                                                      -       ok   ok   ok   403  403  403  403  401
POST   /v1/calls/{call_id}/follow                                              -       ok   ok   ok   403  403  403  403  401
DELETE /v1/calls/{call_id}/follow                                              -       ok   ok   ok   403  403  403  403  401

# gateway: only admins manage keys (BFLA).
POST   /v1/api-keys                                                            -       ok   403  403  403  403  403  403  401
GET    /v1/api-keys                                                            -       ok   403  403  403  403  403  403  401
GET    /v1/api-keys/{key_id}                                                   -       ok   403  403  403  403  403  403  401
DELETE /v1/api-keys/{key_id}                                                   -       ok   403  403  403  403  403  403  401

# gateway: webhook endpoints belong to a partner (another partner's are hidden) or to admins.
POST   /v1/webhooks/endpoints                                                  -       ok   403  403  403  ok   ok   403  401
GET    /v1/webhooks/endpoints                                                  -       ok   403  403  403  ok   ok   403  401
GET    /v1/webhooks/endpoints/{endpoint_id}                                    -       ok   403  403  403  ok   404  403  401
PATCH  /v1/webhooks/endpoints/{endpoint_id}                                    -       ok   403  403  403  ok   404  403  401
DELETE /v1/webhooks/endpoints/{endpoint_id}                                    -       ok   403  403  403  ok   404  403  401
POST   /v1/webhooks/endpoints/{endpoint_id}/rotate                             -       ok   403  403  403  ok   404  403  401
POST   /v1/webhooks/endpoints/{endpoint_id}/test                               -       ok   403  403  403  ok   404  403  401
POST   /v1/webhooks/endpoints/{endpoint_id}/recover                            -       ok   403  403  403  ok   404  403  401
GET    /v1/webhooks/endpoints/{endpoint_id}/deliveries                         -       ok   403  403  403  ok   404  403  401
GET    /v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}           -       ok   403  403  403  ok   404  403  401
POST   /v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/resend    -       ok   403  403  403  ok   404  403  401

# gateway: the partner registry is admins' (a partner reads and rotates its own; another's is
# hidden); the inbox takes a Standard Webhooks signature, never an API key: unsigned is 401,
# signed is taken whoever calls; a push the service rejected is retried by admins and its partner.
POST   /v1/partners                                                            -       ok   403  403  403  403  403  403  401
GET    /v1/partners                                                            -       ok   403  403  403  403  403  403  401
GET    /v1/partners/{partner}                                                  -       ok   403  403  403  ok   404  403  401
POST   /v1/partners/{partner}/secret/rotate                                    -       ok   403  403  403  ok   404  403  401
POST   /v1/partners/{partner}/disable                                          -       ok   403  403  403  403  403  403  401
POST   /v1/partners/{partner}/enable                                           -       ok   403  403  403  403  403  403  401
GET    /v1/partners/{partner}/inbox/messages                                   -       ok   403  403  403  ok   404  403  401
POST   /v1/partners/{partner}/inbox                                            -       401  401  401  401  401  401  401  401
POST   /v1/partners/{partner}/inbox                                            signed  ok   ok   ok   ok   ok   ok   ok   ok
POST   /v1/partners/{partner}/inbox/messages/{message_id}/retry                -       ok   403  403  403  ok   404  403  401
"""  # noqa: E501
# fmt: on


@dataclass(frozen=True)
class Rule:
    """One row: an operation (on a variant of its object) and the outcome for each caller."""

    method: str
    path: str
    variant: str
    outcomes: dict[str, str]

    @property
    def label(self) -> str:
        suffix = f" [{self.variant}]" if self.variant else ""
        return f"{self.method} {self.path}{suffix}"


def parse(table: str = TABLE) -> list[Rule]:
    """The rows of ``table``; a malformed row raises ``ValueError`` naming it."""
    rules: list[Rule] = []
    seen: set[tuple[str, str, str]] = set()
    lines = [line for line in table.splitlines() if line.strip() and not line.startswith("#")]
    for line in lines[1:]:  # the first line is the header
        method, path, variant, *outcomes = line.split()
        if len(outcomes) != len(COLUMNS) or not set(outcomes) <= OUTCOMES:
            raise ValueError(f"bad access rule: {line!r}")
        key = (method, path, "" if variant == "-" else variant)
        if key in seen:
            raise ValueError(f"access rule given twice: {line!r}")
        seen.add(key)
        rules.append(Rule(*key, outcomes=dict(zip(COLUMNS, outcomes, strict=True))))
    return rules


RULES = parse()


def markdown(rules: list[Rule] = RULES) -> str:
    """The table as Markdown (for docs and reviews)."""
    head = ["operation", *COLUMNS]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for rule in rules:
        cells = [f"`{rule.label}`", *(rule.outcomes[c] for c in COLUMNS)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
