"""A realistic, fictional market for trying Parity and for the browser tests."""
