"""The demo scenario fused into a database file, with the users and partner a warning needs.

``warn_demo`` copies a session-wide prepared database per test so each test
can drive its own case without paying for ingest and fusion again.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tearline.cli import main
from tearline.settings import PACKAGE_DIR

SCENARIO = PACKAGE_DIR / "demo" / "scenario"
#: The partner's Basic password for TAXII.
PASSWORD = "correct horse battery staple"
#: The main thread opens with the first intercept (the answer key's "main" thread).
MAIN_REF = "NRD-SIG-2025-0224"


@dataclass
class WarnDemo:
    db: str
    tokens: dict[str, str]

    def run(self, *args: str, user: str | None = None,
            env: dict[str, str] | None = None) -> tuple[int, str]:
        env = {**(env or {}), "TEARLINE_TOKEN": self.tokens[user or "root"]}
        res = CliRunner().invoke(main, ["--db", self.db, *args], env=env)
        return res.exit_code, res.output

    def json(self, *args: str, user: str | None = None) -> object:
        code, out = self.run(*args, "--json", user=user)
        assert code == 0, out
        return json.loads(out)


def main_thread(demo: WarnDemo) -> str:
    """The id of the thread holding ``MAIN_REF``."""
    with sqlite3.connect(demo.db) as conn:
        row = conn.execute("SELECT m.thread_id FROM thread_members m JOIN reports r "
                           "ON r.id = m.report_id WHERE r.external_id = ?", (MAIN_REF,)).fetchone()
    return str(row[0])


def public_main_thread(demo: WarnDemo) -> str:
    """The public id of the thread holding ``MAIN_REF``: the one the CLI prints."""
    from tearline.fusion.query import public_thread_id
    from tearline.store.db import make_engine

    engine = make_engine(f"sqlite:///{demo.db}")
    try:
        with engine.connect() as conn:
            return public_thread_id(conn, main_thread(demo))
    finally:
        engine.dispose()


def protected_values() -> list[str]:
    """Every protected value of the demo, read from the scenario files."""
    out = []
    for path in sorted((SCENARIO / "agencies").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += [v for v in (json.loads(line).get("protected") or {}).values() if v]
    return out


def _prepare(db: str) -> dict[str, str]:
    env: dict[str, str] = {}

    def ok(*args: str) -> str:
        res = CliRunner().invoke(main, ["--db", db, *args], env=env)
        assert res.exit_code == 0, res.output
        return res.output.strip().splitlines()[-1] if res.output.strip() else ""

    # The first user of a database must be an admin (issue 14); its token, printed
    # once, is how the set-up steps below act. It is neither drafter nor approver.
    env["TEARLINE_TOKEN"] = ok("users", "add", "root", "--role", "admin", "--role", "analyst",
                               "--clearance", "TOP SECRET")

    ok("partners", "add", "CSP", "--name", "Committee for State Protection",
       "--tier", "warning-only", "--country", "KZ")
    res = CliRunner().invoke(main, ["--db", db, "partners", "token", "CSP", "--password"],
                             input=f"{PASSWORD}\n{PASSWORD}\n", env=env)
    assert res.exit_code == 0, res.output
    tokens = {}
    for name, roles in (("ana", ["analyst"]), ("bob", ["approver"]),
                        ("cat", ["analyst", "approver"])):
        ok("users", "add", name, *[x for r in roles for x in ("--role", r)],
           "--clearance", "SECRET")
        tokens[name] = ok("users", "token", name)
    ok("ingest", str(SCENARIO))
    ok("fuse")
    tokens["root"] = env["TEARLINE_TOKEN"]
    return tokens


@pytest.fixture(scope="session")
def _prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("warn") / "demo.db"
    tokens = _prepare(str(path))
    return path, tokens


@pytest.fixture
def warn_demo(_prepared: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[WarnDemo]:
    src, tokens = _prepared
    dst = tmp_path / "demo.db"
    for suffix in ("", "-wal", "-shm"):  # SQLite in WAL mode keeps recent pages apart
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")
    yield WarnDemo(str(dst), tokens)
