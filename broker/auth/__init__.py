"""Signing in: sessions for people (password or single sign-on) and OAuth 2.0 tokens for
clients. The Flask side of identity; what a caller may do is in broker.access."""
