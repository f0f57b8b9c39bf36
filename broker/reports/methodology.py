"""The methodology text each report carries (the long form is docs/reports.md)."""

_COMMON = (
    "Principals are groups of organisations under common control (an organisation in no group "
    "is its own group). Any figure derived from fewer than small_cell_k principals is published "
    "as \"suppressed\", never as a number. Non-integer figures are rounded to 6 decimals. "
    "Percentiles use the nearest-rank method: the p-th percentile is the value of rank "
    "ceil(p/100*n) among the n sorted values (the median is the lower median). "
    "Size class by declared headcount: small < 50, medium 50-999, large >= 1000, unknown when "
    "undeclared. Money is integer minor units of the currency named beside it. ")

METHODOLOGY = {
    "access": _COMMON + (
        "The allocation section is computed from the period's published round data alone "
        "(links in /api/v1/rounds): a request's demand is its units in the first round of the "
        "period it appears in, its allocation the sum over the period's rounds; demand at an "
        "offering counts a request at every offering it may use, demand in a market or size "
        "class counts it once; satisfaction = allocated / demanded; satisfaction_jain is Jain's "
        "index of the principals' satisfactions; unserved requests carry the reason of the last "
        "round they appeared in. `python -m broker.reports.verify` recomputes it. "
        "Vendor figures come from allocations and deliveries: delivery ratio = delivered / "
        "allocated; delivery fairness = Jain's index of the principals' delivery ratios; HHI = "
        "sum of (100*share)^2 of allocated units by principal; CR4 = the four largest shares; "
        "Gini (mean absolute difference form) of allocated units per principal. Affiliated "
        "principals hold a stake in the vendor during the period; the affiliate preference "
        "ratio is their share of the vendor's allocated (delivered) units divided by their share "
        "of the demand at the vendor. Market concentration is the HHI of allocated units by "
        "vendor per task type, highly concentrated above 1800 (2023 US Merger Guidelines). Wait "
        "times: submission to allocation per allocation, allocation to the last delivery per "
        "fully delivered allocation, in hours."),
    "pricing": _COMMON + (
        "List prices are the prices in force at the end of the period of the active offerings, "
        "per task type, unit and currency (min, median, max). Effective price paid = "
        "units-weighted mean unit price of the period's allocations, by size class. Price "
        "changes are the prices that took effect during the period. Platform fee = sum of "
        "units * unit price * fee rate of the period's orders not released back to the pool. "
        "Annotator share is the vendor-disclosed share of the price that reaches annotators, "
        "units-weighted over the period's allocations. Offerings whose disclosed effective hourly "
        "pay is below the policy's pay floor are listed; pay in another currency is not "
        "converted."),
    "workforce": _COMMON + (
        "Per vendor, its workforce disclosure for the quarter holding the period (or its latest "
        "earlier one): median hourly annotator pay, share of workers paid at or above the local "
        "living wage (100 minus the disclosed share below it), countries holding at least 25% "
        "of its workers, share of domain experts, the Fairwork principles it states it meets, "
        "and how complete the disclosure is (share of the expected items answered). These are "
        "vendor disclosures, not figures about principals, so no small-cell rule applies."),
}
