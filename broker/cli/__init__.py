"""Operator commands: ``flask --app wsgi GROUP COMMAND`` (each documented by ``--help``)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from broker.cli import accounts, database, demo, mail, payments, policy, reports, rounds, scheduler, settings

    for group in (database.cli, accounts.users, accounts.clients, demo.cli, scheduler.cli,
                  settings.cli, rounds.cli, reports.cli, payments.cli, mail.cli, policy.cli):
        app.cli.add_command(group)
