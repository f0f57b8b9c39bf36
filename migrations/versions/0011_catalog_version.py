"""catalog version: a counter row moved by triggers on every table the catalog is built from

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 16:30:00

The per-process catalog cache used ``max(audit_entry.id)`` as the data's version. PostgreSQL
assigns ids at insert, not at commit, so a transaction holding a smaller id could commit after
a larger one was visible, and an answer cached in that gap stayed under a version that never
moved again. This counter moves inside every transaction that writes the catalog's tables,
through the row's lock, so its order is commit order on both databases (SQLite has one writer
at a time anyway). PostgreSQL: one BEFORE statement trigger per table (it takes the row lock
before the statement locks any catalog row, so the counter is always the first catalog lock
a transaction waits for). SQLite: AFTER row triggers (no statement triggers there).
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ("offering", "offering_language", "price", "capacity", "org", "policy_version")
BUMP = ("INSERT INTO catalog_version (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = catalog_version.version + 1")


def upgrade() -> None:
    op.create_table(
        'catalog_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION catalog_changed() RETURNS trigger AS $$
            BEGIN {BUMP}; RETURN NULL; END;
            $$ LANGUAGE plpgsql
        """)
        for t in TABLES:
            op.execute(f"""CREATE TRIGGER {t}_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
                           ON {t} FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed()""")
    else:
        for t in TABLES:
            for verb in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER {t}_catalog_{verb.lower()} AFTER {verb} ON {t}
                               BEGIN {BUMP}; END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for t in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {t}_catalog_changed ON {t}")
        op.execute("DROP FUNCTION IF EXISTS catalog_changed()")
    else:
        for t in TABLES:
            for verb in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER IF EXISTS {t}_catalog_{verb.lower()}")
    op.drop_table('catalog_version')
