"""The bench's baseline: a bare Flask app answering a constant JSON body (served by the same
gunicorn settings as Parity, in the same run, so the two numbers compare)."""
from flask import Flask

app = Flask(__name__)
BODY = {"status": "ok", "items": []}


@app.get("/bare")
def bare():
    return BODY
