"""What a web or scheduler process checks before it takes work, so that a host configured
unlike the rest of its deployment refuses to start instead of misbehaving later.

- The rate-limit storage answers (``RATELIMIT_STORAGE_URI``).
- The signing keys: the database names the deployment's current keys (their kid is their
  fingerprint); the first process to start creates the first one in its key folder, and every
  process must hold each current key, as the same key, in its own (``PARITY_KEYS_PATH``).
  Otherwise two hosts would sign with different keys, or one could not sign at all.

Operator commands (``flask …``) skip these checks: ``flask db upgrade`` must run before the
schema they read exists.
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from broker import db, ratelimit
from broker.config import ConfigError
from broker.mail import transport
from broker.reports import keys


def check(app: Flask) -> None:
    """Raise ``ConfigError`` (naming the setting) when this process must not start."""
    ratelimit.check_reachable(app)
    transport.from_settings(app.config)  # a MAIL_URL that cannot be used stops the start, named
    check_keys(app)


def check_keys(app: Flask) -> None:
    folder = app.config["KEYS_PATH"]
    with app.app_context():
        s = db.session()
        try:
            with db.transaction(s):
                for purpose in keys.PURPOSES:  # the first process of a deployment creates them
                    keys.current(s, folder, purpose)
                problems = keys.store_problems(s, folder)
        except (FileNotFoundError, ValueError):  # this host does not hold the current key
            problems = keys.store_problems(s, folder)
        except SQLAlchemyError as e:
            raise ConfigError(f"cannot check the signing keys against the database ({e.__class__.__name__}: "
                              f"{str(e).splitlines()[0]}); is DATABASE_URL right and migrated "
                              f"(flask --app wsgi db upgrade)?") from None
        finally:
            db.close_session()
            # No pooled connection may outlive the check into forked workers (gunicorn --preload).
            db.engine().dispose()
    if problems:
        raise ConfigError(
            f"PARITY_KEYS_PATH={folder} does not hold this deployment's signing keys: {'; '.join(problems)}. "
            "Every host must see the same key folder (a shared mount, or the same files copied "
            "to each host): see docs/deploy.md, \"Signing keys\".")
