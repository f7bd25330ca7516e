"""CLI commands for sharing: partners, users and their credentials, releases.

Thin click shells over ``share.partners``, ``security.users``,
``security.credentials`` and ``share.releases``; registered into the main
``tearline`` group from ``COMMANDS``. Secrets are printed once, when issued.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from tearline.errors import TearlineError


def _engine(ctx: click.Context) -> Any:
    return ctx.find_root().obj.engine


def _json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _run(fn: Any) -> Any:
    try:
        return fn()
    except TearlineError as exc:
        raise click.ClickException(str(exc)) from exc


def _channels(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        kind, sep, value = v.partition("=")
        if not sep:
            raise click.BadParameter(f"{v!r} should look like KIND=VALUE, e.g. "
                                     "email=duty@partner.example", param_hint="--channel")
        out[kind.strip()] = value.strip()
    return out


# -- partners ---------------------------------------------------------------------
@click.group()
def partners() -> None:
    """Partner services, their trust tiers and credentials."""


@partners.command("list")
@click.option("--tier", help="Only partners at this tier.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def partners_list(ctx: click.Context, tier: str | None, as_json: bool) -> None:
    """List partners with their tier, contacts and TAXII endpoint."""
    from tearline.share.partners import list_partners

    with _engine(ctx).connect() as conn:
        rows = _run(lambda: list_partners(conn, tier))
    if as_json:
        _json(rows)
        return
    for p in rows:
        click.echo(f"{p['code']:<10} {p['tier']:<13} {p['name']}"
                   + (f"  ({p['country']})" if p["country"] else "")
                   + (f"  taxii={p['taxii_url']}" if p["taxii_url"] else ""))
    if not rows:
        click.echo("no partners yet; add one with `tearline partners add`")


@partners.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--tier", required=True, type=click.Choice(
    ["core", "associate", "selective", "warning-only"]))
@click.option("--country")
@click.option("--service")
@click.option("--channel", "channels", multiple=True, metavar="KIND=VALUE",
              help="Contact channel, repeatable: email=…, phone=…, liaison=…")
@click.option("--taxii-url", help="The partner's TAXII 2.1 API root (for sync).")
@click.option("--outbound-user", help="Login on the partner's TAXII server.")
@click.option("--outbound-secret-env", help="Environment variable holding that secret.")
@click.option("--by", "actor", default="cli", show_default=True, help="Recorded in the audit.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def partners_add(ctx: click.Context, code: str, name: str, tier: str, country: str | None,
                 service: str | None, channels: tuple[str, ...], taxii_url: str | None,
                 outbound_user: str | None, outbound_secret_env: str | None, actor: str,
                 as_json: bool) -> None:
    """Register a partner service at a trust tier."""
    from tearline.share.partners import create_partner

    ctx.find_root().obj.may_create = True  # setting up an instance creates it
    with _engine(ctx).begin() as conn:
        row = _run(lambda: create_partner(
            conn, code, name, tier, actor=actor, country=country, service=service,
            channels=_channels(channels), taxii_url=taxii_url,
            outbound_username=outbound_user, outbound_secret_env=outbound_secret_env))
    if as_json:
        _json(row)
    else:
        click.echo(f"added {row['code']} ({row['tier']})")


@partners.command("set-tier")
@click.argument("code")
@click.argument("tier", type=click.Choice(["core", "associate", "selective", "warning-only"]))
@click.option("--reason", required=True, help="Why (recorded with the decision).")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def partners_set_tier(ctx: click.Context, code: str, tier: str, reason: str, actor: str) -> None:
    """Move a partner to another tier (takes effect on its next request)."""
    from tearline.share.partners import set_tier

    with _engine(ctx).begin() as conn:
        row = _run(lambda: set_tier(conn, code, tier, actor=actor, reason=reason))
    click.echo(f"{row['code']} is now {row['tier']}")


@partners.command("token")
@click.argument("code")
@click.option("--label", default="", help="What the token is for.")
@click.option("--password", is_flag=True,
              help="Set an HTTP Basic password instead (prompted, not echoed).")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def partners_token(ctx: click.Context, code: str, label: str, password: bool,
                   actor: str) -> None:
    """Issue a bearer token for a partner (printed once), or set its Basic password."""
    from tearline.security.credentials import issue_partner_token, set_partner_password

    code = code.upper()
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) \
        if password else None
    with _engine(ctx).begin() as conn:
        if secret is not None:
            login = _run(lambda: set_partner_password(conn, code, secret, actor=actor))
            click.echo(f"Basic login for {code}: {login}")
            return
        token = _run(lambda: issue_partner_token(conn, code, actor=actor, label=label))
    click.echo(token)


# -- users ------------------------------------------------------------------------
@click.group()
def users() -> None:
    """Local users: roles, clearance, compartments, credentials."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, default=("analyst",), show_default=True,
              type=click.Choice(["admin", "approver", "analyst"]))
