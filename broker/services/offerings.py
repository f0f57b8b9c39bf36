"""Vendors' offerings: create, change and retire them (prices and capacity have their own
modules). Every change is audited with before and after, in the same transaction.

The rules of an offering's fields live here and only here: the API's schemas and the vendor
page's form shape input (models.offering.OfferingBase) and hand it over."""
from __future__ import annotations

from sqlmodel import Session, select

from broker.access.principal import Principal, get_owned
from broker.catalog import exposure as exposure_rules, iso, vocabulary
from broker.errors import ApiError
from broker.models import Offering, OfferingLanguage, OrgKind
from broker.models.offering import OFFERING_FIELDS, REQUIRED_FIELDS
from broker import audit

FIELDS = (*OFFERING_FIELDS, "status")
# Fields that may be cleared (set to null); every other field always has a value.
NULLABLE = {"effective_hourly_pay_minor", "pay_currency", "annotator_share"}
# Controlled vocabularies of the offering's own fields.
VOCABULARIES = {"task_type": vocabulary.TASK_TYPES, "modality": vocabulary.MODALITIES,
                "expertise": vocabulary.EXPERTISE, "unit": vocabulary.UNITS,
                "content_risk": vocabulary.CONTENT_RISK}
# The facts held in the offering's JSON fields, each with its kind: bool, int, float, str, or
# a vocabulary (dict of terms). The API's bodies and the vendor page's form take them from here.
NESTED = {
    "quality": {"gold_tasks": bool, "redundancy": int, "consensus": vocabulary.CONSENSUS_METHODS,
                "agreement_metric": vocabulary.AGREEMENT_METRICS},
    "security": {"data_residency": str, "nda": bool, "secure_facility": bool, "pii_allowed": bool,
                 "iso27001": bool},
    "exposure": {"workers_assigned": int, "weekly_hours_per_worker": float, "minutes_per_unit": float,
                 **dict.fromkeys(exposure_rules.PROTECTIONS, bool)},
}
QUALITY_KEYS = set(NESTED["quality"])
SECURITY_KEYS = set(NESTED["security"])
MAX_LANGUAGES = 40
TITLE_LENGTH = (2, 200)
MAX_DESCRIPTION = 4000
MAX_TURNAROUND_DAYS = 365
MAX_HOURLY_PAY_MINOR = 10**9


def invalid(errors: list[dict]) -> ApiError:
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return ApiError(f"The request has invalid fields: {fields}.", status=422, type_="validation",
                    title="Validation failed", errors=errors)


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_vocab(errors, data, field, terms):
    if field in data and data[field] not in terms:
        errors.append({"field": field, "message": f"must be one of: {', '.join(terms)}"})


