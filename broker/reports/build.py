"""Assemble the three report documents of a period (access, pricing, workforce).

Figures come from ``aggregate`` (SQL) and, for the access report's ``allocation`` section,
from the period's stored round data through ``rounddata`` — the same function ``verify``
runs, so an auditor recomputes that section from the published rounds alone.
Documents are plain dicts; ``publish`` adds the chain fields, canonicalises and signs.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, select

from broker.catalog.wire import iso
from broker.canonical import round_figures
from broker.config import settings_of
from broker.models import Org, OrgKind, Round
from broker.periods import period_start
from broker.reports import aggregate, build_structure, entitlement, findings, labor, metrics, rounddata, store
from broker.reports.methodology import METHODOLOGY
from broker.services.round_input import Pseudonyms

# 2.0: RFC 8785 canonical form, declared in the document ("canonicalization").
# 2.1: ``findings`` in every report; the access report adds offering languages, ``stakes``,
# ``market_structure``, ``foreclosure`` and ``entitlement`` (docs/reports.md).
# 2.2: ``foreclosure.vendors[].counts`` (the units and values behind the rivals' fill and price
# gaps, so ``verify`` recomputes them); findings and tables name languages and task types.
SCHEMA_VERSION = "2.2"
CANONICALIZATION = "RFC8785"
SERIES = ("access", "pricing", "workforce")


def policy_for(s: Session, period: str) -> tuple[int, dict]:
    """(policy version, parameters) in force for the period; defaults if policy is absent."""
    try:
        from broker.policy import current_params
    except ImportError:  # pragma: no cover — broker.policy ships with the app
        return 0, {"small_cell_k": 5, "pay_floor_minor": 800, "pay_floor_currency": "USD",
                   "platform_fee_rate": 0.10}
    pol = current_params(s, period)
    return pol.version, dict(pol.params)


def rounds_of(s: Session, period: str) -> list[dict]:
    rows = s.exec(select(Round).where(Round.period == period).order_by(Round.ran_at, Round.id)).all()
    return [{"id": r.id, "kind": r.kind, "ran_at": iso(r.ran_at),
             "input_digest": r.input_digest, "output_digest": r.output_digest,
             "input": json.loads(r.input_json), "output": json.loads(r.output_json)} for r in rows]


def _header(series: str, period: str, policy_version: int, params: dict, at: datetime) -> dict:
    return {"series": series, "period": period, "schema_version": SCHEMA_VERSION,
            "canonicalization": CANONICALIZATION,
            "policy_version": policy_version, "generated_at": iso(at),
            "methodology": METHODOLOGY[series],
            "parameters": {"small_cell_k": int(params["small_cell_k"]),
                           "hhi_highly_concentrated_above": metrics.HIGHLY_CONCENTRATED_HHI,
                           "percentile": "nearest-rank", "wait_time_unit": "hours"}}


def _org_pseudonyms(s: Session, period: str) -> dict[str, int]:
    """Round-data org pseudonym -> org id, recomputed with the period's private salt."""
    names = Pseudonyms(period, settings_of(s)["SECRET_KEY"])
    ids = s.exec(select(Org.id).where(Org.kind == OrgKind.developer)).all()
    return {names("org", i): i for i in ids}


