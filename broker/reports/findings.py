"""Findings: what a report says, in plain sentences, each with its number, its threshold and
its trend against the previous period. Pure: a report document (and the previous period's
document of the same series) in, a list of findings out; ``build`` writes them into the
document and ``verify`` recomputes them from the document's own figures.

Each finding: ``code`` (what kind), ``key`` (what it is about, stable across periods so the
trend can be found), ``value``, ``threshold``, ``previous`` (the same measure in
``previous_period``, or None), ``trend`` (``up``, ``down``, ``same``, ``new`` — above the
threshold now but not then — or ``first`` when there is no previous report) and ``text``.
Order: the most serious kinds first — a vendor favouring its investors leads.
"""
from __future__ import annotations

from typing import Callable

from broker.catalog.vocabulary import TASK_TYPES, language_name
from broker.reports import metrics, structure
from broker.reports.labels import SIZE_NAMES

PREFERENCE_THRESHOLD = 1.2  # an investor's share of a vendor's units ÷ its share of demand
WAIT_RATIO_THRESHOLD = 1.5  # a size class's median wait ÷ the shortest class median
ENTITLEMENT_LOW = 0.9  # a size class's units ÷ its promised share, below demand's reasons
FILL_GAP_THRESHOLD = -0.10  # rivals' fill rate at an invested vendor minus the market's
ORDER = ("affiliate_preference", "stake_holder_allocation", "rivals_fill_gap", "foreclosure_share",
         "concentration", "mhhi_delta", "entitlement", "unexplained_entitlement", "wait_time",
         "pay_floor", "workforce_pay_floor")
# Schema 2.2 words findings with names ("Data collection in Tagalog", "set-aside"); the text is
# signed, so a report of 2.1 keeps — and verify recomputes — the words it was published with.
NAMED_FROM = (2, 2)
CAUSE_WORDS = {"set_aside": "set-aside", "usage_decay": "usage decay"}


def _num(v) -> float | None:
    return None if v is None or metrics.is_suppressed(v) or isinstance(v, bool) else float(v)


