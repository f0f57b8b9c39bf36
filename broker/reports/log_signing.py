"""Sealing the day's price files and signing log checkpoints: the log's writers that need the
report key store and the price service (the log itself, ``broker.tlog.service``, needs neither,
so services can append to it in their own transactions).

``checkpoint_tick`` is the scheduler's job: every minute, so a round's or report's
``.tlog-proof`` is served within a minute; it signs only when the log grew (or daily).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlmodel import Session, func, select

from broker import canonical, db
from broker.clock import now
from broker.config import settings_of
from broker.jobs import Jobs
from broker.models import LogCheckpoint, PriceFile
from broker.reports import keys
from broker.services import prices
from broker.tlog import entries, note
from broker.tlog import service as tlog

RESIGN_AFTER = timedelta(hours=24)  # a checkpoint is re-signed at least daily, grown or not


def seal_price_files(s: Session, today: date | None = None) -> list[PriceFile]:
    """Keep and log the price file of every finished UTC day not yet sealed (idempotent)."""
    today = today or now().date()
    out = []
    with db.transaction(s):
        tlog.lock(s)  # two sealers (a request and the job) take turns; the second finds the days sealed
        first = prices.first_day(s)
        if first is None:
            return out
        last = s.exec(select(func.max(PriceFile.day))).one()
        day = max(first, last + timedelta(days=1)) if last else first
        if day >= today:
            return out
        for day, document in prices.price_files(s, day, today - timedelta(days=1)):
            body = canonical.jcs(document)
            pf = PriceFile(day=day, document=body.decode("utf-8"), digest=canonical.digest(body), sealed_at=now())
            s.add(pf)
            s.flush()
            tlog.append(s, "price_file", day.isoformat(), entries.price_file(day.isoformat(), pf.digest))
            out.append(pf)
    return out


def _signer(s: Session, keys_path: str) -> tuple[str, object]:
    """The log's key (kid, Ed25519 private key), from the report key store (purpose "log")."""
    kid, pem = keys.current(s, keys_path, purpose="log")
    return kid, load_pem_private_key(pem, password=None)


def sign_checkpoint(s: Session, *, keys_path: str, config: dict, force: bool = False) -> LogCheckpoint | None:
    """Sign a checkpoint over the whole log when it grew (or the last is a day old); None if
    nothing was signed. Refuses when the log does not extend the last checkpoint."""
    name = tlog.origin(config)
    with db.transaction(s):
        tlog.lock(s)
        t = tlog.tree(s)
        last = tlog.latest_checkpoint(s)
        if last is not None:
            if last.size > t.size or t.root(last.size).hex() != last.root_hash:
                raise tlog.LogIntegrityError(f"the stored log does not extend checkpoint {last.id} "
                                        f"(size {last.size}): refusing to sign")
            if not force and last.size == t.size and now() - last.signed_at < RESIGN_AFTER:
                return None
        kid, key = _signer(s, keys_path)
        cp = note.Checkpoint(name, t.size, t.root())
        row = LogCheckpoint(size=t.size, root_hash=cp.root.hex(), note=note.sign(cp.text(), name, key),
                            kid=kid, signed_at=now())
        s.add(row)
        s.flush()
    return row


def update(s: Session, *, keys_path: str, config: dict) -> str:
    """Seal finished price days, then sign a checkpoint if the log grew: the scheduler's job,
    also run after each publication."""
    sealed = seal_price_files(s)
    cp = sign_checkpoint(s, keys_path=keys_path, config=config)
    return (f"sealed {len(sealed)} price files; "
            + (f"signed checkpoint {cp.id} at size {cp.size}" if cp else "checkpoint unchanged"))


def checkpoint_tick(s: Session, scheduled_for: datetime) -> str:
    settings = settings_of(s)
    return update(s, keys_path=settings["KEYS_PATH"], config=settings)


def register_jobs(jobs: Jobs) -> None:
    jobs.every("sign_log_checkpoint", checkpoint_tick, minutes=1)
