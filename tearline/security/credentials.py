"""Secrets for people and partner services, and turning them back into principals.

Two kinds of secret, stored two ways on purpose:

* **Passwords** (HTTP Basic) are chosen by people and may be guessable, so they
  are stored as salted scrypt (``scrypt$n$r$p$salt$hash``). Verifying one costs
  tens of milliseconds, which is the point; a small in-process cache of
  *successful* checks, keyed by the stored hash and the offered password, keeps
  a client that pages through a large TAXII collection from paying it on every
  request. Changing the password changes the stored hash, which voids the cache.
  ``pbkdf2_sha256$iterations$salt$hash`` is accepted too (the TAXII seam's format).
* **Bearer tokens** are 256 random bits we generate (``tl_…``). Nothing can
  guess them, so a slow hash would buy nothing; one SHA-256 is stored and used
  as the lookup key, which makes a bearer check one indexed read.

Where they live: a user's password in ``users.password_hash`` and tokens in
``api_tokens``; a partner's in ``partners.credentials`` as
``{"basic": [{"username", "password_hash"}], "tokens": [{"sha256", "label",
"created_at"}]}`` (plain SHA-256 strings in ``tokens`` are read too). Secrets
are shown once, when issued, and never stored or logged in the clear.

Partner logins use the partner code as the user name unless another was set;
a user name may not equal a partner code, so a Basic login is never ambiguous.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from tearline.errors import ConfigError
from tearline.model.principal import Principal, Tier
from tearline.security.audit import record_now
from tearline.store.fixed import FixedStatement
from tearline.store.schema import ApiToken, Partner, User

TOKEN_PREFIX = "tl_"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_CACHE_MAX = 2048
_verified: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()


# -- hashing -----------------------------------------------------------------
def hash_password(password: str) -> str:
    """A salted scrypt hash of a password, self-describing so parameters can change."""
    if not password:
        raise ConfigError("a password may not be empty")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R,
                            p=_SCRYPT_P, maxmem=64 * 1024 * 1024)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def _compute(password: str, stored: str) -> bool:
    parts = stored.split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(parts[4]), n=n, r=r,
                                 p=p, maxmem=128 * 1024 * 1024)
            return hmac.compare_digest(got.hex(), parts[5])
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(parts[2]),
                                      int(parts[1]))
            return hmac.compare_digest(got.hex(), parts[3])
    except (ValueError, MemoryError):
        return False
    return False


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check of a password against a stored hash (None never matches)."""
    if not stored or not password:
        return False
    key = hashlib.sha256(f"{stored}\x00{password}".encode()).hexdigest()
    with _lock:
        if key in _verified:
            _verified.move_to_end(key)
            return True
    if not _compute(password, stored):
        return False
    with _lock:
        _verified[key] = None
        while len(_verified) > _CACHE_MAX:
            _verified.popitem(last=False)
    return True


def new_token() -> str:
    """A fresh bearer token: 256 random bits, URL-safe, recognisable by its prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored for a token (see the module docstring for why SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


# -- principals from rows ------------------------------------------------------
def _user_principal(rec: Any) -> Principal:
    return Principal.user(rec.username, clearance=rec.clearance,
                          compartments=frozenset(rec.compartments or ()),
                          roles=frozenset(rec.roles or ()))


def principal_for_user(conn: Connection, username: str) -> Principal | None:
    """The principal of an enabled local user, with clearance, compartments and roles."""
    rec = conn.execute(select(User).where(User.username == username)).first()
    if rec is None or rec.disabled_at is not None:
        return None
    return _user_principal(rec)


def principal_for_partner(conn: Connection, code: str) -> Principal | None:
    """The principal of a partner service at its current tier (tier changes apply at once)."""
    row = conn.execute(select(Partner.tier, Partner.credentials)
                       .where(Partner.code == code)).first()
    return None if row is None else _partner_principal(code, row.tier, row.credentials)


def _partner_principal(code: str, tier: str, creds: dict[str, Any] | None) -> Principal | None:
    if (creds or {}).get("removed_at"):
        return None  # removed by `tearline partners remove`
    try:
        return Principal.partner(code, Tier(tier))
    except ValueError:
        return None  # an unknown tier stored by hand: refuse rather than guess


# -- authentication ------------------------------------------------------------
_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown names so they cost the same time."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def authenticate_basic(conn: Connection, username: str, password: str) -> Principal | None:
    """The principal for a Basic login (a user, else a partner), or None.

    Every refusal costs one full password check (against a dummy hash when the
    name is unknown or disabled), so timing does not tell names apart.
    """
    if not username or not password:
        verify_password(password or "-", _dummy_hash())
        return None
    # Statements built once: this runs before every request a Basic caller makes,
    # TAXII pages included, and building them was most of its cost.
    rec = _user_login().first(conn, {"name": username})
    if rec is not None:
        ok = verify_password(password, rec.password_hash or _dummy_hash())
        return _user_principal(rec) if ok and rec.disabled_at is None else None
    for code, creds, tier in _partner_logins().rows(conn):
        for entry in (creds or {}).get("basic", []):
            if not isinstance(entry, dict):
                continue
            if entry.get("username", code) == username:
                if verify_password(password, entry.get("password_hash") or _dummy_hash()):
                    return _partner_principal(code, tier, creds)
                return None
    verify_password(password, _dummy_hash())
    return None


@functools.cache
def _user_login() -> FixedStatement:
    """The columns a Basic login reads of one user (``name`` bound)."""
    return FixedStatement(
        select(User.username, User.password_hash, User.disabled_at, User.clearance,
               User.compartments, User.roles).where(User.username == bindparam("name")),
        named=True)


@functools.cache
def _partner_logins() -> FixedStatement:
    return FixedStatement(select(Partner.code, Partner.credentials, Partner.tier))


def authenticate_bearer(conn: Connection, token: str) -> Principal | None:
    """The principal a bearer token was issued to, or None (unknown or revoked)."""
    if not token:
        return None
    digest = token_digest(token)
    row = conn.execute(select(ApiToken.username, ApiToken.revoked_at)
                       .where(ApiToken.token_sha256 == digest)).first()
    if row is not None:
        return principal_for_user(conn, row.username) if row.revoked_at is None else None
    for code, creds in conn.execute(select(Partner.code, Partner.credentials)):
        for entry in (creds or {}).get("tokens", []):
            stored = entry.get("sha256") if isinstance(entry, dict) else entry
            if isinstance(stored, str) and hmac.compare_digest(stored, digest):
                if isinstance(entry, dict) and entry.get("revoked_at"):
                    return None
                return principal_for_partner(conn, code)
    return None


# -- issuing -------------------------------------------------------------------
def _partner_creds(conn: Connection, code: str) -> dict[str, Any]:
    creds = conn.execute(select(Partner.credentials).where(Partner.code == code)).scalar()
    if creds is None:
        raise ConfigError(f"no partner with code {code!r}; list them with `tearline partners list`")
    return dict(creds)


def set_user_password(conn: Connection, username: str, password: str, *, actor: str) -> None:
    """Set or replace a user's Basic password (stored hashed; audited, secret not logged)."""
    done = conn.execute(update(User).where(User.username == username)
                        .values(password_hash=hash_password(password)))
    if not done.rowcount:
        raise ConfigError(f"no user named {username!r}; add one with `tearline users add`")
    record_now(conn, actor, "credential.password", "user", username)


