"""Report-signing key management: the current key, rotation, and the public JWKS.

A rotation retires the current key (its public JWK stays in the JWKS, so every report it
signed still verifies) and, once that is committed, its private half is deleted: a retired key never signs again.
Every host of a deployment must hold the same current keys: the database names them (the kid
is the key's fingerprint) and ``store_problems`` says where a host's key folder differs.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from sqlmodel import Session, select

from broker.clock import now
from broker.models import SigningKey
from broker.reports import signing
from broker import audit


# What keys sign: reports, the transparency log's checkpoints, and request receipts.
PURPOSES = ("report", "log", "receipt")
# PostgreSQL advisory lock: two hosts finding no key at once must not both create one.
KEY_LOCK = 0x504B455953  # "PKEYS"


def current(s: Session, keys_path: str, purpose: str = "report") -> tuple[str, bytes]:
    """(kid, private PEM) of the key in use for ``purpose`` ("report" signs reports, "log" the
    transparency log's checkpoints), creating the first one when there is none.
    Call inside a write transaction."""
    if s.get_bind().dialect.name == "postgresql":
        s.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=KEY_LOCK))
    row = s.exec(select(SigningKey).where(SigningKey.retired_at.is_(None), SigningKey.purpose == purpose)
                 .order_by(SigningKey.created_at.desc())).first()
    if row is None:
        row = _new(s, keys_path, None, purpose)
    return row.kid, signing.private_pem(keys_path, row.kid)


def _new(s: Session, keys_path: str, actor, purpose: str = "report") -> SigningKey:
    kid, jwk = signing.generate(keys_path)
    row = SigningKey(kid=kid, public_jwk=jwk, purpose=purpose, created_at=now())
    s.add(row)
    s.flush()
    audit.record(s, actor, "signing_key.create", "signing_key", kid,
                 after={"kid": kid, "public_jwk": jwk, "purpose": purpose})
    return row


def rotate(s: Session, keys_path: str, actor=None) -> tuple[str, list[str]]:
    """Retire every current report key and start a new one; returns (new kid, retired kids)."""
    retired = []
    for row in s.exec(select(SigningKey).where(SigningKey.retired_at.is_(None),
                                               SigningKey.purpose == "report")).all():
        row.retired_at = now()
        s.add(row)
        retired.append(row.kid)
        audit.record(s, actor, "signing_key.retire", "signing_key", row.kid,
                     before={"retired_at": None}, after={"retired_at": row.retired_at.isoformat()})
    new = _new(s, keys_path, actor)
    return new.kid, retired


def forget_private(keys_path: str, kids: list[str]) -> None:
    """Delete the private halves of retired keys; call after the rotation committed."""
    for kid in kids:
        try:
            os.remove(signing.keys_dir(keys_path) / f"{kid}.pem")
        except FileNotFoundError:
            pass


def store_problems(s: Session, keys_path: str) -> list[str]:
    """Why this host's key folder cannot sign for the deployment: every current key the
    database names (report and log keys) must be there, as the same key (its fingerprint is
    its kid)."""
    problems = []
    for row in s.exec(select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.kid)):
        path = signing.keys_dir(keys_path) / f"{row.kid}.pem"
        try:
            held = signing.thumbprint(path.read_bytes())
        except FileNotFoundError:
            problems.append(f"current {row.purpose} signing key {row.kid} is not in {path.parent}")
            continue
        except (OSError, ValueError) as e:
            held = f"unreadable ({e.__class__.__name__})"
        if held != row.kid:
            problems.append(f"{path} is not current {row.purpose} signing key {row.kid} (fingerprint {held})")
    return problems


def jwks(s: Session, decorate=lambda row, jwk: jwk) -> dict:
    """Every key, current and retired, oldest first (RFC 7517 JWK Set). ``decorate`` may add
    members to a key's JWK (the log adds its note verifier key to the log key's)."""
    rows = s.exec(select(SigningKey).order_by(SigningKey.created_at, SigningKey.kid)).all()
    return {"keys": [decorate(r, dict(r.public_jwk)) for r in rows]}
