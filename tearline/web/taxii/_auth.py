"""Who is calling: HTTP Basic or bearer credentials to a policy ``Principal``.

Checking secrets belongs to ``tearline.security.credentials``
(``authenticate_basic`` / ``authenticate_bearer``); this module reads the
header and answers 401 with ``WWW-Authenticate`` when it cannot.

The principal is rebuilt from the database on *every* request, so a tier
change, a new clearance, a disabled account or a revoked token applies to the
next request, exactly as over REST (issue 9, finding 6). Only the slow part is
remembered: a Basic password that verified against a stored scrypt hash is not
hashed again while that stored hash is unchanged, so a client paging through
100,000 objects pays one cheap lookup per page rather than one scrypt. A new
password, a removed login or a disabled account changes or removes the stored
hash, and the remembered check no longer matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading

from sqlalchemy import Connection, select

from tearline.security.credentials import (
    authenticate_basic,
    authenticate_bearer,
    principal_for_partner,
    principal_for_user,
)
from tearline.share.policy import Principal
from tearline.store.schema import Partner, User

from ._media import WWW_AUTHENTICATE, TaxiiError

_CACHE_MAX = 1024
#: sha256(Authorization header) -> the stored password hash it verified against.
_verified: dict[str, str] = {}
_lock = threading.Lock()


def _unauthorized(why: str) -> TaxiiError:
    return TaxiiError(401, "Unauthorized", why, {"WWW-Authenticate": WWW_AUTHENTICATE})


def _stored_secret(conn: Connection, username: str) -> tuple[str, str, str] | None:
    """(kind, id, stored password hash) for a Basic user name, as it stands now."""
    rec = conn.execute(select(User.password_hash, User.disabled_at)
                       .where(User.username == username)).first()
    if rec is not None:
        if rec.disabled_at is not None or not rec.password_hash:
            return None
        return "user", username, str(rec.password_hash)
    for code, creds in conn.execute(select(Partner.code, Partner.credentials)):
        for entry in (creds or {}).get("basic", []):
            if isinstance(entry, dict) and entry.get("username", code) == username:
                stored = entry.get("password_hash")
                return ("partner", code, stored) if isinstance(stored, str) else None
    return None


def _basic(conn: Connection, header_key: str, value: str) -> Principal | None:
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _unauthorized("the Basic credentials are not valid base64 of 'user:password'") \
            from exc
    if "\x00" in user or "\x00" in password:
        return None  # no stored name holds a NUL (and PostgreSQL text cannot)
    secret = _stored_secret(conn, user)
    if secret is None:
        return None
    kind, ident, stored = secret
    with _lock:
        remembered = _verified.get(header_key)
    if remembered != stored:
        principal = authenticate_basic(conn, user, password)
        if principal is None:
            return None
        with _lock:
            if len(_verified) >= _CACHE_MAX:
                _verified.clear()
            _verified[header_key] = stored
        return principal
    return principal_for_user(conn, ident) if kind == "user" else principal_for_partner(conn,
                                                                                         ident)


def authenticate(conn: Connection, authorization: str | None) -> Principal:
    """The principal behind an Authorization header now, or a 401 naming what was wrong."""
    if not authorization:
        raise _unauthorized("send HTTP Basic or bearer credentials")
    scheme, _, value = authorization.partition(" ")
    principal: Principal | None
    if scheme.lower() == "basic":
        key = hashlib.sha256(authorization.encode("utf-8", "surrogateescape")).hexdigest()
        principal = _basic(conn, key, value)
    elif scheme.lower() == "bearer":
        token = value.strip()
        principal = None if "\x00" in token else authenticate_bearer(conn, token)
    else:
        raise _unauthorized(f"unsupported authorization scheme {scheme!r}; use Basic or Bearer")
    if principal is None:
        raise _unauthorized("unknown user, partner or token, a wrong secret, or a disabled "
                            "account")
    return principal


def forget_cached() -> None:
    """Drop remembered password checks (they also lapse by themselves when a hash changes)."""
    with _lock:
        _verified.clear()
