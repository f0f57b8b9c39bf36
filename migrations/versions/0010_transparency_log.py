"""transparency log: append-only entries and checkpoints, sealed price files, log signing key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00

- ``tlog_entry``: entry ``idx`` of the log (RFC 8785 manifest + leaf hash), unique per
  (kind, ref); ``tlog_checkpoint``: every signed checkpoint; ``price_file``: a finished
  day's price file, byte for byte. All three refuse UPDATE and DELETE, like ``report``.
- ``signing_key.purpose``: "report" (existing keys) or "log".
- Everything published before this revision (reports, rounds, policy versions) is logged
  here, oldest first, so the log covers the whole history; price files are sealed and
  logged by the scheduler's ``sign_log_checkpoint`` job.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import broker.db
from broker.migrate import append_only_down, append_only_up

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

APPEND_ONLY = ("tlog_entry", "tlog_checkpoint", "price_file")


def _append_only_up(table: str) -> None:
    append_only_up(op, table)


def _append_only_down(table: str) -> None:
    append_only_down(op, table)


def _backfill() -> None:
    """Log what was published before the log existed, in the order it was published."""
    from broker.tlog import entries, merkle

    conn = op.get_bind()
    items = []
    for id_, series, period, digest, at in conn.execute(sa.text(
            "SELECT id, series, period, digest, published_at FROM report")):
        items.append((str(at), 0, id_, "report", entries.report(id_, series, period, digest)))
    for id_, period, kind, din, dout, at in conn.execute(sa.text(
            "SELECT id, period, kind, input_digest, output_digest, ran_at FROM allocation_round")):
        items.append((str(at), 1, id_, "round", entries.round_(id_, period, kind, din, dout)))
    for version, period, params, at in conn.execute(sa.text(
            "SELECT version, effective_period, params, created_at FROM policy_version")):
        if isinstance(params, str):
            import json
            params = json.loads(params)
        items.append((str(at), 2, version, "policy", entries.policy(version, period, params)))
    items.sort(key=lambda i: (i[0], i[1], i[2]))
    table = sa.table("tlog_entry", sa.column("idx"), sa.column("kind"), sa.column("ref"),
                     sa.column("body"), sa.column("leaf_hash"), sa.column("created_at", broker.db.UTCDateTime()))
    from broker.clock import now
    at = now()
    rows = [{"idx": i, "kind": kind, "ref": str(ref), "body": body.decode("utf-8"),
             "leaf_hash": merkle.leaf_hash(body).hex(), "created_at": at}
            for i, (_, _, ref, kind, body) in enumerate(items)]
    if rows:
        op.bulk_insert(table, rows)


def upgrade() -> None:
    op.create_table('tlog_entry',
    sa.Column('idx', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', broker.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('idx'),
    sa.UniqueConstraint('kind', 'ref', name='uq_tlog_entry_kind_ref')
    )
    op.create_table('tlog_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signed_at', broker.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tlog_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tlog_checkpoint_size'), ['size'], unique=False)
    op.create_table('price_file',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('sealed_at', broker.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    with op.batch_alter_table('signing_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default='report'))
    for table in APPEND_ONLY:
        _append_only_up(table)
    _backfill()


def downgrade() -> None:
    for table in APPEND_ONLY:
        _append_only_down(table)
    with op.batch_alter_table('signing_key', schema=None) as batch_op:
        batch_op.drop_column('purpose')
    op.drop_table('price_file')
    with op.batch_alter_table('tlog_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tlog_checkpoint_size'))
    op.drop_table('tlog_checkpoint')
    op.drop_table('tlog_entry')
