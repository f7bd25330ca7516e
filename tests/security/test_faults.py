"""Faults: a kill during schema creation, and the database going away under ``serve``.

The outage is real: ``tearline serve`` reaches PostgreSQL through a TCP proxy
in this process, which the test stops (every connection cut) and restarts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tearline.security.credentials import issue_user_token
from tearline.security.users import add_user
from tearline.settings import postgres_test_url
from tearline.store.db import ensure_current, make_engine
from tests.conftest import _PG_PROBLEM
from tests.taxii.conftest import TEARLINE, free_port, start_server, stop_server
from tests.taxii.conftest import TcpProxy as _Proxy


def test_a_kill_during_schema_creation_never_leaves_a_broken_database(tmp_path: Path) -> None:
    env = {**os.environ}
    for i, delay in enumerate((0.3, 0.6, 0.9, 1.2, 1.5, 2.0)):
        db = str(tmp_path / f"k{i}.db")
        proc = subprocess.Popen([TEARLINE, "--db", db, "db", "upgrade"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for args in (["db", "upgrade"], ["sources", "--json"]):
            again = subprocess.run([TEARLINE, "--db", db, *args], env=env,
                                   capture_output=True, text=True, timeout=120)
            assert again.returncode == 0, (delay, args, again.stderr)


@pytest.mark.postgres
def test_database_outage_gives_error_shapes_and_recovers(tmp_path: Path) -> None:
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_test_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    proxy = _Proxy(free_port(), ("127.0.0.1", 5432))
    proxy.start()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/test?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    ensure_current(engine)
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"])
        token = issue_user_token(conn, "ana", actor="test")
    engine.dispose()
    srv = start_server(url)
    auth = {"Authorization": f"Bearer {token}",
            "Accept": "application/taxii+json;version=2.1"}
    rest, taxii = f"{srv.base}/api/v1/reports", f"{srv.base}/taxii2/api1/collections/"
    try:
        assert requests.get(rest, headers=auth, timeout=30).status_code == 200
        proxy.stop()
        down = requests.get(rest, headers=auth, timeout=60)
        assert down.status_code == 503 and down.headers["Retry-After"] == "5"
        assert down.json() == {"ok": False, "error": down.json()["error"], "errors": [],
                               "status": 503} and "retry" in down.json()["error"]
        tdown = requests.get(taxii, headers=auth, timeout=60)
        assert tdown.status_code == 503 and "retry" in tdown.json()["description"]
        proxy.start()  # the database is back: the next request works, no restart needed
        deadline = time.monotonic() + 30
        while requests.get(rest, headers=auth, timeout=30).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        stop_server(srv)
        proxy.stop()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
