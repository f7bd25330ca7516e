"""Faults: a kill during schema creation, and the database going away under ``serve``.

The outage is real: ``tearline serve`` reaches PostgreSQL through a TCP proxy
in this process, which the test stops (every connection cut) and restarts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
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


class _Proxy:
    """A TCP proxy on a loopback port; ``stop`` cuts every connection."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.socks: list[socket.socket] = []
        self.server: socket.socket | None = None

    def start(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        self.server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self.server:  # shutdown first: it wakes the thread blocked in accept()
            with contextlib.suppress(OSError):
                self.server.shutdown(socket.SHUT_RDWR)
            self.server.close()
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.socks.clear()


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
