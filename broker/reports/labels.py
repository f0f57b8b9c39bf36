"""Human names for the report pages: table titles and column headings instead of JSON keys
(``allocation.markets`` is "Allocation by market", ``affiliated.preference_ratio_delivered``
is "Investors' preference ratio, delivered"), and cells in words and rounded numbers
(``preference_ranking`` is "Preference ranking (RLHF)", ``tl`` "Tagalog", 1.6219587 "1.62").
Pure. The JSON and CSV keep their keys, codes and exact values.
"""
from __future__ import annotations

from broker.catalog.vocabulary import TASK_TYPES, language_name
from broker.reports.structure import ANY_LANGUAGE

TABLES = {
    "allocation.markets": "Allocation by task type",
    "allocation.offerings": "Allocation by offering",
    "allocation.size_classes": "Allocation by size class",
    "allocation.unserved": "Units not served, by reason",
    "concentration": "Vendor concentration by task type (allocated units)",
    "entitlement.developers": "Entitlement ratio by developer (round pseudonyms)",
    "entitlement.size_classes": "Entitlement ratio by size class",
    "foreclosure.holders": "Foreclosure share by stake holder and market",
    "foreclosure.vendors": "Customers without a stake at invested vendors",
    "market_structure": "Market concentration by task type and language",
    "offerings": "Offerings in the period",
    "rounds": "Allocation rounds",
    "stakes": "Declared stakes",
    "vendors": "Vendors",
    "wait_times": "Wait times by size class (hours)",
    "list_prices": "List prices",
    "effective_prices": "Effective prices paid by size class",
    "price_changes": "Price changes",
    "platform_fee.by_currency": "Platform fee by currency",
    "annotator_share.markets": "Annotator share of the price by task type",
    "annotator_share.offerings": "Annotator share of the price by offering",
    "pay_floor.below": "Offerings under the pay floor",
}

COLUMNS = {
    "task_type": "Task type", "language": "Language", "basis": "Measured on", "vendor": "Vendor",
    "vendor_id": "Vendor id", "vendors": "Vendors", "offering": "Offering", "offering_id": "Offering id",
    "title": "Title", "unit": "Unit", "capacity_units": "Capacity (units)", "languages": "Languages",
    "principals": "Principals", "demand_units": "Demand (units)", "allocated_units": "Allocated units",
    "delivered_units": "Delivered units", "satisfaction": "Satisfaction", "satisfaction_jain": "Fairness of satisfaction (Jain)",
    "size_class": "Size class", "reason": "Reason", "requests": "Requests", "units": "Units",
    "delivery_ratio": "Delivery ratio", "delivery_fairness": "Delivery fairness (Jain)",
    "customers_hhi": "Customers' HHI", "customers_cr4": "Customers' CR4", "gini": "Gini",
    "affiliated.principals": "Investors", "affiliated.affiliated_satisfaction": "Investors' satisfaction",
    "affiliated.others_satisfaction": "Others' satisfaction",
    "affiliated.affiliated_delivery_ratio": "Investors' delivery ratio",
    "affiliated.others_delivery_ratio": "Others' delivery ratio",
    "affiliated.preference_ratio_allocated": "Investors' preference ratio, allocated",
    "affiliated.preference_ratio_delivered": "Investors' preference ratio, delivered",
    "vendors_hhi": "HHI of vendors", "vendors_cr4": "CR4 of vendors", "highly_concentrated": "Highly concentrated",
    "principals_gini": "Gini of principals", "hhi": "HHI", "hhi_change": "HHI change",
    "top_vendor": "Largest vendor", "top_share": "Largest share", "significant_change": "Significant change",
    "share_above_30_percent": "A share above 30 %", "mhhi_delta": "Modified HHI delta (stakes)",
    "units_by_vendor": "Units by vendor", "holder": "Stake holder", "holders": "Stake holders",
    "percent": "Stake (%)", "foreclosure_share": "Foreclosure share", "rivals": "Customers without a stake",
    "rivals_fill_rate": "Their fill rate here", "market_fill_rate": "Their fill rate in the market",
    "fill_gap": "Fill-rate gap", "currency": "Currency", "rivals_price_minor": "Their price here (minor units)",
    "market_price_minor": "Their price in the market (minor units)", "price_gap_percent": "Price gap (%)",
    "group": "Developer (pseudonym)", "fair_share_units": "Fair share promised (units)",
    "entitlement_ratio": "Entitlement ratio", "causes": "Causes",
    "submission_to_allocation.count": "Allocations", "submission_to_allocation.median": "Submission → allocation, median",
    "submission_to_allocation.p90": "Submission → allocation, p90",
    "allocation_to_delivery.count": "Deliveries", "allocation_to_delivery.median": "Allocation → delivery, median",
    "allocation_to_delivery.p90": "Allocation → delivery, p90",
    "id": "Id", "kind": "Kind", "ran_at": "Ran at", "input_digest": "Input digest", "output_digest": "Output digest",
    "min_minor": "Lowest (minor units)", "median_minor": "Median (minor units)", "max_minor": "Highest (minor units)",
    "offerings": "Offerings", "price_minor": "Price (minor units)", "effective_from": "Effective from",
    "amount_minor": "Amount (minor units)", "previous_amount_minor": "Previous amount (minor units)",
    "orders": "Orders", "order_value_minor": "Order value (minor units)", "fee_minor": "Fee (minor units)",
    "share_percent": "Annotator share (%)", "annotator_share_percent": "Annotator share (%)",
    "hourly_pay_minor": "Hourly pay (minor units)",
    "counts.rivals_ordered_units": "Ordered here (units)", "counts.rivals_delivered_units": "Delivered here (units)",
    "counts.market_ordered_units": "Ordered in the market (units)",
    "counts.market_delivered_units": "Delivered in the market (units)",
    "counts.rivals_priced_units_by_currency": "Priced here, by currency (units)",
    "counts.rivals_priced_units": "Priced here (units)", "counts.rivals_value_minor": "Their value here (minor units)",
    "counts.market_priced_units": "Priced in the market (units)",
    "counts.market_value_minor": "Their value in the market (minor units)",
}
BY_CURRENCY = "counts.rivals_priced_units_by_currency."

