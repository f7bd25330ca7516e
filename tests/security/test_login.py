"""Login protection and revocation through a real ``tearline serve`` process.

Lockout per user name and per address, the 429 answer in each path's error
shape, failures in the audit log, unknown names as slow as real ones, and a
revoked token, disabled user or removed partner refused on the next request.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select

from tearline.admin import disable_user, remove_partner
from tearline.security.credentials import (
    authenticate_basic,
    issue_partner_token,
    issue_user_token,
    revoke_token,
)
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.store.db import ensure_current, make_engine
from tearline.store.schema import AuditEntry
from tests.taxii.conftest import Server, start_server, stop_server

PASSWORD = "correct horse battery staple"
TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Server, Engine]]:
    db = str(tmp_path / "l.db")
    engine = make_engine(db)
    ensure_current(engine)
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"], password=PASSWORD)
        add_user(conn, "bo", actor="test", roles=["analyst"], password=PASSWORD)
        add_user(conn, "root", actor="test", roles=["admin"], password=PASSWORD)
        create_partner(conn, "CORE1", "Partner", "core", actor="test")
    srv = start_server(db, env={"TEARLINE_LOGIN_MAX_FAILURES": "3",
                                "TEARLINE_LOGIN_MAX_FAILURES_PER_ADDRESS": "6",
                                "TEARLINE_LOGIN_WINDOW": "60"})
    try:
        yield srv, engine
    finally:
        stop_server(srv)
        engine.dispose()


def test_lockout_per_user_then_per_address(live: tuple[Server, Engine]) -> None:
    srv, engine = live
    url = f"{srv.base}/api/v1/reports"
    for _ in range(3):
        assert requests.get(url, auth=("ana", "wrong"), timeout=10).status_code == 401
    locked = requests.get(url, auth=("ana", PASSWORD), timeout=10)
    assert locked.status_code == 429, locked.text  # the right password no longer helps
    body = locked.json()
    assert body["ok"] is False and body["status"] == 429 and "locked out" in body["error"]
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    # TAXII answers the same lockout in its own error shape
    taxii = requests.get(f"{srv.base}/taxii2/", auth=("ana", PASSWORD),
                         headers={"Accept": TAXII}, timeout=10)
    assert taxii.status_code == 429 and "locked out" in taxii.json()["description"]
    # another user from this address still logs in, until the address limit
    assert requests.get(url, auth=("bo", PASSWORD), timeout=10).status_code == 200
    # the address has 3 failures and 2 locked-out tries (those count too): one more locks it
    assert requests.get(url, auth=("ghost", "x"), timeout=10).status_code == 401
    assert requests.get(url, auth=("bo", PASSWORD), timeout=10).status_code == 429
    with engine.connect() as conn:
        actions = [a for a, in conn.execute(select(AuditEntry.action)
                                            .where(AuditEntry.action.like("login.%")))]
    assert actions.count("login.failed") == 4 and actions.count("login.locked") == 3


def test_revocation_takes_effect_on_the_next_request(live: tuple[Server, Engine]) -> None:
    srv, engine = live
    with engine.begin() as conn:
        token = issue_user_token(conn, "ana", actor="test")
        ptoken = issue_partner_token(conn, "CORE1", actor="test")
    rest, root = f"{srv.base}/api/v1/reports", f"{srv.base}/taxii2/api1/collections/"

    def ok(url: str, tok: str) -> int:
        return requests.get(url, headers={"Authorization": f"Bearer {tok}", "Accept": TAXII},
                            timeout=10).status_code

    assert ok(rest, token) == 200 and ok(root, token) == 200 and ok(root, ptoken) == 200
    with engine.begin() as conn:
        assert revoke_token(conn, token, actor="root")
    assert ok(rest, token) == 401 and ok(root, token) == 401
    with engine.begin() as conn:
        token = issue_user_token(conn, "ana", actor="test")
    assert ok(rest, token) == 200
    with engine.begin() as conn:
        disable_user(conn, "ana", actor="root")
    assert ok(rest, token) == 401 and ok(root, token) == 401
    assert requests.get(rest, auth=("ana", PASSWORD), timeout=10).status_code == 401
    with engine.begin() as conn:
        remove_partner(conn, "CORE1", actor="root", reason="agreement ended")
    assert ok(root, ptoken) == 401


def test_unknown_names_cost_as_much_as_real_ones(sqlite_engine: Engine) -> None:
    """Median times within a factor of two: names cannot be enumerated by timing."""
    with sqlite_engine.begin() as conn:
        add_user(conn, "ana", actor="test", password=PASSWORD)

    def median(user: str) -> float:
        times = []
        with sqlite_engine.connect() as conn:
            for i in range(7):
                t = time.perf_counter()
                assert authenticate_basic(conn, user, f"wrong-{i}") is None
                times.append(time.perf_counter() - t)
        return statistics.median(times)

    known, unknown = median("ana"), median("nobody-here")
    assert 0.5 < unknown / known < 2.0, (known, unknown)
