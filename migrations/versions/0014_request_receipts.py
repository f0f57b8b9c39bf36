"""request receipts: a signed receipt per request event, its salted commitment in the log

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03 12:00:00

- ``request_receipt``: receipt ``seq`` of a request (its RFC 8785 payload with the salt, the
  commitment, the criteria its digest covers). Append-only, like ``tlog_entry``.
- Every request still open when receipts begin gets a first receipt here (event
  ``submitted``, ``at`` = now), and its commitment is logged, so every round from now on can
  account for every open request. Downgrading drops the table but keeps those log entries:
  the log never shrinks.
"""
import os
from datetime import timezone, datetime
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa
import sqlmodel
import broker.db
from broker.migrate import append_only_down, append_only_up

revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLE = "request_receipt"


def _load(value):
    if isinstance(value, str):
        import json
        return json.loads(value)
    return value or []


def _when(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


def _backfill() -> None:
    """A first receipt for every open request, logged in id order."""
    from broker.tlog import merkle, receipts

    conn = op.get_bind()
    at = datetime.now(timezone.utc)
    rows = conn.execute(sa.text(
        "SELECT id, org_id, task_type, language, expertise, modality, units, units_allocated, "
        "max_unit_price_minor, currency, deadline, earliest_start, preferred_vendor_ids, "
        "excluded_vendor_ids, status, submitted_at FROM capacity_request "
        "WHERE status IN ('pending', 'partial') ORDER BY id")).all()
    if not rows:
        return
    nxt = conn.execute(sa.text("SELECT COALESCE(MAX(idx), -1) + 1 FROM tlog_entry")).scalar_one()
    receipt_rows, log_rows = [], []
    for i, r in enumerate(rows):
        req = SimpleNamespace(**r._mapping)
        req.preferred_vendor_ids, req.excluded_vendor_ids = _load(req.preferred_vendor_ids), _load(req.excluded_vendor_ids)
        req.deadline, req.earliest_start, req.submitted_at = (_when(req.deadline), _when(req.earliest_start),
                                                              _when(req.submitted_at))
        doc = receipts.document(req, event="submitted", seq=1, at=at, salt=os.urandom(receipts.SALT_BYTES),
                                previous=None)
        data = receipts.payload(doc)
        commit = receipts.commitment(data)
        receipt_rows.append({"request_id": req.id, "org_id": req.org_id, "seq": 1, "event": "submitted",
                             "commitment": commit, "payload": data.decode("utf-8"),
                             "criteria": receipts.criteria_of(req), "created_at": at})
        body = receipts.manifest(doc, commit)
        log_rows.append({"idx": nxt + i, "kind": "receipt", "ref": f"{req.id}.1", "body": body.decode("utf-8"),
                         "leaf_hash": merkle.leaf_hash(body).hex(), "created_at": at})
    receipt_table = sa.table(TABLE, sa.column("request_id"), sa.column("org_id"), sa.column("seq"),
                             sa.column("event"), sa.column("commitment"), sa.column("payload"),
                             sa.column("criteria", sa.JSON()), sa.column("created_at", broker.db.UTCDateTime()))
    log_table = sa.table("tlog_entry", sa.column("idx"), sa.column("kind"), sa.column("ref"),
                         sa.column("body"), sa.column("leaf_hash"), sa.column("created_at", broker.db.UTCDateTime()))
    op.bulk_insert(receipt_table, receipt_rows)
    op.bulk_insert(log_table, log_rows)


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('commitment', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_at', broker.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['capacity_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('commitment'),
    sa.UniqueConstraint('request_id', 'seq', name='uq_request_receipt_seq')
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index('ix_request_receipt_org', ['org_id', 'id'], unique=False)
    append_only_up(op, TABLE)
    _backfill()


def downgrade() -> None:
    append_only_down(op, TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index('ix_request_receipt_org')
    op.drop_table(TABLE)
