"""answer counts kept at commit on PostgreSQL: a survey's submissions no longer take turns

0009's trigger counted each atom as it was written, and the surveys service took a lock per
survey first (two submissions upsert shared count rows, and at an edit in opposite orders: a
deadlock), held to the commit. Every submission of a survey so waited for the one before it
to finish its whole transaction: its remaining statements, each a round trip through a busy
service, and the commit's WAL flush (51 responses/s at most, 646 ms at p95 paced at 50/s).

Here the trigger is a constraint trigger deferred to the commit: the atoms are written at
once, and the counts are kept while the transaction commits, the survey's lock taken there
by the trigger itself (first thing it does, before any count row is touched), so it is held
for the counting and the commit only, never across a round trip to the service. Whatever
writes or deletes atoms (a submission, an edit, ON DELETE CASCADE) takes it, without a path
in the code to forget. The counts hold the same rows: nothing to backfill. SQLite keeps 0009's
triggers (one writer at a time: nothing to take turns on).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 17:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The atom's count row, as 0009 writes it (same value_key spelling on insert and delete).
COUNT = """
    CREATE OR REPLACE FUNCTION answer_values_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        atom answer_values%ROWTYPE;
    BEGIN
        IF TG_OP = 'INSERT' THEN atom := NEW; ELSE atom := OLD; END IF;
        {lock}
        IF TG_OP = 'INSERT' THEN
            INSERT INTO answer_counts
                (survey_id, version, question, item, value_key, text, number, respondents)
            VALUES (atom.survey_id, atom.version, atom.question, atom.item, COALESCE('t:' || atom.text, 'n:' || CAST(atom.number AS TEXT), ''),
                    atom.text, atom.number, 1)
            ON CONFLICT (survey_id, version, question, item, value_key)
            DO UPDATE SET respondents = answer_counts.respondents + 1;
            RETURN NULL;
        END IF;
        UPDATE answer_counts SET respondents = respondents - 1
        WHERE survey_id = atom.survey_id AND version = atom.version
          AND question = atom.question AND item = atom.item
          AND value_key = COALESCE('t:' || atom.text, 'n:' || CAST(atom.number AS TEXT), '');
        RETURN NULL;
    END
    $$
"""
# The survey's turn, to the end of the transaction (taking it again is free). Every
# transaction takes it before touching a count row of the survey, so two never lock the
# survey's count rows in opposite orders.
SURVEY_TURN = (
    "PERFORM pg_advisory_xact_lock(hashtextextended('answer_counts:' || atom.survey_id, 0));"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER answer_values_counted ON answer_values")
    op.execute(COUNT.format(lock=SURVEY_TURN))
    op.execute(
        """
        CREATE CONSTRAINT TRIGGER answer_values_counted AFTER INSERT OR DELETE ON answer_values
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION answer_values_count()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # 0009's trigger, counting as each atom is written (the service took the survey's lock).
    op.execute("DROP TRIGGER answer_values_counted ON answer_values")
    op.execute(COUNT.format(lock=""))
    op.execute(
        """
        CREATE TRIGGER answer_values_counted AFTER INSERT OR DELETE ON answer_values
        FOR EACH ROW EXECUTE FUNCTION answer_values_count()
        """
    )
