"""answer counts: each survey's atoms counted ahead, kept by triggers on answer_values

A survey's unfiltered results were one GROUP BY over all its answer atoms (about 720,000 rows
for 40 questions x 10,000 responses: most of a results request on PostgreSQL). answer_counts
holds that GROUP BY ahead, per survey version and atom, kept by triggers on answer_values:
+1 when an atom is inserted, -1 when it is deleted (a response's rows replaced at an edit, or
gone with the response by ON DELETE CASCADE), so every path that writes or deletes atoms keeps
the counts, whatever wrote them. ``value_key`` is the atom's value as one non-null key (the
primary key cannot hold NULLs): ``t:`` and the text, ``n:`` and the number, or ``''``; only
the triggers compute it, so it is the same spelling on insert and on delete.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER answer_values_counted AFTER INSERT ON answer_values
    BEGIN
        INSERT INTO answer_counts
            (survey_id, version, question, item, value_key, text, number, respondents)
        VALUES (NEW.survey_id, NEW.version, NEW.question, NEW.item, COALESCE('t:' || NEW.text, 'n:' || CAST(NEW.number AS TEXT), ''),
                NEW.text, NEW.number, 1)
        ON CONFLICT (survey_id, version, question, item, value_key)
        DO UPDATE SET respondents = respondents + 1;
    END
    """,
    """
    CREATE TRIGGER answer_values_uncounted AFTER DELETE ON answer_values
    BEGIN
        UPDATE answer_counts SET respondents = respondents - 1
        WHERE survey_id = OLD.survey_id AND version = OLD.version
          AND question = OLD.question AND item = OLD.item
          AND value_key = COALESCE('t:' || OLD.text, 'n:' || CAST(OLD.number AS TEXT), '');
    END
    """,
]

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION answer_values_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO answer_counts
                (survey_id, version, question, item, value_key, text, number, respondents)
            VALUES (NEW.survey_id, NEW.version, NEW.question, NEW.item, COALESCE('t:' || NEW.text, 'n:' || CAST(NEW.number AS TEXT), ''),
                    NEW.text, NEW.number, 1)
            ON CONFLICT (survey_id, version, question, item, value_key)
            DO UPDATE SET respondents = answer_counts.respondents + 1;
            RETURN NEW;
        END IF;
        UPDATE answer_counts SET respondents = respondents - 1
        WHERE survey_id = OLD.survey_id AND version = OLD.version
          AND question = OLD.question AND item = OLD.item
          AND value_key = COALESCE('t:' || OLD.text, 'n:' || CAST(OLD.number AS TEXT), '');
        RETURN OLD;
    END
    $$
    """,
    """
    CREATE TRIGGER answer_values_counted AFTER INSERT OR DELETE ON answer_values
    FOR EACH ROW EXECUTE FUNCTION answer_values_count()
    """,
]

BACKFILL = """
INSERT INTO answer_counts (survey_id, version, question, item, value_key, text, number, respondents)
SELECT survey_id, version, question, item, COALESCE('t:' || answer_values.text, 'n:' || CAST(answer_values.number AS TEXT), ''), text, number, count(*)
FROM answer_values
GROUP BY survey_id, version, question, item, text, number
"""


def upgrade() -> None:
    op.create_table(
        "answer_counts",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("value_key", sa.String(length=80), nullable=False),
        sa.Column("text", sa.String(length=64), nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "survey_id", "version", "question", "item", "value_key", name=op.f("pk_answer_counts")
        ),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER answer_values_counted")
        op.execute("DROP TRIGGER answer_values_uncounted")
    else:
        op.execute("DROP TRIGGER answer_values_counted ON answer_values")
        op.execute("DROP FUNCTION answer_values_count()")
    op.drop_table("answer_counts")
