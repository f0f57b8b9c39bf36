"""The audit log records changes and refuses to be rewritten."""
import pytest
import sqlalchemy as sa
from sqlmodel import select

from broker import db
from broker.models import AuditEntry
from tests.helpers import auth


def test_create_writes_an_entry_with_actor_and_after(make, client, app):
    op = make.org(kind="operator")
    token = make.token(op)
    r = client.post("/api/v1/orgs", json={"name": "Audited Co", "kind": "vendor"}, headers=auth(token))
    with app.app_context():
        entry = db.session().exec(select(AuditEntry).where(AuditEntry.action == "org.create",
                                                           AuditEntry.entity_id == str(r.json["id"]))).one()
    assert entry.actor_org_id == op.id and entry.actor_client_id
    assert entry.after["name"] == "Audited Co" and entry.before is None


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"])
def test_audit_entries_cannot_be_updated_or_deleted(make, app, statement):
    make.org()
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError):
            with db.engine().begin() as conn:
                conn.execute(sa.text(statement))
        assert db.session().exec(select(AuditEntry)).all()
