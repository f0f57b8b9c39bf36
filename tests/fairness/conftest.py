"""Hypothesis profile "fairness": 500 examples per property, no deadline.

Registered here and applied per test (``FAIRNESS``) rather than loaded globally, so the
rest of the suite keeps its own hypothesis settings.
"""
from hypothesis import HealthCheck, settings

settings.register_profile("fairness", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
