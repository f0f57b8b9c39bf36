"""Who is calling, and what they may do: sessions for people, OAuth 2.0 tokens for clients."""
