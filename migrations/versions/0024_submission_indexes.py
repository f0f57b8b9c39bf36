"""submission indexes: drop three that nothing reads and every submission writes

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 18:00:00

Every submission writes a request, its receipt, its log entry, its audit entry and its
idempotency record: five tables and, before this, eleven indexes (SQLite wrote ~16 WAL pages
per commit against one for a single-row INSERT). Three of them have no reader:
- ``ix_audit_entry_actor_user_id`` and ``ix_audit_entry_actor_org_id``: no query of the
  application filters the audit log by actor (it is read by entity, through
  ``ix_audit_entity``, which stays);
- the UNIQUE constraint on ``request_receipt.commitment``: receipts are read by request
  (``uq_request_receipt_seq``) and by org (``ix_request_receipt_org``), never by commitment,
  and a commitment is the SHA-256 of a payload holding 32 random bytes of salt, so two equal
  ones would mean a broken random source, not a case to refuse one submission for. It was
  the costliest of the three: a random key lands on a random leaf page.
Downgrading puts all three back.
"""
from alembic import op

from broker.migrate import append_only_down, append_only_up

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

RECEIPTS = "request_receipt"
# SQLite reflects the constraint without a name: this names it for the batch copy.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _receipts_unique(create: bool) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    name = "request_receipt_commitment_key" if postgresql else "uq_request_receipt_commitment"
    if postgresql:
        if create:
            op.create_unique_constraint(name, RECEIPTS, ["commitment"])
        else:
            op.drop_constraint(name, RECEIPTS, type_="unique")
        return
    # SQLite rebuilds the table (copy, drop, rename): its append-only triggers go with the
    # old table and are made again on the new one.
    append_only_down(op, RECEIPTS)
    with op.batch_alter_table(RECEIPTS, naming_convention=NAMING, recreate="always") as batch_op:
        if create:
            batch_op.create_unique_constraint(name, ["commitment"])
        else:
            batch_op.drop_constraint(name, type_="unique")
    append_only_up(op, RECEIPTS)


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_actor_user_id")
        batch_op.drop_index("ix_audit_entry_actor_org_id")
    _receipts_unique(create=False)


def downgrade() -> None:
    _receipts_unique(create=True)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_actor_org_id", ["actor_org_id"], unique=False)
        batch_op.create_index("ix_audit_entry_actor_user_id", ["actor_user_id"], unique=False)