def issue_user_token(conn: Connection, username: str, *, actor: str, label: str = "") -> str:
    """Issue a bearer token for a user; returns it (the only time it is visible)."""
    if principal_for_user(conn, username) is None:
        raise ConfigError(f"no enabled user named {username!r}; add one with `tearline users add`")
    token = new_token()
    conn.execute(insert(ApiToken).values(
        token_sha256=token_digest(token), username=username, label=label, created_at=_now()))
    record_now(conn, actor, "credential.token", "user", username, label=label,
               token_id=token_digest(token)[:12])
    return token


def set_partner_password(conn: Connection, code: str, password: str, *, actor: str,
                         username: str | None = None) -> str:
    """Set the partner's Basic login (user name defaults to its code); returns the user name."""
    login = username or code
    clash = conn.execute(select(User.username).where(User.username == login)).scalar()
    if clash is not None:
        raise ConfigError(f"{login!r} is already a local user's name; pick another login")
    creds = _partner_creds(conn, code)
    basic = [e for e in creds.get("basic", []) if isinstance(e, dict)
             and e.get("username", code) != login]
    basic.append({"username": login, "password_hash": hash_password(password)})
    creds["basic"] = basic
    conn.execute(update(Partner).where(Partner.code == code).values(credentials=creds))
    record_now(conn, actor, "credential.password", "partner", code, username=login)
    return login


def issue_partner_token(conn: Connection, code: str, *, actor: str, label: str = "") -> str:
    """Issue a bearer token for a partner service; returns it (shown once)."""
    creds = _partner_creds(conn, code)
    token = new_token()
    entry = {"sha256": token_digest(token), "label": label, "created_at": _now().isoformat()}
    creds["tokens"] = [*creds.get("tokens", []), entry]
    conn.execute(update(Partner).where(Partner.code == code).values(credentials=creds))
    record_now(conn, actor, "credential.token", "partner", code, label=label,
               token_id=entry["sha256"][:12])
    return token


def revoke_token(conn: Connection, token: str, *, actor: str) -> bool:
    """Revoke a token wherever it was issued; True when one was found."""
    digest = token_digest(token)
    done = conn.execute(update(ApiToken).where(ApiToken.token_sha256 == digest,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=_now()))
    if done.rowcount:
        record_now(conn, actor, "credential.revoke", "token", digest[:12])
        return True
    for code, creds in conn.execute(select(Partner.code, Partner.credentials)).all():
        tokens = list((creds or {}).get("tokens", []))
        for i, entry in enumerate(tokens):
            stored = entry.get("sha256") if isinstance(entry, dict) else entry
            if stored == digest:
                tokens[i] = {**(entry if isinstance(entry, dict) else {"sha256": entry}),
                             "revoked_at": _now().isoformat()}
                conn.execute(update(Partner).where(Partner.code == code)
                             .values(credentials={**creds, "tokens": tokens}))
                record_now(conn, actor, "credential.revoke", "partner", code,
                           token_id=digest[:12])
                return True
    return False


def public_credentials(creds: dict[str, Any] | None) -> dict[str, Any]:
    """What may be shown about stored credentials: logins and token labels, no hashes."""
    creds = creds or {}
    return {
        "basic": [e.get("username") for e in creds.get("basic", []) if isinstance(e, dict)],
        "tokens": [{"id": (e.get("sha256") or "")[:12], "label": e.get("label", ""),
                    "created_at": e.get("created_at"), "revoked": bool(e.get("revoked_at"))}
                   if isinstance(e, dict) else {"id": str(e)[:12], "label": "", "revoked": False}
                   for e in creds.get("tokens", [])],
        "outbound": {k: v for k, v in (creds.get("outbound") or {}).items()
                     if k in ("username", "secret_env")},
    }
