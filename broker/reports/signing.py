"""Ed25519 report-signing keys and compact JWS (``alg`` EdDSA, RFC 8037) through joserfc.

joserfc is authlib's JOSE implementation (authlib ≥ 1.7 deprecates ``authlib.jose`` in its
favour and depends on it). The private half of each key lives only in the key folder
(``PARITY_KEYS_PATH``, default ``instance/keys``; ``<kid>.pem``, mode 0600); the public JWK
goes to the ``signing_key`` table and is served, for current and retired keys alike, at
``/.well-known/jwks.json``. The kid is the key's RFC 7638 thumbprint, so anyone can check it
matches the key, and a host can check that the file it holds is the key the database names.

``sign``/``verify`` need no app; key management takes a session and the key folder.
"""
from __future__ import annotations

import base64
import json
import os
import warnings
from pathlib import Path

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import KeySet, OKPKey

ALG = "EdDSA"


class SignatureError(Exception):
    """A JWS that does not verify against the published keys."""


def _quiet():
    # RFC 9864 prefers the fully specified "Ed25519" name; DESIGN.md pins "EdDSA" (RFC 8037),
    # which every JOSE library understands. Same algorithm, same bytes.
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", SecurityWarning)
    return ctx


def sign(payload: bytes, kid: str, private_pem: bytes | OKPKey) -> str:
    """Compact JWS of ``payload``; the key as PEM, or already imported (receipts keep theirs)."""
    key = private_pem if isinstance(private_pem, OKPKey) else OKPKey.import_key(private_pem)
    ctx = _quiet()
    try:
        return jws.serialize_compact({"alg": ALG, "kid": kid}, payload, key, algorithms=[ALG])
    finally:
        ctx.__exit__(None, None, None)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class CompactSigner:
    """Compact JWS (RFC 7515, EdDSA per RFC 8037) for one key, assembled directly: the same
    bytes ``sign`` gives through joserfc (held equal by a test), in a fifth of its time — it
    signs a receipt on every submission. Only the Ed25519 signature is computed per call."""

    def __init__(self, kid: str, key: OKPKey):
        self.kid = kid
        self._key = key.private_key  # cryptography's Ed25519PrivateKey
        header = json.dumps({"alg": ALG, "kid": kid}, separators=(",", ":")).encode()
        self._head = _b64(header)

    def sign(self, payload: bytes) -> str:
        signing_input = f"{self._head}.{_b64(payload)}"
        return f"{signing_input}.{_b64(self._key.sign(signing_input.encode('ascii')))}"


def verify(token: str, jwks: dict) -> tuple[dict, bytes]:
    """Check ``token`` against the JWKS document; return (protected header, payload bytes)."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise SignatureError("not a compact JWS (three dot-separated parts)")
    try:
        keys = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError) as e:
        raise SignatureError(f"unusable JWKS: {e}") from None
    ctx = _quiet()
    try:
        header = jws.extract_compact(token.encode()).protected
        if header.get("alg") != ALG:
            raise SignatureError(f"alg is {header.get('alg')!r}, not {ALG}")
        kid = header.get("kid")
        if not kid or not any(k.kid == kid for k in keys.keys):
            raise SignatureError(f"kid {kid!r} is not in the JWKS")
        obj = jws.deserialize_compact(token, keys, algorithms=[ALG])
    except SignatureError:
        raise
    except (JoseError, ValueError, TypeError) as e:
        raise SignatureError(f"signature does not verify ({e.__class__.__name__})") from None
    finally:
        ctx.__exit__(None, None, None)
    return dict(obj.protected), obj.payload


def public_jwk(key: OKPKey, kid: str) -> dict:
    return {**key.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"}


def keys_dir(keys_path: str | os.PathLike) -> Path:
    return Path(keys_path)


def thumbprint(private_pem: bytes) -> str:
    """The RFC 7638 thumbprint of a private key's public half: the kid it must be stored under."""
    key = OKPKey.import_key(private_pem)
    if not key.is_private:
        raise ValueError("a public key only")
    return key.thumbprint()


def generate(keys_path: str | os.PathLike) -> tuple[str, dict]:
    """Create a key: write its private half (0600, never overwritten); return (kid, public JWK)."""
    key = OKPKey.generate_key("Ed25519")
    kid = key.thumbprint()
    folder = keys_dir(keys_path)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    fd = os.open(folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.as_pem(private=True))
    return kid, public_jwk(key, kid)


def private_pem(keys_path: str | os.PathLike, kid: str) -> bytes:
    path = keys_dir(keys_path) / f"{kid}.pem"
    if not path.exists():
        raise FileNotFoundError(
            f"the private half of signing key {kid} is not in {path.parent} (PARITY_KEYS_PATH): share "
            f"the deployment's key folder with this host, or run `flask --app wsgi reports rotate-key`")
    pem = path.read_bytes()
    if thumbprint(pem) != kid:  # never sign with a key the published JWKS does not hold
        raise ValueError(f"{path} holds another key than {kid}")
    return pem
