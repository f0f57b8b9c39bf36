"""Schemathesis over the whole API, in-process, with real bearer tokens.

Every operation of ``/api/v1/openapi.json`` is fuzzed with valid and invalid inputs, once as
an operator (every scope) and once as a developer (its own rows, and refusals elsewhere), on
a market that has rows of every kind (tests/security/world.py). Each response must not be a
server error, must use a documented status code and content type, and its body must match
the documented schema. At least 1,000 cases run in total.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from tests.security.world import build

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation, per identity and mode: (role, mode, examples).
PLAN = (("operator", GenerationMode.POSITIVE, 8), ("operator", GenerationMode.NEGATIVE, 4),
        ("dev_a", GenerationMode.POSITIVE, 5), ("dev_a", GenerationMode.NEGATIVE, 3))
MIN_CASES = 1000


@pytest.fixture
def world(app, make, clock):
    return build(app, make, clock)


def test_api_conforms_to_its_openapi_document(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    cases = 0
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 60, "the OpenAPI document lost operations"
    for operation in operations:
        for role, mode, examples in PLAN:
            headers = world.headers(role)

            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                nonlocal cases
                cases += 1
                case.headers = {**(case.headers or {}), **headers}
                response = case.call()
                try:
                    case.validate_response(response, checks=CHECKS)
                except (AssertionError, BaseExceptionGroup) as e:  # a group of check failures
                    failures.append(f"{operation.label} as {role} ({mode.value}): {response.status_code} "
                                    f"{str(e)[:600]}\n  reproduce: {case.as_curl_command()}")

            try:
                check()
            except Unsatisfiable:  # nothing to make invalid (an operation without inputs)
                assert mode is GenerationMode.NEGATIVE
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(failures[:25])
    assert cases >= MIN_CASES, f"only {cases} cases ran"
    print(f"schemathesis: {cases} cases over {len(operations)} operations")


def test_compare_ids_beyond_the_key_range_match_nothing(client):
    # Found by the fuzzer on PostgreSQL: a 10-digit id made the integer comparison fail (500).
    r = client.get("/api/v1/offerings/compare?ids=45,7064974658,2768433812")
    assert r.status_code == 200 and r.json["items"] == []
    assert client.get("/catalog/compare?id=7064974658&id=1").status_code == 200
