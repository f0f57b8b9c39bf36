"""A vendor's system for the tests: a real HTTP server on 127.0.0.1 that verifies Parity's
signatures with the vendor's own copy of the secret, de-duplicates events by id, and can be
told to fail, to process-then-fail (a lost acknowledgement) or to hang."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from providers import webhook
from tests.helpers import Serving


class VendorSystem(Serving):
    def __init__(self, secrets: list[str]):
        self.secrets = secrets
        self.received: list[dict] = []  # every request that arrived, verified or not
        self.processed: dict[str, dict] = {}  # event id -> event, each applied once
        self.fail_next = 0  # answer 503 to this many requests (vendor down)
        self.ack_lost_next = 0  # apply the event, then answer 500 (acknowledgement lost)
        self.hang_seconds = 0.0
        self.catalog: dict = {"offerings": [], "capacity": []}
        self.lock = threading.Lock()
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self, status: int, doc: dict | None = None):
                body = json.dumps(doc or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _verify(self, body: bytes) -> bool:
                try:
                    webhook.verify(body, self.headers.get("Parity-Signature"), vendor.secrets, now=time.time())
                    return True
                except webhook.SignatureError:
                    return False

            def do_GET(self):
                if vendor.hang_seconds:
                    time.sleep(vendor.hang_seconds)
                if not self._verify(b""):
                    return self._answer(401, {"error": "bad signature"})
                self._answer(200, vendor.catalog)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with vendor.lock:
                    vendor.received.append({"headers": dict(self.headers), "body": body})
                    if vendor.fail_next:
                        vendor.fail_next -= 1
                        return self._answer(503, {"error": "down for maintenance"})
                if vendor.hang_seconds:
                    time.sleep(vendor.hang_seconds)
                if not self._verify(body):
                    return self._answer(401, {"error": "bad signature"})
                event = json.loads(body)
                with vendor.lock:
                    vendor.processed.setdefault(event["id"], event)  # idempotent by event id
                    if vendor.ack_lost_next:
                        vendor.ack_lost_next -= 1
                        return self._answer(500, {"error": "crashed after saving"})
                self._answer(200, {"external_ref": f"job-{event['data']['order']['id']}"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        super().__init__()

    def orders_processed(self, kind: str = "order.placed") -> list[int]:
        return sorted(e["data"]["order"]["id"] for e in self.processed.values() if e["type"] == kind)
