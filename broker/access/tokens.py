"""Looking up a bearer token with its org: every authenticated API call does this first.

One Core query over plain columns (no ORM unit of work, no identity map) returns the token's
facts and its org's; the result is a plain value, checked by authlib for expiry, revocation
and scope on every request — nothing about a token's validity outlives the request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, delete, select

from broker import db, hot_sql
from broker.access.principal import OrgFacts
from broker.clock import now
from broker.jobs import Jobs
from broker.models import CatalogVersion, OAuthToken, Org
from broker.models import catalog_version
from broker.models.oauth import TokenRules, hash_secret

_T, _O, _V = OAuthToken.__table__, Org.__table__, CatalogVersion.__table__
# The catalog's version rides along (``catalog_version.seen``): the submission path's
# eligibility answer is cached per version, and this saves it a query of its own.
_LOOKUP = (sa.select(_T.c.id, _T.c.client_id, _T.c.scope, _T.c.issued_at, _T.c.expires_in, _T.c.revoked,
                     _O.c.id, _O.c.name, _O.c.kind, _O.c.status,
                     sa.select(_V.c.version).where(_V.c.id == 1).scalar_subquery())
           .join_from(_T, _O, _O.c.id == _T.c.org_id)
           .where(_T.c.access_token_hash == sa.bindparam("hash")))
_FIND = hot_sql.Prepared(_LOOKUP)  # every authenticated call sends it


@dataclass(frozen=True)
class BearerToken(TokenRules):
    """An access token as authlib's TokenMixin sees it, with the facts of its org."""

    id: int
    client_id: str
    scope: str
    issued_at: datetime
    expires_in: int
    revoked: bool
    org: OrgFacts

    @property
    def org_id(self) -> int:
        return self.org.id


def find(s: Session, token_string: str) -> BearerToken | None:
    rows = _FIND.run(s.connection(), {"hash": hash_secret(token_string)})
    if not rows:
        return None
    row = rows[0]
    tid, client_id, scope, issued_at, expires_in, revoked, org_id, name, kind, status, version = row
    if not db.writing(s):
        catalog_version.note_seen(s, version)
    return BearerToken(tid, client_id, scope, issued_at, expires_in, bool(revoked),
                       OrgFacts(org_id, name, kind, status))


def purge_expired(s: Session, scheduled_for: datetime) -> str:
    """Drop access tokens that expired more than a day ago (they can never be used again)."""
    cutoff = now() - timedelta(days=1)
    with db.transaction(s):
        # Tokens live at most a day, so only those issued over two days ago can qualify.
        old = s.exec(select(OAuthToken).where(OAuthToken.issued_at < cutoff - timedelta(days=1)))
        expired = [t.id for t in old if t.issued_at + timedelta(seconds=t.expires_in) < cutoff]
        if expired:
            s.exec(delete(OAuthToken).where(OAuthToken.id.in_(expired)))
    return f"purged {len(expired)} expired tokens"


def register_jobs(jobs: Jobs) -> None:
    jobs.every("purge_expired_tokens", purge_expired, hours=1)
