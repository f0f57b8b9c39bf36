"""Fixtures of the marketplace tests: two vendors and a developer with API tokens, and a
``market`` helper that lists offerings through the real API."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import func, select

from broker import db
from tests.helpers import auth

OFFERING = {
    "title": "English preference ranking",
    "task_type": "preference_ranking",
    "modality": "text",
    "expertise": "general",
    "unit": "comparison",
    "languages": ["en"],
    "turnaround_days": 3,
    "quality": {"gold_tasks": True, "redundancy": 3, "consensus": "majority",
                "agreement_metric": "krippendorff_alpha"},
    "security": {"nda": True, "data_residency": "EU"},
    "content_risk": "mild",
    "effective_hourly_pay_minor": 1200,
    "pay_currency": "USD",
}


class Market:
    def __init__(self, client, app):
        self.client, self.app = client, app

    def offer(self, token, price=None, currency="USD", **fields):
        r = self.client.post("/api/v1/offerings", json={**OFFERING, **fields}, headers=auth(token))
        assert r.status_code == 201, r.get_data(as_text=True)
        if price is not None:
            p = self.client.post(f"/api/v1/offerings/{r.json['id']}/prices",
                                 json={"amount_minor": price, "currency": currency}, headers=auth(token))
            assert p.status_code == 201, p.get_data(as_text=True)
        return r.json

    def count(self, model) -> int:
        with self.app.app_context():
            return db.session().exec(select(func.count()).select_from(model)).one()

    def rows(self, model, *where):
        with self.app.app_context():
            return list(db.session().exec(select(model).where(*where)))


@pytest.fixture
def market(client, app):
    return Market(client, app)


@pytest.fixture
def people(make):
    v1, v2, dev = make.org("vendor", name="Acme Labelling"), make.org("vendor", name="Borealis Data"), make.org()
    return SimpleNamespace(vendor=v1, other_vendor=v2, developer=dev, vendor_token=make.token(v1),
                           other_token=make.token(v2), developer_token=make.token(dev))
