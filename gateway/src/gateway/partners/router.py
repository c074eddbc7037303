"""``/v1/partners``: the partner registry (admins) and each partner's signed inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway.dependencies import (
    GatewaySession,
    charge_address,
    charge_partner,
    gateway_of,
    identity_with_role,
)
from gateway.partners.errors import InvalidSignature
from gateway.partners.schemas import (
    MessageStatus,
    PartnerCreate,
    PartnerMessagePage,
    PartnerMessageRead,
    PartnerPage,
    PartnerPush,
    PartnerRead,
    PartnerSecret,
    PushAccepted,
    PushDuplicate,
)
from gateway.partners.service import inbox_service, partner_service, to_read
from kit.api_docs import register_role_requirement
from kit.identity import Identity, Role
from kit.models import utcnow
from kit.paging import PageParams, RowIdPath, page_params
from kit.problems import PayloadTooLarge

router = APIRouter(prefix="/v1/partners", tags=["partners"])

_KEY_PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "No key, or an unknown, malformed, expired or revoked one."},
    403: {"description": "The key may not do this."},
}
_SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


_admin = identity_with_role([Role.ADMIN], key="an API key", refusal="Only admins manage partners.")
#: An admin, or a partner key (which then sees only its own partner: others are 404).
_admin_or_partner = identity_with_role(
    [Role.ADMIN, Role.PARTNER],
    key="an API key",
    refusal="Only admins and the partner itself see a partner.",
)


# What the merged OpenAPI document says of these routes (x-roles), from the dependencies.
register_role_requirement(_admin, [Role.ADMIN])
register_role_requirement(
    _admin_or_partner,
    [Role.ADMIN, Role.PARTNER],
    "A partner key sees only its own partner (another's is a 404).",
)

AdminIdentity = Annotated[Identity, Depends(_admin)]
AdminOrPartnerIdentity = Annotated[Identity, Depends(_admin_or_partner)]


@router.post(
    "",
    status_code=201,
    summary="Register a partner (admins); its inbox secret is shown once",
    responses=_KEY_PROBLEMS | {409: {"description": "A partner with this slug exists."}},
)
async def create_partner(
    data: PartnerCreate, identity: AdminIdentity, session: GatewaySession, response: Response
) -> PartnerSecret:
    created = await partner_service.create(session, data=data, identity=identity)
    response.headers["location"] = f"/v1/partners/{created.slug}"
    response.headers["cache-control"] = "no-store"
    return created


@router.get("", summary="List partners by slug (admins)", responses=_KEY_PROBLEMS)
async def list_partners(
    identity: AdminIdentity,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
) -> PartnerPage:
    items, next_cursor = await partner_service.list(session, params=params)
    return PartnerPage(items=[to_read(p) for p in items], next=next_cursor)


@router.get(
    "/{partner}",
    summary="Read a partner, never its secret (admins, the partner's own keys)",
    responses=_KEY_PROBLEMS | {404: {"description": "No such partner (or not yours)."}},
)
async def read_partner(
    partner: str, identity: AdminOrPartnerIdentity, session: GatewaySession
) -> PartnerRead:
    return to_read(await partner_service.get(session, slug=partner, identity=identity))


@router.post(
    "/{partner}/secret/rotate",
    summary="Rotate the inbox secret; the old one is accepted during the grace period",
    responses=_KEY_PROBLEMS | {404: {"description": "No such partner (or not yours)."}},
)
async def rotate_partner_secret(
    partner: str,
    identity: AdminOrPartnerIdentity,
    session: GatewaySession,
    request: Request,
    response: Response,
) -> PartnerSecret:
    grace = timedelta(seconds=gateway_of(request).settings.partner_secret_grace_seconds)
    rotated = await partner_service.rotate(session, slug=partner, identity=identity, grace=grace)
    response.headers["cache-control"] = "no-store"
    return rotated


@router.post(
    "/{partner}/disable",
    summary="Disable a partner's inbox (admins): its pushes then answer 404",
    responses=_KEY_PROBLEMS | {404: {"description": "No such partner."}},
)
async def disable_partner(
    partner: str, identity: AdminIdentity, session: GatewaySession
) -> PartnerRead:
    return to_read(
        await partner_service.set_disabled(session, slug=partner, identity=identity, disabled=True)
    )


@router.post(
    "/{partner}/enable",
    summary="Enable a disabled partner's inbox again (admins)",
    responses=_KEY_PROBLEMS | {404: {"description": "No such partner."}},
)
async def enable_partner(
    partner: str, identity: AdminIdentity, session: GatewaySession
) -> PartnerRead:
    return to_read(
        await partner_service.set_disabled(session, slug=partner, identity=identity, disabled=False)
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"The push exceeds the inbox limit of {limit} bytes.", limit_bytes=limit
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"The push exceeds the inbox limit of {limit} bytes.", limit_bytes=limit
            )
        chunks.append(chunk)
    return b"".join(chunks)


_PUSH_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": PartnerPush.model_json_schema()}},
    },
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": description,
        }
        for name, description in (
            ("webhook-id", "The push's unique id: a repeat is dropped."),
            ("webhook-timestamp", "Unix seconds; at most 5 minutes from now, either way."),
            (
                "webhook-signature",
                "`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the inbox secret; "
                "several, space-separated, are allowed.",
            ),
        )
    ],
}


@router.post(
    "/{partner}/inbox",
    status_code=202,
    summary="Push a change, signed as Standard Webhooks says (no API key)",
    description="Answers 202 once the push is stored; the owning service gets it shortly "
    "after (see `GET /v1/partners/{partner}/inbox/messages`). A repeated `webhook-id` "
    "answers 200 and is dropped.",
    openapi_extra=_PUSH_DOC,
    responses={
        200: {"model": PushDuplicate, "description": "Already received: dropped."},
        401: {
            "description": "Missing, malformed, forged or stale signature, or no active "
            "partner of that name (answered alike): nothing stored."
        },
        413: {"description": "The body is over the inbox limit."},
        422: {"description": "Not a push: unknown `type`, no `data.id`… (field named)."},
    },
)
async def push_to_inbox(
    partner: str, request: Request, response: Response
) -> PushAccepted | PushDuplicate:
    gateway = gateway_of(request)
    settings = gateway.settings
    body = await _read_body(request, settings.partner_inbox_max_bytes)
    now = utcnow()
    headers = {name: request.headers.get(name, "") for name in _SIGNATURE_HEADERS}
    try:
        # Checked before any write: a forged push never takes the write lock.
        async with gateway.database.transaction(write=False) as session:
            webhook_id, push = await inbox_service.check(
                session,
                slug=partner,
                headers=headers,
                body=body,
                now=now,
                tolerance_seconds=settings.partner_inbox_tolerance_seconds,
            )
    except InvalidSignature:
        charge_address(request)
        raise
    charge_partner(request, partner)
    async with gateway.database.transaction() as session:
        stored = await inbox_service.store(
            session, slug=partner, webhook_id=webhook_id, push=push, body=body, now=now
        )
    if isinstance(stored, PushDuplicate):
        response.status_code = 200
    return stored


@router.get(
    "/{partner}/inbox/messages",
    summary="The partner's pushes, newest first, with their forwarding status and attempts",
    responses=_KEY_PROBLEMS | {404: {"description": "No such partner (or not yours)."}},
)
async def list_partner_messages(
    partner: str,
    identity: AdminOrPartnerIdentity,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
    status: Annotated[MessageStatus | None, Query(description="Only these.")] = None,
) -> PartnerMessagePage:
    items, next_cursor = await inbox_service.messages(
        session, slug=partner, identity=identity, status=status, params=params
    )
    return PartnerMessagePage(items=items, next=next_cursor)


@router.post(
    "/{partner}/inbox/messages/{message_id}/retry",
    summary="Forward a rejected push again, once what made the service refuse it is fixed",
    responses=_KEY_PROBLEMS
    | {
        404: {"description": "No such partner or message (or not yours)."},
        409: {"description": "Not rejected, or a later push about the record superseded it."},
    },
)
async def retry_partner_message(
    partner: str,
    message_id: RowIdPath,
    identity: AdminOrPartnerIdentity,
    session: GatewaySession,
) -> PartnerMessageRead:
    return await inbox_service.retry(
        session, slug=partner, message_id=message_id, identity=identity, now=utcnow()
    )
