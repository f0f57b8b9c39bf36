def test_health_and_ready(client):
    assert client.get("/healthz").json == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json["status"] == "ok"


def test_ready_while_a_newer_version_has_migrated_but_not_while_migrations_are_pending(app, client):
    """A rolling upgrade migrates first: hosts of the previous version stay ready; a host
    whose database is behind its code is not."""
    import sqlalchemy as sa

    from broker import db

    with app.app_context():
        engine = db.engine()
        with engine.begin() as c:
            head = c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            c.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dface0000'"))
        newer = client.get("/readyz")
        assert newer.status_code == 200 and newer.json["migrations"]["database_is_newer"] is True
        with engine.begin() as c:
            c.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        behind = client.get("/readyz")
        assert behind.status_code == 503 and behind.json["status"] == "migrations-pending"
        with engine.begin() as c:
            c.execute(sa.text("UPDATE alembic_version SET version_num = :h"), {"h": head})