def access(s: Session, period: str, at: datetime) -> dict:
    version, params = policy_for(s, period)
    k = int(params["small_cell_k"])
    sup = metrics.suppress
    doc = _header("access", period, version, params, at)
    offerings = aggregate.offerings_of(s, period)
    langs = aggregate.languages_of(s, [o["offering_id"] for o in offerings])
    for o in offerings:
        o["languages"] = langs.get(o["offering_id"], [])
    index = {o["offering"]: o for o in offerings}
    rounds = rounds_of(s, period)
    doc["offerings"] = offerings
    doc["rounds"] = [{k2: r[k2] for k2 in ("id", "kind", "ran_at", "input_digest", "output_digest")}
                     for r in rounds]
    doc["allocation"] = rounddata.allocation_figures(rounds, index, k)
    doc["entitlement"] = entitlement.figures(rounds, k)

    # Demand per (principal, vendor): from the round data, pseudonyms mapped back to orgs.
    vendor_of = {o["offering"]: o["vendor_id"] for o in offerings}
    by_pseudonym = rounddata.demand_by_org(rounds, lambda off: vendor_of.get(off))
    orgs = _org_pseudonyms(s, period) if by_pseudonym else {}
    principal = aggregate.principals_of_orgs(s, {orgs[p] for p, _ in by_pseudonym if p in orgs})
    demand: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (pseud, vendor), units in by_pseudonym.items():
        if pseud in orgs and vendor is not None:
            demand[vendor][principal[orgs[pseud]]] += units

    aggregate.analytic(s)
    units = aggregate.units_by_principal(s, period)
    off_vendor = {o["offering_id"]: o["vendor_id"] for o in offerings}
    off_market = {o["offering_id"]: o["task_type"] for o in offerings}
    alloc: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    deliv: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    market_vendor: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    market_principal: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_size_class: dict[str, set[int]] = defaultdict(set)
    for p, size_class, off, a, d in units:
        by_size_class[size_class].add(p)
        v = off_vendor[off]
        alloc[v][p] += a
        deliv[v][p] += d
        market_vendor[off_market[off]][v] += a
        market_principal[off_market[off]][p] += a
    stakes = aggregate.stakes_in_force(s, period)
    names = {o["vendor_id"]: o["vendor"] for o in offerings}
    vendors = []
    for v in sorted(set(alloc) | set(demand)):
        principals = sorted(set(alloc[v]) | set(demand[v]))
        n = len(principals)
        a_tot, d_tot = sum(alloc[v].values()), sum(deliv[v].values())
        ratios = [metrics.delivery_ratio(deliv[v][p], alloc[v][p]) for p in principals]
        row = {"vendor_id": v, "vendor": names.get(v, str(v)), "principals": n,
               "allocated_units": sup(a_tot, n, k), "delivered_units": sup(d_tot, n, k),
               "delivery_ratio": sup(metrics.delivery_ratio(d_tot, a_tot), n, k),
               "delivery_fairness": sup(metrics.delivery_fairness(ratios), n, k),
               "customers_hhi": sup(metrics.hhi([alloc[v][p] for p in principals]), n, k),
               "customers_cr4": sup(metrics.cr4([alloc[v][p] for p in principals]), n, k),
               "gini": sup(metrics.gini([alloc[v][p] for p in principals]), n, k)}
        row["affiliated"] = _affiliated(principals, stakes.get(v, set()), alloc[v], deliv[v], demand[v], k)
        vendors.append(row)
    doc["vendors"] = vendors
    doc["concentration"] = []
    for m in sorted(market_vendor):
        n = len(market_principal[m])
        h = metrics.hhi(list(market_vendor[m].values()))
        doc["concentration"].append({
            "task_type": m, "vendors": len(market_vendor[m]), "principals": n,
            "vendors_hhi": sup(h, n, k), "vendors_cr4": sup(metrics.cr4(list(market_vendor[m].values())), n, k),
            "highly_concentrated": sup(metrics.highly_concentrated(h), n, k),
            "principals_gini": sup(metrics.gini(list(market_principal[m].values())), n, k)})
    declared = aggregate.stakes_declared(s, period)
    previous = store.previous_document(s, "access", period)
    doc["stakes"] = build_structure.stakes_section(declared)
    doc["market_structure"] = build_structure.market_section(offerings, units, declared, previous, k)
    doc["foreclosure"] = build_structure.foreclosure_section(
        offerings, units, aggregate.values_by_principal(s, period), declared, k)
    waits = aggregate.wait_times(s, period, by_size_class)
    doc["wait_times"] = []
    for c, w in waits.items():
        n = w["principals"]
        row = {"size_class": c, "principals": n}
        for name in ("submission_to_allocation", "allocation_to_delivery"):
            got = w[name] or {}
            row[name] = {"count": sup(got.get("count", 0), n, k),
                         "median": sup(got.get("p50"), n, k), "p90": sup(got.get("p90"), n, k)}
        doc["wait_times"].append(row)
    doc["findings"] = findings.findings(round_figures(doc), previous)
    return doc


def _affiliated(principals, holders, alloc, deliv, demand, k) -> dict:
    sup = metrics.suppress
    aff = [p for p in principals if p in holders]
    rest = [p for p in principals if p not in holders]
    n = len(principals)

    def tot(m, ps):
        return sum(m.get(p, 0) for p in ps)

    out = {"principals": len(aff)}
    for label, group in (("affiliated", aff), ("others", rest)):
        out[f"{label}_satisfaction"] = sup(metrics.satisfaction(tot(alloc, group), tot(demand, group)), len(group), k)
        out[f"{label}_delivery_ratio"] = sup(metrics.delivery_ratio(tot(deliv, group), tot(alloc, group)), len(group), k)
    for label, m in (("allocated", alloc), ("delivered", deliv)):
        out[f"preference_ratio_{label}"] = sup(metrics.affiliate_preference_ratio(
            tot(m, aff), tot(m, principals), tot(demand, aff), tot(demand, principals)), n, k)
    return out


