"""RATELIMIT_STORAGE_URI: every documented value works from a fresh install, and one that
cannot be used stops the app with an error naming the setting."""
from __future__ import annotations

import time

import pytest

from broker.config import ConfigError


def _app(tmp_path, uri, **kw):
    from broker.app import create_app

    # RATELIMIT_ENABLED explicitly: Flask-Limiter's one extension object keeps the last app's
    # "enabled" as its default, and the suite's apps turn limits off.
    return create_app({"TESTING": True, "RATELIMIT_ENABLED": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                       "RATELIMIT_STORAGE_URI": uri, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **kw})


def test_a_redis_uri_needs_nothing_more_than_the_install(tmp_path):
    # The failure: "'redis' prerequisite not available" from create_app().
    app = _app(tmp_path, "redis://127.0.0.1:6379/12")
    assert app.config["RATELIMIT_STRATEGY"] == "moving-window"


@pytest.mark.parametrize("uri, words", [
    ("nosuchstore://here", "cannot be used"),
    ("redis://127.0.0.1:notaport/0", "cannot be used"),
])
def test_an_unusable_uri_is_an_error_naming_the_setting(tmp_path, uri, words):
    with pytest.raises(ConfigError) as e:
        _app(tmp_path, uri)
    assert str(e.value).startswith(f"RATELIMIT_STORAGE_URI={uri}") and words in str(e.value)


def test_a_redis_that_does_not_answer_stops_a_starting_process_quickly(tmp_path):
    from broker import ratelimit

    app = _app(tmp_path, "redis://:secret@127.0.0.1:1/0")
    started = time.monotonic()
    with pytest.raises(ConfigError) as e:
        ratelimit.check_reachable(app)
    assert time.monotonic() - started < 5
    assert "RATELIMIT_STORAGE_URI=redis://:***@127.0.0.1:1/0" in str(e.value) and "secret" not in str(e.value)
    assert "does not answer" in str(e.value)


def test_memory_needs_no_check(tmp_path):
    from broker import ratelimit

    ratelimit.check_reachable(_app(tmp_path, "memory://"))