SIZE_NAMES = {"small": "Small", "medium": "Medium-sized", "large": "Large", "unknown": "Unclassified"}
# Why units went unserved (the round's reason codes, in words).
REASONS = {"fair_share_reached": "Fair share reached", "capacity_exhausted": "Capacity exhausted",
           "over_budget": "Price limit below the offers", "deadline_unreachable": "Deadline out of reach",
           "no_matching_offering": "No matching offering", "invalid": "Invalid request",
           "awaiting_round": "Awaiting a round"}
# An entitlement gap's causes (``entitlement``), as the report page and the access records say them.
CAUSES = {"demand": "asked for less than its share", "reservation": "a reservation",
          "set_aside": "the small-developer set-aside", "eligibility": "offerings it could not use",
          "usage_decay": "past usage", "unexplained": "no named cause",
          "deadline": "deadline out of reach", "price": "price limit below the offers", "request": "request not usable"}


def humanise(key: str) -> str:
    """A readable heading for any key the tables above do not name."""
    words = key.replace(".", ": ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def table_title(name: str) -> str:
    return TABLES.get(name) or humanise(name)


def column(key: str) -> str:
    if key.startswith(BY_CURRENCY):  # one column per currency the rivals were priced in
        return f"Priced here in {key.removeprefix(BY_CURRENCY)} (units)"
    return COLUMNS.get(key) or humanise(key)


def number(v: float) -> str:
    """A figure for people: two decimals (1.6219587 → "1.62", 3811.5 → "3,811.50"); a value
    too small to show in two decimals keeps two significant digits (0.0042 → "0.0042"). The
    page keeps the exact value in the cell's title; the JSON has it in full."""
    if v != 0 and abs(v) < 0.005:
        return f"{v:.2g}"
    return f"{v:,.2f}"


def cell_text(key: str, value) -> str:
    """A cell as a person reads it: a code as its name — task types from the catalog
    vocabulary, languages from the ISO tables (a ``languages`` cell is a ``;``-joined list, as
    the CSV has it) — and a count with thousands separators."""
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, int) and not isinstance(value, bool) and last != "id" and not last.endswith("_id"):
        return f"{value:,}"  # units and counts: 27,000; ids stay as they are
    if not isinstance(value, str):
        return str(value)
    if last == "task_type":
        return TASK_TYPES.get(value, value)
    if last == "language":
        return "Any language" if value == ANY_LANGUAGE else language_name(value)
    if last == "languages":
        return ", ".join(language_name(x) for x in value.split(";") if x)
    if last == "size_class":
        return SIZE_NAMES.get(value, value)
    if last == "reason":
        return REASONS.get(value, value)
    return value


def causes_text(causes: list[dict]) -> str:
    """An entitlement row's causes in words: "asked for less than its share: 2,982 units"."""
    return "; ".join(f"{CAUSES.get(c.get('cause'), c.get('cause'))}: {number_of_units(c.get('units'))}" for c in causes)


def number_of_units(v) -> str:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return str(v)
    return f"{v:,.0f} units" if float(v).is_integer() else f"{v:,.2f} units"


def worded(value):
    """A document (or part) with every list of causes turned into one sentence, so the page's
    tables, flattened like the CSV, show words instead of objects."""
    if isinstance(value, list):
        if value and all(isinstance(x, dict) and "cause" in x for x in value):
            return causes_text(value)
        return [worded(x) for x in value]
    if isinstance(value, dict):
        return {k: worded(v) for k, v in value.items()}
    return value
