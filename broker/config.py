"""Settings: safe embedded defaults, then environment variables, then test overrides.

Every setting the app reads is listed in ``SETTINGS`` so the README table and the code
cannot drift apart: `flask --app wsgi config` prints the same list.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

# name -> (default, description). A default of None means "unset".
SETTINGS: dict[str, tuple[str | None, str]] = {
    "DATABASE_URL": (None, "SQLAlchemy URL; default is a SQLite file in the instance folder"),
    "SECRET_KEY": (None, "session/CSRF signing key; default is generated once into instance/secret_key"),
    "PARITY_INSTANCE_PATH": (None, "folder for the SQLite file, secret key, signing keys and locks (default ./instance)"),
    "PARITY_KEYS_PATH": (None, "folder of the private signing keys (reports, transparency log); default instance/keys. "
                               "Every host of one deployment must see the same keys"),
    "TOKEN_EXPIRES_IN": ("3600", "lifetime in seconds of OAuth 2.0 access tokens"),
    "MAX_CONTENT_LENGTH": ("1048576", "largest accepted request body in bytes (413 above it)"),
    "RATELIMIT_STORAGE_URI": ("memory://", "Flask-Limiter storage; use redis://… when running several hosts"),
    "SESSION_COOKIE_SECURE": ("0", "1 to mark the session cookie Secure (set it behind TLS)"),
    "PARITY_PROXY_HOPS": ("0", "reverse proxies in front of Parity whose X-Forwarded-For/-Proto/-Host to trust (0: none)"),
    "STRIPE_API_KEY": (None, "enables Stripe; without it payments are kept in Parity's own ledger"),
    "STRIPE_WEBHOOK_SECRET": (None, "signing secret of the Stripe webhook endpoint"),
    "STRIPE_API_BASE": (None, "override of the Stripe API address (tests use a local fake)"),
    "OIDC_ISSUER": (None, "OpenID Connect issuer for single sign-on (enables SSO with the two below)"),
    "OIDC_CLIENT_ID": (None, "OpenID Connect client id"),
    "OIDC_CLIENT_SECRET": (None, "OpenID Connect client secret"),
    "SCHEDULER_POLL_SECONDS": ("5", "how often a standing-by scheduler tries to take the lead"),
    "LOG_LEVEL": ("INFO", "Python logging level"),
    "PARITY_PUBLIC_URL": (None, "public base URL (https://…) used in links given to vendors, e.g. webhook callbacks"),
    "PARITY_LOG_ORIGIN": (None, "transparency log origin and key name, e.g. parity.example/log (default: PARITY_PUBLIC_URL's host/path + /log); set once, before the first checkpoint"),
    "MAIL_URL": (None, "where email goes: file:///folder (default: instance/mail, one .eml per message), "
                        "smtp://host:port, smtps://host:port or smtp+starttls://user:pass@host:port"),
    "MAIL_USERNAME": (None, "SMTP login when MAIL_URL carries none (keep it in the environment, never in files)"),
    "MAIL_PASSWORD": (None, "SMTP password when MAIL_URL carries none (environment only)"),
    "MAIL_FROM": (None, "the From address of Parity's email (default: Parity <no-reply@host of PARITY_PUBLIC_URL>)"),
    "MAIL_CA_FILE": (None, "CA bundle to trust for the SMTP server's certificate (a private relay); default: the system's"),
    "PARITY_BANK_DETAILS": (None, "ledger mode: the bank account developers pay invoices into, e.g. "
                                  "\"Parity Market Ltd · IBAN GB33BUKB20201555555555 · BIC BUKBGB22\" (the invoice adds its reference)"),
    "PARITY_PROVIDERS_ALLOW_HTTP": ("0", "1 to allow plain http:// vendor endpoints (local development only)"),
}


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it."""


def default_instance_path() -> Path:
    return Path(os.environ.get("PARITY_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def _secret_key(instance: Path) -> str:
    """A random key generated on first run and kept beside the database, never committed."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting together must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _hops(value: str) -> int:
    try:
        hops = int(value)
    except ValueError:
        hops = -1
    if not 0 <= hops <= 5:
        raise ConfigError(f"PARITY_PROXY_HOPS must be a whole number from 0 to 5, not {value!r}")
    return hops


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping."""
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None) or default_instance_path())
    instance.mkdir(parents=True, exist_ok=True)
    env = {name: os.environ.get(name, default) for name, (default, _) in SETTINGS.items()}
    cfg = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": env["DATABASE_URL"] or f"sqlite:///{instance / 'parity.sqlite3'}",
        "SECRET_KEY": env["SECRET_KEY"] or _secret_key(instance),
        "KEYS_PATH": str(Path(env["PARITY_KEYS_PATH"]).resolve()) if env["PARITY_KEYS_PATH"] else str(instance / "keys"),
        "TOKEN_EXPIRES_IN": int(env["TOKEN_EXPIRES_IN"]),
        "MAX_CONTENT_LENGTH": int(env["MAX_CONTENT_LENGTH"]),
        "RATELIMIT_STORAGE_URI": env["RATELIMIT_STORAGE_URI"],
        "SESSION_COOKIE_SECURE": env["SESSION_COOKIE_SECURE"] == "1",
        "PROXY_HOPS": _hops(env["PARITY_PROXY_HOPS"]),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "STRIPE_API_KEY": env["STRIPE_API_KEY"],
        "STRIPE_WEBHOOK_SECRET": env["STRIPE_WEBHOOK_SECRET"],
        "STRIPE_API_BASE": env["STRIPE_API_BASE"],
        "OIDC_ISSUER": env["OIDC_ISSUER"],
        "OIDC_CLIENT_ID": env["OIDC_CLIENT_ID"],
        "OIDC_CLIENT_SECRET": env["OIDC_CLIENT_SECRET"],
        "SCHEDULER_POLL_SECONDS": float(env["SCHEDULER_POLL_SECONDS"]),
        "LOG_LEVEL": env["LOG_LEVEL"],
        "PUBLIC_BASE_URL": env["PARITY_PUBLIC_URL"],
        "PROVIDERS_ALLOW_HTTP": env["PARITY_PROVIDERS_ALLOW_HTTP"] == "1",
        "TLOG_ORIGIN": env["PARITY_LOG_ORIGIN"],
        "MAIL_URL": env["MAIL_URL"],
        "MAIL_FROM": env["MAIL_FROM"],
        "MAIL_CA_FILE": env["MAIL_CA_FILE"],
        "BANK_DETAILS": env["PARITY_BANK_DETAILS"],
        "WTF_CSRF_TIME_LIMIT": None,
    }
    cfg.update(overrides)
    return cfg


SETTINGS_KEY = "parity_settings"


def settings_of(s) -> Mapping:
    """The settings of the app that opened session ``s``.

    ``broker.db.session`` attaches the app's config to each session it opens, so services and
    jobs, which take a session, get their settings (secret key, Stripe, public URL) with it
    and never reach for Flask's ``current_app``.
    """
    try:
        return s.info[SETTINGS_KEY]
    except KeyError:
        raise RuntimeError("this session carries no settings: open it with broker.db.session()") from None
