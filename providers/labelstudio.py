"""The Label Studio adapter: an order creates (or fills) a Label Studio project through its REST
API, and delivery progress is read back from the tasks its annotators completed.

REST only (``requests``); Parity never imports Label Studio. One task is one unit of work.
Each task carries ``parity_order`` and ``parity_unit`` in its data, so an order can share an
existing project (``project_id`` setting) and still be counted on its own, and a placement
that is retried after a timeout finds the tasks it already created instead of adding more.

Authentication: Label Studio 1.23 personal access tokens are JWT refresh tokens; the adapter
trades one for a short-lived access token (``POST /api/token/refresh``) and sends it as
``Authorization: Bearer``. A legacy token (not a JWT) is sent as ``Authorization: Token``.
The token itself lives in the environment variable the ``token_env`` setting names.
"""
from __future__ import annotations

import os
from typing import Iterator, Mapping, Sequence

import requests

from providers import http
from providers import settings as cfg
from providers.base import (Catalog, Event, OrderInfo, Placement, Progress, ProviderError,
                            SettingsError)

KEYS = {"base_url", "token_env", "project_id", "label_config", "timeout_seconds", "max_attempts"}
# A neutral default interface: the annotator marks each unit done. Teams bring their own.
DEFAULT_CONFIG = """<View>
  <Header value="$instructions"/>
  <Text name="unit" value="$parity_unit_label"/>
  <Choices name="status" toName="unit" choice="single" required="true">
    <Choice value="done"/>
  </Choices>
</View>"""
MAX_IMPORT = 1000  # tasks per import request
MAX_UNITS = 100_000  # one task per unit: larger orders belong in a vendor's own pipeline


def validate(settings: dict, *, allow_http: bool = False) -> dict:
    cfg.only(settings, KEYS)
    out = {"base_url": cfg.url(settings, "base_url", allow_http=allow_http),
           "token_env": cfg.env_names(settings, "token_env", many=False)[0],
           "timeout_seconds": cfg.number(settings, "timeout_seconds", lo=0.1, hi=120, default=30),
           "max_attempts": cfg.number(settings, "max_attempts", lo=1, hi=20, default=8, integer=True)}
    project = settings.get("project_id")
    if project is not None:
        if isinstance(project, bool) or not isinstance(project, int) or project < 1:
            raise SettingsError("project_id", "must be a positive integer (a Label Studio project id)")
        out["project_id"] = project
    config = settings.get("label_config")
    if config is not None:
        if not isinstance(config, str) or not config.strip().startswith("<View") or len(config) > 20_000:
            raise SettingsError("label_config", "must be a Label Studio <View> of at most 20,000 characters")
        out["label_config"] = config
    return out


def _is_jwt(token: str) -> bool:
    return token.count(".") == 2


class LabelStudioClient:
    """Thin REST client: authentication, JSON, errors as ``ProviderError``."""

    def __init__(self, base_url: str, token: str, timeout: float, env: Mapping[str, str] | None = None):
        if not token:
            raise ProviderError("the Label Studio token is not set in the environment")
        self.base, self.token, self.timeout = base_url.rstrip("/"), token, timeout
        self.http = http.session(os.environ if env is None else env)
        self._auth: str | None = None

    def _authorization(self, fresh: bool = False) -> str:
        if self._auth and not fresh:
            return self._auth
        if not _is_jwt(self.token):
            self._auth = f"Token {self.token}"
        else:
            r = self._raw("POST", "/api/token/refresh/", json={"refresh": self.token}, auth=None)
            access = r.json().get("access") if r.ok else None
            if not access:
                raise ProviderError(f"Label Studio refused the personal access token (HTTP {r.status_code})")
            self._auth = f"Bearer {access}"
        return self._auth

    def _raw(self, method: str, path: str, *, auth: str | None, **kw) -> requests.Response:
        headers = {"Authorization": auth} if auth else {}
        try:
            return self.http.request(method, self.base + path, headers=headers, timeout=self.timeout,
                                     allow_redirects=False, **kw)
        except requests.Timeout:
            raise ProviderError(f"Label Studio gave no answer within {self.timeout:g} s") from None
        except requests.RequestException as e:
            if http.refused(e):
                raise ProviderError("refused to call Label Studio: its address is not public") from None
            raise ProviderError(f"cannot reach Label Studio: {e.__class__.__name__}") from None

    def call(self, method: str, path: str, **kw):
        r = self._raw(method, path, auth=self._authorization(), **kw)
        if r.status_code == 401:  # the short-lived access token expired: refresh once
            r = self._raw(method, path, auth=self._authorization(fresh=True), **kw)
        if not r.ok:
            raise ProviderError(f"Label Studio {method} {path.split('?')[0]} answered HTTP {r.status_code}")
        return r.json() if r.content else None

    def tasks(self, project_id: int) -> Iterator[dict]:
        page = 1
        while True:
            r = self._raw("GET", f"/api/tasks?project={project_id}&page={page}&page_size=500",
                          auth=self._authorization())
            if r.status_code == 404 and page > 1:
                return  # Label Studio answers 404 past the last page
            if r.status_code == 401:
                self._authorization(fresh=True)
                continue
            if not r.ok:
                raise ProviderError(f"Label Studio GET /api/tasks answered HTTP {r.status_code}")
            doc = r.json()
            rows = doc.get("tasks", []) if isinstance(doc, dict) else doc
            yield from rows
            total = doc.get("total") if isinstance(doc, dict) else None
            if not rows or (total is not None and page * 500 >= total):
                return
            page += 1


