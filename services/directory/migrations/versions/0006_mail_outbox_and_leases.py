"""mail outbox (claims and their decisions), suppressions, attempts, and leases for periodic work

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 08:40:00
"""

from collections.abc import Sequence

from kit.migrations import (
    create_lease_table,
    create_mail_tables,
    drop_lease_table,
    drop_mail_tables,
)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_mail_tables()
    create_lease_table()


def downgrade() -> None:
    drop_lease_table()
    drop_mail_tables()
