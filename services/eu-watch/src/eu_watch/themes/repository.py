"""Queries on the theme mapping."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.themes.models import ThemeMapping


class ThemeMappingRepository:
    async def all(self, session: AsyncSession) -> Sequence[ThemeMapping]:
        return (await session.scalars(sa.select(ThemeMapping).order_by(ThemeMapping.theme))).all()

    async def get_for_update(self, session: AsyncSession, theme: str) -> ThemeMapping | None:
        return await session.get(ThemeMapping, theme, with_for_update=True)

    async def as_mapping(self, session: AsyncSession) -> dict[str, dict[str, list[str]]]:
        """Theme → its three term lists, as :func:`classify` reads them."""
        return {
            row.theme: {
                "keywords": list(row.keywords),
                "priorities": list(row.priorities),
                "programme_parts": list(row.programme_parts),
            }
            for row in await self.all(session)
        }


theme_mapping_repository = ThemeMappingRepository()
