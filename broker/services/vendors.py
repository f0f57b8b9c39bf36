"""Vendor profiles (who the vendor is, who owns it) and the public vendor directory."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.catalog import iso, vocabulary
from broker.errors import ApiError
from broker.models import Org, OrgKind, OrgStatus, VendorProfile
from broker import audit
from broker.services.offerings import invalid

OWNERSHIP_THRESHOLD = 5.0  # owners above 5 % are disclosed
PROFILE_FIELDS = ("legal_name", "vendor_kind", "hq_country", "description", "website",
                  "certifications", "grievance_contact", "ownership", "other_affiliations")


def validate(data: dict) -> list[dict]:
    errors = []
    if not (data.get("legal_name") or "").strip():
        errors.append({"field": "legal_name", "message": "required"})
    if data.get("vendor_kind") not in vocabulary.VENDOR_KINDS:
        errors.append({"field": "vendor_kind", "message": "must be one of: " + ", ".join(vocabulary.VENDOR_KINDS)})
    if not iso.is_country(data.get("hq_country")):
        errors.append({"field": "hq_country", "message": "not an ISO 3166-1 alpha-2 country code"})
    website = data.get("website") or ""
    if website and not website.startswith(("https://", "http://")):
        errors.append({"field": "website", "message": "must start with https://"})
    for i, c in enumerate(data.get("certifications") or []):
        if not isinstance(c, str) or not c.strip() or len(c) > 120:
            errors.append({"field": f"certifications.{i}", "message": "1–120 characters"})
    total = 0.0
    for i, owner in enumerate(data.get("ownership") or []):
        holder, pct = owner.get("holder"), owner.get("percent")
        if not isinstance(holder, str) or not holder.strip():
            errors.append({"field": f"ownership.{i}.holder", "message": "required"})
        if isinstance(pct, bool) or not isinstance(pct, (int, float)) or not OWNERSHIP_THRESHOLD < pct <= 100:
            errors.append({"field": f"ownership.{i}.percent",
                           "message": f"owners above {OWNERSHIP_THRESHOLD:g}% are listed: more than 5, at most 100"})
        else:
            total += pct
    if total > 100.0001:
        errors.append({"field": "ownership", "message": f"holdings add up to {total:g}%, more than 100%"})
    return errors


def get_profile(s: Session, org_id: int) -> VendorProfile | None:
    return s.get(VendorProfile, org_id)


def save_profile(s: Session, actor: Principal, org_id: int, data: dict, now: datetime) -> VendorProfile:
    """Create or replace the vendor's profile (a vendor edits only its own; operators any)."""
    if not actor.is_operator and (actor.role != OrgKind.vendor or actor.org_id != org_id):
        raise ApiError("You can change only your own vendor profile.", status=403, type_="forbidden")
    org = s.get(Org, org_id)
    if org is None or org.kind != OrgKind.vendor:
        raise ApiError(f"No vendor {org_id}.", status=404, type_="not-found")
    errors = validate(data)
    if errors:
        raise invalid(errors)
    fields = {k: data[k] for k in PROFILE_FIELDS if k in data}
    fields["ownership"] = [{"holder": o["holder"].strip(), "percent": o["percent"]} for o in fields.get("ownership") or []]
    fields["certifications"] = [c.strip() for c in fields.get("certifications") or []]
    profile = s.get(VendorProfile, org_id)
    before = audit.snapshot(profile)
    if profile is None:
        profile = VendorProfile(org_id=org_id, **fields, updated_at=now)
    else:
        for k, v in fields.items():
            setattr(profile, k, v)
        profile.updated_at = now
    s.add(profile)
    s.flush()
    after = audit.snapshot(profile)
    if before is None or {**before, "updated_at": None} != {**after, "updated_at": None}:
        audit.record(s, actor, "vendor_profile.create" if before is None else "vendor_profile.update",
                     "vendor_profile", org_id, before=before, after=after)
    return profile


def public_vendor(s: Session, vendor_id: int) -> Org:
    org = s.get(Org, vendor_id)
    if org is None or org.kind != OrgKind.vendor or org.status != OrgStatus.approved:
        raise ApiError(f"No vendor {vendor_id}.", status=404, type_="not-found")
    return org


def directory(s: Session) -> list[tuple[Org, VendorProfile | None]]:
    return list(s.exec(select(Org, VendorProfile).join(VendorProfile, VendorProfile.org_id == Org.id, isouter=True)
                       .where(Org.kind == OrgKind.vendor, Org.status == OrgStatus.approved).order_by(Org.name)))


def stakes_in(s: Session, vendor_id: int) -> list[dict]:
    """Declared stakes in the vendor that have not ended (public)."""
    from broker.models import Stake

    rows = s.exec(select(Stake, Org).join(Org, Org.id == Stake.holder_org_id)
                  .where(Stake.vendor_org_id == vendor_id, Stake.ended_at.is_(None))
                  .order_by(Stake.percent.desc(), Stake.id))
    return [{"holder_id": org.id, "holder": org.name, "percent": str(st.percent.normalize()
            if hasattr(st.percent, "normalize") else st.percent), "kind": st.kind,
             "declared_at": st.declared_at} for st, org in rows]


def reservations_at(s: Session, vendor_id: int, from_period: str) -> list[dict]:
    """Reservations (guarantees) at the vendor's offerings from ``from_period`` on (public)."""
    from broker.models import Guarantee, Offering

    rows = s.exec(select(Guarantee, Offering, Org).join(Offering, Offering.id == Guarantee.offering_id)
                  .join(Org, Org.id == Guarantee.org_id)
                  .where(Offering.vendor_org_id == vendor_id, Guarantee.period >= from_period)
                  .order_by(Guarantee.period, Offering.id, Org.name))
    return [{"period": gu.period, "offering_id": o.id, "offering": o.title, "org_id": org.id,
             "org": org.name, "units": gu.units} for gu, o, org in rows]
