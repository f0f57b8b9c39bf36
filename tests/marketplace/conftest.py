"""Fixtures of the marketplace tests: two vendors and a developer with API tokens (offerings
are listed through the real API by ``market.offer``, tests/builders.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def people(make):
    v1, v2, dev = make.org("vendor", name="Acme Labelling"), make.org("vendor", name="Borealis Data"), make.org()
    return SimpleNamespace(vendor=v1, other_vendor=v2, developer=dev, vendor_token=make.token(v1),
                           other_token=make.token(v2), developer_token=make.token(dev))
