"""Workforce disclosures: one per vendor per quarter, replaced (and audited) when resubmitted."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.catalog import workforce as rules
from broker.errors import ApiError
from broker.models import OrgKind, WorkforceDisclosure
from broker import audit
from broker.services.offerings import invalid

FIELDS = ("headcount", "employment_mix", "countries", "median_hourly_pay_minor", "pay_currency", "pay_by_country",
          "share_below_minimum_wage", "share_below_living_wage", "time_estimate_shown",
          "payment_days", "harmful_content_protections", "representation", "share_domain_experts",
          "fairwork_principles", "attestation", "attested_by")


def submit(s: Session, actor: Principal, vendor_org_id: int, quarter: str, data: dict,
           now: datetime) -> WorkforceDisclosure:
    if not actor.is_operator and (actor.role != OrgKind.vendor or actor.org_id != vendor_org_id):
        raise ApiError("You can disclose only for your own vendor organisation.", status=403, type_="forbidden")
    record = {**{k: data.get(k) for k in FIELDS}, "quarter": quarter}
    record["employment_mix"] = record["employment_mix"] or {}
    record["countries"] = record["countries"] or {}
    record["pay_by_country"] = record["pay_by_country"] or {}
    record["fairwork_principles"] = sorted(set(record["fairwork_principles"] or []))
    record["harmful_content_protections"] = record["harmful_content_protections"] or ""
    record["representation"] = record["representation"] or ""
    record["attested_by"] = record["attested_by"] or ""
    errors = rules.validate(record)
    if rules.valid_quarter(quarter) and quarter > rules.quarter_of(now.year, now.month):
        errors.append({"field": "quarter", "message": "a disclosure covers a quarter that has begun"})
    if errors:
        raise invalid(errors)
    row = s.exec(select(WorkforceDisclosure).where(WorkforceDisclosure.vendor_org_id == vendor_org_id,
                                                   WorkforceDisclosure.quarter == quarter)).first()
    before = audit.snapshot(row)
    if row is None:
        row = WorkforceDisclosure(vendor_org_id=vendor_org_id, created_at=now, **record)
    else:
        for k, v in record.items():
            setattr(row, k, v)
    s.add(row)
    s.flush()
    audit.record(s, actor, "workforce_disclosure.create" if before is None else "workforce_disclosure.update",
                 "workforce_disclosure", row.id, before=before, after=audit.snapshot(row))
    return row


def of_vendor(s: Session, vendor_org_id: int) -> list[WorkforceDisclosure]:
    """Newest quarter first ("2026-Q3" strings sort in time order)."""
    return list(s.exec(select(WorkforceDisclosure).where(WorkforceDisclosure.vendor_org_id == vendor_org_id)
                       .order_by(WorkforceDisclosure.quarter.desc())))


def summary(d: WorkforceDisclosure, floor, table: dict | None = None) -> dict:
    """What pages and the API show beside the figures: completeness, the pay-floor flag of
    the median, and pay in each country against its local floor (``local_floors``)."""
    data = d.model_dump()
    percent, missing = rules.completeness(data)
    return {"completeness": percent, "missing": missing, "pay_floor": rules.pay_floor_flag(data, floor),
            "major_countries": rules.major_countries(data),
            "local_floors": rules.local_floors(data, table or {}, floor)}
