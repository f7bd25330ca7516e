"""Every library and CLI read path, against the hand-written sharing table.

Each path is asked, once per principal, what it returns; the ids must equal
exactly what ``policy_cases.EXPECTED`` allows: no more (a leak), no less.
"""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from tearline.cli import main
from tearline.ingest.query import get_report, list_reports
from tearline.security.audit import verify
from tearline.security.credentials import principal_for_partner, principal_for_user
from tearline.share.policy import Principal, local_owner
from tearline.share.releases import visible_stix_filter
from tearline.share.stix_export import write_bundle
from tearline.store.db import ensure_current, make_engine
from tearline.store.schema import AuditEntry, StixObject
from tearline.store.view import ReportFilter
from tests.conftest import admin_env
from tests.share.policy_cases import (
    PARTNERS,
    PRINCIPALS,
    PROTECTED_SENTINELS,
    Seeded,
    expected_ids,
    seed,
)


def principal(engine: Engine, who: str) -> Principal:
    with engine.connect() as conn:
        p = principal_for_partner(conn, who) or principal_for_user(conn, who)
    assert p is not None
    return p


@pytest.fixture
def seeded(engine: Engine) -> tuple[Engine, Seeded]:
    return engine, seed(engine)


@pytest.mark.parametrize("who", PRINCIPALS)
def test_list_reports(seeded: tuple[Engine, Seeded], who: str) -> None:
    engine, s = seeded
    with engine.begin() as conn:
        got = {r.id for r, _ in list_reports(conn, ReportFilter(), principal(engine, who))}
    assert got == expected_ids(s, who, {"report"})


@pytest.mark.parametrize("who", PRINCIPALS)
def test_get_report(seeded: tuple[Engine, Seeded], who: str) -> None:
    engine, s = seeded
    p = principal(engine, who)
    got = set()
    with engine.begin() as conn:
        for (kind, _case), oid in s.ids.items():
            if kind == "report" and get_report(conn, oid, p) is not None:
                got.add(oid)
    assert got == expected_ids(s, who, {"report"})


@pytest.mark.parametrize("who", PRINCIPALS)
def test_visible_stix_filter(seeded: tuple[Engine, Seeded], who: str) -> None:
    """The SQL condition the TAXII server filters collections with."""
    engine, s = seeded
    with engine.connect() as conn:
        got = set(conn.execute(select(StixObject.id)
                               .where(visible_stix_filter(principal(engine, who)))).scalars())
    assert got == expected_ids(s, who, {"stix"})


@pytest.mark.parametrize("who", PRINCIPALS)
def test_export(seeded: tuple[Engine, Seeded], who: str) -> None:
    engine, s = seeded
    buf = io.BytesIO()
    with engine.begin() as conn:
        write_bundle(conn, buf, principal(engine, who))
    objects = orjson.loads(buf.getvalue())["objects"]
    got = {o["id"] for o in objects if s.case_of(o["id"])}
    assert got == expected_ids(s, who)
    for sentinel in PROTECTED_SENTINELS:
        assert sentinel not in buf.getvalue().decode()
    # every TLP marking the shipped objects refer to is in the bundle
    refs = {m for o in objects for m in o.get("object_marking_refs", [])}
    assert refs <= {o["id"] for o in objects}


def test_owner_sees_everything_and_reads_are_audited(seeded: tuple[Engine, Seeded]) -> None:
    engine, s = seeded
    with engine.begin() as conn:
        rows = list_reports(conn, ReportFilter(), local_owner())
        assert {r.id for r, _ in rows} == {oid for (k, _), oid in s.ids.items() if k == "report"}
        denied = get_report(conn, s.ids[("report", "top-secret")], principal(engine, "SEL1"))
        assert denied is None
    with engine.connect() as conn:
        actions = list(conn.execute(select(AuditEntry.actor, AuditEntry.action)).tuples())
        assert ("owner", "report.list") in actions
        assert ("partner:SEL1", "report.read.denied") in actions
        assert verify(conn) is None


def test_paging_counts_only_visible_rows(seeded: tuple[Engine, Seeded]) -> None:
    engine, s = seeded
    p = principal(engine, "CORE1")
    with engine.begin() as conn:
        first = list_reports(conn, ReportFilter(limit=2), p)
        rest = list_reports(conn, ReportFilter(offset=2), p)
    assert len(first) == 2
    assert {r.id for r, _ in first + rest} == expected_ids(s, "CORE1", {"report"})


# -- the CLI, through a database file -------------------------------------------------
@pytest.fixture
def cli_db(tmp_path: Path) -> tuple[str, Seeded]:
    path = str(tmp_path / "cli.db")
    engine = make_engine(path)
    ensure_current(engine)
    s = seed(engine)
    engine.dispose()
    return path, s


@pytest.mark.parametrize("who", [*PARTNERS, "user:analyst", None])
def test_cli_reports_show_export_as(cli_db: tuple[str, Seeded], who: str | None) -> None:
    path, s = cli_db
    runner = CliRunner(env=admin_env(path))  # the store has users: act with an admin token
    as_args = ["--as", who] if who else []
    key = (who or "chief").removeprefix("user:")
    want = expected_ids(s, key, {"report"}) if who else {
        oid for (k, _), oid in s.ids.items() if k == "report"}

    res = runner.invoke(main, ["--db", path, "reports", "--json", *as_args])
    assert res.exit_code == 0, res.output
    assert {r["id"] for r in orjson.loads(res.output)} == want

    shown = set()
    for (kind, _case), oid in s.ids.items():
        if kind != "report":
            continue
        res = runner.invoke(main, ["--db", path, "show", oid, "--json", *as_args])
        if res.exit_code == 0:
            shown.add(orjson.loads(res.output)["id"])
        else:
            assert "no report matches" in res.output
    assert shown == want

    res = runner.invoke(main, ["--db", path, "export", *as_args])
    assert res.exit_code == 0, res.output
    got = {o["id"] for o in orjson.loads(res.stdout_bytes)["objects"] if s.case_of(o["id"])}
    assert got == (expected_ids(s, key) if who else set(s.ids.values()))
    for sentinel in PROTECTED_SENTINELS:
        assert sentinel not in res.output


def test_cli_as_unknown_partner_is_a_clear_error(cli_db: tuple[str, Seeded]) -> None:
    path, _ = cli_db
    res = CliRunner(env=admin_env(path)).invoke(main, ["--db", path, "reports", "--as", "NOPE"])
    assert res.exit_code == 2
    assert "no partner with code 'NOPE'" in res.output
