"""A TAXII request authenticates on one pooled connection, lockout counts included.

The lockout counts (``security.login_guard``) and the secret check each took
their own connection, and the TAXII route opened a third it never used: three
pool checkouts before a page was read. Counted here with SQLAlchemy's own
``checkout`` event on a real engine, so the figure is what the pool saw. The
lockout must still apply: a locked name is refused without a secret check.
"""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import Engine, event

from tearline.security.credentials import issue_user_token
from tearline.security.login_guard import LoginRefused, authenticate_header
from tearline.security.users import add_user

PASSWORD = "auth-connections-pw"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _checkouts(engine: Engine) -> list[object]:
    seen: list[object] = []
    event.listen(engine, "checkout", lambda *a: seen.append(a[0]))
    return seen


def test_one_checkout_per_successful_login(engine: Engine) -> None:
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"], clearance="SECRET",
                 password=PASSWORD)
        token = issue_user_token(conn, "ana", actor="test")
    seen = _checkouts(engine)
    assert authenticate_header(engine, _basic("ana", PASSWORD), "10.0.0.1").id == "ana"
    assert len(seen) == 1
    seen.clear()
    assert authenticate_header(engine, f"Bearer {token}", "10.0.0.1").id == "ana"
    assert len(seen) == 1


def test_locked_name_still_refused_before_the_secret(engine: Engine,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEARLINE_LOGIN_MAX_FAILURES", "2")
    with engine.begin() as conn:
        add_user(conn, "bo", actor="test", roles=["analyst"], clearance="SECRET",
                 password=PASSWORD)
    for _ in range(2):
        with pytest.raises(LoginRefused) as bad:
            authenticate_header(engine, _basic("bo", "wrong"), "10.0.0.2")
        assert bad.value.status == 401
    with pytest.raises(LoginRefused) as locked:  # the right password, but locked out
        authenticate_header(engine, _basic("bo", PASSWORD), "10.0.0.2")
    assert locked.value.status == 429
