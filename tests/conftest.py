"""Shared fixtures: a real database per test, SQLite and (when reachable) PostgreSQL.

PostgreSQL tests each get their own schema on the server from
``TEARLINE_TEST_POSTGRES``, dropped afterwards. Locally they are skipped with
the reason when the server is down; with ``CI=true`` a missing server fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

# The suite's fixtures name this agency 'HOME' (the identity every instance had
# before migration 0011 drew one per instance); tests of the drawn identity
# remove the variable for the servers they start.
os.environ.setdefault("TEARLINE_AGENCY", "HOME")

from tearline.settings import postgres_test_url, shared_data_dir
from tearline.store.db import ensure_current, make_engine

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_available() -> str | None:
    try:
        eng = create_engine(postgres_test_url())
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure to connect means "not here"
        return f"PostgreSQL at {postgres_test_url()} is not reachable: {exc}"


_PG_PROBLEM = _postgres_available()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if not d.exists():
        if IN_CI:
            pytest.fail(f"shared data folder {d} is missing in CI")
        pytest.skip(f"shared data folder {d} is missing (set TEARLINE_SHARED_DATA)")
    return d


def make_postgres_engine() -> tuple[Engine, str]:
    """A fresh schema on the PostgreSQL test server, as the engine's search_path."""
    if _PG_PROBLEM:
        if IN_CI:
            pytest.fail(f"CI=true but {_PG_PROBLEM}")
        pytest.skip(_PG_PROBLEM)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_test_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = postgres_test_url()
    sep = "&" if "?" in url else "?"
    return make_engine(f"{url}{sep}options=-csearch_path%3D{schema}"), schema


def drop_postgres_schema(schema: str) -> None:
    admin = create_engine(postgres_test_url())
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        eng = make_engine(str(tmp_path / "t.db"))
        ensure_current(eng)
        yield eng
        eng.dispose()
        return
    eng, schema = make_postgres_engine()
    ensure_current(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        drop_postgres_schema(schema)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(str(tmp_path / "t.db"))
    ensure_current(eng)
    yield eng
    eng.dispose()


def admin_env(db: str) -> dict[str, str]:
    """Environment for a ``tearline`` command on ``db`` acting as an admin.

    Once a database has users the CLI needs a token (``security.identity``);
    this adds an admin ``test-admin`` (when missing) and returns its token as
    ``TEARLINE_TOKEN``. A database with no users is in set-up mode: no token.
    """
    from sqlalchemy import func, select

    from tearline.security.credentials import issue_user_token
    from tearline.security.users import add_user
    from tearline.store.schema import User

    eng = make_engine(db)
    ensure_current(eng)
    try:
        with eng.begin() as conn:
            if not conn.execute(select(func.count()).select_from(User)).scalar():
                return {}
            if conn.execute(select(User.username).where(User.username == "test-admin")) \
                    .scalar() is None:
                add_user(conn, "test-admin", actor="test", clearance="TOP SECRET",
                         roles=["admin", "approver", "analyst"], compartments=["*"])
            return {"TEARLINE_TOKEN": issue_user_token(conn, "test-admin", actor="test")}
    finally:
        eng.dispose()


def demo_agency_halves(folder: Path, cut: str = "2025-03-10") -> tuple[Path, Path]:
    """The demo's agency reports as two files: those received before ``cut``, then the rest.

    Arrival order is then the same as a rebuild's, which the incremental-fuse tests rely on.
    """
    import json

    from tearline.demo_run import SCENARIO_DIR

    folder.mkdir(parents=True, exist_ok=True)
    reports = [json.loads(line) for f in sorted((SCENARIO_DIR / "agencies").glob("*.jsonl"))
               for line in f.read_text().splitlines() if line.strip()]
    first, rest = folder / "first.jsonl", folder / "rest.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in reports
                             if r.get("received_at", r["reported_at"]) < cut))
    rest.write_text("".join(json.dumps(r) + "\n" for r in reports
                            if r.get("received_at", r["reported_at"]) >= cut))
    return first, rest
