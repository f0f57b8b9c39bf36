"""Email: the transport chosen by ``MAIL_URL`` and the outbox that turns notifications into
mail (``broker.mail.outbox``; its scheduled job is registered by ``register_jobs``)."""
