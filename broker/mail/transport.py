"""How an email leaves Parity, chosen by the ``MAIL_URL`` setting.

- ``file:///some/folder`` (default: ``<instance>/mail``): each message is written as one
  ``.eml`` file — for development, and what ``/admin/outbox`` shows.
- ``smtp://host:port``: plain SMTP (a local relay); ``smtps://host:port``: SMTP over TLS.
- ``smtp+starttls://user:pass@host:port``: SMTP upgraded with STARTTLS, then login.

Credentials come from the URL (percent-encoded) or, when the URL has none, from
``MAIL_USERNAME`` / ``MAIL_PASSWORD`` in the environment; they are never stored in the
repository or the database. ``MAIL_CA_FILE`` names a CA bundle to trust for a private relay.
Only the standard library is used: ``smtplib`` and ``email.message.EmailMessage``.
"""
from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from broker.config import ConfigError

SCHEMES = ("file", "smtp", "smtps", "smtp+starttls")
TIMEOUT_SECONDS = 20


class MailError(Exception):
    """A message that could not be handed over. ``permanent``: retrying cannot help
    (the server refused the recipient or the message), else it is tried again later."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class MailConfig:
    scheme: str
    folder: Path | None = None
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None

    def describe(self) -> str:
        """For pages and logs: never the password."""
        if self.scheme == "file":
            return f"files in {self.folder}"
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse(url: str | None, instance_path: str, *, environ=os.environ, ca_file: str | None = None) -> MailConfig:
    """``MAIL_URL`` → a MailConfig; a ConfigError names what is wrong with it."""
    if not url:
        return MailConfig("file", folder=Path(instance_path) / "mail")
    u = urlsplit(url)
    scheme = u.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"MAIL_URL must start with one of {', '.join(s + '://' for s in SCHEMES)}, not {url.split(':')[0]!r}")
    if scheme == "file":
        if not u.path:
            raise ConfigError("MAIL_URL file:// needs a folder, e.g. file:///var/lib/parity/mail")
        return MailConfig("file", folder=Path(unquote(u.path)))
    if not u.hostname:
        raise ConfigError(f"MAIL_URL {scheme}:// needs a host, e.g. {scheme}://mail.example.org:587")
    try:
        port = u.port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[scheme]
    except ValueError:
        raise ConfigError("MAIL_URL has a port that is not a number from 1 to 65535") from None
    username = unquote(u.username) if u.username else environ.get("MAIL_USERNAME") or None
    password = unquote(u.password) if u.password else environ.get("MAIL_PASSWORD") or None
    return MailConfig(scheme, host=u.hostname, port=port, username=username, password=password,
                      ca_file=ca_file)


def from_settings(settings) -> MailConfig:
    return parse(settings.get("MAIL_URL"), settings["INSTANCE_PATH"], ca_file=settings.get("MAIL_CA_FILE"))


def send(cfg: MailConfig, msg: EmailMessage, *, name: str) -> str:
    """Hand ``msg`` over; returns where it went. ``name`` is a stable file name stem: writing
    the same message twice replaces the file rather than adding a second one."""
    if cfg.scheme == "file":
        return _write(cfg.folder, msg, name)
    return _smtp(cfg, msg)


def _write(folder: Path, msg: EmailMessage, name: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{name}.eml"
    tmp = folder / f".{name}.eml.tmp"
    tmp.write_bytes(msg.as_bytes())
    os.replace(tmp, final)  # atomic: a reader never sees half a message
    return str(final)


def _tls_context(cfg: MailConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cfg.ca_file) if cfg.ca_file else ssl.create_default_context()


def _smtp(cfg: MailConfig, msg: EmailMessage) -> str:
    try:
        if cfg.scheme == "smtps":
            conn = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=TIMEOUT_SECONDS, context=_tls_context(cfg))
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=TIMEOUT_SECONDS)
        with conn:
            if cfg.scheme == "smtp+starttls":
                conn.starttls(context=_tls_context(cfg))
                conn.ehlo()
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
            refused = conn.send_message(msg)
    except smtplib.SMTPRecipientsRefused as e:
        raise MailError(f"every recipient was refused: {_codes(e.recipients)}", permanent=True) from None
    except smtplib.SMTPAuthenticationError as e:
        raise MailError(f"the mail server refused the login ({e.smtp_code})") from None
    except smtplib.SMTPResponseException as e:
        text = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        raise MailError(f"the mail server answered {e.smtp_code} {text}", permanent=500 <= e.smtp_code < 600) from None
    except (smtplib.SMTPException, OSError) as e:
        raise MailError(f"could not reach the mail server {cfg.host}:{cfg.port}: {e.__class__.__name__}: {e}") from None
    if refused:
        raise MailError(f"recipients refused: {_codes(refused)}", permanent=True)
    return cfg.describe()


def _codes(recipients: dict) -> str:
    return "; ".join(f"{r} ({code})" for r, (code, _) in recipients.items())
