"""people: pay by country in workforce disclosures; content classes and exposure on offerings

Revision ID: 0022
Revises: 0020
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
down_revision = '0020'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (no batch mode): SQLite adds and drops columns in place, so the catalog
# triggers on ``offering`` (migration 0011) survive; a batch copy would drop them.


def upgrade() -> None:
    op.add_column('workforce_disclosure',
                  sa.Column('pay_by_country', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column('offering', sa.Column('content_classes', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.add_column('offering', sa.Column('exposure', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column('offering', 'exposure')
    op.drop_column('offering', 'content_classes')
    op.drop_column('workforce_disclosure', 'pay_by_country')
