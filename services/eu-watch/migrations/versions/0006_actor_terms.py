"""actor terms: matching ranks members in the database

``known_actor_terms`` holds, per actor of the projection, its themes (``theme:<theme>``) and
the stems of its name and description, so a call's matches are found and scored through the
``(term, actor_id)`` key instead of reading every actor; ``known_actors.name_key`` is the
name as Python lowers it, the ranking's tie-break. Existing actors are filled in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eu_watch.actors.repository import actor_terms

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("known_actors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=300), nullable=False, server_default="")
        )
    op.create_table(
        "known_actor_terms",
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("term", "actor_id", name=op.f("pk_known_actor_terms")),
    )
    op.create_index("ix_known_actor_terms_actor_id", "known_actor_terms", ["actor_id"])

    actors = sa.table(
        "known_actors",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("themes", sa.Text()),
        sa.column("description_terms", sa.Text()),
    )
    terms = sa.table(
        "known_actor_terms", sa.column("term", sa.Text()), sa.column("actor_id", sa.Uuid())
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(actors)).mappings().all()
    if not rows:
        return
    connection.execute(
        sa.update(actors)
        .where(actors.c.id == sa.bindparam("actor_id"))
        .values(name_key=sa.bindparam("key")),
        [{"actor_id": row["id"], "key": row["name"].lower()} for row in rows],
    )
    found = [
        {"term": term, "actor_id": row["id"]}
        for row in rows
        for term in actor_terms(
            themes=row["themes"] or "", description_terms=row["description_terms"] or ""
        )
    ]
    for start in range(0, len(found), 5000):
        connection.execute(sa.insert(terms), found[start : start + 5000])


def downgrade() -> None:
    op.drop_index("ix_known_actor_terms_actor_id", table_name="known_actor_terms")
    op.drop_table("known_actor_terms")
    with op.batch_alter_table("known_actors", schema=None) as batch_op:
        batch_op.drop_column("name_key")
