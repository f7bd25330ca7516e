"""Who the command line is acting as, and what each command needs.

The CLI acts as a named local user identified by a bearer token
(``TEARLINE_TOKEN``, or the file named by ``TEARLINE_TOKEN_FILE``): the same
tokens the REST API accepts, so roles, clearance and revocation mean the same
thing on every path, and the audit log records that user, never a name typed
on the command line.

Set-up mode: a database with no users at all is being set up by whoever holds
the file, who acts as the owning agency (``local_owner``) until the first user
exists; that first user must be an admin, and is shown a token at once. From
then on every command needs a token.

Roles: ``guard_commands`` wraps every registered command so the role check
runs before the command body, from the one table ``COMMAND_ROLES`` (a command
not listed needs only a valid token). Commands may still ask
``Ctx.principal(role)`` themselves for finer rules.
"""

from __future__ import annotations

from functools import wraps
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Connection, func, select

from tearline.errors import PolicyError
from tearline.model.principal import Principal, PrincipalKind, local_owner
from tearline.security.credentials import authenticate_bearer
from tearline.store.schema import User

__all__ = ["COMMAND_ROLES", "cli_principal", "guard_commands", "in_setup_mode", "require_role"]

ANALYST, APPROVER, ADMIN = ("analyst",), ("approver",), ("admin",)

#: The roles each command needs (any one of them). Reads need only a token.
COMMAND_ROLES: dict[str, tuple[str, ...]] = {
    "ingest": ANALYST, "fuse": ANALYST, "actor confirm": ANALYST, "actor merge": ANALYST,
    "actor split": ANALYST, "assess": ANALYST, "ach": ANALYST,
    "release": APPROVER,
    "users": ADMIN, "partners": ADMIN, "audit": ADMIN, "serve": ADMIN, "sync": ADMIN,
    "demo": ADMIN, "insider": ADMIN,
}
#: Commands that never ask who is acting (the schema may not be readable yet).
_NO_PRINCIPAL = {"db", "db upgrade"}


def in_setup_mode(conn: Connection) -> bool:
    """True while the database has no users at all (see the module docstring)."""
    return not conn.execute(select(func.count()).select_from(User)).scalar()


def cli_principal(conn: Connection, token: str | None) -> Principal:
    """The principal a CLI invocation acts as; refuses a missing, unknown or revoked token."""
    if token:
        principal = authenticate_bearer(conn, token)
        if principal is None or principal.kind is not PrincipalKind.USER:
            raise PolicyError("the CLI token (TEARLINE_TOKEN / TEARLINE_TOKEN_FILE) is unknown, "
                              "revoked, or not a local user's; ask an admin for one "
                              "('tearline users token NAME')")
        return principal
    if in_setup_mode(conn):
        return local_owner()
    raise PolicyError("this database has users, so the CLI needs to know who you are: set "
                      "TEARLINE_TOKEN (or TEARLINE_TOKEN_FILE) to your token; an admin issues "
                      "one with 'tearline users token NAME'")


def require_role(principal: Principal, *roles: str) -> None:
    """Refuse unless the principal holds one of ``roles`` (a sentence naming what is needed)."""
    if roles and not (set(roles) & set(principal.roles)):
        raise PolicyError(f"{principal.id!r} may not do this: it needs the role "
                          f"{' or '.join(repr(r) for r in roles)}, and has "
                          f"{sorted(principal.roles) or 'none'}")


def _roles_for(path: str) -> tuple[str, ...] | None:
    """The roles for a command path like 'users add' (longest listed prefix), None = exempt."""
    if path in _NO_PRINCIPAL:
        return None
    parts = path.split()
    for n in range(len(parts), 0, -1):
        roles = COMMAND_ROLES.get(" ".join(parts[:n]))
        if roles is not None:
            return roles
    return ()


def _no_database_yet(obj: Any) -> bool:
    """True when ``--db`` names a SQLite file that does not exist yet."""
    url = str(getattr(obj, "db_url", ""))
    if not url.startswith("sqlite:///"):
        return False
    path = url.removeprefix("sqlite:///")
    return path not in ("", ":memory:") and not Path(path).exists()


def _guard(command: click.Command, path: str) -> None:
    roles = _roles_for(path)
    callback = command.callback
    if roles is None or callback is None or getattr(callback, "_tearline_guarded", False):
        return

    @wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        obj = ctx.find_root().obj
        if _no_database_yet(obj):
            # Nothing to protect and nobody to be: set-up mode. The command
            # itself decides whether it may create the file (``Ctx.may_create``).
            return callback(*args, **kwargs)
        try:
            obj.principal(*roles)
        except PolicyError as exc:
            raise click.ClickException(str(exc)) from exc
        return callback(*args, **kwargs)

    guarded._tearline_guarded = True  # type: ignore[attr-defined]
    command.callback = guarded


def guard_commands(group: click.Group, prefix: str = "") -> None:
    """Wrap every command under ``group`` with its role check (called once, at start)."""
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            guard_commands(command, path)
        else:
            _guard(command, path)


