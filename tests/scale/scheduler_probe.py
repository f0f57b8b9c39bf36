"""A real scheduler process for the scale-out tests, with one short job instead of the
registry's (whose intervals are minutes): ``scale_probe`` every 2 s. The leader lock, the
startup checks, the slot boundaries, the catch-up and the run ledger are the production ones.

    python tests/scale/scheduler_probe.py      (settings from the environment, as `flask scheduler run`)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from broker import startup  # noqa: E402
from broker.app import create_app  # noqa: E402
from broker.scheduler import process  # noqa: E402
from broker.jobs import Job  # noqa: E402

PROBE = Job("scale_probe", lambda session, slot: f"probe {slot.isoformat()}", {"trigger": "interval", "seconds": 2})

if __name__ == "__main__":
    app = create_app()
    startup.check(app)
    process.run(app, poll_seconds=app.config["SCHEDULER_POLL_SECONDS"], jobs=[PROBE])
