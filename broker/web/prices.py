"""Public price files (DESIGN.md): ``/prices/index.json`` and one JSON document per UTC day.

Each answer is RFC 8785 JSON with a strong ETag over its bytes and honours If-None-Match. A
past day's file never changes: once the day is sealed (``broker.tlog.service``) its stored
bytes are served, cached for a long time, with a ``Link`` to its transparency-log proof;
today's file and the index change, so they are cached briefly.
"""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

from flask import Blueprint, Response, request, url_for

from broker import canonical, db
from broker.clock import now
from broker.errors import ApiError
from broker.services import prices

bp = Blueprint("prices", __name__, url_prefix="/prices")

SHORT = "public, max-age=60"
LONG = "public, max-age=31536000, immutable"


def _json(doc: dict | bytes, cache_control: str) -> Response:
    body = doc if isinstance(doc, bytes) else canonical.jcs(doc)
    resp = Response(body, mimetype="application/json")
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    resp.headers["Cache-Control"] = cache_control
    return resp.make_conditional(request)


@bp.get("/index.json")
def index_json():
    s = db.session()
    today = now().date()
    first = prices.first_day(s)
    days = []
    if first is not None:
        d = min(first, today)
        while d <= today:
            days.append({"date": d.isoformat(), "url": url_for("prices.day_json", day=d.isoformat(), _external=False)})
            d += timedelta(days=1)
    return _json({"schema_version": prices.PRICE_FILE_SCHEMA, "today": today.isoformat(),
                  "files": list(reversed(days))}, SHORT)


@bp.get("/<day>.json")
def day_json(day: str):
    try:
        wanted = date.fromisoformat(day)
        if len(day) != 10:
            raise ValueError
    except ValueError:
        raise ApiError(f"{day!r} is not a date like 2026-11-23.", status=404, type_="not-found") from None
    today = now().date()
    s = db.session()
    first = prices.first_day(s)
    if wanted > today or first is None or wanted < first:
        raise ApiError(f"No price file for {day}: files run from the first price to today.", status=404,
                       type_="not-found")
    if wanted == today:
        return _json(prices.price_file(s, wanted), SHORT)
    from broker.models import PriceFile
    from broker.reports import log_signing

    sealed = s.get(PriceFile, wanted)
    if sealed is None:  # the first request after the day ended seals it (the job does otherwise)
        log_signing.seal_price_files(s, today)
        sealed = s.get(PriceFile, wanted)
    resp = _json(sealed.document.encode("utf-8"), LONG)
    resp.headers["Link"] = f'<{url_for("tlog.proof", kind="price_file", ref=day)}>; rel="tlog-proof"'
    return resp
