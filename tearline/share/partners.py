"""Partner services: who they are, how far we trust them, how we reach them.

A partner's tier is the one fact the policy function reads; everything else
here (contact channels, TAXII endpoint, outbound credentials) is for people
and for federation. Changing a tier is an audited decision, effective on the
partner's next request because principals are rebuilt from this table.

Outbound credentials (to pull from the partner's own TAXII server) are never
stored: the record names the environment variable that holds the secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Connection, select, update

from tearline import settings
from tearline.errors import ConfigError
from tearline.security.audit import record_now
from tearline.security.credentials import public_credentials
from tearline.share.policy import PARTNER_CODE_RE, Tier
from tearline.store.schema import Partner, User

#: Ways to reach a partner's duty officer; values are free text (address, number…).
CHANNEL_KINDS = ("email", "phone", "liaison", "secure-fax", "taxii", "other")


def clean_code(code: str) -> str:
    """Upper-case and check a partner code against the REL TO pattern."""
    value = (code or "").strip().upper()
    if not PARTNER_CODE_RE.match(value):
        raise ConfigError(f"partner code {code!r} must be 2-16 of A-Z, 0-9 or '-' "
                          "(it is what REL TO lists name)")
    return value


def clean_tier(tier: str) -> Tier:
    try:
        return Tier(tier.strip().lower())
    except ValueError:
        raise ConfigError(f"tier {tier!r} is not one of {[t.value for t in Tier]!r}") from None


def clean_channels(channels: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, value in (channels or {}).items():
        if kind not in CHANNEL_KINDS:
            raise ConfigError(f"contact channel {kind!r} is not one of {list(CHANNEL_KINDS)!r}")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"contact channel {kind!r} needs a non-empty text value")
        out[kind] = value.strip()
    return out


def clean_taxii_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"TAXII endpoint {url!r} must be an http(s) URL of an API root")
    return url if url.endswith("/") else url + "/"


def create_partner(conn: Connection, code: str, name: str, tier: str, *, actor: str,
                   country: str | None = None, service: str | None = None,
                   channels: Mapping[str, Any] | None = None, taxii_url: str | None = None,
                   outbound_username: str | None = None,
                   outbound_secret_env: str | None = None) -> dict[str, Any]:
    """Register a partner service at a tier; audited."""
    code = clean_code(code)
    if not name or not name.strip():
        raise ConfigError("a partner needs a name")
    if conn.execute(select(Partner.code).where(Partner.code == code)).scalar():
        raise ConfigError(f"partner {code!r} already exists; change it with set-tier or update")
    if conn.execute(select(User.username).where(User.username == code)).scalar():
        raise ConfigError(f"{code!r} is a local user's name; a partner code must differ")
    creds: dict[str, Any] = {}
    if outbound_username or outbound_secret_env:
        creds["outbound"] = {"username": outbound_username, "secret_env": outbound_secret_env}
    row = {
        "code": code, "name": name.strip(), "country": (country or None),
        "service": service or None, "tier": clean_tier(tier).value,
        "channels": clean_channels(channels), "taxii_url": clean_taxii_url(taxii_url),
        "credentials": creds, "created_at": datetime.now(UTC),
    }
    conn.execute(Partner.__table__.insert().values(**row))
    record_now(conn, actor, "partner.create", "partner", code, tier=row["tier"])
    return partner_to_dict(row)


_UPDATABLE = ("name", "country", "service", "tier", "channels", "taxii_url")


def update_partner(conn: Connection, code: str, *, actor: str, reason: str | None = None,
                   **changes: Any) -> dict[str, Any]:
    """Change a partner's details or tier; the old and new values are audited."""
    code = clean_code(code)
    current = get_partner(conn, code)
    if current is None:
        raise ConfigError(f"no partner with code {code!r}; list them with `tearline partners list`")
    unknown = set(changes) - set(_UPDATABLE)
    if unknown:
        raise ConfigError(f"cannot change {sorted(unknown)!r}; changeable: {list(_UPDATABLE)!r}")
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "tier":
            value = clean_tier(value).value
        elif key == "channels":
            value = clean_channels(value)
        elif key == "taxii_url":
            value = clean_taxii_url(value)
        values[key] = value
    if not values:
        return current
    conn.execute(update(Partner).where(Partner.code == code).values(**values))
    record_now(conn, actor, "partner.update", "partner", code, reason=reason,
               before={k: current.get(k) for k in values}, after=values)
    updated = get_partner(conn, code)
    assert updated is not None
    return updated


def set_tier(conn: Connection, code: str, tier: str, *, actor: str,
             reason: str | None = None) -> dict[str, Any]:
    """Move a partner to another trust tier (a recorded decision, never silent)."""
    return update_partner(conn, code, actor=actor, reason=reason, tier=tier)


def get_partner(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(select(Partner.__table__).where(Partner.code == code)).mappings().first()
    return partner_to_dict(row) if row else None


def list_partners(conn: Connection, tier: str | None = None) -> list[dict[str, Any]]:
    q = select(Partner.__table__).order_by(Partner.code)
    if tier:
        q = q.where(Partner.tier == clean_tier(tier).value)
    return [partner_to_dict(r) for r in conn.execute(q).mappings()]


def partner_to_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A partner as shown to admins: secrets reduced to logins and token labels."""
    created = row.get("created_at")
    return {
        "code": row["code"], "name": row["name"], "country": row.get("country"),
        "service": row.get("service"), "tier": row["tier"],
        "channels": dict(row.get("channels") or {}), "taxii_url": row.get("taxii_url"),
        "credentials": public_credentials(row.get("credentials")),
        "created_at": created.isoformat() if isinstance(created, datetime) else created,
    }


def outbound_credentials(conn: Connection, code: str) -> tuple[str, str] | None:
    """(username, secret) for pulling from the partner's TAXII server, or None.

    The secret is read from the environment variable the record names, so it is
    never in the database; federation sync calls this.
    """
    creds = conn.execute(select(Partner.credentials).where(Partner.code == code)).scalar()
    out = (creds or {}).get("outbound") or {}
    env = out.get("secret_env")
    secret = settings.secret_from_env(env) if env else None
    if not secret:
        return None
    return out.get("username") or "", secret
