"""Migration 0010 logs what was published before the log existed, oldest first."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlmodel import Session

from broker import migrate
from broker.models import PolicyVersion, Report, Round
from broker.tlog import entries, merkle


def t(day: int) -> datetime:
    return datetime(2026, 11, day, 12, tzinfo=timezone.utc)


def test_migration_logs_the_published_past_in_order(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0009")
    engine = sa.create_engine(url)
    with Session(engine) as s:
        s.add(Round(run_key="2026-W46/main", period="2026-W46", kind="main", policy_version=1, input_json="{}",
                    output_json="{}", input_digest="sha256:" + "1" * 64, output_digest="sha256:" + "2" * 64,
                    ran_at=t(7)))
        s.add(PolicyVersion(version=1, params={"small_cell_k": 5}, effective_period="2026-W45", created_at=t(2)))
        s.add(Report(series="access", period="2026-W46", schema_version="1.0", policy_version=1,
                     document="{}", digest="sha256:" + "3" * 64, jws="x", kid="k", published_at=t(17)))
        s.commit()
    migrate.upgrade(url)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT idx, kind, ref, body, leaf_hash FROM tlog_entry ORDER BY idx")).all()
        # no checkpoint yet: the next publication or the scheduler's job signs one
        assert c.execute(sa.text("SELECT count(*) FROM tlog_checkpoint")).scalar() == 0
    engine.dispose()
    assert [(r.idx, r.kind, r.ref) for r in rows] == [(0, "policy", "1"), (1, "round", "1"), (2, "report", "1")]
    assert rows[0].body.encode() == entries.policy(1, "2026-W45", {"small_cell_k": 5})
    assert rows[1].body.encode() == entries.round_(1, "2026-W46", "main", "sha256:" + "1" * 64, "sha256:" + "2" * 64)
    assert json.loads(rows[2].body) == {"type": "report", "id": 1, "series": "access", "period": "2026-W46",
                                        "digest": "sha256:" + "3" * 64}
    assert all(bytes.fromhex(r.leaf_hash) == merkle.leaf_hash(r.body.encode()) for r in rows)