@click.option("--clearance", default="UNCLASSIFIED", show_default=True)
@click.option("--compartment", "compartments", multiple=True,
              help="Need-to-know compartment (NTK: prefix optional), repeatable.")
@click.option("--name", "display_name")
@click.option("--password", is_flag=True, help="Prompt for an HTTP Basic password.")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def users_add(ctx: click.Context, username: str, roles: tuple[str, ...], clearance: str,
              compartments: tuple[str, ...], display_name: str | None, password: bool,
              actor: str) -> None:
    """Add a local user."""
    from tearline.security.users import add_user

    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) \
        if password else None
    ctx.find_root().obj.may_create = True  # setting up an instance creates it
    with _engine(ctx).begin() as conn:
        row = _run(lambda: add_user(conn, username, actor=actor, display_name=display_name,
                                    roles=roles, clearance=clearance.upper(),
                                    compartments=compartments, password=secret))
    click.echo(f"added {row['username']} ({', '.join(row['roles'])}; {row['clearance']})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List local users."""
    from tearline.security.users import list_users

    with _engine(ctx).connect() as conn:
        rows = list_users(conn)
    if as_json:
        _json(rows)
        return
    for u in rows:
        click.echo(f"{u['username']:<16} {u['clearance']:<13} {','.join(u['roles'])}"
                   f"  {' '.join(u['compartments'])}")


@users.command("token")
@click.argument("username")
@click.option("--label", default="")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def users_token(ctx: click.Context, username: str, label: str, actor: str) -> None:
    """Issue a bearer token for a user (printed once)."""
    from tearline.security.credentials import issue_user_token

    with _engine(ctx).begin() as conn:
        token = _run(lambda: issue_user_token(conn, username, actor=actor, label=label))
    click.echo(token)


# -- releases -----------------------------------------------------------------------
@click.command()
@click.argument("object_id")
@click.option("--to", "partner", required=True, help="Partner code.")
@click.option("--by", "approver", required=True, help="The approving user (role approver).")
@click.option("--reason", help="Why (recorded in the audit).")
@click.option("--revoke", is_flag=True, help="Withdraw the active release instead.")
@click.option("--originator-consent", "consent",
              help="For a partner's intelligence released beyond its REL TO: who at the "
                   "originator agreed, when and how (recorded with the release).")
@click.pass_context
def release(ctx: click.Context, object_id: str, partner: str, approver: str,
            reason: str | None, revoke: bool, consent: str | None) -> None:
    """Release OBJECT (report, STIX object, warning or thread id) to a partner."""
    from tearline.share.releases import list_releases, record_release, revoke_release

    with _engine(ctx).begin() as conn:
        if revoke:
            active = list_releases(conn, object_id=object_id, partner_code=partner.upper())
            if not active:
                raise click.ClickException(f"no active release of {object_id!r} to "
                                           f"{partner.upper()}")
            _run(lambda: revoke_release(conn, active[0]["id"], actor=approver, reason=reason))
            click.echo(f"revoked release {active[0]['id']}")
            return
        row = _run(lambda: record_release(conn, object_id, partner.upper(),
                                          approved_by=approver, reason=reason,
                                          originator_consent=consent))
    click.echo(f"released {row['object_id']} to {row['partner']} (release {row['id']}, "
               f"approved by {row['approved_by']})")


COMMANDS: list[click.Command] = [partners, users, release]
