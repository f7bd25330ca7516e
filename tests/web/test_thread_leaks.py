"""What a thread tells a caller who may see it but not every member (issue 9 follow-up).

Through a real ``tearline serve`` on a loopback port: a thread opened by a
SECRET report holds an UNCLASSIFIED one and is released to the core partner
CORE1. Before public thread ids the thread's id was ``thread:<opening report
id>``, so CORE1 learned the id of the SECRET report; its stored title, times
and analytic detail were drawn from that report too; and asking for the
thread by the hidden report's id found it, confirming the report exists and
where it sits. Each row of ``PROBES`` asks one interface one question; the
hidden report's uuid may appear in no answer to anyone who may not see it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import insert, update

from tearline.cli import main
from tearline.share.releases import record_release
from tearline.store.schema import Report, Thread, ThreadMember
from tests.conftest import admin_env
from tests.share.policy_cases import PASSWORD, Seeded, seed
from tests.taxii.conftest import BACKENDS, Server, fresh_db, migrated, serving

API = "/api/v1"
#: The stored (fusion's) title: names only the hidden report could have given it.
STORED_TITLE = "Hidden Actor · Secret Place"


def _store_thread(db: str) -> tuple[Seeded, str, str, str]:
    """The scenario; returns (seeded, internal thread id, hidden report id, visible id)."""
    engine = migrated(db)
    s = seed(engine)
    hidden, shown = s.ids[("report", "green-secret")], s.ids[("report", "clear")]
    tid = f"thread:{hidden}"
    opened, joined = datetime(2025, 3, 2, tzinfo=UTC), datetime(2025, 3, 9, tzinfo=UTC)
    detail = {"fragments": [{"id": hidden, "grade": "B2"}, {"id": shown, "grade": "B2"}],
              "origin_clusters": {hidden: [hidden, shown]}, "independent_origins": 1,
              "entity_graph": {"nodes": {"actor:hidden": 2}, "edges": []},
              "timeline": [{"kind": "statement", "date": "2025-03-02", "end": None,
                            "status": None, "fragment_ids": [hidden], "cues": [],
                            "anchors": ["report date"]},
                           {"kind": "statement", "date": "2025-03-01", "end": None,
                            "status": None, "fragment_ids": [shown, hidden], "cues": [],
                            "anchors": ["report date"]}],
              "discrepancies": [{"subject": "casualties.killed",
                                 "values": [{"value": "3", "fragment_ids": [hidden]},
                                            {"value": "4", "fragment_ids": [shown]}]}],
              "requests": 0}
    with engine.begin() as conn:
        conn.execute(insert(Thread).values(
            id=tid, title=STORED_TITLE, status="open", created_at=opened, updated_at=joined,
            state={"fragments": 2, "independent_origins": 1, "first": opened.isoformat(),
                   "last": joined.isoformat(), "detail": detail}))
        for rid, at in ((hidden, opened), (shown, joined)):
            conn.execute(insert(ThreadMember).values(
                thread_id=tid, report_id=rid, score=0.9,
                reason=json.dumps({"opened": rid == hidden}), added_at=at))
        record_release(conn, tid, "CORE1", approved_by="chief", reason="tests")
    engine.dispose()
    return s, tid, hidden, shown


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path
           ) -> Iterator[tuple[Server, Seeded, str, str, str]]:
    with fresh_db(request.param, tmp_path) as db:
        s, tid, hidden, shown = _store_thread(db)
        with serving(db) as srv:
            yield srv, s, tid, hidden, shown


def _get(srv: Server, s: Seeded, who: str, path: str) -> requests.Response:
    return requests.get(f"{srv.base}{API}{path}", timeout=60, allow_redirects=False,
                        headers={"Authorization": f"Bearer {s.tokens[who]}"})


def _secret_part(report_id: str) -> str:
    return report_id.removeprefix("report--")


def test_a_partner_learns_nothing_of_the_hidden_opening_report(
        served: tuple[Server, Seeded, str, str, str]) -> None:
    srv, s, _tid, hidden, shown = served
    listing = _get(srv, s, "CORE1", "/threads")
    assert listing.status_code == 200, listing.text
    assert _secret_part(hidden) not in listing.text
    (item,) = listing.json()["items"]
    assert item["id"].startswith("thread--") and item["short"] == item["id"][8:16]
    assert item["title"] != STORED_TITLE and "Hidden" not in item["title"]
    assert item["member_count"] == 1 and [m["report_id"] for m in item["members"]] == [shown]
    # The times are the visible member's: the hidden one opened the thread a week earlier.
    assert item["created_at"].startswith("2025-03-09")
    one = _get(srv, s, "CORE1", f"/threads/{item['id']}")
    assert one.status_code == 200 and _secret_part(hidden) not in one.text
    assert one.json()["item"]["id"] == item["id"]
    # The short id a listing prints answers with a redirect to the public id.
    short = _get(srv, s, "CORE1", f"/threads/{item['short']}")
    assert short.status_code == 308 and short.headers["location"].endswith(item["id"])


def _same_404(a: requests.Response, b: requests.Response) -> None:
    assert a.status_code == b.status_code == 404
    assert a.json() == b.json()
    skip = {"date", "content-length"}
    assert ({k: v for k, v in a.headers.items() if k.lower() not in skip}
            == {k: v for k, v in b.headers.items() if k.lower() not in skip})


def test_a_hidden_report_finds_no_thread_and_an_old_id_is_a_stranger(
        served: tuple[Server, Seeded, str, str, str]) -> None:
    srv, s, tid, hidden, shown = served
    nothing = f"report--{uuid.uuid4()}"
    for ref in (hidden, tid, "CASE-green-secret"):
        _same_404(_get(srv, s, "CORE1", f"/threads/{ref}"),
                  _get(srv, s, "CORE1", f"/threads/{nothing}"))
    # Someone who may see the opening report is sent from the old id to the public one.
    public = _get(srv, s, "chief", "/threads").json()["items"][0]["id"]
    moved = _get(srv, s, "chief", f"/threads/{tid}")
    assert moved.status_code == 308 and moved.headers["location"].endswith(f"/threads/{public}")
    # A visible member still names its thread, for the partner too.
    via_member = _get(srv, s, "CORE1", f"/threads/{shown}")
    assert via_member.status_code == 308 and via_member.headers["location"].endswith(public)


def test_a_cleared_user_sees_the_whole_thread_under_its_public_id(
        served: tuple[Server, Seeded, str, str, str]) -> None:
    srv, s, _tid, hidden, shown = served
    (item,) = _get(srv, s, "chief", "/threads").json()["items"]
    got = _get(srv, s, "chief", f"/threads/{item['id']}").json()["item"]
    assert got["title"] == STORED_TITLE and {m["report_id"] for m in got["members"]} == {
        hidden, shown}
    assert got["entity_graph"]["nodes"] == {"actor:hidden": 2}
    assert len(got["timeline"]) == 2 and len(got["discrepancies"]) == 1


def test_the_cli_shows_the_partner_view_without_the_hidden_report(
        served: tuple[Server, Seeded, str, str, str]) -> None:
    srv, _s, _tid, hidden, _shown = served
    runner = CliRunner()
    env = admin_env(srv.db)
    listed = runner.invoke(main, ["--db", srv.db, "threads", "--json", "--as", "CORE1"],
                           env=env)
    assert listed.exit_code == 0, listed.output
    assert _secret_part(hidden) not in listed.stdout
    (row,) = json.loads(listed.stdout)
    shown = runner.invoke(main, ["--db", srv.db, "thread", row["short"], "--as", "CORE1"],
                          env=env)
    assert shown.exit_code == 0, shown.output
    assert _secret_part(hidden) not in shown.stdout and row["short"] in shown.stdout
    probe = runner.invoke(main, ["--db", srv.db, "thread", hidden, "--as", "CORE1"], env=env)
    assert probe.exit_code != 0



def test_a_partial_threads_status_is_drawn_from_its_visible_members(
        served: tuple[Server, Seeded, str, str, str]) -> None:
    """Fusion stores one status for the whole thread; a caller missing members gets
    the status its visible members give (a thread with live members is open), so a
    status moved by what a hidden member did — here written straight into the
    row, as no fusion step yet moves it for a thread that keeps members — shows
    nothing of it. The cleared user still reads the stored status."""
    srv, s, tid, _hidden, _shown = served
    engine = migrated(srv.db)
    with engine.begin() as conn:
        conn.execute(update(Thread).where(Thread.id == tid).values(status="dormant"))
    engine.dispose()
    (item,) = _get(srv, s, "CORE1", "/threads").json()["items"]
    assert item["status"] == "open"
    assert _get(srv, s, "CORE1", f"/threads/{item['id']}").json()["item"]["status"] == "open"
    (full,) = _get(srv, s, "chief", "/threads").json()["items"]
    assert full["status"] == "dormant"


def _console_board(srv: Server, user: str) -> str:
    """The board's rows as ``user`` signed in through the real sign-in form sees them."""
    from tests.security.test_instance_secret import CSRF, _cookie

    form = requests.get(f"{srv.base}/console/login", timeout=60)
    pre, token = _cookie(form, "tl_prelogin"), CSRF.search(form.text)
    assert token, form.text[:500]
    done = requests.post(f"{srv.base}/console/login", timeout=60, allow_redirects=False,
                         data={"username": user, "password": PASSWORD,
                               "csrf": token.group(1), "next": "/console"},
                         headers={"Cookie": f"tl_prelogin={pre}"})
    assert done.status_code == 303, done.text[:500]
    rows = requests.get(f"{srv.base}/console/board/rows", timeout=60,
                        headers={"Cookie": f"tl_session={_cookie(done, 'tl_session')}"})
    assert rows.status_code == 200, rows.text[:500]
    return rows.text


def test_the_board_counts_and_titles_a_thread_over_the_members_its_reader_may_see(
        served: tuple[Server, Seeded, str, str, str]) -> None:
    """The board's thread markings are memoised until fusion or the releases move, so a
    member re-marked above the analyst's clearance in between (a correction's
    re-marking, written here straight into the row) left the board showing the
    thread with fusion's stored counts and title, drawn from the hidden member.
    The rows on the page are judged member by member as they are drawn."""
    srv, _s, _tid, hidden, _shown = served
    before = _console_board(srv, "analyst")
    assert "thread-row" in before  # both members SECRET or below: the whole thread
    engine = migrated(srv.db)
    with engine.begin() as conn:
        conn.execute(update(Report).where(Report.id == hidden)
                     .values(classification="TOP SECRET"))
    engine.dispose()
    after = _console_board(srv, "analyst")
    assert STORED_TITLE not in after and "Hidden" not in after
    cells = re.findall(r'<td class="num">(.*?)</td>', after)
    assert cells[:3] == ["—", "1", "—"], cells  # origins withheld, one fragment, no alarms
    assert STORED_TITLE in _console_board(srv, "chief")
