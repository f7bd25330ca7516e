"""Sign-in, session cookies, expiry and CSRF, through the real app."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from tearline.store.schema import AchMatrix, AuditEntry, User
from tearline.web.console.sessions import SESSION_COOKIE, sign
from tests.web.console.conftest import Console, csrf_of


def test_pages_need_a_session(console: Console) -> None:
    c = console.client()
    for path in ("/console", "/console/ingest", "/console/audit", "/console/threads/x"):
        r = c.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/console/login?next=")
    assert c.get("/").headers["location"] == "/console"


def test_sign_in_sets_a_locked_down_cookie_and_audits(console: Console) -> None:
    c = console.client()
    token = csrf_of(c.get("/console/login").text)
    r = c.post("/console/login", data={"username": "sam", "password": "sam-pw",
                                       "csrf": token, "next": "/console/ingest"})
    assert r.status_code == 303 and r.headers["location"] == "/console/ingest"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    flags = {p.strip().split("=")[0].lower() for p in cookie.split(";")}
    assert {"httponly", "secure", "max-age", "path"} <= flags
    assert "samesite=strict" in cookie.lower()
    page = c.get("/console").text
    assert "sam" in page and "cleared TOP SECRET" in page and "admin, analyst" in page
    with console.engine.connect() as conn:
        actions = list(conn.execute(select(AuditEntry.action)
                                    .where(AuditEntry.actor == "sam")).scalars())
    assert "console.login" in actions and "thread.list" in actions


@pytest.mark.parametrize("field,value,status", [
    ("password", "wrong", 401), ("username", "nobody", 401), ("csrf", "forged", 400),
])
def test_bad_sign_in_is_refused_in_words(console: Console, field: str, value: str,
                                         status: int) -> None:
    c = console.client()
    data = {"username": "sam", "password": "sam-pw", "csrf": csrf_of(c.get("/console/login").text)}
    data[field] = value
    r = c.post("/console/login", data=data)
    assert r.status_code == status
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    assert "Traceback" not in r.text and 'role="alert"' in r.text


def test_next_cannot_leave_the_console(console: Console) -> None:
    c = console.client()
    token = csrf_of(c.get("/console/login").text)
    r = c.post("/console/login", data={"username": "sam", "password": "sam-pw",
                                       "csrf": token, "next": "https://evil.example/x"})
    assert r.headers["location"] == "/console"


def test_expired_forged_and_disabled_sessions_end(console: Console) -> None:
    c = console.signed_in("sam")
    assert c.get("/console").status_code == 200
    expired = sign("session", {"u": "sam", "n": "abc", "iat": 1, "exp": int(time.time()) - 5})
    forged = c.cookies[SESSION_COOKIE][:-3] + "AAA"
    for value in (expired, forged):
        other = console.client()
        other.cookies.set(SESSION_COOKIE, value, domain="testserver.local")
        assert other.get("/console").status_code == 303
    with console.engine.begin() as conn:
        conn.execute(update(User).where(User.username == "sam")
                     .values(disabled_at=User.created_at))
    assert c.get("/console").status_code == 303


def test_post_without_the_sessions_csrf_token_changes_nothing(console: Console) -> None:
    sam, una = console.signed_in("sam"), console.signed_in("una")
    board = sam.get("/console").text
    short = board.split('/console/threads/')[1].split('"')[0]
    una_token = csrf_of(una.get("/console/ingest").text)
    for token in ("", "x", una_token):
        r = sam.post(f"/console/threads/{short}/ach/hypothesis",
                     data={"csrf": token, "label": "planted"})
        assert r.status_code == 403, r.text
        assert "CSRF" in r.text
    with console.engine.connect() as conn:
        assert conn.execute(select(AchMatrix.thread_id)).first() is None
    good = csrf_of(sam.get(f"/console/threads/{short}").text)
    r = sam.post(f"/console/threads/{short}/ach/hypothesis", data={"csrf": good, "label": "real"})
    assert r.status_code == 303
    assert "real" in sam.get(f"/console/threads/{short}").text


def test_sign_out_needs_the_token_and_ends_the_session(console: Console) -> None:
    c = console.signed_in("sam")
    assert c.post("/console/logout", data={"csrf": "nope"}).status_code == 403
    r = c.post("/console/logout", data={"csrf": csrf_of(c.get("/console").text)})
    assert r.status_code == 303
    assert c.get("/console").status_code == 303
