"""webhook endpoint and partner inbox secrets encrypted at rest (Fernet tokens, as text)

Existing clear secrets (``whsec_…``) are encrypted under the secrets key
(``MAILLAGE_GATEWAY_SECRETS_KEY`` or the key file, see gateway/encryption.py); the downgrade
decrypts them again. A database with no secret stored needs no key to migrate.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 11:50:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from gateway.config import Settings
from gateway.encryption import Keyring
from gateway.webhooks.tokens import SECRET_PREFIX

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Each table holding secrets, and its primary key.
TABLES = {"webhook_endpoints": "id", "partners": "slug"}
COLUMNS = ("secret", "previous_secret")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=128),
                    type_=sa.Text(),
                    existing_nullable=column == "previous_secret",
                )
    _rewrite(lambda value: value.startswith(SECRET_PREFIX), lambda keys, v: keys.encrypt(v))


def downgrade() -> None:
    _rewrite(lambda value: not value.startswith(SECRET_PREFIX), lambda keys, v: keys.decrypt(v))
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length=128),
                    existing_nullable=column == "previous_secret",
                )


def _rewrite(needs: Callable[[str], bool], change: Callable[[Keyring, str], str]) -> None:
    """Apply ``change`` to every secret value for which ``needs`` holds (the key is read
    only if one does)."""
    connection = op.get_bind()
    keyring: Keyring | None = None
    for name, key in TABLES.items():
        table = sa.table(name, sa.column(key), *(sa.column(c) for c in COLUMNS))
        rows = connection.execute(sa.select(table)).all()
        for row in rows:
            values = {c: row._mapping[c] for c in COLUMNS}
            changed = {c: v for c, v in values.items() if v is not None and needs(v)}
            if not changed:
                continue
            if keyring is None:
                keyring = Keyring.from_settings(Settings())
            connection.execute(
                sa.update(table)
                .where(table.c[key] == row._mapping[key])
                .values({c: change(keyring, v) for c, v in changed.items()})
            )
