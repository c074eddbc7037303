"""theme tallies: the theme facet adds up numbers; PostgreSQL's text index has no pending list

``call_search`` gains the six tallies of ``eu_watch.calls.search.theme_tallies`` (three
themes to a number, 21 bits apart), filled from ``theme_bits``: the facet sums them over a
few groups of calls instead of grouping the calls by their themes' bits.

On PostgreSQL the GIN index of the words stops queueing new entries in its pending list
(``fastupdate = off``) and the list is emptied now: every search read the whole list (4,700
entries after a first sync of 10,000 calls, on a server without autovacuum, which empties
it, as does reaching 4 MB), and the planner, costing that in, read every call's words
instead of the index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: As in eu_watch.calls.search when this was written (a migration does not follow the code):
#: six tallies of three themes each, 21 bits apart.
THEME_TALLIES = 6


def upgrade() -> None:
    for k in range(THEME_TALLIES):
        op.add_column(
            "call_search",
            sa.Column(f"theme_tally_{k}", sa.BigInteger(), nullable=False, server_default="0"),
        )
    search = sa.table(
        "call_search",
        sa.column("theme_bits", sa.BigInteger()),
        *(sa.column(f"theme_tally_{k}", sa.BigInteger()) for k in range(THEME_TALLIES)),
    )

    def field(bit: int, at: int) -> sa.ColumnElement[int]:
        """1 at bit ``at`` if the theme bit ``bit`` is set (PostgreSQL shifts by an int4)."""
        shift = search.c.theme_bits.op(">>")(sa.literal(bit, sa.Integer()))
        return shift.op("&")(1).op("<<")(sa.literal(at, sa.Integer()))

    op.execute(
        sa.update(search).values(
            {
                f"theme_tally_{k}": field(3 * k, 0) + field(3 * k + 1, 21) + field(3 * k + 2, 42)
                for k in range(THEME_TALLIES)
            }
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_call_search_vector SET (fastupdate = off)")
        op.execute("SELECT gin_clean_pending_list('ix_call_search_vector')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_call_search_vector RESET (fastupdate)")
    for k in reversed(range(THEME_TALLIES)):
        op.drop_column("call_search", f"theme_tally_{k}")