class LabelStudioAdapter:
    name = "labelstudio"
    pushes_orders = True

    def __init__(self, settings: dict, env: Mapping[str, str] | None = None):
        self.settings = settings
        self.env = os.environ if env is None else env

    def _client(self, timeout: float) -> LabelStudioClient:
        token = self.env.get(self.settings["token_env"], "")
        return LabelStudioClient(self.settings["base_url"], token, timeout, self.env)

    @staticmethod
    def _title(order: OrderInfo) -> str:
        return f"Parity order #{order.order_id}"

    def _project_for(self, ls: LabelStudioClient, order: OrderInfo) -> int:
        if self.settings.get("project_id"):
            return int(self.settings["project_id"])
        title = self._title(order)
        listing = ls.call("GET", f"/api/projects?title={requests.utils.quote(title)}&page_size=100")
        rows = listing.get("results", []) if isinstance(listing, dict) else (listing or [])
        for p in rows:
            if p.get("title") == title:
                return int(p["id"])  # a retried placement: reuse the project it made
        created = ls.call("POST", "/api/projects", json={
            "title": title, "label_config": self.settings.get("label_config", DEFAULT_CONFIG),
            "description": f"{order.units} units for {order.period}, placed by Parity."})
        return int(created["id"])

    @staticmethod
    def _own(tasks: Iterator[dict], order_id: int) -> Iterator[dict]:
        return (t for t in tasks if (t.get("data") or {}).get("parity_order") == order_id)

    def describe(self, timeout: float) -> Catalog:
        return Catalog()  # Label Studio has no catalog; offerings and capacity stay in Parity

    def place_order(self, event: Event, timeout: float) -> Placement:
        order = event.order
        if order.units > MAX_UNITS:
            raise ProviderError(f"orders above {MAX_UNITS:,} units are not sent to Label Studio")
        ls = self._client(timeout)
        project = self._project_for(ls, order)
        have = {(t.get("data") or {}).get("parity_unit") for t in self._own(ls.tasks(project), order.order_id)}
        missing = [u for u in range(1, order.units + 1) if u not in have]
        for i in range(0, len(missing), MAX_IMPORT):
            batch = [{"data": {"parity_order": order.order_id, "parity_unit": u,
                               "parity_unit_label": f"Order #{order.order_id}, unit {u} of {order.units}",
                               "instructions": order.instructions_ref or f"Parity order #{order.order_id}"}}
                     for u in missing[i:i + MAX_IMPORT]]
            ls.call("POST", f"/api/projects/{project}/import", json=batch)
        return Placement(external_ref=str(project))

    def report_progress(self, orders: Sequence[OrderInfo], timeout: float) -> list[Progress]:
        ls = self._client(timeout)
        out = []
        for order in orders:
            if not order.external_ref:
                continue
            project = int(order.external_ref)
            done = sum(1 for t in self._own(ls.tasks(project), order.order_id) if _completed(t))
            if done:
                # Keyed by the count, so polling twice records the same progress once.
                out.append(Progress(order_id=order.order_id, event_id=f"ls:{project}:{done}",
                                    total=min(done, order.units)))
        return out

    def cancel(self, event: Event, timeout: float) -> None:
        order = event.order
        if not order.external_ref:
            return
        ls = self._client(timeout)
        project = int(order.external_ref)
        for t in self._own(ls.tasks(project), order.order_id):
            if not _completed(t):  # unfinished work is withdrawn; finished work stays
                ls.call("DELETE", f"/api/tasks/{t['id']}/")


def _completed(task: dict) -> bool:
    return bool(task.get("is_labeled")) or int(task.get("total_annotations") or 0) > 0
