"""Exit 0 when the PostgreSQL server of TEST_DATABASE_URL (or the local one) answers."""
import os
import sys

import sqlalchemy as sa

url = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
try:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
except Exception as exc:  # noqa: BLE001
    print(f"PostgreSQL not available at {sa.engine.make_url(url).render_as_string()}: {exc.__class__.__name__}")
    sys.exit(1)
sys.exit(0)
