"""The database-computed thread markings equal ``combine_markings`` over the members.

Threads are made by hand from the sharing case table's reports (every kind of
TLP, classification, REL TO and caveat), in many random groupings, so every
combination the aggregation must get right occurs; the reference is the
library's own ``combine_markings`` applied member by member.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from tearline.share.releases import combine_markings, load_index, marking_for_report
from tearline.store import schema as S
from tearline.web.console.thread_marks import compute_thread_markings
from tests.share.policy_cases import seed


def test_sql_thread_markings_match_combine_markings(engine: Engine) -> None:
    s = seed(engine)
    reports = sorted(oid for (kind, _case), oid in s.ids.items() if kind == "report")
    rng = random.Random(13)
    now = datetime(2025, 3, 1, tzinfo=UTC)
    for round_ in range(6):
        groups: list[list[str]] = [[] for _ in range(rng.randint(1, 5))]
        for rid in reports:
            rng.choice(groups).append(rid)
        with engine.begin() as conn:
            conn.execute(delete(S.ThreadMember))
            conn.execute(delete(S.Thread))
            for i, members in enumerate(g for g in groups if g):
                tid = f"thread:test-{round_}-{i}"
                conn.execute(S.Thread.__table__.insert().values(
                    id=tid, title=tid, status="open", created_at=now, updated_at=now, state={}))
                conn.execute(S.ThreadMember.__table__.insert(), [
                    {"thread_id": tid, "report_id": rid, "score": 0.0, "added_at": now}
                    for rid in members])
        with engine.connect() as conn:
            got = compute_thread_markings(conn)
            index = load_index(conn)
            with Session(bind=conn) as session:
                by_id = {r.id: r for r in session.execute(select(S.Report)).scalars()}
        want = {}
        for i, members in enumerate(g for g in groups if g):
            tid = f"thread:test-{round_}-{i}"
            want[tid] = combine_markings([marking_for_report(by_id[m], index) for m in members],
                                         released_to=index.released_to(tid))
        assert got == want


def test_memo_after_a_fuse_redoes_only_changed_threads_and_stays_exact(engine: Engine) -> None:
    """Members move, a thread appears, one is released: the memo equals a fresh computation."""
    from datetime import timedelta

    from tearline.web.console.thread_marks import drop, thread_markings

    s = seed(engine)
    reports = sorted(oid for (kind, _case), oid in s.ids.items() if kind == "report")
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    half = len(reports) // 2
    with engine.begin() as conn:
        conn.execute(delete(S.ThreadMember))
        conn.execute(delete(S.Thread))
        for tid, members in (("thread:a", reports[:half]), ("thread:b", reports[half:])):
            conn.execute(S.Thread.__table__.insert().values(
                id=tid, title=tid, status="open", created_at=t0, updated_at=t0, state={}))
            conn.execute(S.ThreadMember.__table__.insert(), [
                {"thread_id": tid, "report_id": rid, "score": 0.0, "added_at": t0}
                for rid in members])
        conn.execute(delete(S.FusionState))
        conn.execute(S.FusionState.__table__.insert().values(
            key="threads", updated_at=t0, fragment_count=len(reports), payload={}))
    eid = 10_000_001
    drop(eid)
    with engine.connect() as conn:
        assert thread_markings(conn, eid) == compute_thread_markings(conn)
    t1 = t0 + timedelta(hours=1)
    with engine.begin() as conn:  # what a fuse does: members move, a thread opens
        conn.execute(delete(S.ThreadMember).where(S.ThreadMember.report_id == reports[0]))
        conn.execute(S.Thread.__table__.insert().values(
            id="thread:c", title="c", status="open", created_at=t1, updated_at=t1, state={}))
        conn.execute(S.ThreadMember.__table__.insert(), [
            {"thread_id": "thread:c", "report_id": reports[0], "score": 0.0, "added_at": t1}])
        conn.execute(S.Thread.__table__.update().where(S.Thread.id == "thread:a")
                     .values(updated_at=t1))
        conn.execute(S.FusionState.__table__.update().values(updated_at=t1))
    with engine.connect() as conn:
        after = thread_markings(conn, eid)
        assert set(after) == {"thread:a", "thread:b", "thread:c"}
        assert after == compute_thread_markings(conn)
    with engine.begin() as conn:
        partner = conn.execute(select(S.Partner.code)).scalars().first()
        assert partner is not None
        conn.execute(S.Release.__table__.insert().values(
            object_id="thread:b", partner_code=partner, approved_by="x", at=t1))
    with engine.connect() as conn:
        released = thread_markings(conn, eid)
        assert partner in released["thread:b"].released_to
        assert released == compute_thread_markings(conn)
    drop(eid)
