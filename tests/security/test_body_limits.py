"""Request-body limits through a real ``tearline serve`` on a loopback port, both backends.

Each surface gets a body just under its limit (the route answers as usual) and
one just over (413 in that surface's own error shape, naming the limit), sent
once with a ``Content-Length`` and once chunked, where the server cannot know
the size until the bytes arrive. The limits are set small for the test
(``TEARLINE_MAX_REQUEST_BYTES``, ``TEARLINE_MAX_UPLOAD_BYTES``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tearline.security.credentials import issue_partner_token
from tearline.share.partners import create_partner
from tearline.store.db import ensure_current, make_engine
from tests.conftest import admin_env
from tests.taxii.conftest import Server, indicator, start_server, stop_server

LIMIT = 20_000
UPLOAD_LIMIT = 30_000
TAXII = "application/taxii+json;version=2.1"


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def limited(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    """A server with small body limits, an admin token and a partner token."""
    tmp = tmp_path_factory.mktemp("limits")
    schema = None
    if request.param == "sqlite":
        db = str(tmp / "l.db")
    else:
        from tests.conftest import make_postgres_engine

        eng, schema = make_postgres_engine()
        db = eng.url.render_as_string(hide_password=False)
        eng.dispose()
    engine = make_engine(db)
    ensure_current(engine)
    from tearline.security.users import add_user

    with engine.begin() as conn:
        add_user(conn, "root", actor="test", roles=["admin"], clearance="TOP SECRET",
                 password="correct horse battery staple")
        create_partner(conn, "CORE1", "Partner CORE1", "core", actor="test")
        partner = issue_partner_token(conn, "CORE1", actor="test")
    engine.dispose()
    tokens = {"admin": admin_env(db)["TEARLINE_TOKEN"], "partner": partner}
    srv = start_server(db, env={"TEARLINE_MAX_REQUEST_BYTES": str(LIMIT),
                                "TEARLINE_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)})
    try:
        yield srv, tokens
    finally:
        stop_server(srv)
        if schema:
            from tests.conftest import drop_postgres_schema

            drop_postgres_schema(schema)


def _padded(prefix: bytes, suffix: bytes, size: int) -> bytes:
    """A body of exactly ``size`` bytes: ``prefix``, whitespace, ``suffix``."""
    pad = size - len(prefix) - len(suffix)
    assert pad >= 0
    return prefix + b" " * pad + suffix


def _chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i:i + size]


def _send(url: str, body: bytes, chunked: bool, **kw: Any) -> requests.Response:
    data: Any = _chunks(body) if chunked else body
    r = requests.post(url, data=data, timeout=60, allow_redirects=False, **kw)
    if chunked:
        assert "content-length" not in {k.lower() for k in r.request.headers}
        assert r.request.headers.get("Transfer-Encoding") == "chunked"
    return r


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_rest_body_limit(limited: tuple[Server, dict[str, str]], chunked: bool) -> None:
    srv, tokens = limited
    url = f"{srv.base}/api/v1/users"
    head = {"Authorization": f"Bearer {tokens['admin']}", "Content-Type": "application/json"}
    name = f"u{int(chunked)}"
    under = _padded(b'{"username": "' + name.encode() + b'"', b"}", LIMIT)
    r = _send(url, under, chunked, headers=head)
    assert r.status_code == 201, r.text
    assert r.json()["item"]["username"] == name
    over = _padded(b'{"username": "' + name.encode() + b'x"', b"}", LIMIT + 1)
    r = _send(url, over, chunked, headers=head)
    assert r.status_code == 413
    body = r.json()
    assert body["ok"] is False and body["status"] == 413
    assert f"{LIMIT:,} bytes" in body["error"] and "TEARLINE_MAX_REQUEST_BYTES" in body["error"]
    users = requests.get(url, headers=head, timeout=30).json()["items"]
    assert name + "x" not in {u["username"] for u in users}  # nothing of it was acted on


def _inbox(srv: Server) -> str:
    from tearline.web.taxii import INBOX

    return f"{srv.root}collections/{INBOX.id}/objects/"


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_taxii_body_limit(limited: tuple[Server, dict[str, str]], chunked: bool) -> None:
    srv, tokens = limited
    head = {"Authorization": f"Bearer {tokens['partner']}", "Content-Type": TAXII,
            "Accept": TAXII}
    n = 40 + int(chunked)
    env = json.dumps({"objects": [indicator(n, "green")]}).encode()
    r = _send(_inbox(srv), _padded(env[:-1], b"}", LIMIT), chunked, headers=head)
    assert r.status_code == 202, r.text
    assert r.json()["success_count"] == 1
    env = json.dumps({"objects": [indicator(n + 10, "green")]}).encode()
    r = _send(_inbox(srv), _padded(env[:-1], b"}", LIMIT + 1), chunked, headers=head)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/taxii+json")
    err = r.json()
    assert err["http_status"] == "413" and f"{LIMIT:,} bytes" in err["description"]
    # The API root advertises the limit it enforces.
    root = requests.get(srv.root, headers=head, timeout=30).json()
    assert root["max_content_length"] == LIMIT


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_console_body_limit(limited: tuple[Server, dict[str, str]], chunked: bool) -> None:
    srv, _ = limited
    s = requests.Session()
    page = s.get(f"{srv.base}/console/login", timeout=30)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    form = (f"username=root&password=correct+horse+battery+staple&csrf={found.group(1)}"
            "&next=%2Fconsole&pad=").encode()
    head = {"Content-Type": "application/x-www-form-urlencoded"}
    cookies = s.cookies.get_dict()
    r = _send(f"{srv.base}/console/login", form + b"a" * (UPLOAD_LIMIT - len(form)), chunked,
              headers=head, cookies=cookies)
    assert r.status_code == 303, r.text[:500]  # signed in: the form was read whole
    r = _send(f"{srv.base}/console/login", form + b"a" * (UPLOAD_LIMIT + 1 - len(form)),
              chunked, headers=head, cookies=cookies)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert f"{UPLOAD_LIMIT:,} bytes" in r.text and "<h1>" in r.text


def test_a_declared_length_over_the_limit_is_refused_unread(
        limited: tuple[Server, dict[str, str]], tmp_path: Path) -> None:
    """A Content-Length far over the limit gets 413 before the body is sent."""
    import socket
    from urllib.parse import urlsplit

    srv, _ = limited
    parts = urlsplit(srv.base)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80),
                                  timeout=30) as sock:
        sock.sendall(b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 999999999\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            got = sock.recv(4096)
            if not got:
                break
            answer += got
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
