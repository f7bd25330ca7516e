"""The lockout counts of ``login_guard._failures`` against a plain-Python reading of the rules.

The counts became one SQL statement (they run before every authenticated
request); this holds that statement to what the module docstring promises,
on both backends: failures for a name count from its last success within the
window, failures for an address count within the window, and the latest
failure of either is what ``Retry-After`` is measured from. A bearer login
(empty name) counts no name failures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert

from tearline import settings as tl_settings
from tearline.security.login_guard import _failures
from tearline.store.schema import LoginAttempt

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NAMES = ("alice", "bob", "")
ADDRESSES = ("10.0.0.1", "10.0.0.2")

attempts = st.lists(
    st.tuples(st.integers(min_value=-2000, max_value=5),  # seconds from NOW
              st.sampled_from(NAMES), st.sampled_from(ADDRESSES), st.booleans()),
    max_size=25)


def oracle(rows: list[tuple[int, str, str, bool]], name: str, address: str,
           window: int) -> tuple[int, int, datetime | None]:
    since = NOW - timedelta(seconds=window)
    inside = [(NOW + timedelta(seconds=s), n, a, ok) for s, n, a, ok in rows
              if NOW + timedelta(seconds=s) >= since]
    by_user = 0
    last_user = None
    if name:
        oks = [t for t, n, _, ok in inside if n == name and ok]
        start = max(oks) if oks else since
        by_user = sum(1 for t, n, _, ok in inside if n == name and not ok and t >= start)
        fails = [t for t, n, _, ok in inside if n == name and not ok]
        last_user = max(fails) if fails else None
    addr_fails = [t for t, _, a, ok in inside if a == address and not ok]
    latest = max([t for t in (max(addr_fails) if addr_fails else None, last_user)
                  if t is not None], default=None)
    return by_user, len(addr_fails), latest


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=attempts, name=st.sampled_from(NAMES), address=st.sampled_from(ADDRESSES))
def test_counts_match_the_rules(engine: Engine, rows: list[tuple[int, str, str, bool]],
                                name: str, address: str) -> None:
    _, _, window = tl_settings.login_limits()
    with engine.begin() as conn:
        conn.execute(delete(LoginAttempt))
        if rows:
            conn.execute(insert(LoginAttempt), [
                {"at": NOW + timedelta(seconds=s), "username": n, "address": a, "ok": ok}
                for s, n, a, ok in rows])
    with engine.connect() as conn:
        by_user, by_addr, latest = _failures(conn, name, address, NOW)
    want_user, want_addr, want_latest = oracle(rows, name, address, window)
    assert (by_user, by_addr) == (want_user, want_addr)
    assert (latest.astimezone(UTC) if latest else None) == want_latest
