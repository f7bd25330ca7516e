"""Taking access away: disabling users, revoking their tokens, removing partners.

Every path rebuilds its principal from the database on each request (REST,
TAXII) or each command (CLI), so what these functions write is effective on
the very next request. Nothing is deleted: a disabled user keeps their name
in the audit log and their decisions, and a removed partner keeps its
releases on record; both simply cannot authenticate any more.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tearline.errors import ConfigError
from tearline.security.audit import record_now
from tearline.store.schema import ApiToken, Partner, User

__all__ = ["disable_user", "is_removed", "remove_partner", "revoke_user_tokens"]


def revoke_user_tokens(conn: Connection, username: str, *, actor: str) -> int:
    """Revoke every active token of a user; returns how many."""
    if conn.execute(select(User.username).where(User.username == username)).scalar() is None:
        raise ConfigError(f"no user named {username!r}; list them with `tearline users list`")
    done = conn.execute(update(ApiToken).where(ApiToken.username == username,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))
    n = int(done.rowcount or 0)
    record_now(conn, actor, "credential.revoke", "user", username, tokens=n)
    return n


def disable_user(conn: Connection, username: str, *, actor: str) -> dict[str, Any]:
    """Disable a user (password and tokens stop working at once); refuses the last admin."""
    from tearline.security.users import user_to_dict

    rec = conn.execute(select(User).where(User.username == username)).first()
    if rec is None:
        raise ConfigError(f"no user named {username!r}; list them with `tearline users list`")
    if rec.disabled_at is None and "admin" in (rec.roles or []):
        admins = [u for u, roles, off in conn.execute(
            select(User.username, User.roles, User.disabled_at))
            if off is None and "admin" in (roles or []) and u != username]
        if not admins:
            raise ConfigError(f"{username!r} is the last enabled admin; add another admin "
                              "before disabling this one")
    if rec.disabled_at is None:
        conn.execute(update(User).where(User.username == username)
                     .values(disabled_at=datetime.now(UTC)))
        conn.execute(update(ApiToken).where(ApiToken.username == username,
                                            ApiToken.revoked_at.is_(None))
                     .values(revoked_at=datetime.now(UTC)))
        record_now(conn, actor, "user.disable", "user", username)
    row = conn.execute(select(User).where(User.username == username)).first()
    return user_to_dict(row)


def is_removed(credentials: dict[str, Any] | None) -> bool:
    """True for a partner that was removed (its credentials are void)."""
    return bool((credentials or {}).get("removed_at"))


def remove_partner(conn: Connection, code: str, *, actor: str,
                   reason: str | None = None) -> dict[str, Any]:
    """Remove a partner: its logins and tokens are dropped, its TAXII endpoint forgotten.

    The row stays (releases and the audit log refer to it) with a removal mark
    that ``credentials.principal_for_partner`` refuses.
    """
    from tearline.share.partners import get_partner

    creds = conn.execute(select(Partner.credentials).where(Partner.code == code)).first()
    if creds is None:
        raise ConfigError(f"no partner with code {code!r}; list them with "
                          "`tearline partners list`")
    if not is_removed(creds[0]):
        conn.execute(update(Partner).where(Partner.code == code).values(
            credentials={"removed_at": datetime.now(UTC).isoformat(), "removed_by": actor},
            taxii_url=None))
        record_now(conn, actor, "partner.remove", "partner", code, reason=reason)
    item = get_partner(conn, code)
    assert item is not None
    return item
