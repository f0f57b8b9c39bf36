"""A user or client of org A never reads org B's private rows."""
from tests.helpers import auth


def test_clients_list_is_scoped_to_the_callers_org(make, client):
    a, b = make.org(name="Org A"), make.org(name="Org B")
    token_a = make.token(a)
    make.client_credentials(b)
    items = client.get("/api/v1/clients", headers=auth(token_a)).json["items"]
    assert items and {i["org_id"] for i in items} == {a.id}


def test_operator_sees_every_org_rows(make, client):
    op = make.org(kind="operator")
    a = make.org()
    make.client_credentials(a)
    token = make.token(op)
    orgs = {i["org_id"] for i in client.get("/api/v1/clients", headers=auth(token)).json["items"]}
    assert {op.id, a.id} <= orgs


def test_get_owned_reports_another_orgs_row_as_missing(make, app):
    import pytest

    from broker import db
    from broker.access.principal import get_owned
    from tests.builders import principal_of
    from broker.errors import ApiError
    from broker.models import OAuthClient

    a, b = make.org(), make.org()
    make.client_credentials(b)
    with app.app_context():
        s = db.session()
        row = s.exec(__import__("sqlmodel").select(OAuthClient).where(OAuthClient.org_id == b.id)).one()
        p = principal_of(a)
        with pytest.raises(ApiError) as e:
            get_owned(s, OAuthClient, row.id, p)
        assert e.value.status == 404
        owner = principal_of(b)
        assert get_owned(s, OAuthClient, row.id, owner).id == row.id
