"""A real ``tearline serve`` on a loopback port, seeded with users, partners and marked objects.

The TAXII tests talk to it only through the OASIS client libraries (and, for
headers and error codes the clients hide, plain ``requests``): no mocked HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tearline.ingest.run import ingest_file
from tearline.security.credentials import issue_partner_token, set_partner_password
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.share.releases import record_release
from tearline.store.db import ensure_current, make_engine
from tests.conftest import admin_env, drop_postgres_schema, make_postgres_engine

TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
PASSWORD = "correct horse battery staple"
TEARLINE = str(Path(sys.executable).parent / "tearline")
#: Parameters of a fixture that runs on each backend (PostgreSQL tests marked as such).
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def indicator(n: int, tlp: str | None, *, rel_to: list[str] | None = None,
              modified: str = "2025-03-01T00:00:00.000Z", **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2025-03-01T00:00:00.000Z", "modified": modified,
        "name": f"test indicator {n}", "pattern": f"[ipv4-addr:value = '10.0.0.{n % 250}']",
        "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z", **extra,
    }
    if tlp:
        obj["object_marking_refs"] = [TLP[tlp]]
    if rel_to:
        obj["x_tearline_releasability"] = rel_to
    return obj


def write_bundle(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "bundle",
                                "id": "bundle--11111111-2222-4333-8444-555555555555",
                                "objects": objects}))
    return path


@dataclass
class Server:
    """A running instance: its base URL, API root, database and process."""

    base: str
    db: str
    proc: subprocess.Popen[bytes]

    @property
    def discovery(self) -> str:
        return f"{self.base}/taxii2/"

    @property
    def root(self) -> str:
        return f"{self.base}/taxii2/api1/"

    def collection_url(self, alias: str) -> str:
        from tearline.web.taxii import INBOX, SHARED

        cid = SHARED.id if alias == "shared" else INBOX.id
        return f"{self.root}collections/{cid}/"


def start_server(db: str, *, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    proc = subprocess.Popen(
        [TEARLINE, "--db", db, "serve", "--port", str(port)],
        env={**os.environ, **admin_env(db), **(env or {})}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded CI machine can take a while
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tearline serve exited: {proc.stderr.read().decode()[-2000:]}"
                               if proc.stderr else "tearline serve exited")
        try:
            requests.get(f"{base}/taxii2/", timeout=5)
            return Server(base, db, proc)
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or a busy machine
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("tearline serve did not start within 90 s")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    if server.proc.stderr:
        server.proc.stderr.close()


@contextlib.contextmanager
def fresh_db(backend: str, tmp: Path, name: str = "a.db") -> Iterator[str]:
    """A database URL nobody else uses: a SQLite file in ``tmp``, or a PostgreSQL schema.

    The schema is dropped afterwards; the caller migrates and seeds the database.
    """
    if backend == "sqlite":
        yield str(tmp / name)
        return
    engine, schema = make_postgres_engine()
    db = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    try:
        yield db
    finally:
        drop_postgres_schema(schema)


@contextlib.contextmanager
def serving(db: str, *, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``tearline serve`` on ``db`` for the length of the block."""
    srv = start_server(db, env=env)
    try:
        yield srv
    finally:
        stop_server(srv)


def add_partners(conn: Any, tiers: Mapping[str, str], password: str = PASSWORD) -> None:
    """Partners ``{code: tier}``, each able to log in with ``password``."""
    for code, tier in tiers.items():
        create_partner(conn, code, f"Partner {code}", tier, actor="test")
        set_partner_password(conn, code, password, actor="test")


def migrated(db: str) -> Any:
    """An engine on ``db`` with the schema current (the caller disposes of it)."""
    engine = make_engine(db)
    ensure_current(engine)
    return engine


class TcpProxy:
    """A loopback TCP proxy in front of ``target``: ``stop`` cuts every connection.

    With ``record`` it keeps every byte forwarded either way in ``data``, so a
    test can say what was on the wire, not only what was stored.
    """

    def __init__(self, port: int, target: tuple[str, int], record: bool = False) -> None:
        self.port, self.target, self.record = port, target, record
        self.data = bytearray()
        self.lock = threading.Lock()
        self.socks: list[socket.socket] = []
        self.server: socket.socket | None = None

    def start(self) -> TcpProxy:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        self.server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()
        return self

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

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                if self.record:
                    with self.lock:
                        self.data.extend(data)
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
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()
        self.socks.clear()


#: What the seeded instance holds, by who may see it.
GREEN_IDS = [indicator(i, "green")["id"] for i in range(1, 6)]
AMBER_CORE_ID = indicator(10, "amber", rel_to=["CORE1"])["id"]
AMBER_ID = indicator(11, "amber")["id"]
RED_ID = indicator(12, "red")["id"]
RELEASED_ID = indicator(13, "amber")["id"]
VERSIONED_ID = indicator(20, "green")["id"]
SECRET_ID = indicator(30, "clear", x_tearline_classification="SECRET")["id"]
VERSIONS = ["2025-03-01T00:00:00.000Z", "2025-03-02T00:00:00.000Z", "2025-03-03T00:00:00.000Z"]


def seed(db: str, tmp: Path, shared_data: Path) -> None:
    engine = make_engine(db)
    ensure_current(engine)
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"], clearance="CONFIDENTIAL",
                 password=PASSWORD)
        add_user(conn, "root", actor="test", roles=["admin", "approver"], clearance="TOP SECRET",
                 password=PASSWORD)
        add_user(conn, "reader", actor="test", roles=["approver"], clearance="TOP SECRET",
                 password=PASSWORD)
        add_partners(conn, {"CORE1": "core", "SEL1": "selective", "WARN1": "warning-only"})
        token = issue_partner_token(conn, "CORE1", actor="test")
    (tmp / "core1.token").write_text(token)
    objects = [indicator(i, "green") for i in range(1, 6)]
    objects += [indicator(10, "amber", rel_to=["CORE1"]), indicator(11, "amber"),
                indicator(12, "red"), indicator(13, "amber"),
                indicator(30, "clear", x_tearline_classification="SECRET")]
    objects += [indicator(20, "green", modified=v) for v in VERSIONS]
    for path in (write_bundle(tmp / "seed.json", objects),
                 shared_data / "stix-examples" / "oasis-example-apt1.json"):
        result = ingest_file(engine, path)
        assert result.error is None, result.error
    with engine.begin() as conn:
        record_release(conn, RELEASED_ID, "SEL1", approved_by="root")
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           shared_data: Path) -> Iterator[Server]:
    """The same seeded server on each backend (PostgreSQL in a schema of its own)."""
    tmp = tmp_path_factory.mktemp("taxii")
    with fresh_db(request.param, tmp) as db:
        seed(db, tmp, shared_data)
        with serving(db) as srv:
            srv.token = (tmp / "core1.token").read_text()  # type: ignore[attr-defined]
            yield srv
