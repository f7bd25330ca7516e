"""``--as``: look at the store through someone else's eyes from the command line.

The CLI reads as the instance owner (``policy.local_owner``) unless told to
view as a partner (``--as NRD``) or a local user (``--as user:alice``), so an
analyst can check exactly what a partner would receive before releasing more.
Such a read is the signed-in user's act: the principal carries them in
``acting``, and the audit log records them as the actor with the viewed
principal in the row (``viewed_as``), so insider alerts see who really read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click
from sqlalchemy import Connection

from tearline.share.policy import Principal, actor_name, local_owner

F = TypeVar("F", bound=Callable[..., Any])

viewer_option: Callable[[F], F] = click.option(
    "--as", "viewer", metavar="PARTNER_CODE",
    help="View as this partner (or 'user:NAME' for a local user): only what the sharing "
         "policy lets them see.")


def _acting() -> Principal | None:
    """The CLI's acting user (``Ctx.principal``), when running under the ``tearline`` command."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx else None
    principal = getattr(obj, "principal", None)
    return principal() if callable(principal) else None


def resolve_viewer(conn: Connection, viewer: str | None) -> Principal:
    """The principal a ``--as`` value names, or the local owner; unknown names are errors."""
    from tearline.security.credentials import principal_for_partner, principal_for_user

    acting = _acting()
    if not viewer:
        return acting or local_owner("cli")
    if acting is not None and not {"approver", "admin"} & set(acting.roles):
        # Seeing through another's eyes could show more than one's own clearance.
        raise click.BadParameter(f"{acting.id!r} may not use --as: it needs the role "
                                 "'approver' or 'admin'", param_hint="--as")
    if viewer.startswith("user:"):
        name = viewer.removeprefix("user:")
        principal = principal_for_user(conn, name)
        if principal is None:
            raise click.BadParameter(f"no enabled local user named {name!r}; list them with "
                                     "`tearline users list`", param_hint="--as")
        return _seen_by(principal, acting)
    principal = principal_for_partner(conn, viewer.strip().upper())
    if principal is None:
        raise click.BadParameter(f"no partner with code {viewer!r}; list them with "
                                 "`tearline partners list`", param_hint="--as")
    return _seen_by(principal, acting)


def _seen_by(viewed: Principal, acting: Principal | None) -> Principal:
    """The viewed principal, marked with who is really looking (for the audit log)."""
    return replace(viewed, acting=actor_name(acting or local_owner("cli")))
