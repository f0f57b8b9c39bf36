"""Benchmark of the fairness engine on seeded synthetic rounds.

    python bench/engine.py [--sizes 1000,10000,100000] [--seed 7] [--repeat 3]

Prints the machine (CPU model, cores, Python, load average) and, for each size and
eligibility mode, the wall and CPU time of ``allocate`` (validation included) and the peak
resident memory of a fresh process that builds the round and runs it (ru_maxrss, so it
includes the input). The machine is shared: CPU time moves less with the load than wall
time does. Each case runs in its own subprocess; ``--timeout`` bounds a case.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe  # noqa: E402
from broker.fairness import allocate  # noqa: E402


def synthetic_round(n_requests: int, multi_share: float, seed: int, n_offerings: int = 500,
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


def run_case(size: int, mode: str, seed: int) -> None:
    """In this process: build, run, print 'wall peak_mib'."""
    data = synthetic_round(size, 0.0 if mode == "single" else 0.3, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    allocate(data)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{wall:.3f} {cpu:.3f} {peak:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--modes", default="single,multi")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each case this many times (fresh process each) and print the median")
    parser.add_argument("--case", nargs=2, metavar=("SIZE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(int(args.case[0]), args.case[1], args.seed)
        return
    print(f"machine: {describe()}")
    print(f"{'requests':>9} {'eligibility':<28} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}  (peak = max RSS)")
    for mode in args.modes.split(","):
        for size in map(int, args.sizes.split(",")):
            label = "1 offering each" if mode == "single" else "30% at 2-5 offerings"
            try:
                runs = []
                for _ in range(max(1, args.repeat)):
                    out = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), "--case", str(size), mode],
                                         capture_output=True, text=True, timeout=args.timeout, check=True).stdout
                    runs.append(tuple(map(float, out.split())))
                wall, cpu, peak = (statistics.median(r[k] for r in runs) for k in range(3))
                spread = f"  (walls {', '.join(f'{r[0]:.2f}' for r in runs)})" if len(runs) > 1 else ""
                print(f"{size:>9} {label:<28} {wall:>8.2f} {cpu:>8.2f} {peak:>9.1f}{spread}", flush=True)
            except subprocess.TimeoutExpired:
                print(f"{size:>9} {label:<28} {'>' + str(int(args.timeout)):>8} {'-':>8} {'-':>9}", flush=True)
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
