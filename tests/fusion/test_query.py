"""One query layer: the CLI and the REST API list and show threads identically.

Same ids for every principal, both filtered by the policy, both audited with
the same action and ids; one thread lookup accepting a thread id, a short id
and a member report's external id, with one message for unknown references.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from tearline.cli import main
from tearline.demo_run import SCENARIO_DIR
from tearline.fusion.query import ThreadNotFound, find_thread, public_thread_id, short_id
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse
from tearline.store import schema as S
from tearline.web.api import PREFIX
from tearline.web.app import make_app
from tests.conftest import admin_env
from tests.share.policy_cases import PRINCIPALS, USERS, Seeded, seed

with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def fused(engine: Engine) -> Iterator[tuple[Engine, Seeded, str]]:
    s = seed(engine)
    ingest_paths(engine, [SCENARIO_DIR])
    fuse(engine)
    yield engine, s, engine.url.render_as_string(hide_password=False)


def _audit(engine: Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(S.AuditEntry.actor, S.AuditEntry.detail)
                                 .where(S.AuditEntry.action == action)
                                 .order_by(S.AuditEntry.seq)))


def _as(who: str) -> str:
    return f"user:{who}" if who in USERS else who


def test_cli_and_rest_list_the_same_threads_audited_alike(
        fused: tuple[Engine, Seeded, str]) -> None:
    engine, s, url = fused
    runner = CliRunner()
    env = admin_env(url)  # the store has users: the CLI acts with an admin's token
    seen: dict[str, set[str]] = {}
    with TestClient(make_app(engine)) as client:
        for who in PRINCIPALS:
            resp = client.get(f"{PREFIX}/threads",
                              headers={"Authorization": f"Bearer {s.tokens[who]}"})
            assert resp.status_code == 200, resp.text
            api_ids = {t["id"] for t in resp.json()["items"]}
            res = runner.invoke(main, ["--db", url, "threads", "--json", "--as", _as(who)],
                                env=env)
            assert res.exit_code == 0, res.output
            cli_ids = {t["id"] for t in json.loads(res.stdout)}
            assert cli_ids == api_ids, who
            seen[who] = cli_ids
            api_row, cli_row = _audit(engine, "thread.list")[-2:]
            # ``--as`` is the admin's read, recorded with whom it viewed as (issue 14)
            assert cli_row.actor == "test-admin"
            assert cli_row.detail["viewed_as"] == api_row.actor
            assert sorted(api_row.detail["ids"]) == sorted(cli_row.detail["ids"])
    # The policy cuts: every demo report is amber or stricter without REL TO, so
    # the community partners see fewer threads than the cleared users.
    assert seen["chief"] and seen["CORE1"] < seen["chief"]


def test_cli_and_rest_show_the_same_thread(fused: tuple[Engine, Seeded, str]) -> None:
    engine, s, url = fused
    with engine.connect() as conn:
        internal = conn.execute(select(S.ThreadMember.thread_id)
                                .group_by(S.ThreadMember.thread_id)
                                .order_by(S.ThreadMember.thread_id)).scalars().all()[-1]
        tid = public_thread_id(conn, internal)
    res = CliRunner().invoke(main, ["--db", url, "thread", short_id(tid), "--json"],
                             env=admin_env(url))
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    with TestClient(make_app(engine)) as client:
        resp = client.get(f"{PREFIX}/threads/{tid}",
                          headers={"Authorization": f"Bearer {s.tokens['chief']}"})
    item = resp.json()["item"]
    assert shown["id"] == item["id"] == tid
    assert [m["report_id"] for m in shown["members"]] == [m["report_id"] for m in item["members"]]
    assert shown["timeline"] == item["timeline"] and "entity_graph" in shown
    assert len(shown["fragments"]) == shown["state"]["fragments"] >= len(shown["members"])
    reads = _audit(engine, "thread.read")
    assert len(reads) == 2


def test_one_lookup_accepts_ids_short_ids_and_report_numbers(
        fused: tuple[Engine, Seeded, str]) -> None:
    engine, _, _ = fused
    with engine.connect() as conn:
        tid, ext = conn.execute(
            select(S.ThreadMember.thread_id, S.Report.external_id)
            .join(S.Report, S.Report.id == S.ThreadMember.report_id)
            .where(S.Report.external_id == "NRD-SIG-2025-0224")).one()
        public = public_thread_id(conn, tid)
        assert find_thread(conn, tid) == tid  # the chain's own tools know internal ids
        assert find_thread(conn, public) == tid
        assert find_thread(conn, short_id(public)) == tid
        assert find_thread(conn, ext) == tid
        with pytest.raises(ThreadNotFound, match="no thread or report matches 'zzz-nothing'"):
            find_thread(conn, "zzz-nothing")
        with pytest.raises(ThreadNotFound, match=r"matches \d+ threads; give more"):
            find_thread(conn, "thread--")
