"""Who the command line is acting as.

The CLI acts as a named local user identified by a bearer token
(``TEARLINE_TOKEN`` or the file named by ``TEARLINE_TOKEN_FILE``), the same
tokens the REST API accepts, so roles and clearance mean the same thing on
every path. A database with no users yet is in set-up mode: the holder of the
file acts as the owning agency (``local_owner``) until the first user exists.
"""

from __future__ import annotations

from sqlalchemy import Connection

from tearline.errors import PolicyError
from tearline.model.principal import Principal, PrincipalKind, local_owner
from tearline.security.credentials import authenticate_bearer

__all__ = ["cli_principal", "require_role"]


def cli_principal(conn: Connection, token: str | None) -> Principal:
    """The principal a CLI invocation acts as; refuses an unknown or revoked token."""
    if token:
        principal = authenticate_bearer(conn, token)
        if principal is None or principal.kind is not PrincipalKind.USER:
            raise PolicyError("the CLI token (TEARLINE_TOKEN / TEARLINE_TOKEN_FILE) is unknown, "
                              "revoked, or not a local user's; issue one with "
                              "'tearline users token NAME'")
        return principal
    # Transitional (issue 14 makes a token mandatory once any user exists):
    # without a token the CLI acts as the owning agency, as it always has.
    del conn
    return local_owner()


def require_role(principal: Principal, *roles: str) -> None:
    """Refuse unless the principal holds one of ``roles`` (a sentence naming what is needed)."""
    if roles and not (set(roles) & set(principal.roles)):
        raise PolicyError(f"{principal.id!r} may not do this: it needs the role "
                          f"{' or '.join(repr(r) for r in roles)}, and has "
                          f"{sorted(principal.roles) or 'none'}")
