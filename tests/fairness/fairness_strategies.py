"""Hypothesis strategies: small but tangled rounds (groups, floors, ties, linked offerings)."""
import functools

from hypothesis import strategies as st

TIMES = ["2025-03-01T09:00:00Z", "2025-03-01T09:00:00+00:00", "2025-03-01T10:00:00+01:00",
         "2025-03-01T12:30:00Z", "2025-03-02T08:00:00Z"]


# Strategies are built once, not inside each draw: hypothesis validates every new strategy
# object (a ``sampled_from`` of a list is never cached), and with ~50 draws per round that
# cost as much as the engine run the example feeds. The draws, and so the rounds, are the same.
_UNIT_PRICE = st.sampled_from([100, 200, 200, 350])
_WEIGHT = st.sampled_from([1, 1, 2, 3, 0.5])
_SIZE_CLASS = st.sampled_from(["small", "medium", "large"])
_GROUP = st.sampled_from(["G1", "G2"])
_SUBMITTED = st.sampled_from(TIMES)
_SHARE = st.sampled_from([0, 0.1, 0.3, 0.5, 1])
_PERIOD_CAPACITY, _ORGS, _GUARANTEE, _UNITS = st.integers(0, 40), st.integers(1, 6), st.integers(0, 3), \
    st.integers(1, 25)


@functools.lru_cache(maxsize=None)
def _one(ids: tuple):
    return st.sampled_from(ids)


@functools.lru_cache(maxsize=None)
def _some(ids: tuple):
    return st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)


@st.composite
def rounds(draw, max_offerings=3, multi=True, max_requests=10):
    n_off = draw(st.integers(1, max_offerings))
    offerings = []
    for i in range(n_off):
        pcap = draw(_PERIOD_CAPACITY)
        cap = draw(st.integers(0, pcap))
        offerings.append({"id": f"o{i}", "capacity": cap, "period_capacity": pcap,
                          "unit_price": draw(_UNIT_PRICE)})
    n_org = draw(_ORGS)
    orgs = []
    for i in range(n_org):
        org = {"id": f"org{i}", "weight": draw(_WEIGHT), "size_class": draw(_SIZE_CLASS)}
        if draw(st.booleans()) and i > 0:
            org["group"] = draw(_GROUP)
        orgs.append(org)
    guarantees = []
    for o in offerings:
        left = o["period_capacity"]
        for org in orgs:
            if left and draw(_GUARANTEE) == 0:
                u = draw(st.integers(0, left))
                left -= u
                guarantees.append({"org": org["id"], "offering": o["id"], "units": u})
    offering_ids, org_ids = tuple(o["id"] for o in offerings), tuple(o["id"] for o in orgs)
    requests = []
    for i in range(draw(st.integers(0, max_requests))):
        elig = draw(_some(offering_ids)) if multi else [draw(_one(offering_ids))]
        requests.append({"id": f"r{i}", "org": draw(_one(org_ids)), "units": draw(_UNITS), "offerings": elig,
                         "submitted_at": draw(_SUBMITTED)})
    policy = {}
    if draw(st.booleans()):
        policy["max_reserved_share"] = draw(_SHARE)
    return {"policy": policy, "offerings": offerings, "orgs": orgs, "guarantees": guarantees,
            "requests": requests}
