"""The reports' market scenario (a closed period with rounds), reused by the log's tests."""
from tests.reports.conftest import scenario  # noqa: F401 (pytest fixture; `market` is tests/conftest.py's)
