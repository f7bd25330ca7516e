"""Authentication with a brake: lockouts, constant-time refusals, every failure audited.

Both web paths (REST ``api_common`` and TAXII ``_auth``) call
``authenticate_header``; it parses the Authorization header, refuses at once
when the user name or the caller's address is locked out, checks the secret
through ``security.credentials``, and records a failure in
``login_attempts`` (what the lockout counts) and in the audit log.

Lockout: ``settings.login_limits()`` failures for one user name, or for one
address, within the window lock it until the window has passed since the
last failure (a 429 with ``Retry-After``). A locked name is refused without
checking the password, so guessing cannot continue, and the refusal is
audited too. A success after failures is recorded so the count restarts.

Timing: a Basic login for a name nobody has still runs one scrypt check
against a dummy hash, so "no such user" and "wrong password" take the same
time and names cannot be enumerated by timing.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Connection,
    Engine,
    String,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
)

from tearline import settings
from tearline.model.principal import Principal
from tearline.security.audit import record_now
from tearline.security.credentials import authenticate_basic, authenticate_bearer
from tearline.store.fixed import FixedStatement
from tearline.store.schema import LoginAttempt

__all__ = ["LoginRefused", "authenticate_header"]


@dataclass
class LoginRefused(Exception):
    """Authentication failed: ``status`` 401 (bad or missing) or 429 (locked out)."""

    status: int
    message: str
    retry_after: int | None = None

    def __str__(self) -> str:
        return self.message


def _parse(header: str) -> tuple[str, str, str]:
    """(scheme, user, secret) from an Authorization header; LoginRefused when malformed."""
    if "\x00" in header:
        # No stored name or secret holds a NUL, and PostgreSQL text cannot: refuse
        # before any query rather than let the driver raise.
        raise LoginRefused(401, "the credentials contain a NUL character")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True) \
                .decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise LoginRefused(401, "the Basic credentials are not valid base64 of "
                                    "'user:password'") from None
        if "\x00" in user or "\x00" in password:
            raise LoginRefused(401, "the credentials contain a NUL character")
        if not sep:
            raise LoginRefused(401, "the Basic credentials have no ':' between user and "
                                    "password")
        return "basic", user, password
    if scheme.lower() == "bearer":
        return "bearer", "", value.strip()
    raise LoginRefused(401, f"unsupported authorization scheme {scheme[:20]!r}; use Basic "
                            "or Bearer")


def _failures(conn: Connection, username: str, address: str,
              now: datetime) -> tuple[int, int, datetime | None]:
    """Failures in the window for the name (since its last success) and for the address.

    One statement, built and compiled once (``_failures_statement``,
    ``store.fixed``): it runs before every authenticated request, TAXII pages
    included, and four statements built per call were most of a page's
    authentication cost. An empty name (a bearer
    token) counts no name failures, as a bound NULL matches no row.
    """
    _, _, window = settings.login_limits()
    since = now - timedelta(seconds=window)
    (by_user, by_addr, last_addr, last_user), = _failures_statement().rows(
        conn, {"u": username or None, "a": address, "since": since})
    latest = max((t for t in (last_addr, last_user) if t is not None), default=None)
    return int(by_user or 0), int(by_addr or 0), latest


@functools.cache
def _failures_statement() -> FixedStatement:
    """(name failures since its last success, address failures, their latest times)."""
    la = LoginAttempt
    name = bindparam("u", type_=String())
    since = bindparam("since", type_=la.at.type)
    last_ok = (select(func.max(la.at))
               .where(la.username == name, la.ok.is_(True), la.at >= since)
               .scalar_subquery())
    by_name = and_(la.username == name, la.ok.is_(False))
    by_addr = and_(la.address == bindparam("a", type_=String()), la.ok.is_(False))
    return FixedStatement(
        select(func.count(case((and_(by_name, la.at >= func.coalesce(last_ok, since)), 1))),
               func.count(case((by_addr, 1))),
               func.max(case((by_addr, la.at))),
               func.max(case((by_name, la.at))))
        .where(la.at >= since, or_(la.username == name, by_addr)))


def _record(engine: Engine, username: str, address: str, ok: bool, action: str | None,
            reason: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(LoginAttempt).values(at=datetime.now(UTC), username=username[:120],
                                                 address=address[:64], ok=ok))
        if action:
            record_now(conn, username or "(bearer)", action, "login", username or None,
                       address=address, reason=reason)


def authenticate_header(engine: Engine, header: str | None, address: str) -> Principal:
    """The principal behind an Authorization header, or ``LoginRefused`` saying why."""
    if not header:
        raise LoginRefused(401, "authentication required: send HTTP Basic or a bearer token")
    scheme, user, secret = _parse(header)
    now = datetime.now(UTC)
    max_user, max_addr, window = settings.login_limits()
    # The lockout counts and the secret check share one connection: a pool checkout
    # each was a measurable share of a TAXII page (docs/benchmarks-taxii.md).
    with engine.connect() as conn:
        by_user, by_addr, latest = _failures(conn, user, address, now)
        principal = None
        if by_user < max_user and by_addr < max_addr:
            principal = (authenticate_basic(conn, user, secret) if scheme == "basic"
                         else authenticate_bearer(conn, secret))
    if by_user >= max_user or by_addr >= max_addr:
        wait = window - (now - latest).total_seconds() if latest else window
        retry = max(1, math.ceil(wait))
        what = f"user name {user!r}" if by_user >= max_user else f"address {address}"
        _record(engine, user, address, False, "login.locked", f"{what} locked")
        raise LoginRefused(429, f"too many failed logins for the {what}: locked out; try "
                                f"again in {retry} s or ask an admin", retry)
    if principal is None:
        _record(engine, user, address, False, "login.failed",
                "wrong secret, unknown name or revoked token")
        raise LoginRefused(401, "unknown user, partner or token, or a wrong secret")
    if by_user or by_addr:
        _record(engine, user, address, True, None, "")
    return principal
