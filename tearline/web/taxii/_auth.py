"""Who is calling: HTTP Basic or bearer credentials to a policy ``Principal``.

Checking secrets belongs to ``tearline.security.credentials``
(``authenticate_basic`` / ``authenticate_bearer``); this module only reads the
header, answers 401 with ``WWW-Authenticate`` when it cannot, and caches the
principal for a short time, keyed by a hash of the header. The cache matters
for paging: a client walking 100,000 objects a page at a time would otherwise
pay a slow password hash, or at least a database round trip, per page. A
revoked secret stops working when its cache entry expires (``forget_cached``
drops them at once).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time

from sqlalchemy import Connection

from tearline.security.credentials import authenticate_basic, authenticate_bearer
from tearline.share.policy import Principal

from ._media import WWW_AUTHENTICATE, TaxiiError

_CACHE_SECONDS = 60.0
_CACHE_MAX = 1024
_cache: dict[str, tuple[float, Principal]] = {}
_lock = threading.Lock()


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
    principal: Principal | None = None
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _unauthorized("the Basic credentials are not valid base64") from exc
        principal = authenticate_basic(conn, user, password)
    elif scheme.lower() == "bearer":
        principal = authenticate_bearer(conn, value.strip())
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
