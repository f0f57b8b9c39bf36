"""Report-signing key management: the current key, rotation, and the public JWKS.

A rotation retires the current key (its public JWK stays in the JWKS, so every report it
signed still verifies) and, once that is committed, its private half is deleted: a retired key never signs again.
"""
from __future__ import annotations

import os

from sqlmodel import Session, select

from broker.clock import now
from broker.models import SigningKey
from broker.reports import signing
from broker import audit


def current(s: Session, instance_path: str, purpose: str = "report") -> tuple[str, bytes]:
    """(kid, private PEM) of the key in use for ``purpose`` ("report" signs reports, "log" the
    transparency log's checkpoints), creating the first one when there is none.
    Call inside a write transaction."""
    row = s.exec(select(SigningKey).where(SigningKey.retired_at.is_(None), SigningKey.purpose == purpose)
                 .order_by(SigningKey.created_at.desc())).first()
    if row is None:
        row = _new(s, instance_path, None, purpose)
    return row.kid, signing.private_pem(instance_path, row.kid)


def _new(s: Session, instance_path: str, actor, purpose: str = "report") -> SigningKey:
    kid, jwk = signing.generate(instance_path)
    row = SigningKey(kid=kid, public_jwk=jwk, purpose=purpose, created_at=now())
    s.add(row)
    s.flush()
    audit.record(s, actor, "signing_key.create", "signing_key", kid,
                 after={"kid": kid, "public_jwk": jwk, "purpose": purpose})
    return row


def rotate(s: Session, instance_path: str, actor=None) -> tuple[str, list[str]]:
    """Retire every current report key and start a new one; returns (new kid, retired kids)."""
    retired = []
    for row in s.exec(select(SigningKey).where(SigningKey.retired_at.is_(None),
                                               SigningKey.purpose == "report")).all():
        row.retired_at = now()
        s.add(row)
        retired.append(row.kid)
        audit.record(s, actor, "signing_key.retire", "signing_key", row.kid,
                     before={"retired_at": None}, after={"retired_at": row.retired_at.isoformat()})
    new = _new(s, instance_path, actor)
    return new.kid, retired


def forget_private(instance_path: str, kids: list[str]) -> None:
    """Delete the private halves of retired keys; call after the rotation committed."""
    for kid in kids:
        try:
            os.remove(signing.keys_dir(instance_path) / f"{kid}.pem")
        except FileNotFoundError:
            pass


def jwks(s: Session, decorate=lambda row, jwk: jwk) -> dict:
    """Every key, current and retired, oldest first (RFC 7517 JWK Set). ``decorate`` may add
    members to a key's JWK (the log adds its note verifier key to the log key's)."""
    rows = s.exec(select(SigningKey).order_by(SigningKey.created_at, SigningKey.kid)).all()
    return {"keys": [decorate(r, dict(r.public_jwk)) for r in rows]}
