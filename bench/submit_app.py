"""The submission bench's app: Parity itself plus one bare endpoint on the same stack (same
factory, hooks, engine and session) doing a single INSERT and COMMIT, for comparison."""
import sqlalchemy as sa

from broker import db
from broker.app import create_app
from broker.clock import now
from broker.extensions import csrf

app = create_app()


@app.post("/bench/bare")
@csrf.exempt
def bare():
    s = db.session()
    with db.transaction(s):
        s.execute(sa.text("INSERT INTO bench_bare (created_at) VALUES (:t)"), {"t": now().isoformat()})
    return {"ok": True}, 201
