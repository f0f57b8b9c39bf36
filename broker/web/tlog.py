"""The public transparency log (C2SP tlog-tiles): checkpoint, tiles, entry bundles, per-artifact
proofs (C2SP tlog-proof) and a page saying how to check them. No login."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from broker import db
from broker.errors import ApiError
from broker.tlog import entries, merkle
from broker.tlog import service as tlog

bp = Blueprint("tlog", __name__, url_prefix="/log")

IMMUTABLE = "public, max-age=31536000, immutable"


def _not_found(detail: str) -> ApiError:
    return ApiError(detail, status=404, type_="not-found")


@bp.get("/")
def index():
    s = db.session()
    cp = tlog.latest_checkpoint(s)
    return render_template("tlog/index.html", checkpoint=cp, origin=tlog.origin(current_app.config),
                           verifier_keys=tlog.verifier_keys(s, current_app.config))


@bp.get("/checkpoint")
def checkpoint():
    cp = tlog.latest_checkpoint(db.session())
    if cp is None:
        raise _not_found("The log has no signed checkpoint yet.")
    resp = Response(cp.note, mimetype="text/plain")
    resp.headers["Content-Type"] = "text/plain; charset=utf-8"
    resp.headers["Cache-Control"] = "no-cache, max-age=0"  # mutable: never cached beyond a moment
    return resp


@bp.get("/tile/<path:rest>")
def tile(rest: str):
    try:
        level, index, width = merkle.parse_tile_path(rest)
    except ValueError as e:
        raise _not_found(f"{e}.") from None
    data = tlog.tile(db.session(), level, index, width)
    if data is None:
        raise _not_found(f"Tile {rest} is not covered by the latest checkpoint.")
    resp = Response(data, mimetype="application/octet-stream")
    # A tile's bytes follow from entries that never change: full and partial alike are
    # immutable (a partial tile of width W is always the same W hashes).
    resp.headers["Cache-Control"] = IMMUTABLE
    return resp


@bp.get("/proof/<kind>/<ref>.tlog-proof")
def proof(kind: str, ref: str):
    if kind not in entries.KINDS or kind == "receipt":  # a receipt's proof goes only to its developer (API)
        raise _not_found(f"{kind!r} is not a kind of log entry ({', '.join(entries.KINDS)}).")
    text = tlog.proof_for(db.session(), kind, ref)
    if text is None:
        raise _not_found(f"No {kind} {ref} in the log's latest checkpoint (a new entry is covered "
                         "by the next checkpoint, signed within minutes).")
    resp = Response(text, mimetype="text/plain")
    resp.headers["Content-Type"] = "text/plain; charset=utf-8"
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp
