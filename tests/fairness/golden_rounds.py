"""Seeded random round inputs for the golden corpus and the differential tests.

Plain ``random.Random`` (not hypothesis) so that a seed names the same round forever: the
golden file stores only (kind, seed), the digest of the result the engine gave before the
performance rewrite, and the digest of its ``projection.determined`` part. Kinds cover what the engine branches on: one offering, linked
offerings, groups, floors (clamped, above free capacity), set-aside, usage decay, reason
hints, empty eligibility, zero capacity, ties in submission time.

    python -m tests.fairness.golden_rounds   # rewrite golden/cases.json from the reference engine
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "cases.json"
TIMES = ["2025-03-01T09:00:00Z", "2025-03-01T09:00:00+00:00", "2025-03-01T10:00:00+01:00",
         "2025-03-01T12:30:00Z", "2025-03-02T08:00:00Z", "2025-03-02T08:00:00.500000Z"]
KINDS = ("single", "linked", "setaside", "usage", "mixed", "wide")


def small_round(kind: str, seed: int) -> dict:
    rng = random.Random(f"{kind}:{seed}")
    n_off = {"single": rng.randint(1, 3), "wide": rng.randint(3, 6)}.get(kind, rng.randint(2, 4))
    offerings = []
    for i in range(n_off):
        pcap = rng.randint(0, 60)
        cap = rng.choice([pcap, rng.randint(0, pcap), rng.randint(0, pcap)])
        o = {"id": f"o{i}", "capacity": cap, "unit_price": rng.choice([100, 200, 200, 350])}
        if pcap != cap or rng.random() < 0.5:
            o["period_capacity"] = pcap
        offerings.append(o)
    n_org = rng.randint(1, 8)
    orgs = []
    for i in range(n_org):
        org = {"id": f"org{i}", "weight": rng.choice([1, 1, 2, 3, 0.5, 1.5])}
        if rng.random() < 0.8:
            org["size_class"] = rng.choice(["small", "small", "medium", "large"])
        if i > 0 and rng.random() < 0.4:
            org["group"] = rng.choice(["G1", "G2", "org0"]) if kind != "single" or rng.random() < 0.5 else "G1"
        orgs.append(org)
    # "org0" as a group id is only valid if org0 is in it (or in no group): keep it standalone
    orgs[0].pop("group", None)
    guarantees = []
    for o in offerings:
        left = o.get("period_capacity", o["capacity"])
        for org in orgs:
            if left and rng.random() < 0.3:
                u = rng.randint(0, left)
                left -= u
                guarantees.append({"org": org["id"], "offering": o["id"], "units": u})
    requests = []
    ids = [o["id"] for o in offerings]
    for i in range(rng.randint(0, 16 if kind != "wide" else 24)):
        if kind == "single":
            elig = [rng.choice(ids)]
        else:
            k = rng.choice([1, 1, 2, 2, 3]) if kind != "wide" else rng.choice([1, 2, 3, 4])
            elig = rng.sample(ids, min(k, len(ids)))
        r = {"id": f"r{i:02d}", "org": rng.choice(orgs)["id"], "units": rng.randint(1, 30),
             "offerings": elig, "submitted_at": rng.choice(TIMES)}
        roll = rng.random()
        if roll < 0.05:
            r["offerings"] = []
        elif roll < 0.09:
            r["reason_hint"] = rng.choice(["over_budget", "awaiting_round", "deadline_unreachable"])
        requests.append(r)
    policy = {}
    if rng.random() < 0.6:
        policy["max_reserved_share"] = rng.choice([0, 0.1, 0.25, 0.3, 0.5, 1])
    if kind == "setaside" or (kind == "mixed" and rng.random() < 0.4):
        policy["small_set_aside"] = rng.choice([0.1, 0.2, 0.25, 0.5])
    data = {"policy": policy, "offerings": offerings, "orgs": orgs, "guarantees": guarantees,
            "requests": requests, "round": {"id": f"{kind}-{seed}"}}
    if kind == "usage" or (kind == "mixed" and rng.random() < 0.4):
        policy["usage_half_life_days"] = rng.choice([7, 14, 28])
        data["usage"] = [{"org": rng.choice(orgs)["id"], "offering": rng.choice(ids),
                          "units": rng.choice([0, 1, 5, 12.5, 40, 100])} for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.3:
        data.pop("guarantees")
    return data


def bench_round(n_requests: int, multi_share: float, seed: int, n_offerings: int = 500,
                max_orgs: int = 10_000) -> dict:
    """Frozen copy of bench/engine.py's generator (so editing the bench never moves a golden)."""
    return _synthetic(n_requests, multi_share, seed, n_offerings, max_orgs)


