"""HTTP routes of /v1/calls/themes: the mapping from network themes to portal terms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from eu_watch.themes.schemas import ThemeMappingRead, ThemeMappingUpdate
from eu_watch.themes.service import theme_mapping_service
from kit.etags import etag_for
from kit.identity import StaffIdentity
from kit.service import DbSession

router = APIRouter(prefix="/v1/calls/themes", tags=["calls"])


@router.get("", summary="The mapping from the network's themes to the portal's terms")
async def list_theme_mappings(session: DbSession) -> list[ThemeMappingRead]:
    return [theme_mapping_service.to_read(row) for row in await theme_mapping_service.list(session)]


@router.put(
    "/{theme}",
    summary="Change the terms that give calls a theme (network staff)",
    description="Each list is replaced whole; every call's themes follow at once, and each call"
    " whose themes change is announced (`eu_watch.call.updated`). `If-Match` with the theme's"
    ' `version` as read (`"3"`): 412 when another change came first.',
)
async def update_theme_mapping(
    theme: str,
    body: ThemeMappingUpdate,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(description='The theme\'s version as read (`"3"`); 412 if it changed since.'),
    ] = None,
) -> ThemeMappingRead:
    mapping = await theme_mapping_service.update(session, theme=theme, data=body, if_match=if_match)
    response.headers["ETag"] = etag_for(mapping.version)
    return mapping
