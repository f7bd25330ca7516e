"""Console sign-in: signed session cookies, CSRF tokens, expiry.

Why signed cookies and not a sessions table: the console must run as several
stateless ``serve`` workers over one database (ARCHITECTURE.md, federation),
and a signed cookie needs no shared state beyond the secret. What a cookie
cannot do alone is end early, so the principal is rebuilt from the ``users``
table on *every* request: a disabled user is signed out at once, and a changed
clearance applies to the next page.

The cookie holds ``{"u": user, "n": nonce, "iat": issued, "exp": expiry}``,
base64url-encoded and HMAC-SHA256 signed with ``settings``' console secret.
It is ``HttpOnly`` (scripts cannot read it), ``SameSite=Strict`` (no other
site can make the browser send it) and ``Secure`` (never over plain HTTP;
browsers treat ``localhost`` as secure, so a local ``serve`` works).

CSRF: every form carries ``csrf``, an HMAC of the session nonce. A POST
without the right token is refused before it does anything. The sign-in form
has no session yet, so it uses a short-lived pre-session nonce cookie the same
way (double submit, signed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass

import orjson

from tearline.security.instance import process_secret

SESSION_COOKIE = "tl_session"
PRELOGIN_COOKIE = "tl_prelogin"
#: Absolute lifetime of a console session, seconds (TEARLINE_CONSOLE_SESSION_SECONDS).
SESSION_SECONDS = int(os.environ.get("TEARLINE_CONSOLE_SESSION_SECONDS", str(8 * 3600)))
#: How long a sign-in form stays valid, seconds.
PRELOGIN_SECONDS = 15 * 60

def console_secret() -> bytes:
    """The signing key: ``TEARLINE_CONSOLE_SECRET``, else the instance secret.

    The instance secret is kept in the database (``security.instance``, loaded
    by ``make_app``), so sessions survive a restart and every worker over the
    database accepts every other's cookies.
    """
    return process_secret("TEARLINE_CONSOLE_SECRET")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(purpose: str, body: str) -> str:
    return _b64(hmac.new(console_secret(), f"{purpose}\x00{body}".encode(),
                         hashlib.sha256).digest())


def sign(purpose: str, payload: dict[str, object]) -> str:
    """``payload`` as a tamper-evident string bound to ``purpose``."""
    body = _b64(orjson.dumps(payload))
    return f"{body}.{_mac(purpose, body)}"


def unsign(purpose: str, token: str | None) -> dict[str, object] | None:
    """The payload of a string made by ``sign`` for ``purpose``, or None if forged or expired."""
    if not token or "." not in token:
        return None
    body, _, mac = token.partition(".")
    if not hmac.compare_digest(mac, _mac(purpose, body)):
        return None
    try:
        payload = orjson.loads(_unb64(body))
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    exp = payload.get("exp")
    if not isinstance(exp, int | float) or exp < time.time():
        return None
    return payload


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in console user (the principal itself is re-read per request)."""

    username: str
    nonce: str
    issued_at: float
    expires_at: float

    @property
    def csrf(self) -> str:
        """The token every form of this session must send back."""
        return _mac("csrf", self.nonce)

    def check_csrf(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf)


def new_session(username: str, now: float | None = None) -> tuple[Session, str]:
    """A fresh session and its cookie value."""
    now = time.time() if now is None else now
    s = Session(username, secrets.token_urlsafe(16), now, now + SESSION_SECONDS)
    cookie = sign("session", {"u": s.username, "n": s.nonce, "iat": int(s.issued_at),
                              "exp": int(s.expires_at)})
    return s, cookie


def read_session(cookie: str | None) -> Session | None:
    """The session a cookie carries, or None when absent, forged or expired."""
    data = unsign("session", cookie)
    if data is None:
        return None
    user, nonce, iat, exp = data.get("u"), data.get("n"), data.get("iat"), data.get("exp")
    if not isinstance(user, str) or not isinstance(nonce, str):
        return None
    if not isinstance(iat, int) or not isinstance(exp, int):
        return None
    return Session(user, nonce, float(iat), float(exp))


def new_prelogin() -> tuple[str, str]:
    """A (cookie value, form token) pair guarding the sign-in form."""
    nonce = secrets.token_urlsafe(16)
    cookie = sign("prelogin", {"n": nonce, "exp": int(time.time()) + PRELOGIN_SECONDS})
    return cookie, _mac("login-csrf", nonce)


def check_prelogin(cookie: str | None, token: str | None) -> bool:
    """True when the sign-in form's token matches its (unexpired) pre-session cookie."""
    data = unsign("prelogin", cookie)
    if data is None or not token:
        return False
    return hmac.compare_digest(str(token), _mac("login-csrf", str(data.get("n"))))


def cookie_flags(max_age: int) -> dict[str, object]:
    """The flags every console cookie is set with (see the module docstring)."""
    return {"max_age": max_age, "httponly": True, "secure": True, "samesite": "strict",
            "path": "/"}
