"""A labor disclosure (broker.reports.labor) as readable text answering the FMTI 2025
data-labor indicators by name, and as Croissant RAI metadata. Pure: the document in, text or
a JSON-LD dict out (URLs are passed in)."""
from __future__ import annotations

from broker.catalog import exposure as exposure_rules
from broker.catalog.iso import COUNTRIES
from broker.catalog.money import format_money
from broker.catalog.vocabulary import TASK_TYPES
from broker.reports.metrics import SUPPRESSED

# The Foundation Model Transparency Index 2025 (Stanford CRFM, Dec 2025) indicators this
# disclosure answers, upstream domain, data acquisition subdomain.
FMTI_INDICATORS = (
    ("Data acquisition methods", "What methods does the developer use to acquire data used to build the model?"),
    ("New human-generated data sources",
     "What are the top-5 sources (by volume) of new human-generated data for building the model?"),
    ("Instructions for data generation",
     "For each of the top-5 sources of human-generated data, what instructions does the developer provide?"),
    ("Data laborer practices",
     "For the top-5 sources of human-generated data, how are laborers compensated, where are they located, "
     "and what labor protections are in place?"),
)
TOP_SOURCES = 5

CROISSANT_CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField",
    "path": "cr:path", "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "sc": "https://schema.org/",
    "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform",
    "equivalentProperty": "cr:equivalentProperty", "samplingRate": "cr:samplingRate",
    "parity": "https://parity.dev/ns/labor#",
}


def _country(cc: str) -> str:
    return f"{COUNTRIES.get(cc, cc)} ({cc})"


def _money(minor, currency) -> str:
    if minor == SUPPRESSED:
        return "suppressed (fewer workers than the smallest published group)"
    return format_money(minor, currency) if minor is not None else "not disclosed"


def _top(doc: dict) -> list[dict]:
    return sorted(doc["vendors"], key=lambda v: (-v["units"], v["vendor"]))[:TOP_SOURCES]


def _pay_lines(v: dict) -> list[str]:
    d = v["workforce_disclosure"]
    if d is None:
        return [f"  - {v['vendor']}: no workforce disclosure; compensation, location and protections unknown."]
    lf = d["local_floors"]
    lines = [f"  - {v['vendor']}: median effective pay {_money(d['median_hourly_pay_minor'], d['pay_currency'])} "
             f"an hour; {lf['share_below_floor_percent']:g}% of its workers are paid below the pay floor of "
             f"their country ({lf['share_not_compared_percent']:g}% not compared)."]
    for c in lf["countries"]:
        state = {"below": "below", "meets": "meets", "other_currency": "another currency, not compared",
                 "undisclosed": "not disclosed"}.get(c["status"], "suppressed")
        lines.append(f"      {_country(c['country'])}: {c['share_percent']:g}% of workers, pay "
                     f"{_money(c['hourly_pay_minor'], c['pay_currency'])} against a "
                     f"{'local' if c['floor_basis'] == 'local' else 'global'} floor of "
                     f"{_money(c['floor_minor'], c['floor_currency'])} ({state}).")
    where = ", ".join(_country(c) for c in d["countries_25_percent_or_more"]) or "no country"
    lines.append(f"      Countries with at least 25% of its workers: {where}.")
    lines.append(f"      Protections for harmful content (vendor's words): {d['harmful_content_protections'] or 'none stated'}.")
    return lines


def _exposure_lines(doc: dict) -> list[str]:
    if not doc["exposure"]:
        return ["  No offering used shows harmful content (no content class declared)."]
    out = []
    for e in doc["exposure"]:
        classes = ", ".join(exposure_rules.CONTENT_CLASSES.get(c, c) for c in e["content_classes"])
        prot = ", ".join(f"{label}: {'yes' if e['protections'][k] else 'no'}"
                         for k, label in exposure_rules.PROTECTIONS.items())
        peak = e["max_weekly_exposure_hours_per_worker"]
        peak_s = "suppressed (fewer workers than the smallest published group)" if peak == SUPPRESSED \
            else f"{peak:g} hours"
        out.append(f"  - {e['title']} ({e['vendor']}): {classes}. {e['workers_assigned']} workers assigned, each "
                   f"at most {e['declared_weekly_hours_per_worker']:g} hours a week (policy cap {e['cap_hours']} "
                   f"hours); busiest week: {peak_s} per worker. {prot}.")
    return out


