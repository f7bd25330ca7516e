"""Who is calling: HTTP Basic or bearer credentials to a policy ``Principal``.

Checking secrets belongs to ``tearline.security.credentials``
(``authenticate_basic`` / ``authenticate_bearer``); this module only reads the
header and answers 401 with ``WWW-Authenticate`` (429 when locked out) when
it cannot. Lockouts and auditing of failures live in
``tearline.security.login_guard``, shared with the REST API.
"""

from __future__ import annotations

from sqlalchemy import Engine

from tearline.share.policy import Principal

from ._media import WWW_AUTHENTICATE, TaxiiError


def _unauthorized(why: str) -> TaxiiError:
    return TaxiiError(401, "Unauthorized", why, {"WWW-Authenticate": WWW_AUTHENTICATE})


def cached(authorization: str | None) -> Principal | None:
    """Kept for callers; principals are no longer cached (see ``authenticate``)."""
    del authorization
    return None


def authenticate(engine: Engine, authorization: str | None,
                 address: str = "-") -> Principal:
    """The principal behind an Authorization header, or a 401/429 error naming what was wrong.

    Not cached: a revoked token, a disabled user or a removed partner is refused
    on the very next request. Paging stays cheap because a bearer check is one
    indexed read and successful password checks are cached by
    ``security.credentials`` (keyed by the stored hash, so a change voids them).
    Takes the engine, not a connection: ``login_guard`` checks out the one
    connection its lockout counts and secret check share.
    """
    from tearline.security.login_guard import LoginRefused, authenticate_header

    try:
        return authenticate_header(engine, authorization, address)
    except LoginRefused as exc:
        if exc.status == 429:
            raise TaxiiError(429, "Too Many Requests", exc.message,
                             {"Retry-After": str(exc.retry_after or 1)}) from None
        raise _unauthorized(exc.message) from None


def forget_cached() -> None:
    """Nothing to forget any more: kept so older callers still work."""
