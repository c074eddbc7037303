"""actors.geo_precision; actors with a commune but no coordinates placed at its centre

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from contracts.communes import commune

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("geo_precision", sa.String(10), nullable=True))
    actors = sa.table(
        "actors",
        sa.column("id", sa.Uuid),
        sa.column("commune_insee", sa.String),
        sa.column("lat", sa.Float),
        sa.column("lon", sa.Float),
        sa.column("geo_precision", sa.String),
    )
    connection = op.get_bind()
    connection.execute(
        actors.update().where(actors.c.lat.is_not(None)).values(geo_precision="address")
    )
    # Those already in the directory without coordinates go on the map as new ones would.
    rows = connection.execute(
        sa.select(actors.c.id, actors.c.commune_insee).where(
            actors.c.lat.is_(None), actors.c.commune_insee.is_not(None)
        )
    ).all()
    for actor_id, code in rows:
        found = commune(code)
        if found is not None and found.lat is not None:
            connection.execute(
                actors.update()
                .where(actors.c.id == actor_id)
                .values(lat=found.lat, lon=found.lon, geo_precision="commune")
            )


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("geo_precision")
