"""The console's "seed" button seeds the ACH matrix exactly as ``tearline ach --seed`` does.

Before session 2 the console had its own list of stock hypotheses while the
CLI drew them from the thread's claims and alarms; one thread, two different
matrices depending on where the analyst clicked.
"""

from __future__ import annotations

from sqlalchemy import select

from tearline.assess.ach import AchMatrix
from tearline.assess.ach_seed import seed_matrix
from tearline.assess.query import thread_state
from tearline.assess.review import review_thread
from tearline.assess.store import load_matrix
from tearline.store.schema import Thread
from tests.web.console.conftest import Console, csrf_of


def test_console_seed_equals_the_cli_seed(console: Console) -> None:
    sam = console.signed_in("sam")
    with console.engine.connect() as conn:
        tid = str(conn.execute(select(Thread.id).order_by(Thread.id)).scalars().first())
    page = sam.get(f"/console/threads/{tid}")
    assert page.status_code == 200, page.text
    r = sam.post(f"/console/threads/{tid}/ach/seed", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303, r.text
    stored = load_matrix(console.engine, tid)
    assert stored is not None and len(stored.hypotheses) >= 2
    with console.engine.connect() as conn:
        state = thread_state(conn, [tid], neighbours=True)
    expected = AchMatrix(tid)
    seed_matrix(expected, state, tid, review_thread(state, tid))
    assert [h.label for h in stored.hypotheses] == [h.label for h in expected.hypotheses]
    assert [e.id for e in stored.evidence] == [e.id for e in expected.evidence]
