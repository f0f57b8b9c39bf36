"""people: pay by country in workforce disclosures; content classes and exposure on offerings

Revision ID: 0022
Revises: 0014
Create Date: 2026-12-03 08:10:00

- ``workforce_disclosure.pay_by_country``: median hourly pay in each country of the
  workforce, compared with the policy's pay floor there (the floor table itself lives in the
  policy versions' parameters, ``pay_floors``, so it needs no table).
- ``offering.content_classes`` and ``offering.exposure``: harmful content the work shows and
  the vendor's exposure declaration (workers, weekly hours, minutes per unit, protections).
Existing rows get empty values: no pay by country, no content class.
"""
from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workforce_disclosure') as b:
        b.add_column(sa.Column('pay_by_country', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('offering') as b:
        b.add_column(sa.Column('content_classes', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        b.add_column(sa.Column('exposure', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('offering') as b:
        b.drop_column('exposure')
        b.drop_column('content_classes')
    with op.batch_alter_table('workforce_disclosure') as b:
        b.drop_column('pay_by_country')
