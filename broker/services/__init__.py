"""Business rules. Views (web and API) call these; each owns its transaction."""
