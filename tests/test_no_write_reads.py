"""Reads never write: every listing/show command and every GET route leaves the store as it was.

The database (both backends) holds the demo scenario, fused, plus the policy
case table (users, partners, releases, warnings). Each read runs once; every
table is then compared row for row with the snapshot taken before, except
``audit_log``, which may only gain rows (the read's own audit record).
Every command of the ``tearline`` CLI must be classified below as a read (run
here) or a write, so a new command cannot slip past this test unclassified.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text

from tearline.cli import main
from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse
from tearline.store import schema as S
from tearline.web.app import make_app
from tearline.web.taxii import API_ROOT
from tests.conftest import admin_env
from tests.share.policy_cases import PASSWORD, Seeded, seed

with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

#: Commands that change the store on purpose (or run a server whose routes are checked below).
WRITES = {"actor confirm", "actor merge", "actor split", "audit checkpoint", "db upgrade",
          "demo", "fuse", "ingest", "partners add", "partners set-tier", "partners token",
          "release", "serve", "sync", "users add", "users token", "warn ack", "warn approve",
          "warn close", "warn deliver", "warn draft", "warn followup", "warn open",
          "warn release", "warn respond", "warn review", "warn sanitize", "warn scan",
          "warn waive", "users disable", "users revoke",
          "partners remove", "insider scan"}
READS = {"reports", "show", "sources", "export", "threads", "thread", "actors", "alarms",
         "asof", "retro", "ach", "assess", "partners list", "users list", "audit log",
         "audit verify", "warn list", "warn show", "insider alerts"}


@dataclass
class Store:
    engine: Engine
    seeded: Seeded
    thread_id: str
    report_ref: str
    url: str
    case_id: str | None


@pytest.fixture
def store(engine: Engine) -> Iterator[Store]:
    seeded = seed(engine)
    ingest_paths(engine, [SCENARIO_DIR])
    fuse(engine)
    with engine.connect() as conn:
        tid = conn.execute(select(S.ThreadMember.thread_id).group_by(S.ThreadMember.thread_id)
                           .order_by(text("count(*) DESC"), S.ThreadMember.thread_id)).scalar()
        ref = conn.execute(select(S.Report.external_id)
                           .where(S.Report.external_id.like("NRD-%"))
                           .order_by(S.Report.external_id)).scalar()
        case = conn.execute(select(S.Warning.id).where(S.Warning.thread_id.is_not(None))
                            .order_by(S.Warning.id)).scalar()
    assert tid and ref
    yield Store(engine, seeded, tid, ref, engine.url.render_as_string(hide_password=False),
                case)


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as raw column values, in a stable order."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in S.Base.metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT * FROM "{table.name}"')).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def assert_unchanged(before: dict[str, list[str]], after: dict[str, list[str]],
                     what: str) -> None:
    for name, rows in before.items():
        if name == "audit_log":
            assert set(rows) <= set(after[name]), f"{what} changed existing audit rows"
            continue
        assert after[name] == rows, f"{what} changed table {name}"


def read_commands(s: Store) -> list[list[str]]:
    tid, ref = s.thread_id, s.report_ref
    return [
        ["reports", "--json"], ["reports", "--as", "CORE1"], ["show", ref, "--json"],
        ["show", ref, "--as", "CORE1"], ["sources", "--json"], ["export"],
        ["export", "--as", "ASSOC1"], ["threads"], ["threads", "--json"],
        ["thread", tid], ["thread", tid, "--json"], ["actors", "--json"],
        ["actors", "--search", "Crimson Lantern"], ["alarms", "--json"], ["alarms", tid],
        ["asof", tid, "--at", "2025-03-10", "--json"], ["retro", tid],
        ["ach", tid, "--export", "json"], ["assess", tid, "--no-save", "--json"],
        ["partners", "list", "--json"], ["users", "list", "--json"],
        ["audit", "log", "--json"], ["audit", "verify", "--json"], ["warn", "list", "--json"],
        *([["warn", "show", s.case_id, "--json"]] if s.case_id else []),
        ["insider", "alerts"],
    ]


def _leaves(group: click.Group, prefix: str = "") -> Iterator[str]:
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _leaves(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


def test_every_command_is_classified_as_read_or_write(sqlite_engine: Engine) -> None:
    unclassified = set(_leaves(main)) - READS - WRITES
    assert not unclassified, (f"classify {sorted(unclassified)} in {__file__}: a read goes "
                              "in read_commands (and must leave the store unchanged)")


def test_read_commands_leave_the_store_unchanged(store: Store) -> None:
    runner = CliRunner()
    commands = read_commands(store)
    covered = {" ".join(a[:2]) if " ".join(a[:2]) in READS else a[0] for a in commands}
    assert covered == READS, f"read commands not run here: {sorted(READS - covered)}"
    env = admin_env(store.url)  # the store has users, so the CLI needs a token
    for args in commands:
        before = snapshot(store.engine)
        res = runner.invoke(main, ["--db", store.url, *args], env=env)
        # A refusal ("no report … that X may see") is a read too: exit 1, a message.
        clean_exit = res.exception is None or isinstance(res.exception, SystemExit)
        assert res.exit_code in (0, 1) and clean_exit, (args, res.output, res.exception)
        assert_unchanged(before, snapshot(store.engine), f"`tearline {' '.join(args)}`")


def _path_values(client: TestClient, s: Store, auth: dict[str, str]) -> dict[str, str]:
    stix_id = next(v for (kind, _), v in s.seeded.ids.items() if kind == "stix")
    warning_id = next(v for (kind, case), v in s.seeded.ids.items()
                      if kind == "stix" and case == "warning-released")
    cols = client.get(f"/taxii2/{API_ROOT}/collections/", headers=auth).json()
    collection = cols["collections"][0]["id"]
    return {"report_id": s.report_ref, "thread_id": s.thread_id, "warning_id": warning_id,
            "code": "CORE1", "api_root": API_ROOT, "collection_id": collection,
            "object_id": stix_id, "status_id": "00000000-0000-4000-8000-000000000000",
            "release_id": str(s.seeded.release_ids[0])}


def test_get_routes_leave_the_store_unchanged(store: Store) -> None:
    basic = {"Authorization": "Basic " + base64.b64encode(f"CORE1:{PASSWORD}".encode()).decode()}
    callers = {"chief": {"Authorization": f"Bearer {store.seeded.tokens['chief']}"},
               "CORE1": {"Authorization": f"Bearer {store.seeded.tokens['CORE1']}"},
               "CORE1 basic": basic}
    app = make_app(store.engine)
    with TestClient(app) as client:
        values = _path_values(client, store, callers["chief"])
        paths = [p for p, ops in app.openapi()["paths"].items() if "get" in ops]
        assert len(paths) >= 15
        for template in paths:
            path = template.format_map(_Fill(values))
            for who, auth in callers.items():
                before = snapshot(store.engine)
                resp = client.get(path, headers={**auth, "Accept": "*/*"})
                assert resp.status_code < 500, (path, who, resp.text)
                assert_unchanged(before, snapshot(store.engine), f"GET {path} as {who}")


class _Fill(dict[str, str]):
    """Path parameters this test does not know get a placeholder (a 404 is still a read)."""

    def __missing__(self, key: str) -> Any:
        return "unknown-id"


def _console_get_paths() -> list[str]:
    """Every GET page of the console (walked from its page modules, so new pages are in)."""
    from fastapi.routing import APIRoute

    from tearline.web.console.common import PREFIX
    from tearline.web.console.routes import PAGE_MODULES

    return sorted(PREFIX + r.path for m in PAGE_MODULES for r in m.router.routes
                  if isinstance(r, APIRoute) and "GET" in r.methods)


def test_console_pages_leave_the_store_unchanged(store: Store) -> None:
    """Each console page, read as an admin (who may open every page), writes only audit rows."""
    import re

    from tearline.web.console.board import short_id

    assert store.case_id, "the demo, fused, opens duty-to-warn cases: one is needed here"
    paths = _console_get_paths()
    for page in ("/console/cases", "/console/cases/{ref}", "/console/insider",
                 "/console/threads/{ref}", "/console"):
        assert page in paths, page
    app = make_app(store.engine)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text)
    assert token
    signed = client.post("/console/login", data={"username": "chief", "password": PASSWORD,
                                                 "csrf": token.group(1)})
    assert signed.status_code == 303, signed.text
    refs = {"/console/threads/{ref}": [short_id(store.thread_id), "unknown-id"],
            "/console/cases/{ref}": [store.case_id or "unknown-id", "unknown-id"]}
    for template in paths:
        for path in [template.replace("{ref}", r) for r in refs.get(template, [template])]:
            before = snapshot(store.engine)
            resp = client.get(path)
            assert resp.status_code < 500, (path, resp.text[-500:])
            if path in ("/console/cases", "/console/insider") or path == \
                    f"/console/cases/{store.case_id}":
                assert resp.status_code == 200, (path, resp.text[-500:])
            assert_unchanged(before, snapshot(store.engine), f"GET {path} (console)")
