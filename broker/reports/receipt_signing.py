"""Receipt signatures: a compact JWS (EdDSA) over a receipt's stored RFC 8785 payload.

Receipts have a key of their own in the report key store (``signing_key.purpose`` =
``receipt``), published in the same JWKS: rotating the report key must not touch it, and
every web worker signs with it, while report keys sign only where reports are published.
Ed25519 signatures are deterministic, so the JWS is derived from the stored payload whenever
a receipt is shown — the same bytes every time while the key is the same — instead of being
made and stored inside the submission's transaction (docs/decisions.md, "Receipts").
"""
from __future__ import annotations

import logging
import threading

from joserfc.jwk import OKPKey
from sqlmodel import Session, select

from broker import db
from broker.config import settings_of
from broker.models import SigningKey
from broker.reports import keys, signing
from broker.tlog import service as tlog

log = logging.getLogger(__name__)
PURPOSE = "receipt"
_signers: dict[str, signing.CompactSigner] = {}  # (database, instance folder) -> key
_lock = threading.Lock()


def signer(s: Session) -> signing.CompactSigner:
    """The receipt key's signer, loaded once per process and database; the first use anywhere
    creates the key (call outside a write transaction)."""
    path = str(settings_of(s)["KEYS_PATH"])
    where = f"{s.get_bind().url}|{path}"  # the private half lives in the key folder (PARITY_KEYS_PATH)
    with _lock:
        got = _signers.get(where)
    if got is not None:
        return got
    row = s.exec(select(SigningKey).where(SigningKey.purpose == PURPOSE, SigningKey.retired_at.is_(None))
                 .order_by(SigningKey.created_at.desc())).first()
    if row is not None:
        kid, pem = row.kid, signing.private_pem(path, row.kid)
    else:
        with db.transaction(s):
            tlog.lock(s)  # two workers' first receipts: one creates the key, the other finds it
            kid, pem = keys.current(s, path, purpose=PURPOSE)
    got = signing.CompactSigner(kid, OKPKey.import_key(pem))
    with _lock:
        _signers[where] = got
    return got


def jws(s: Session, payload: str | bytes) -> str | None:
    """The receipt's compact JWS; None (logged) on a host without the key's private half:
    the receipt and its logged commitment still stand, and any host holding the key signs
    the same bytes later."""
    try:
        sign = signer(s).sign
    except FileNotFoundError as e:
        log.warning("receipt not signed: %s", e)
        return None
    return sign(payload.encode("utf-8") if isinstance(payload, str) else payload)
