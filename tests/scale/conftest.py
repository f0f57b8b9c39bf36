"""Redis for the scale-out tests: ``TEST_REDIS_URL`` (default database 12 on the local server,
a number of this suite's own). Only that database is ever flushed."""
from __future__ import annotations

import os

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


def redis_answers() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:  # noqa: BLE001 — any failure means "not here"
        return False


from tests.reports.conftest import scenario  # noqa: E402, F401 — the reports scenario, for the backup test