def validate(data: dict, cap_hours: int = exposure_rules.DEFAULT_CAP_HOURS) -> tuple[dict, list[str] | None]:
    """Check an offering's fields (a full create or a partial change); returns the cleaned
    fields and the normalised languages (None when not given). Raises 422 naming each field.
    ``cap_hours``: the policy's weekly exposure cap (a change passes the content classes and
    the exposure declaration together, as the offering will hold them)."""
    errors: list[dict] = [{"field": k, "message": "cannot be null"} for k, v in data.items()
                          if v is None and k not in NULLABLE]
    data = {k: v for k, v in data.items() if v is not None or k in NULLABLE}
    for field, terms in VOCABULARIES.items():
        _check_vocab(errors, data, field, terms)
    if "status" in data and data["status"] not in ("active", "retired"):
        errors.append({"field": "status", "message": "must be active or retired"})
    if "title" in data:
        title = data["title"].strip() if isinstance(data["title"], str) else ""
        if not title:
            errors.append({"field": "title", "message": "must not be blank"})
        elif not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
            errors.append({"field": "title", "message": f"{TITLE_LENGTH[0]}–{TITLE_LENGTH[1]} characters"})
    if "description" in data and len(data["description"] or "") > MAX_DESCRIPTION:
        errors.append({"field": "description", "message": f"at most {MAX_DESCRIPTION} characters"})
    if "turnaround_days" in data and not _whole(data["turnaround_days"], 0, MAX_TURNAROUND_DAYS):
        errors.append({"field": "turnaround_days", "message": f"whole days from 0 to {MAX_TURNAROUND_DAYS}"})
    share = data.get("annotator_share")
    if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float))
                              or not 0 <= share <= 100):
        errors.append({"field": "annotator_share", "message": "a percentage from 0 to 100"})
    pay = data.get("effective_hourly_pay_minor")
    if pay is not None and not _whole(pay, 1, MAX_HOURLY_PAY_MINOR):
        errors.append({"field": "effective_hourly_pay_minor", "message": "a positive amount in minor units"})
    quality = data.get("quality") or {}
    for key in set(quality) - QUALITY_KEYS:
        errors.append({"field": f"quality.{key}", "message": "unknown quality mechanism"})
    if "consensus" in quality and quality["consensus"] not in vocabulary.CONSENSUS_METHODS:
        errors.append({"field": "quality.consensus", "message": "unknown consensus method"})
    if "agreement_metric" in quality and quality["agreement_metric"] not in vocabulary.AGREEMENT_METRICS:
        errors.append({"field": "quality.agreement_metric", "message": "unknown agreement metric"})
    red = quality.get("redundancy")
    if red is not None and (not isinstance(red, int) or isinstance(red, bool) or not 1 <= red <= 50):
        errors.append({"field": "quality.redundancy", "message": "must be 1–50 judgements per item"})
    if "gold_tasks" in quality and not isinstance(quality["gold_tasks"], bool):
        errors.append({"field": "quality.gold_tasks", "message": "must be true or false"})
    security = data.get("security") or {}
    for key in set(security) - SECURITY_KEYS:
        errors.append({"field": f"security.{key}", "message": "unknown security fact"})
    res = security.get("data_residency")
    if res not in (None, "") and not iso.is_country(res) and res != "EU":
        errors.append({"field": "security.data_residency", "message": "an ISO 3166-1 country code or EU"})
    for key in SECURITY_KEYS - {"data_residency"}:
        if key in security and not isinstance(security[key], bool):
            errors.append({"field": f"security.{key}", "message": "must be true or false"})
    if ("effective_hourly_pay_minor" in data or "pay_currency" in data):
        pay, cur = data.get("effective_hourly_pay_minor"), data.get("pay_currency")
        if (pay is None) != (cur is None):
            errors.append({"field": "pay_currency" if cur is None else "effective_hourly_pay_minor",
                           "message": "give the hourly pay and its currency together"})
        if cur is not None and not iso.is_currency(cur):
            errors.append({"field": "pay_currency", "message": "not an ISO 4217 currency code"})
    if "content_classes" in data or "exposure" in data:
        errors.extend(exposure_rules.validate(data.get("content_classes") or [], data.get("exposure") or {},
                                              cap_hours))
        if "exposure" in data:
            data["exposure"] = exposure_rules.normalised(data["exposure"]) if data.get("content_classes") else {}
    languages = None
    if "languages" in data:
        languages = []
        for i, tag in enumerate(data["languages"] or []):
            norm = vocabulary.normalise_language(tag)
            if norm is None:
                errors.append({"field": f"languages.{i}", "message": f"{tag!r} is not a BCP 47 language tag"})
            elif norm not in languages:
                languages.append(norm)
        if not languages and not errors:
            errors.append({"field": "languages", "message": "name at least one language"})
        if len(languages) > MAX_LANGUAGES:
            errors.append({"field": "languages", "message": f"at most {MAX_LANGUAGES} languages"})
    if errors:
        raise invalid(errors)
    return {k: data[k] for k in FIELDS if k in data}, languages


def cap_hours(s: Session, period: str | None = None) -> int:
    """The policy's weekly exposure cap (hours per worker) in force for ``period`` (default now)."""
    from broker.policy import current_params

    return int(current_params(s, period).params.get("exposure_cap_hours", exposure_rules.DEFAULT_CAP_HOURS))


def exposure_limit(s: Session, offering: Offering, period: str) -> tuple[int, str] | None:
    """(max units, the refusal's message) in ``period`` for an offering with a content class; else None."""
    if not offering.content_classes or not offering.exposure:
        return None
    cap = cap_hours(s, period)
    return exposure_rules.max_units(offering.exposure, cap), exposure_rules.cap_message(period, offering.exposure, cap)


