"""What gunicorn serves: ``gunicorn wsgi:app``.

Served, the app first checks what would make this host differ from the rest of its
deployment (``broker/startup.py``), so a misconfigured host refuses to start. Loaded by the
``flask`` command (``flask --app wsgi …``) it does not: ``db upgrade`` comes before the schema
those checks read.
"""
import os

from broker import startup
from broker.app import create_app

app = create_app()
if "FLASK_RUN_FROM_CLI" not in os.environ:
    startup.check(app)