def schema_at_least(doc: dict, version: tuple[int, int]) -> bool:
    try:
        major, minor = (int(x) for x in str(doc.get("schema_version", "0.0")).split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= version


def market_name(task: str, language: str, named: bool = True) -> str:
    """The market as findings name it: with ``named`` (schema 2.2 on) "Data collection in
    Tagalog", before it "Data collection in tl"."""
    label = TASK_TYPES.get(task, task.replace("_", " ").capitalize())
    if language == structure.ANY_LANGUAGE:
        return label
    return f"{label} in {language_name(language) if named else language}"


def money(minor, currency: str) -> str:
    return f"{currency} {minor / 100:,.2f}"


# --- measures: key -> (code, value, threshold, context) of one document --------------------

def _access(doc: dict) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    stakes = doc.get("stakes") or []
    for v in doc.get("vendors", []):
        aff = v.get("affiliated") or {}
        holders = [s for s in stakes if s["vendor_id"] == v["vendor_id"]]
        if not holders and not aff.get("principals"):
            continue
        who = _investors(holders) if holders else "its investors"  # reports before 2.1 list no stakes
        if (r := _num(aff.get("preference_ratio_delivered"))) is not None:
            out[f"affiliate_preference:{v['vendor_id']}"] = ("affiliate_preference", r, PREFERENCE_THRESHOLD,
                                                            {"vendor": v["vendor"], "who": who})
        if (r := _num(aff.get("preference_ratio_allocated"))) is not None:
            out[f"stake_holder_allocation:{v['vendor_id']}"] = ("stake_holder_allocation", r, PREFERENCE_THRESHOLD,
                                                               {"vendor": v["vendor"], "who": who})
    for f in doc.get("foreclosure", {}).get("vendors", []):
        if (g := _num(f.get("fill_gap"))) is not None:
            out[f"rivals_fill_gap:{f['vendor_id']}"] = ("rivals_fill_gap", g, FILL_GAP_THRESHOLD, f)
    for f in doc.get("foreclosure", {}).get("holders", []):
        key = f"foreclosure_share:{f['holder']}:{f['task_type']}:{f['language']}"
        out[key] = ("foreclosure_share", f["foreclosure_share"], structure.SHARE_FLAG, f)
    for m in doc.get("market_structure", []):
        if _num(m.get("hhi")) is None:
            continue
        base = f"{m['task_type']}:{m['language']}:{m['basis']}"
        out[f"concentration:{base}"] = ("concentration", m["hhi"], structure.HHI_HIGH, m)
        out[f"mhhi_delta:{base}"] = ("mhhi_delta", m["mhhi_delta"], structure.HHI_DELTA_SIGNIFICANT, m)
    for c in doc.get("entitlement", {}).get("size_classes", []):
        if (r := beyond_demand(c)) is not None:
            out[f"entitlement:{c['size_class']}"] = ("entitlement", r, ENTITLEMENT_LOW, c)
    for d in doc.get("entitlement", {}).get("developers", []):
        units = sum(c["units"] for c in d["causes"] if c["cause"] == "unexplained")
        out[f"unexplained_entitlement:{d['group']}"] = ("unexplained_entitlement", units, 0, d)
    waits = {w["size_class"]: w for w in doc.get("wait_times", [])}
    for stage in ("submission_to_allocation", "allocation_to_delivery"):
        medians = {c: _num(w[stage]["median"]) for c, w in waits.items() if c != "unknown"}
        medians = {c: m for c, m in medians.items() if m is not None}
        if len(medians) < 2:
            continue
        for c, m in medians.items():
            best_class = min((x for x in medians if x != c), key=lambda x: (medians[x], x))
            best = medians[best_class]
            if best > 0:
                out[f"wait_time:{stage}:{c}"] = ("wait_time", m / best, WAIT_RATIO_THRESHOLD,
                                                 {"stage": stage, "class": c, "median": m, "other": best_class,
                                                  "other_median": best})
    return out


def _pricing(doc: dict) -> dict[str, tuple]:
    floor = doc.get("pay_floor") or {}
    below = floor.get("below", [])
    return {"pay_floor": ("pay_floor", len(below), 0, {"floor": floor, "below": below})}


def _workforce(doc: dict) -> dict[str, tuple]:
    floor = doc.get("pay_floor") or {}
    below = [v for v in doc.get("vendors", []) if v.get("pay_floor") == "below"]
    return {"workforce_pay_floor": ("workforce_pay_floor", len(below), 0, {"floor": floor, "below": below})}


MEASURES: dict[str, Callable[[dict], dict]] = {"access": _access, "pricing": _pricing, "workforce": _workforce}


def beyond_demand(row: dict) -> float | None:
    """Units allocated ÷ the promised share less what the developers did not ask for: a
    shortfall that their own demand explains is not a finding."""
    share, alloc = _num(row.get("fair_share_units")), _num(row.get("allocated_units"))
    if share is None or alloc is None or metrics.is_suppressed(row.get("causes")):
        return None
    unasked = sum(c["units"] for c in row.get("causes") or [] if c["cause"] == "demand")
    return metrics.ratio(alloc, share - unasked) if share - unasked > 1e-9 else None


def _investors(holders: list[dict]) -> str:
    parts = [f"{h['percent']:g} % investor {h['holder']}" for h in sorted(holders, key=lambda h: (-h["percent"], h["holder"]))]
    return "its " + " and ".join(parts)


def _above(code: str, value: float, threshold: float) -> bool:
    if code == "rivals_fill_gap":
        return value < threshold
    if code == "entitlement":
        return value < threshold
    return value > threshold


# --- sentences --------------------------------------------------------------------------

def _x(v: float) -> str:
    return f"{v:.2f}×"


def _trend_text(code: str, value, previous, trend: str, previous_period: str | None, fmt) -> str:
    if trend == "first":
        return "first period measured"
    if previous is None:
        return f"new since {previous_period}"
    word = {"up": "up from", "down": "down from", "same": "unchanged from", "new": "below the threshold at"}[trend]
    if trend == "new":
        return f"new: {fmt(previous)} in {previous_period}"
    return f"{word} {fmt(previous)} in {previous_period}" if trend != "same" else f"as in {previous_period}"


def _sentence(code: str, value, threshold, ctx: dict, trend: str, named: bool) -> tuple[str, Callable]:
    if code == "affiliate_preference":
        return (f"{ctx['vendor']} delivered to {ctx['who']} {_x(value)} its share of the demand at "
                f"{ctx['vendor']} (threshold {threshold:g}", _x)
    if code == "stake_holder_allocation":
        return (f"{ctx['vendor']}'s investors were allocated {_x(value)} their share of the demand there, "
                f"more than their fair share (threshold {threshold:g}", _x)
    if code == "rivals_fill_gap":
        return (f"At {ctx['vendor']}, customers that hold no stake in it got {ctx['rivals_fill_rate'] * 100:.0f} % of the "
                f"units they ordered delivered, against {ctx['market_fill_rate'] * 100:.0f} % in its markets: "
                f"{abs(value) * 100:.0f} points worse (threshold {abs(threshold) * 100:.0f} points",
                lambda v: f"{v * 100:+.0f} points")
    if code == "foreclosure_share":
        return (f"{ctx['holder']} holds stakes in vendors with {value * 100:.0f} % of "
                f"{market_name(ctx['task_type'], ctx['language'], named)} capacity (threshold {threshold * 100:.0f} %",
                lambda v: f"{v * 100:.0f} %")
    if code == "concentration":
        m = ctx
        basis = "capacity" if m["basis"] == "capacity" else "delivered units"
        extra = ""
        if m.get("share_above_30_percent"):
            extra = f"; {m['top_vendor']} holds {m['top_share'] * 100:.0f} % (flagged above 30 %)"
        if m.get("significant_change"):
            extra += f"; a change of {m['hhi_change']:+,.0f} points (significant above 100)"
        return (f"{market_name(m['task_type'], m['language'], named)} is highly concentrated on {basis}: "
                f"HHI {value:,.0f}{extra} (threshold {threshold:,}", lambda v: f"{v:,.0f}")
    if code == "mhhi_delta":
        return (f"Declared stakes raise the modified HHI of {market_name(ctx['task_type'], ctx['language'], named)} "
                f"by {value:,.0f} points (threshold {threshold:,}", lambda v: f"{v:,.0f}")
    if code == "entitlement":
        words = CAUSE_WORDS if named else {}
        causes = ", ".join([f"{words.get(c['cause'], c['cause'])} {c['units']:,.0f} units" for c in ctx["causes"]
                            if c["cause"] != "demand"][:3]) or "no named cause"
        return (f"{SIZE_NAMES.get(ctx['size_class'], ctx['size_class'])} developers got {value:.2f} of the fair "
                f"share the policy promised them for what they asked (causes: {causes}; threshold {threshold:g}",
                lambda v: f"{v:.2f}")
    if code == "unexplained_entitlement":
        return (f"Developer {ctx['group']} got {value:,.0f} units more or less than its fair share that no "
                f"reservation, set-aside, eligibility or demand explains (threshold {threshold}",
                lambda v: f"{v:,.0f}")
    if code == "wait_time":
        stage = "from submission to allocation" if ctx["stage"] == "submission_to_allocation" else "from allocation to delivery"
        return (f"{SIZE_NAMES.get(ctx['class'], ctx['class'])} developers waited {_x(value)} as long as "
                f"{SIZE_NAMES.get(ctx['other'], ctx['other']).lower()} ones {stage} (median {ctx['median']:.1f} h "
                f"against {ctx['other_median']:.1f} h; threshold {threshold:g}×", _x)
    if code in ("pay_floor", "workforce_pay_floor"):
        f, offerings = ctx["floor"], code == "pay_floor"
        if offerings:
            names = [f"{b['title']} by {b['vendor']}, {money(b['hourly_pay_minor'], b['currency'])} an hour" for b in ctx["below"]]
            what = f"offering{'s' if value != 1 else ''} pay{'s' if value == 1 else ''} annotators"
        else:
            names = [f"{v['vendor']} ({money(v['median_hourly_pay_minor'], v['pay_currency'])} an hour)" for v in ctx["below"]]
            what = f"vendor{'s' if value != 1 else ''} disclosed median annotator pay"
        return (f"{value} {what} under the pay floor of {money(f['amount_minor'], f['currency'])} an hour: "
                f"{'; '.join(names[:5])} (threshold 0", lambda v: f"{v}")
    raise ValueError(code)  # pragma: no cover — every code of MEASURES has its sentence


def findings(doc: dict, previous: dict | None) -> list[dict]:
    """The findings of ``doc``; ``previous`` is the same series' report of the latest earlier
    period (None for the first)."""
    measure = MEASURES[doc["series"]]
    named = schema_at_least(doc, NAMED_FROM)
    now = measure(doc)
    then = measure(previous) if previous else {}
    prev_period = previous.get("period") if previous else None
    out, weight = [], {}
    for key, (code, value, threshold, ctx) in now.items():
        if not _above(code, value, threshold):
            continue
        before = then.get(key)
        prev_value = before[1] if before else None
        if previous is None:
            trend = "first"
        elif prev_value is None or not _above(code, prev_value, threshold):
            trend = "new"
        else:
            trend = "up" if value > prev_value else "down" if value < prev_value else "same"
        text, fmt = _sentence(code, value, threshold, ctx, trend, named)
        text += f"; {_trend_text(code, value, prev_value, trend, prev_period, fmt)})."
        out.append({"code": code, "key": key, "value": value, "threshold": threshold,
                    "previous": prev_value, "previous_period": prev_period, "trend": trend, "text": text})
        weight[key] = ctx.get("units", 0) if code in ("concentration", "mhhi_delta") else abs(value - threshold)
    rank = {c: i for i, c in enumerate(ORDER)}
    # Within a kind, the most serious first: for a market's concentration the largest market
    # (a monopoly of a language nobody asked for matters less), else the largest departure.
    out.sort(key=lambda f: (rank[f["code"]], -weight[f["key"]], f["key"]))
    return _folded(out)


FOLD_AFTER = 3  # findings of one kind shown one by one; the rest are counted in one more
FOLDED = {"concentration": "markets are highly concentrated", "foreclosure_share": "stake holders' markets are above the 30 % foreclosure share",
          "mhhi_delta": "markets' modified HHI rises by more than 100 points through stakes",
          "unexplained_entitlement": "developers got an allocation no named cause explains",
          "rivals_fill_gap": "invested vendors fill their other customers' orders less well than the market"}
TABLE_OF = {"concentration": "Market concentration by task type and language", "foreclosure_share": "Foreclosure share by stake holder and market",
            "mhhi_delta": "Market concentration by task type and language", "unexplained_entitlement": "Entitlement ratio by developer",
            "rivals_fill_gap": "Customers without a stake at invested vendors"}


def _folded(found: list[dict]) -> list[dict]:
    """At most ``FOLD_AFTER`` findings of a kind one by one (the most serious), then one that
    counts the others and names the table holding them all."""
    out, seen = [], {}
    for f in found:
        n = seen[f["code"]] = seen.get(f["code"], 0) + 1
        if n <= FOLD_AFTER or f["code"] not in FOLDED:
            out.append(f)
    for code, n in seen.items():
        if code in FOLDED and n > FOLD_AFTER:
            rest = n - FOLD_AFTER
            last = max(i for i, f in enumerate(out) if f["code"] == code)
            out.insert(last + 1, {"code": code, "key": f"{code}:more", "value": rest, "threshold": None,
                                  "previous": None, "previous_period": None, "trend": "summary",
                                  "text": f"{rest} more {FOLDED[code]}: see the table “{TABLE_OF[code]}”."})
    return out
