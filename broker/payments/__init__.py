"""Payments: developers pay for what they receive, vendors are paid for what they deliver.

- ``service`` — the hooks the broker calls inside its transactions, and the scheduler job;
- ``ledger`` — the double-entry ledger and the per-order invariant;
- ``charges`` — checkout, invoices, payment outcomes, release of unpaid orders;
- ``payouts`` — earnings, refunds, and their release to Stripe exactly once;
- ``connect`` — vendor onboarding (Stripe Connect accounts and account links);
- ``webhooks`` — verified, de-duplicated Stripe events;
- ``stripe_gateway`` — the one place that calls the Stripe SDK (None in the embedded mode).
"""