def exposure_refusal(message: str, units_max: int) -> ApiError:
    return ApiError(message, status=422, type_="exposure-cap", title="Above the exposure limit",
                    errors=[{"field": "units", "message": f"at most {units_max:,} units: {message}"}])


def _check_capacity_within(s: Session, offering_id: int, exposure: dict) -> None:
    """A changed declaration may not leave declared capacity of a period not yet over above its limit."""
    from broker.clock import now
    from broker.models import Capacity
    from broker.periods import period_of

    for row in s.exec(select(Capacity).where(Capacity.offering_id == offering_id,
                                             Capacity.period >= period_of(now())).order_by(Capacity.period)):
        cap = cap_hours(s, row.period)
        limit = exposure_rules.max_units(exposure, cap)
        if row.units > limit:
            raise invalid([{"field": "exposure", "message": f"capacity for {row.period} is {row.units:,} units; "
                            + exposure_rules.cap_message(row.period, exposure, cap)
                            + " Lower that capacity first, or assign more workers."}])


def languages_of(s: Session, offering_id: int) -> list[str]:
    return list(s.exec(select(OfferingLanguage.language).where(OfferingLanguage.offering_id == offering_id)
                       .order_by(OfferingLanguage.language)))


def _snapshot(s: Session, offering: Offering) -> dict:
    return {**audit.snapshot(offering), "languages": languages_of(s, offering.id)}


def _set_languages(s: Session, offering_id: int, languages: list[str]) -> None:
    for row in s.exec(select(OfferingLanguage).where(OfferingLanguage.offering_id == offering_id)):
        s.delete(row)
    s.flush()
    for tag in languages:
        s.add(OfferingLanguage(offering_id=offering_id, language=tag))


def create(s: Session, actor: Principal, data: dict) -> Offering:
    if actor.role != OrgKind.vendor:
        raise ApiError("Only vendor organisations list offerings.", status=403, type_="forbidden")
    missing = [f for f in REQUIRED_FIELDS if data.get(f) is None]
    if missing:
        raise invalid([{"field": f, "message": "required"} for f in missing])
    fields, languages = validate(data, cap_hours(s))
    offering = Offering(vendor_org_id=actor.org_id, **fields)
    s.add(offering)
    s.flush()
    _set_languages(s, offering.id, languages)
    s.flush()
    audit.record(s, actor, "offering.create", "offering", offering.id, after=_snapshot(s, offering))
    return offering


def get_for_change(s: Session, actor: Principal, offering_id: int) -> Offering:
    """The caller's own offering, locked for the change (another vendor's is reported missing)."""
    offering = get_owned(s, Offering, offering_id, actor, column="vendor_org_id", what="offering")
    # Serialises concurrent changes of one offering on PostgreSQL (SQLite's write lock does it).
    s.exec(select(Offering.id).where(Offering.id == offering.id).with_for_update()).first()
    return offering


def update(s: Session, actor: Principal, offering_id: int, changes: dict) -> Offering:
    offering = get_for_change(s, actor, offering_id)
    if "pay_currency" in changes or "effective_hourly_pay_minor" in changes:
        # Pay and its currency are checked as a pair: fill in the half not being changed.
        changes = {"effective_hourly_pay_minor": offering.effective_hourly_pay_minor,
                   "pay_currency": offering.pay_currency, **changes}
    if "content_classes" in changes or "exposure" in changes:
        # Checked as a pair, as the offering will hold them.
        classes = changes.get("content_classes", offering.content_classes)
        changes = {"content_classes": offering.content_classes,
                   "exposure": offering.exposure if classes else {}, **changes}
    fields, languages = validate(changes, cap_hours(s))
    if fields.get("content_classes") and ("exposure" in fields or "content_classes" in fields):
        _check_capacity_within(s, offering.id, fields["exposure"])
    before = _snapshot(s, offering)
    for k, v in fields.items():
        setattr(offering, k, v)
    s.add(offering)
    if languages is not None:
        _set_languages(s, offering.id, languages)
    s.flush()
    after = _snapshot(s, offering)
    if after != before:
        audit.record(s, actor, "offering.update", "offering", offering.id, before=before, after=after)
    return offering
