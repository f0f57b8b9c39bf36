"""``flask users`` and ``flask clients``: operator accounts and API clients."""
import click
from flask.cli import with_appcontext
from sqlmodel import select

from broker import db
from broker.access.roles import ALL_SCOPES
from broker.errors import ApiError
from broker.models import Org, OrgKind
from broker.services import accounts


@click.group("users", help="People who sign in to the web pages.")
def users():
    pass


@users.command("create-operator", help="Create an operator account (and the operator org if missing).")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.password_option(help="At least 12 characters; prompted for if not given.")
@with_appcontext
def create_operator(email, name, password):
    s = db.session()
    try:
        with db.transaction(s):
            org = s.exec(select(Org).where(Org.kind == OrgKind.operator)).first()
            if org is None:
                org = accounts.create_org(s, None, name="Parity operations", kind=OrgKind.operator,
                                          slug="parity-operations")
            user = accounts.create_user(s, None, org=org, email=email, password=password, name=name)
    except ApiError as e:
        raise click.ClickException(e.detail) from None
    click.echo(f"operator {user.email} created (org {org.slug})")


@click.group("clients", help="OAuth 2.0 API clients (client-credentials grant).")
def clients():
    pass


@clients.command("create", help="Create an API client for ORG_SLUG; prints its id and secret once.")
@click.argument("org_slug")
@click.option("--name", default="API client")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(sorted(ALL_SCOPES)),
              help="Repeat for several; default: every scope the org's role allows.")
@with_appcontext
def create_client(org_slug, name, scopes):
    s = db.session()
    org = s.exec(select(Org).where(Org.slug == org_slug)).first()
    if org is None:
        raise click.ClickException(f"no organisation with slug {org_slug!r}")
    try:
        with db.transaction(s):
            client, secret = accounts.create_client(s, None, org=org, name=name, scopes=list(scopes))
    except ApiError as e:
        raise click.ClickException(e.detail) from None
    click.echo(f"client_id:     {client.client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo(f"scope:         {client.scope}")
    click.echo("Store the secret now: Parity keeps only its hash.")


@clients.command("revoke", help="Revoke an API client and every token it holds.")
@click.argument("client_id")
@with_appcontext
def revoke_client(client_id):
    from broker.clock import now
    from broker.models import OAuthClient, OAuthToken
    from broker import audit

    s = db.session()
    client = s.exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None:
        raise click.ClickException(f"no client {client_id!r}")
    with db.transaction(s):
        before = audit.snapshot(client)
        client.revoked_at = now()
        s.add(client)
        for tok in s.exec(select(OAuthToken).where(OAuthToken.client_id == client_id)):
            tok.revoked = True
            s.add(tok)
        audit.record(s, None, "client.revoke", "oauth_client", client_id, before=before,
                     after=audit.snapshot(client))
    click.echo(f"client {client_id} revoked")
