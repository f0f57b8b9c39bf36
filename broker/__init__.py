"""Parity: a marketplace and access-fairness broker for human-data capacity.

The application factory lives in ``broker.app``; this package stays import-light so the
pure core (``broker.fairness``, report metrics) loads without Flask or a database.
"""
