"""What gunicorn serves: ``gunicorn wsgi:app``."""
from broker.app import create_app

app = create_app()
