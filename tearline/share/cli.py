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


def _actor(ctx: click.Context, *roles: str) -> str:
    """The acting user's name for the audit log (``Ctx.principal``; never typed in)."""
    name: str = ctx.find_root().obj.principal(*roles).id
    return name


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
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def partners_add(ctx: click.Context, code: str, name: str, tier: str, country: str | None,
                 service: str | None, channels: tuple[str, ...], taxii_url: str | None,
                 outbound_user: str | None, outbound_secret_env: str | None,
                 as_json: bool) -> None:
    """Register a partner service at a trust tier."""
    from tearline.share.partners import create_partner

    ctx.find_root().obj.may_create = True  # setting up an instance creates it
    actor = _actor(ctx, "admin")
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
@click.pass_context
def partners_set_tier(ctx: click.Context, code: str, tier: str, reason: str) -> None:
    """Move a partner to another tier (takes effect on its next request)."""
    actor = _actor(ctx, "admin")
    from tearline.share.partners import set_tier

    with _engine(ctx).begin() as conn:
        row = _run(lambda: set_tier(conn, code, tier, actor=actor, reason=reason))
    click.echo(f"{row['code']} is now {row['tier']}")


@partners.command("token")
@click.argument("code")
@click.option("--label", default="", help="What the token is for.")
@click.option("--password", is_flag=True,
              help="Set an HTTP Basic password instead (prompted, not echoed).")
@click.pass_context
def partners_token(ctx: click.Context, code: str, label: str, password: bool) -> None:
    """Issue a bearer token for a partner (printed once), or set its Basic password."""
    actor = _actor(ctx, "admin")
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


@partners.command("remove")
@click.argument("code")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@click.pass_context
def partners_remove(ctx: click.Context, code: str, reason: str) -> None:
    """Remove a partner: its logins and tokens stop working on its next request."""
    from tearline.admin import remove_partner

    actor = _actor(ctx, "admin")
    with _engine(ctx).begin() as conn:
        _run(lambda: remove_partner(conn, code.upper(), actor=actor, reason=reason))
    click.echo(f"removed {code.upper()}; its credentials no longer work")


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
@click.pass_context
def users_add(ctx: click.Context, username: str, roles: tuple[str, ...], clearance: str,
              compartments: tuple[str, ...], display_name: str | None,
              password: bool) -> None:
    """Add a local user.

    On a new database (no users yet) the first user must be an admin; its CLI
    token is printed once, and from then on every command needs a token.
    """
    from tearline.security.credentials import issue_user_token
    from tearline.security.identity import in_setup_mode
    from tearline.security.users import add_user

    ctx.find_root().obj.may_create = True  # setting up an instance creates it
    actor = _actor(ctx, "admin")
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) \
        if password else None
    with _engine(ctx).begin() as conn:
        first = in_setup_mode(conn)
        if first and "admin" not in roles:
            raise click.ClickException("the first user of a new database must be an admin "
                                       "(add --role admin), or nobody could manage users")
        row = _run(lambda: add_user(conn, username, actor=actor, display_name=display_name,
                                    roles=roles, clearance=clearance.upper(),
                                    compartments=compartments, password=secret))
        token = issue_user_token(conn, username, actor=actor, label="first admin") \
            if first else None
    click.echo(f"added {row['username']} ({', '.join(row['roles'])}; {row['clearance']})")
    if token:
        click.echo("set-up done: every command now needs a token. This one is shown once:")
        click.echo(token)


@users.command("disable")
@click.argument("username")
@click.pass_context
def users_disable(ctx: click.Context, username: str) -> None:
    """Disable a user: their password and tokens stop working on the next request."""
    from tearline.admin import disable_user

    actor = _actor(ctx, "admin")
    with _engine(ctx).begin() as conn:
        _run(lambda: disable_user(conn, username, actor=actor))
    click.echo(f"disabled {username}; their tokens are revoked")


@users.command("revoke")
@click.argument("username")
@click.option("--token", "token", help="Revoke only this token (default: all of the user's).")
@click.pass_context
def users_revoke(ctx: click.Context, username: str, token: str | None) -> None:
    """Revoke a user's bearer tokens (all, or one with --token)."""
    from tearline.admin import revoke_user_tokens
    from tearline.security.credentials import revoke_token

    actor = _actor(ctx, "admin")
    with _engine(ctx).begin() as conn:
        if token:
            if not revoke_token(conn, token, actor=actor):
                raise click.ClickException("no active token matches; it may already be revoked")
            n = 1
        else:
            n = _run(lambda: revoke_user_tokens(conn, username, actor=actor))
    click.echo(f"revoked {n} token(s) of {username}")


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
@click.pass_context
def users_token(ctx: click.Context, username: str, label: str) -> None:
    """Issue a bearer token for a user (printed once)."""
    actor = _actor(ctx, "admin")
    from tearline.security.credentials import issue_user_token

    with _engine(ctx).begin() as conn:
        token = _run(lambda: issue_user_token(conn, username, actor=actor, label=label))
    click.echo(token)


# -- releases -----------------------------------------------------------------------
@click.command()
@click.argument("object_id")
@click.option("--to", "partner", required=True, help="Partner code.")
@click.option("--reason", help="Why (recorded in the audit).")
@click.option("--revoke", is_flag=True, help="Withdraw the active release instead.")
@click.option("--originator-consent", "consent",
              help="For a partner's intelligence released beyond its REL TO: who at the "
                   "originator agreed, when and how (recorded with the release).")
@click.pass_context
def release(ctx: click.Context, object_id: str, partner: str, reason: str | None,
            revoke: bool, consent: str | None) -> None:
    """Release OBJECT (report, STIX object, warning or thread id) to a partner."""
    from tearline.share.releases import list_releases, record_release, revoke_release

    approver = _actor(ctx, "approver")
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
