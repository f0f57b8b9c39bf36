"""Schemathesis over the broker's endpoints (requests, policy, rounds, orders, quotas,
notifications), with an operator's token: whatever it sends, the answer is never a 5xx and
always follows the documented schema."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.helpers import auth

BROKER_PATHS = r"^/api/v1/(requests|policy|rounds|orders|groups|stakes|reservations|admin|quota|notifications)"


@pytest.fixture
def broker_schema(app, make, market):
    market.offering(make.org("vendor"))
    token = make.token(make.org("operator"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema.include(path_regex=BROKER_PATHS), auth(token)


def test_no_server_errors_on_broker_endpoints(broker_schema, app):
    schema, headers = broker_schema
    failures, calls = [], []
    for op in schema.get_all_operations():
        operation = op.ok()

        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=operation.as_strategy())
        def check(case):
            case.headers = {**(case.headers or {}), **headers}
            response = case.call(app=app)
            calls.append(case.operation.label)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.body, response.status_code,
                                 response.text[:300]))

        check()
    assert failures == []
    assert len(set(calls)) >= 25  # every broker operation was exercised
