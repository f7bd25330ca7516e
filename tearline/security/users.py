"""Local users: who they are, what they are cleared for, what they may do.

Roles gate actions (``admin`` manages partners and users, ``approver`` releases
objects to partners, ``analyst`` reads); clearance and need-to-know
compartments gate what a user may *see*, through the one policy function.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from tearline.errors import ConfigError
from tearline.security.audit import record_now
from tearline.security.credentials import hash_password
from tearline.share.policy import CLASSIFICATION_ORDER, COMPARTMENT_PREFIX
from tearline.store.schema import Partner, User

ROLES = ("admin", "approver", "analyst")


def _clean_roles(roles: Iterable[str]) -> list[str]:
    out = sorted({r.strip().lower() for r in roles if r.strip()})
    bad = [r for r in out if r not in ROLES]
    if bad:
        raise ConfigError(f"unknown role(s) {bad!r}; expected some of {list(ROLES)!r}")
    return out


def _clean_compartments(compartments: Iterable[str]) -> list[str]:
    out = []
    for c in compartments:
        c = c.strip()
        if not c:
            continue
        out.append(c if c.startswith(COMPARTMENT_PREFIX) else COMPARTMENT_PREFIX + c)
    return sorted(set(out))


def add_user(conn: Connection, username: str, *, actor: str, display_name: str | None = None,
             roles: Iterable[str] = ("analyst",), clearance: str = "UNCLASSIFIED",
             compartments: Iterable[str] = (), password: str | None = None) -> dict[str, Any]:
    """Create a local user; refuses names already used by a user or a partner login."""
    username = username.strip()
    if not username or ":" in username:
        raise ConfigError(f"user name {username!r} must be non-empty and contain no ':' "
                          "(HTTP Basic splits on it)")
    if clearance not in CLASSIFICATION_ORDER:
        raise ConfigError(f"clearance {clearance!r} is not one of {list(CLASSIFICATION_ORDER)!r}")
    if conn.execute(select(User.username).where(User.username == username)).scalar():
        raise ConfigError(f"user {username!r} already exists")
    for code, creds in conn.execute(select(Partner.code, Partner.credentials)):
        logins = {e.get("username", code) for e in (creds or {}).get("basic", [])
                  if isinstance(e, dict)}
        if username == code or username in logins:
            raise ConfigError(f"{username!r} is a partner's login; pick another user name")
    row = {
        "username": username, "display_name": display_name or username,
        "roles": _clean_roles(roles), "compartments": _clean_compartments(compartments),
        "clearance": clearance, "password_hash": hash_password(password) if password else None,
        "created_at": datetime.now(UTC), "disabled_at": None,
    }
    conn.execute(insert(User).values(**row))
    record_now(conn, actor, "user.create", "user", username, roles=row["roles"],
               clearance=clearance, compartments=row["compartments"])
    return user_to_dict(row)


def user_to_dict(row: Any) -> dict[str, Any]:
    """A user as the API and CLI show it (never the password hash)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {"username": get("username"), "display_name": get("display_name"),
            "roles": list(get("roles") or []), "clearance": get("clearance"),
            "compartments": list(get("compartments") or []),
            "has_password": bool(get("password_hash")),
            "disabled": get("disabled_at") is not None}


def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [user_to_dict(r) for r in conn.execute(select(User).order_by(User.username))]
