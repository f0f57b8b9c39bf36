"""Published reports are immutable by rule of the database (migration 0009), not only by
the code's convention: an UPDATE or DELETE of a report row fails, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from broker import db
from broker.models import Report
from tests.reports.helpers import publish_all


@pytest.mark.parametrize("statement", [
    "UPDATE report SET document = '{}'",
    "UPDATE report SET provisional = NOT provisional",
    "DELETE FROM report",
])
def test_published_reports_cannot_be_changed_or_deleted(app, scenario, statement):
    publish_all(app)
    with app.app_context():
        before = [(r.id, r.document, r.digest) for r in db.session().exec(select(Report).order_by(Report.id))]
        assert len(before) == 3
        with pytest.raises(sa.exc.DBAPIError, match="immutable"):
            with db.engine().begin() as conn:
                conn.execute(sa.text(statement))
        s = db.session()
        s.expire_all()
        assert [(r.id, r.document, r.digest) for r in s.exec(select(Report).order_by(Report.id))] == before


def test_a_correction_is_a_new_row(app, scenario):
    """What the triggers leave possible: publishing, including a correction of a final report."""
    from tests.reports.conftest import PERIOD
    from tests.reports.helpers import publish_period

    publish_all(app)
    out = publish_period(app, PERIOD, correction="recount")
    with app.app_context():
        rows = db.session().exec(select(Report).order_by(Report.id)).all()
    assert len(rows) == 6 and [p.report.supersedes_id for p in out] == [r.id for r in rows[:3]]
