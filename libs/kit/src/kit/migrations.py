"""Alembic per service: the shared ``env.py`` logic and the migrate command.

Migrations run only when an operator (or ``make run``, or the test harness) asks: services
never migrate on start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy.engine import Connection

from kit.db import create_engine
from kit.lease import lease_table
from kit.mail.outbox import mail_tables
from kit.models import NAMING_CONVENTION as _NAMING
from kit.sqltypes import UtcDateTime


def alembic_config(service_root: Path, database_url: str) -> Config:
    """The Alembic config of a service whose ``alembic.ini`` sits in ``service_root``."""
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service_root: Path, database_url: str, revision: str = "head") -> None:
    """Apply the service's migrations up to ``revision`` (blocking; call from a thread)."""
    command.upgrade(alembic_config(service_root, database_url), revision)


def create_messaging_tables() -> None:
    """Create the kit's ``outbox`` and ``inbox`` tables, in a service's first migration.

    They belong to the kit (see :mod:`kit.outbox`, :mod:`kit.consumers`), so their DDL lives
    here once rather than copied into every service.
    """
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handled_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    create_outbox_table()


def create_outbox_table() -> None:
    """Create the kit's ``outbox`` alone (for a process that consumed before it emitted)."""
    big_int = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "outbox",
        sa.Column("position", big_int, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["position"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )


def drop_messaging_tables() -> None:
    """Undo :func:`create_messaging_tables`."""
    drop_outbox_table()
    op.drop_table("inbox")


def drop_outbox_table() -> None:
    """Undo :func:`create_outbox_table`."""
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # Objects the models do not declare (FTS5 shadow tables, a PostgreSQL-only generated
    # tsvector and its GIN index, written by hand in migrations) are left alone by
    # autogenerate instead of being proposed for dropping.
    return not (type_ in ("table", "column", "index") and reflected and compare_to is None)


def run_env(metadata: sa.MetaData, default_url: str) -> None:
    """Body of every service's ``migrations/env.py``."""
    url = context.config.attributes.get("database_url") or default_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            # A migration that fails (a data step refusing) leaves no connection open.
            await engine.dispose()

    asyncio.run(run())


def create_mail_tables() -> None:
    """Create the kit's mail tables (``mail_outbox``, ``mail_attempts``,
    ``mail_suppressions``; see :mod:`kit.mail.outbox`) in a service's migration.

    Built from :func:`kit.mail.outbox.mail_tables` as they are in this version; a later change
    to those tables ships as a new function here that each mailing service's next migration
    calls, so existing databases follow.
    """
    _create_from(mail_tables(sa.MetaData(naming_convention=_NAMING)))


def drop_mail_tables() -> None:
    """Undo :func:`create_mail_tables`."""
    for name in ("mail_attempts", "mail_suppressions", "mail_outbox"):
        op.drop_table(name)


def create_lease_table() -> None:
    """Create the kit's ``leases`` table (see :mod:`kit.lease`) in a service's migration."""
    _create_from([lease_table(sa.MetaData(naming_convention=_NAMING))])


def drop_lease_table() -> None:
    """Undo :func:`create_lease_table`."""
    op.drop_table("leases")


def _create_from(tables: Sequence[sa.Table]) -> None:
    bind = op.get_bind()
    for table in tables:
        table.create(bind)
