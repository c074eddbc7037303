"""Adjusting the theme mapping: every call's themes follow at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import Theme
from eu_watch.calls.service import call_service
from eu_watch.themes.errors import ThemeNotFound
from eu_watch.themes.models import ThemeMapping
from eu_watch.themes.repository import theme_mapping_repository
from eu_watch.themes.schemas import ThemeMappingRead, ThemeMappingUpdate
from kit.etags import check_if_match
from kit.models import utcnow


class ThemeMappingService:
    async def list(self, session: AsyncSession) -> Sequence[ThemeMapping]:
        return await theme_mapping_repository.all(session)

    async def update(
        self,
        session: AsyncSession,
        *,
        theme: str,
        data: ThemeMappingUpdate,
        if_match: str | None = None,
    ) -> ThemeMappingRead:
        """Replace a theme's terms, then give every call the themes the new mapping says
        (each call whose themes change is announced as updated)."""
        if theme not in {t.value for t in Theme}:
            raise ThemeNotFound(f"{theme!r} is not one of the network's themes.")
        row = await theme_mapping_repository.get_for_update(session, theme)
        if row is None:
            row = ThemeMapping(theme=theme, version=0)
            session.add(row)
        check_if_match(if_match, row.version)
        row.keywords = list(dict.fromkeys(data.keywords))
        row.priorities = list(dict.fromkeys(data.priorities))
        row.programme_parts = list(dict.fromkeys(data.programme_parts))
        row.updated_at = utcnow()
        row.version += 1
        await session.flush()
        changed = await call_service.reclassify_all(session)
        return self.to_read(row).model_copy(update={"calls": changed})

    def to_read(self, row: ThemeMapping) -> ThemeMappingRead:
        return ThemeMappingRead.model_validate(row, from_attributes=True)


theme_mapping_service = ThemeMappingService()
