"""Signing keys across hosts: the first process of a deployment creates the key; a host whose
key folder (PARITY_KEYS_PATH) lacks a current key, or holds another key under its name,
refuses to start; hosts sharing the folder all start, before and after a rotation."""
from __future__ import annotations

import shutil
import threading

import pytest
from sqlmodel import select

from broker import db, startup
from broker.config import ConfigError
from broker.models import SigningKey
from broker.reports import keys, signing


@pytest.fixture
def host(app, tmp_path):
    """host(folder): an app on the test database whose key folder is ``folder``."""
    from broker.app import create_app

    made = []

    def make(folder: str):
        h = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "shared",
                        "INSTANCE_PATH": str(tmp_path / f"instance-{len(made)}"),
                        "KEYS_PATH": str(tmp_path / folder), "RATELIMIT_ENABLED": False})
        made.append(h)
        return h

    yield make
    for h in made:
        h.extensions["db_engine"].dispose()


def _current_kids(app, purpose: str = "report") -> list[str]:
    with app.app_context():
        return [r.kid for r in db.session().exec(select(SigningKey).where(SigningKey.retired_at.is_(None),
                                                                          SigningKey.purpose == purpose))]


def test_a_host_without_the_deployments_key_refuses_to_start(app, host, tmp_path):
    a, b = host("keys-a"), host("keys-b")
    startup.check(a)  # first host: creates the deployment's key in its folder
    (kid,) = _current_kids(app)
    (log_kid,) = _current_kids(app, "log")  # and the transparency log's key beside it
    assert (tmp_path / "keys-a" / f"{kid}.pem").exists() and (tmp_path / "keys-a" / f"{log_kid}.pem").exists()
    startup.check(a)  # and starts again as it is

    with pytest.raises(ConfigError) as e:
        startup.check(b)
    msg = str(e.value)
    assert msg.startswith(f"PARITY_KEYS_PATH={tmp_path / 'keys-b'}") and f"{kid} is not in" in msg
    assert f"current log signing key {log_kid} is not in" in msg
    assert _current_kids(app) == [kid] and _current_kids(app, "log") == [log_kid]  # b created no key

    shutil.copytree(tmp_path / "keys-a", tmp_path / "keys-b", dirs_exist_ok=True)
    startup.check(b)  # the same key copied to the second host: it starts


def test_another_key_under_the_current_name_is_refused_at_start_and_when_signing(app, host, tmp_path):
    a, b = host("keys-a"), host("keys-b")
    startup.check(a)
    (kid,) = _current_kids(app)
    other_kid, _ = signing.generate(tmp_path / "keys-b")
    (tmp_path / "keys-b" / f"{other_kid}.pem").rename(tmp_path / "keys-b" / f"{kid}.pem")
    with pytest.raises(ConfigError, match=f"is not current report signing key {kid} .fingerprint {other_kid}"):
        startup.check(b)
    with pytest.raises(ValueError, match="holds another key"):
        signing.private_pem(tmp_path / "keys-b", kid)


def test_two_hosts_starting_together_create_one_key(app, host):
    hosts = [host("keys-a"), host("keys-b")]
    outcome = {}

    def start(i):
        try:
            startup.check(hosts[i])
            outcome[i] = "started"
        except ConfigError:
            outcome[i] = "refused"

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcome.values()) == ["refused", "started"]
    assert len(_current_kids(app)) == 1 and len(_current_kids(app, "log")) == 1


def test_hosts_sharing_the_folder_start_after_a_rotation(app, host):
    a, b = host("shared"), host("shared")
    startup.check(a)
    startup.check(b)
    with a.app_context():
        s = db.session()
        with db.transaction(s):
            new, retired = keys.rotate(s, a.config["KEYS_PATH"])
        keys.forget_private(a.config["KEYS_PATH"], retired)
    assert _current_kids(app) == [new]
    startup.check(b)
    startup.check(a)


def test_an_unmigrated_database_is_named_in_the_error(tmp_path):
    from broker.app import create_app

    empty = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3",
                        "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with pytest.raises(ConfigError, match="db upgrade"):
        startup.check(empty)
