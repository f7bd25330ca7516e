"""Console pages against the hand-written sharing table (tests/share/policy_cases.py).

The expected answers come from the table, never from the policy function:
a thread may be shown to a user only when the table lets the user see every
one of its members, and the "view as partner" preview must list exactly the
reports the table gives that partner. No page may carry a protected field.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select, update

from tearline.fusion.query import public_thread_ids, short_id
from tearline.pipeline import fuse
from tearline.store.schema import Thread, ThreadMember
from tearline.web.app import make_app
from tests.share.policy_cases import (
    CASES,
    PARTNERS,
    PASSWORD,
    PROTECTED_SENTINELS,
    USERS,
    expected_ids,
    seed,
)
from tests.web.console.conftest import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _sign_in(app: object, user: str) -> TestClient:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = csrf_of(c.get("/console/login").text)
    r = c.post("/console/login", data={"username": user, "password": PASSWORD, "csrf": token})
    assert r.status_code == 303
    return c


def _no_protected(text: str) -> None:
    for secret in PROTECTED_SENTINELS:
        assert secret not in text


def test_console_pages_follow_the_policy_table(engine: Engine, shared_data: object) -> None:
    s = seed(engine)
    fuse(engine)
    # Threads by hand (fusion may join these look-alike reports): one per report, and
    # one mixing an unclassified with a SECRET member.
    now = datetime(2025, 3, 1, tzinfo=UTC)
    groups = [[oid] for (kind, _c), oid in s.ids.items() if kind == "report"]
    groups.append([s.ids[("report", "green")], s.ids[("report", "green-secret")]])
    with engine.begin() as conn:
        conn.execute(delete(ThreadMember))
        conn.execute(update(Thread).values(status="retired"))  # assessments refer to them
        for i, members in enumerate(groups):
            tid = f"thread:report--{i:08d}-0000-4000-8000-000000000000"
            conn.execute(Thread.__table__.insert().values(
                id=tid, title=f"Thread {i}", status="open", created_at=now, updated_at=now,
                state={}))
            conn.execute(ThreadMember.__table__.insert(), [
                {"thread_id": tid, "report_id": rid, "score": 0.0, "added_at": now}
                for rid in members])
    app = make_app(engine)
    case_of = {oid: case for (kind, case), oid in s.ids.items() if kind == "report"}
    members: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for tid, rid in conn.execute(select(ThreadMember.thread_id, ThreadMember.report_id)):
            members[tid].add(case_of[rid])
        public = {t: short_id(p) for t, p in public_thread_ids(conn, list(members)).items()}
    assert len(members) >= 3  # the scenario must make several threads to test anything
    for user in USERS:
        c = _sign_in(app, user)
        board = c.get("/console")
        assert board.status_code == 200
        _no_protected(board.text)
        shown = set(re.findall(r'data-thread="([^"]+)"', board.text))
        expected = {public[t] for t, cases in members.items()
                    if all(user in CASES[case][6] for case in cases)}
        assert shown == expected, user
        for tid in members:
            page = c.get(f"/console/threads/{public[tid]}")
            assert page.status_code == (200 if public[tid] in expected else 404), (user, tid)
            _no_protected(page.text)
            if page.status_code == 200:
                cases = members[tid]
                worst = max((CASES[c][1] for c in cases),
                            key=["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET",
                                 "TOP SECRET"].index)
                assert f'id="banner-top" role="note" aria-label="Classification of this ' \
                       f'page">{worst}' in page.text
    chief = _sign_in(app, "chief")
    for code in PARTNERS:
        page = chief.get(f"/console/partners?view_as={code}")
        assert page.status_code == 200
        _no_protected(page.text)
        listed = set(re.findall(r'<td class="id">(CASE-[a-z+-]+)</td>', page.text))
        want = {f"CASE-{case}" for (kind, case), oid in s.ids.items()
                if kind == "report" and oid in expected_ids(s, code, {"report"})}
        assert listed == want, code
    analyst = _sign_in(app, "analyst")  # not an admin: partner and audit pages refused
    assert analyst.get("/console/partners").status_code == 403
    assert analyst.get("/console/audit").status_code == 403
