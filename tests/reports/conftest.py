"""A closed period with six developer principals, two vendors and an investor.

Vendor "Acme Labelers" (vendor A) is part-owned by "Investor AI". The engine allocates fairly;
Acme then delivers everything to its investor and only half to everyone else. Vendor "Bee
Data" delivers everything to everyone.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from broker.periods import period_start

PERIOD = "2026-W46"  # 2026-11-09 .. 2026-11-16; the test clock stands in W48, so it is closed
# Preference ranking with its pay disclosed, priced from a month before the period.
OFFERED = dict(periods=[PERIOD], task_type="preference_ranking", unit="comparison", languages=(),
               annotator_share=60.0, pay=1500, price_from=period_start(PERIOD) - timedelta(days=30))
CUTOFF = datetime(2026, 11, 7, 0, 0, tzinfo=timezone.utc)
SPOT = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)


def t(day, hour=9):
    return datetime(2026, 11, day, hour, 0, tzinfo=timezone.utc)


@pytest.fixture
def scenario(app, market):
    m = market
    acme = m.org("vendor", "Acme Labelers", headcount=300)
    bee = m.org("vendor", "Bee Data", headcount=80)
    a1 = m.offering(acme, capacity=300, price=1000, **OFFERED)
    b1 = m.offering(bee, capacity=120, price=800, **{**OFFERED, "pay": 700, "annotator_share": 40.0})
    investor = m.org("developer", "Investor AI", headcount=5000)
    m.stake(investor, acme)
    holding = m.group("Twin Holdings")
    devs = [investor,
            m.org("developer", "Small Lab", headcount=12),
            m.org("developer", "Uni NLP", headcount=30),
            m.org("developer", "Mid AI", headcount=400),
            m.org("developer", "Twin One", headcount=200, group=holding),
            m.org("developer", "Twin Two", headcount=60, group=holding),
            m.org("developer", "Big Co", headcount=2000)]
    reqs = [m.request(d, 80, t(1 + i)) for i, d in enumerate(devs)]
    wants = [(r, [a1]) for r in reqs]
    # Three principals can also use Bee; it is the only choice for one extra request.
    extra = m.request(devs[2], 40, t(6, 8))
    wants += [(extra, [b1])]
    main, orders = m.run_round(PERIOD, "main", CUTOFF, wants)
    late = m.request(devs[6], 30, t(10, 8))
    late_small = m.request(devs[1], 20, t(10, 9))
    spot, spot_orders = m.run_round(PERIOD, "spot", SPOT, [(late, [b1]), (late_small, [b1])])
    orders += spot_orders
    for o in orders:
        if o.vendor_org_id == acme.id and o.developer_org_id != investor.id:
            m.deliver(o, o.units // 2, t(13))
        else:
            m.deliver(o, o.units, t(12))
    m.disclosure(acme, "2026-Q4")
    return {"acme": acme, "bee": bee, "a1": a1, "b1": b1, "investor": investor, "devs": devs,
            "rounds": [main, spot], "orders": orders, "period": PERIOD}
