"""Who is calling: HTTP Basic or bearer credentials to a policy ``Principal``.

This is a seam. Partner and user credentials belong to
``tearline.security.credentials`` (``authenticate_basic`` /
``authenticate_bearer``); when that module is importable it is used and the
fallback below is not. The fallback reads the same tables with a documented
hash format so the TAXII server and its tests work before it lands.
TODO(issue 5): delete the fallback once ``tearline.security.credentials`` is in.

Verified credentials are cached for a short time, keyed by a hash of the
Authorization header, because a password hash is deliberately slow and a
client paging through 100,000 objects would otherwise pay it on every page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from tearline.share.policy import Principal, Tier
from tearline.store.schema import Partner, User

from ._media import WWW_AUTHENTICATE, TaxiiError

_CACHE_SECONDS = 60.0
_CACHE_MAX = 1024
_cache: dict[str, tuple[float, Principal]] = {}
_lock = threading.Lock()
_ITERATIONS = 120_000

BasicSpec = Callable[[Connection, str, str], Principal | None]
BearerSpec = Callable[[Connection, str], Principal | None]


def hash_secret(secret: str, *, iterations: int = _ITERATIONS) -> str:
    """The fallback's password hash: ``pbkdf2_sha256$<iterations>$<salt>$<hash>``."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def hash_token(token: str) -> str:
    """Bearer tokens are long random strings, so one SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def _verify(secret: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("pbkdf2_sha256$"):
        return False
    try:
        _, iters, salt, digest = stored.split("$")
        got = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), int(iters))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def _fallback_basic(conn: Connection, username: str, password: str) -> Principal | None:
    rec = conn.execute(select(User.__table__).where(User.username == username)).mappings().first()
    if rec is not None:
        if rec["disabled_at"] is None and _verify(password, rec["password_hash"]):
            return Principal.user(rec["username"], clearance=rec["clearance"],
                                  compartments=frozenset(rec["compartments"] or ()),
                                  roles=frozenset(rec["roles"] or ()))
        return None
    for code, tier, creds in conn.execute(
        select(Partner.code, Partner.tier, Partner.credentials)
    ):
        for entry in (creds or {}).get("basic", []):
            if entry.get("username") == username and _verify(password, entry.get("password_hash")):
                return Principal.partner(code, Tier(tier))
    return None


def _fallback_bearer(conn: Connection, token: str) -> Principal | None:
    want = hash_token(token)
    for code, tier, creds in conn.execute(
        select(Partner.code, Partner.tier, Partner.credentials)
    ):
        if any(hmac.compare_digest(want, h) for h in (creds or {}).get("tokens", [])):
            return Principal.partner(code, Tier(tier))
    return None


def _backends() -> tuple[BasicSpec, BearerSpec]:
    try:  # the credentials module owns this once it exists
        from tearline.security import credentials as _creds  # type: ignore[attr-defined]

        return _creds.authenticate_basic, _creds.authenticate_bearer
    except (ImportError, AttributeError):
        return _fallback_basic, _fallback_bearer


def _unauthorized(why: str) -> TaxiiError:
    return TaxiiError(401, "Unauthorized", why, {"WWW-Authenticate": WWW_AUTHENTICATE})


def cached(authorization: str | None) -> Principal | None:
    """The principal for a recently verified Authorization header, without the database."""
    if not authorization:
        return None
    key = hashlib.sha256(authorization.encode()).hexdigest()
    with _lock:
        hit = _cache.get(key)
    return hit[1] if hit and hit[0] > time.monotonic() else None


def authenticate(conn: Connection, authorization: str | None) -> Principal:
    """The principal behind an Authorization header, or a 401 error naming what was wrong."""
    if not authorization:
        raise _unauthorized("send HTTP Basic or bearer credentials")
    key = hashlib.sha256(authorization.encode()).hexdigest()
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    scheme, _, value = authorization.partition(" ")
    basic, bearer = _backends()
    principal: Any = None
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _unauthorized("the Basic credentials are not valid base64") from exc
        principal = basic(conn, user, password)
    elif scheme.lower() == "bearer":
        principal = bearer(conn, value.strip())
    else:
        raise _unauthorized(f"unsupported authorization scheme {scheme!r}; use Basic or Bearer")
    if principal is None:
        raise _unauthorized("unknown user, partner or token, or a wrong secret")
    with _lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = (now + _CACHE_SECONDS, principal)
    return principal


def forget_cached() -> None:
    """Drop cached credentials (after a partner's secret is rotated or revoked)."""
    with _lock:
        _cache.clear()