def _synthetic(n_requests: int, multi_share: float, seed: int, n_offerings: int = 500,
                    max_orgs: int = 10_000) -> dict:
    """Demand about twice the capacity; 5% of orgs in groups of 2-4; some reservations."""
    rng = random.Random(seed)
    n_orgs = min(max_orgs, max(10, n_requests // 10))
    offerings = [{"id": f"off{i:04d}", "capacity": 0, "unit_price": rng.choice([80, 100, 120, 150, 200])}
                 for i in range(n_offerings)]
    orgs = []
    for i in range(n_orgs):
        org = {"id": f"org{i:05d}", "weight": rng.choice([1, 1, 1, 2]),
               "size_class": rng.choice(["small", "small", "medium", "large"])}
        if rng.random() < 0.05:
            org["group"] = f"grp{i // 3:05d}"
        orgs.append(org)
    requests, demand = [], [0] * n_offerings
    for i in range(n_requests):
        units = rng.randint(1, 20)
        if rng.random() < multi_share:
            elig = rng.sample(range(n_offerings), rng.randint(2, 5))
        else:
            elig = [rng.randrange(n_offerings)]
        for o in elig:
            demand[o] += units / len(elig)
        requests.append({"id": f"req{i:06d}", "org": orgs[rng.randrange(n_orgs)]["id"], "units": units,
                         "offerings": [offerings[o]["id"] for o in elig],
                         "submitted_at": f"2025-03-0{1 + rng.randrange(3)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"})
    for o, d in zip(offerings, demand):
        o["capacity"] = max(1, int(d * rng.uniform(0.3, 0.7)))
    guarantees = []
    for _ in range(n_offerings // 5):
        o = rng.choice(offerings)
        guarantees.append({"org": rng.choice(orgs)["id"], "offering": o["id"],
                           "units": max(0, o["capacity"] // 10)})
    seen, unique = set(), []
    for g in guarantees:
        if (g["org"], g["offering"]) not in seen:
            seen.add((g["org"], g["offering"]))
            unique.append(g)
    return {"policy": {"max_reserved_share": 0.3}, "offerings": offerings, "orgs": orgs,
            "guarantees": unique, "requests": requests}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cases(per_kind: int = 120):
    for kind in KINDS:
        for seed in range(per_kind):
            yield kind, seed


# (requests, multi_share, seed, offerings): bench-shaped rounds the reference finishes quickly
BENCH_CASES = [(3000, 0.0, 1, 500), (3000, 0.0, 2, 40), (800, 0.0, 3, 5), (60, 0.3, 4, 12),
               (120, 0.3, 5, 25), (150, 0.1, 6, 10), (40, 1.0, 7, 6), (400, 0.3, 8, 60),
               (250, 0.5, 9, 30)]


def determined_digest(data, result) -> str:
    from tests.fairness.projection import determined
    return digest(json.dumps(determined(data, result), sort_keys=True, ensure_ascii=False))


def main() -> None:   # pragma: no cover - run by hand, only when a rule change is intended
    from broker.fairness import allocate, dumps_result
    out = []
    todo = [(kind, seed, small_round(kind, seed)) for kind, seed in cases()]
    todo += [("bench", list(c), bench_round(*c)) for c in BENCH_CASES]
    for kind, seed, data in todo:
        result = allocate(data)
        out.append({"kind": kind, "seed": seed, "sha256": digest(dumps_result(result)),
                    "determined": determined_digest(data, result)})
    GOLDEN.parent.mkdir(exist_ok=True)
    lines = ",\n".join(json.dumps(c, sort_keys=True) for c in out)
    GOLDEN.write_text('{"engine": "engine of record", "cases": [\n' + lines + "\n]}\n")


if __name__ == "__main__":
    main()
