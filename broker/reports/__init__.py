"""Transparency reports: pure metrics, the period's aggregation in SQL, report building,
canonical form + digest chain + Ed25519 JWS, publication, CSV/SVG rendering, and the
``python -m broker.reports.verify`` command auditors run. See docs/reports.md."""
