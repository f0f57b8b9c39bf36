"""Hypothesis strategies: small but tangled rounds (groups, floors, ties, linked offerings)."""
from hypothesis import strategies as st

TIMES = ["2025-03-01T09:00:00Z", "2025-03-01T09:00:00+00:00", "2025-03-01T10:00:00+01:00",
         "2025-03-01T12:30:00Z", "2025-03-02T08:00:00Z"]


@st.composite
def rounds(draw, max_offerings=3, multi=True, max_requests=10):
    n_off = draw(st.integers(1, max_offerings))
    offerings = []
    for i in range(n_off):
        pcap = draw(st.integers(0, 40))
        cap = draw(st.integers(0, pcap))
        offerings.append({"id": f"o{i}", "capacity": cap, "period_capacity": pcap,
                          "unit_price": draw(st.sampled_from([100, 200, 200, 350]))})
    n_org = draw(st.integers(1, 6))
    orgs = []
    for i in range(n_org):
        org = {"id": f"org{i}", "weight": draw(st.sampled_from([1, 1, 2, 3, 0.5])),
               "size_class": draw(st.sampled_from(["small", "medium", "large"]))}
        if draw(st.booleans()) and i > 0:
            org["group"] = draw(st.sampled_from(["G1", "G2"]))
        orgs.append(org)
    guarantees = []
    for o in offerings:
        left = o["period_capacity"]
        for org in orgs:
            if left and draw(st.integers(0, 3)) == 0:
                u = draw(st.integers(0, left))
                left -= u
                guarantees.append({"org": org["id"], "offering": o["id"], "units": u})
    requests = []
    for i in range(draw(st.integers(0, max_requests))):
        if multi:
            elig = draw(st.lists(st.sampled_from([o["id"] for o in offerings]), min_size=1, max_size=3, unique=True))
        else:
            elig = [draw(st.sampled_from([o["id"] for o in offerings]))]
        requests.append({"id": f"r{i}", "org": draw(st.sampled_from([o["id"] for o in orgs])),
                         "units": draw(st.integers(1, 25)), "offerings": elig,
                         "submitted_at": draw(st.sampled_from(TIMES))})
    policy = {}
    if draw(st.booleans()):
        policy["max_reserved_share"] = draw(st.sampled_from([0, 0.1, 0.3, 0.5, 1]))
    return {"policy": policy, "offerings": offerings, "orgs": orgs, "guarantees": guarantees,
            "requests": requests}
