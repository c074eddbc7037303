"""HTTP routes of /v1/resources: the catalogue and the travelling-exhibitions guide."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from fastapi.responses import HTMLResponse

from contracts.directory import ResourcePublic
from contracts.territory import Department
from contracts.vocabularies import Audience, Theme
from directory.resources import guide
from directory.resources.models import Resource
from directory.resources.schemas import ResourceCreate, ResourceKind, ResourceUpdate
from directory.resources.service import resource_service
from kit.etags import etag_for
from kit.identity import MemberOrStaffIdentity
from kit.paging import TEXT_ID, Page, PageParams, page_params
from kit.service import DbSession

router = APIRouter(prefix="/v1/resources", tags=["resources"])
Paging = Annotated[PageParams, Depends(page_params)]
IfMatch = Annotated[str | None, Header(description="ETag from a previous read.")]
GUIDE_LIMIT = 5000


async def resource_by_id(resource_id: uuid.UUID, session: DbSession) -> Resource:
    return await resource_service.get(session, resource_id=resource_id)


ResourceById = Annotated[Resource, Depends(resource_by_id)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a resource to the catalogue")
async def create_resource(
    body: ResourceCreate, session: DbSession, identity: MemberOrStaffIdentity, response: Response
) -> ResourcePublic:
    resource = await resource_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(resource.version)
    response.headers["Location"] = f"/v1/resources/{resource.id}"
    return resource_service.to_public(resource)


@router.get("", summary="Search the catalogue (full text, kind, theme, audience, loan)")
async def list_resources(
    session: DbSession,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[list[ResourceKind] | None, Query()] = None,
    theme: Annotated[list[Theme] | None, Query()] = None,
    audience: Annotated[list[Audience] | None, Query()] = None,
    owner_id: uuid.UUID | None = None,
    available: bool | None = None,
    department: Annotated[list[Department] | None, Query()] = None,
) -> Page[ResourcePublic]:
    after = TEXT_ID.decode(paging.after)
    rows = await resource_service.search(
        session,
        q=q,
        kinds=kind or [],
        themes=[t.value for t in theme or []],
        audiences=[a.value for a in audience or []],
        owner_id=owner_id,
        available=available,
        department=department or [],
        after=after,
        limit=paging.limit + 1,
    )
    page, next_cursor = TEXT_ID.page(rows, paging, key=lambda row: (row[0].title_key, row[0].id))
    return Page(items=[resource_service.to_public(r, owner) for r, owner in page], next=next_cursor)


@router.get(
    "/guide",
    summary="The travelling-exhibitions guide (CSV or a printable HTML page)",
    response_class=Response,
)
async def exhibitions_guide(
    session: DbSession,
    format: Annotated[str, Query(pattern="^(csv|html)$")] = "html",
    available: bool | None = None,
) -> Response:
    rows = await resource_service.search(
        session,
        q=None,
        kinds=["exhibition"],
        themes=[],
        audiences=[],
        owner_id=None,
        available=available,
        department=[],
        after=None,
        limit=GUIDE_LIMIT,
    )
    if format == "csv":
        return Response(
            guide.guide_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="expositions.csv"'},
        )
    return HTMLResponse(guide.guide_html(rows))


@router.get("/{resource_id}", summary="Read a resource")
async def get_resource(resource: ResourceById, response: Response) -> ResourcePublic:
    response.headers["ETag"] = etag_for(resource.version)
    return resource_service.to_public(resource)


@router.patch("/{resource_id}", summary="Change a resource (staff or the owner's members)")
async def update_resource(
    resource: ResourceById,
    body: ResourceUpdate,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> ResourcePublic:
    resource = await resource_service.update(
        session, resource=resource, changes=body, identity=identity, if_match=if_match
    )
    response.headers["ETag"] = etag_for(resource.version)
    return resource_service.to_public(resource)


@router.delete(
    "/{resource_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a resource"
)
async def delete_resource(
    resource: ResourceById,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    if_match: IfMatch = None,
) -> None:
    await resource_service.delete(session, resource=resource, identity=identity, if_match=if_match)
