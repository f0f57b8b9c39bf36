"""single sign-on: an org's email domain and its own OpenID provider

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sso_domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True))
        batch_op.add_column(sa.Column("oidc_issuer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column("oidc_client_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("oidc_client_secret_env", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.create_unique_constraint("uq_org_sso_domain", ["sso_domain"])


def downgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_constraint("uq_org_sso_domain", type_="unique")
        batch_op.drop_column("oidc_client_secret_env")
        batch_op.drop_column("oidc_client_id")
        batch_op.drop_column("oidc_issuer")
        batch_op.drop_column("sso_domain")