def pricing(s: Session, period: str, at: datetime) -> dict:
    version, params = policy_for(s, period)
    k = int(params["small_cell_k"])
    sup = metrics.suppress
    doc = _header("pricing", period, version, params, at)
    listed: dict[tuple, list[int]] = defaultdict(list)
    share_by_offering = []
    for oid, task, unit, _vendor, amount, currency, share in aggregate.list_prices(s, period):
        listed[(task, unit, currency)].append(int(amount))
        share_by_offering.append({"offering": f"off-{oid}", "task_type": task, "unit": unit,
                                  "annotator_share_percent": float(share) if share is not None else None})
    doc["list_prices"] = [{"task_type": t, "unit": u, "currency": c, "offerings": len(v),
                           "min_minor": min(v), "median_minor": metrics.percentile(v, 50),
                           "max_minor": max(v)} for (t, u, c), v in sorted(listed.items())]
    aggregate.analytic(s)
    orders = aggregate.order_values(s, period)  # one pass over the period's orders
    doc["effective_prices"] = [
        {"task_type": t, "unit": u, "currency": c, "size_class": sc, "principals": n,
         "units": sup(units, n, k), "price_minor": sup(value / units if units else None, n, k)}
        for t, u, c, sc, units, value, n in sorted(aggregate.effective_prices(orders))]
    doc["price_changes"] = aggregate.price_changes(s, period)
    doc["platform_fee"] = {"rate": float(params["platform_fee_rate"]), "by_currency": [
        {"currency": c, "orders": n, "order_value_minor": value, "fee_minor": fee}
        for c, n, value, fee in aggregate.platform_fees(orders)]}
    doc["annotator_share"] = {
        "markets": [{"task_type": t, "unit": u, "units": n, "share_percent": share}
                    for t, u, n, share in sorted(aggregate.annotator_share(orders))],
        "offerings": share_by_offering}
    doc["pay_floor"] = _pay_floor(s, params)
    doc["findings"] = findings.findings(round_figures(doc), store.previous_document(s, "pricing", period))
    return doc


def _pay_floor(s: Session, params: dict) -> dict:
    from broker.catalog import payfloor

    floor = payfloor.PayFloor(int(params["pay_floor_minor"]), params["pay_floor_currency"])
    counts: dict[str, int] = defaultdict(int)
    below = []
    for oid, title, vendor_id, vendor, pay, currency in aggregate.pay_disclosures(s):
        st = payfloor.status(pay, currency, floor)
        counts[st] += 1
        if st == payfloor.BELOW:
            below.append({"offering": f"off-{oid}", "title": title, "vendor_id": vendor_id,
                          "vendor": vendor, "hourly_pay_minor": pay, "currency": currency})
    return {"amount_minor": floor.amount_minor, "currency": floor.currency, "below": below,
            "offerings_by_status": dict(sorted(counts.items()))}


def quarter_of_period(period: str) -> str:
    # The ISO week belongs to the quarter holding its Thursday (as the week belongs to its year).
    from datetime import timedelta
    thursday = period_start(period) + timedelta(days=3)
    return f"{thursday.year}-Q{(thursday.month - 1) // 3 + 1}"


def workforce(s: Session, period: str, at: datetime) -> dict:
    from broker.catalog import payfloor
    from broker.catalog import workforce as wf

    version, params = policy_for(s, period)
    doc = _header("workforce", period, version, params, at)
    floor = payfloor.PayFloor(int(params["pay_floor_minor"]), params["pay_floor_currency"])
    table = params.get("pay_floors") or {}
    k = int(params["small_cell_k"])
    quarter = quarter_of_period(period)
    doc["quarter"] = quarter
    vendors, country_rows = [], []
    for org, d in aggregate.disclosures(s, quarter):
        if d is None:
            vendors.append({"vendor_id": org.id, "vendor": org.name, "disclosed": False,
                            "disclosure_completeness_percent": 0})
            continue
        facts = d.model_dump()
        complete, missing = wf.completeness(facts)
        vendors.append({
            "vendor_id": org.id, "vendor": org.name, "disclosed": True, "quarter": d.quarter,
            "headcount": d.headcount, "median_hourly_pay_minor": d.median_hourly_pay_minor,
            "pay_currency": d.pay_currency,
            "share_at_or_above_living_wage_percent": round(100.0 - float(d.share_below_living_wage), 6),
            "countries_25_percent_or_more": wf.major_countries(facts),
            "share_domain_experts_percent": float(d.share_domain_experts),
            "fairwork_principles_met": sorted(d.fairwork_principles or []),
            "attestation": d.attestation,
            "disclosure_completeness_percent": complete, "missing": missing,
            "pay_floor": wf.pay_floor_flag(facts, floor),
            "local_floors": _local_floor_rows(org, labor.local_floors_cells(wf.local_floors(facts, table, floor),
                                                                            d.headcount, k), country_rows)})
    doc["pay_floor"] = {"amount_minor": floor.amount_minor, "currency": floor.currency}
    doc["pay_floors_by_country"] = table
    doc["vendors"] = vendors
    doc["local_floors"] = country_rows
    doc["exposure"] = labor.exposure_section(aggregate.exposure_of(s, period), params, k)
    doc["findings"] = findings.findings(round_figures(doc), store.previous_document(s, "workforce", period))
    return doc


def _local_floor_rows(org, assessment: dict, rows: list) -> dict:
    """The vendor's summary for its row; each country's comparison as a row of ``local_floors``."""
    rows.extend({"vendor_id": org.id, "vendor": org.name, **c} for c in assessment["countries"])
    return {k: v for k, v in assessment.items() if k != "countries"}


BUILDERS = {"access": access, "pricing": pricing, "workforce": workforce}
