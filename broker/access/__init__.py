"""Who may do what: the caller of a request (its org, role and scopes), the scopes each role
may hold, password hashing, and the stored OAuth tokens. No Flask: services take a Principal."""