def text(doc: dict, *, json_url: str = "", jws_url: str = "") -> str:
    """The disclosure as plain text, one section per FMTI 2025 data-labor indicator."""
    q, total = doc["quarter"], doc["units"]["total"]
    top = _top(doc)
    lines = [f"Labor disclosure of {doc['developer']['name']}, {q}"
             + (" (provisional: the quarter has not ended)" if doc["provisional"] else ""),
             f"Data bought through Parity: {total:,} units from {len(doc['vendors'])} vendor(s).",
             "Signed JSON: " + (json_url or "the .json download") + "; signature (JWS): " + (jws_url or "the .jws download"),
             "", "Answers to the Foundation Model Transparency Index 2025 data-labor indicators:", ""]
    for name, question in FMTI_INDICATORS:
        lines += [f"{name}", f"  Question: {question}"]
        if name == "Data acquisition methods":
            lines.append("  Through Parity: having humans create or annotate new data (category v), bought "
                         "from the vendors below. Other methods are outside this disclosure.")
        elif name == "New human-generated data sources":
            for v in top:
                tasks = ", ".join(f"{TASK_TYPES.get(t, t)} {u:,}" for t, u in v["units_by_task_type"].items())
                lines.append(f"  - {v['vendor']}: {v['units']:,} units ({v['share_of_units_percent']:g}%): {tasks}.")
            if not top:
                lines.append("  None this quarter.")
        elif name == "Instructions for data generation":
            lines.append("  Parity records the task type and unit of each order, not the instructions given to "
                         "vendors; by task type: " + (", ".join(f"{TASK_TYPES.get(t, t)} {u:,} units" for t, u in
                                                           doc["units"]["by_task_type"].items()) or "none") + ".")
        else:
            p = doc["pay"]
            lines.append(f"  Compensation: {p['share_of_units_by_workers_below_local_floor_percent']:g}% of the units "
                         f"were made by workers paid below the pay floor of their country, "
                         f"{p['share_of_units_by_workers_at_or_above_local_floor_percent']:g}% at or above it, "
                         f"{p['share_of_units_not_compared_percent']:g}% not compared.")
            major = ", ".join(_country(c) for c in doc["countries"]["at_least_25_percent"]) or "none"
            lines.append(f"  Location: countries with at least 25% of the laborers (weighted by units): {major}.")
            lines.append("  Per source:")
            for v in top:
                lines += _pay_lines(v)
            lines.append("  Protections and exposure to harmful content:")
            lines += _exposure_lines(doc)
        lines.append("")
    lines.append(f"Figures about fewer than {doc['parameters']['small_cell_k']} workers are suppressed. Pay floors: "
                 f"the policy's table by country (version {doc['policy_version']}), else the global floor of "
                 f"{_money(doc['parameters']['global_pay_floor']['amount_minor'], doc['parameters']['global_pay_floor']['currency'])}"
                 " an hour; no currency is converted.")
    return "\n".join(lines) + "\n"


def croissant(doc: dict, *, url: str, json_url: str, digest: str) -> dict:
    """Croissant 1.0 dataset metadata with the RAI fields of the disclosure and a ``parity:``
    extension for wages, floors, protections and exposure. The signed JSON is its one file."""
    top = _top(doc)
    p = doc["pay"]
    demographics = []
    for v in doc["vendors"]:
        d = v["workforce_disclosure"]
        if d:
            mix = ", ".join(f"{_country(c)} {s:g}%" for c, s in sorted(
                ((c["country"], c["share_percent"]) for c in d["local_floors"]["countries"]), key=lambda x: -x[1]))
            demographics.append(f"{v['vendor']}: {d['headcount']} workers; {mix or 'countries not disclosed'}")
        else:
            demographics.append(f"{v['vendor']}: not disclosed")
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": f"labor-disclosure-{doc['quarter']}",
        "description": (f"The human labor behind the data {doc['developer']['name']} bought through Parity in "
                        f"{doc['quarter']}: vendors, units by task type, pay against local floors, countries and "
                        f"exposure to harmful content."),
        "url": url,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "citeAs": f"{doc['developer']['name']}, labor disclosure {doc['quarter']}, via Parity. {url}",
        "datePublished": doc["generated_at"][:10],
        "version": "1.0.0",
        "distribution": [{
            "@type": "cr:FileObject", "@id": "labor-disclosure.json", "name": "labor-disclosure.json",
            "description": "The signed labor disclosure (RFC 8785 JSON; its JWS and transparency-log entry verify it).",
            "contentUrl": json_url, "encodingFormat": "application/json",
            "sha256": digest.removeprefix("sha256:")}],
        "rai:dataCollection": ("Human annotation and data creation bought as capacity from vendors through the Parity "
                               f"marketplace: {doc['units']['total']:,} units in {doc['quarter']} from "
                               + (", ".join(v["vendor"] for v in top) or "no vendor") + "."),
        "rai:dataAnnotationProtocol": ("Units by task type: " + (", ".join(
            f"{TASK_TYPES.get(t, t)} {u:,}" for t, u in doc["units"]["by_task_type"].items()) or "none")
            + ". Instructions are the vendors' and the developer's; Parity records task type and unit."),
        "rai:dataAnnotationPlatform": "Parity marketplace; the work itself on each vendor's own platform: "
                                      + (", ".join(v["vendor"] for v in doc["vendors"]) or "none") + ".",
        "rai:annotatorDemographics": demographics or ["no annotators this quarter"],
        "parity:wages": {
            "shareOfUnitsBelowLocalFloorPercent": p["share_of_units_by_workers_below_local_floor_percent"],
            "shareOfUnitsAtOrAboveLocalFloorPercent": p["share_of_units_by_workers_at_or_above_local_floor_percent"],
            "shareOfUnitsNotComparedPercent": p["share_of_units_not_compared_percent"],
            "globalPayFloor": doc["parameters"]["global_pay_floor"]},
        "parity:countriesAtLeast25Percent": doc["countries"]["at_least_25_percent"],
        "parity:protections": [{"offering": e["offering"], "contentClasses": e["content_classes"],
                                **{k: e["protections"][k] for k in exposure_rules.PROTECTIONS}}
                               for e in doc["exposure"]],
        "parity:exposure": [{"offering": e["offering"], "workersAssigned": e["workers_assigned"],
                             "declaredWeeklyHoursPerWorker": e["declared_weekly_hours_per_worker"],
                             "capHours": e["cap_hours"],
                             "maxWeeklyExposureHoursPerWorker": e["max_weekly_exposure_hours_per_worker"]}
                            for e in doc["exposure"]],
        "parity:disclosureDigest": digest,
    }
