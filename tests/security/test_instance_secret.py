"""One instance, one secret: two ``serve`` workers over one database honour each other.

The architecture is PostgreSQL plus stateless workers. When neither
TEARLINE_TAXII_SECRET nor TEARLINE_CONSOLE_SECRET is set, each worker used to
draw its own random key, so a TAXII ``next`` token from one worker was a
"Bad next token" on the next, a console session signed in on one was signed
out on the other, and a restart signed everybody out. Migration 0011 draws
the instance secret once and keeps it in the database (``security.instance``).

Through two real ``tearline serve`` processes on loopback ports, sharing one
PostgreSQL schema (and, for the embedded default, one SQLite file).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests

from tests.taxii.conftest import (
    BACKENDS,
    PASSWORD,
    Server,
    fresh_db,
    seed,
    serving,
    start_server,
    stop_server,
)

MEDIA = "application/taxii+json;version=2.1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _page(srv: Server, token: str | None = None) -> requests.Response:
    params: dict[str, str | int] = {"limit": 3}
    if token:
        params["next"] = token
    return requests.get(srv.collection_url("shared") + "objects/", params=params,
                        auth=("ana", PASSWORD), headers={"Accept": MEDIA}, timeout=60)


def _cookie(resp: requests.Response, name: str) -> str:
    """A cookie's value from Set-Cookie (requests keeps no Secure cookie over http)."""
    for header in resp.raw.headers.getlist("set-cookie"):
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"no {name} cookie set: {resp.headers}")


def _sign_in(srv: Server) -> str:
    form = requests.get(f"{srv.base}/console/login", timeout=60)
    pre = _cookie(form, "tl_prelogin")
    token = CSRF.search(form.text)
    assert token, form.text[:500]
    done = requests.post(f"{srv.base}/console/login", timeout=60, allow_redirects=False,
                         data={"username": "ana", "password": PASSWORD,
                               "csrf": token.group(1), "next": "/console"},
                         headers={"Cookie": f"tl_prelogin={pre}"})
    assert done.status_code == 303, done.text[:500]
    return _cookie(done, "tl_session")


def _signed_in(srv: Server, session: str) -> bool:
    board = requests.get(f"{srv.base}/console", timeout=60, allow_redirects=False,
                         headers={"Cookie": f"tl_session={session}"})
    return board.status_code == 200 and "Sign in" not in board.text[:4000]


@pytest.fixture(autouse=True)
def _no_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEARLINE_TAXII_SECRET", "TEARLINE_CONSOLE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert "TEARLINE_CONSOLE_SECRET" not in os.environ


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_and_a_restart_share_tokens_and_sessions(
        backend: str, tmp_path: Path, shared_data: Path) -> None:
    with fresh_db(backend, tmp_path) as db:
        seed(db, tmp_path, shared_data)
        with serving(db) as one, serving(db) as two:
            first = _page(one)
            assert first.status_code == 200, first.text
            token = first.json()["next"]
            assert first.json()["more"] and token
            from_two = _page(two, token)
            assert from_two.status_code == 200, from_two.text
            assert from_two.json() == _page(one, token).json()  # the same page either way
            session = _sign_in(one)
            assert _signed_in(one, session) and _signed_in(two, session)
        again = start_server(db)  # a restart: nobody is signed out, no read starts over
        try:
            assert _signed_in(again, session)
            assert _page(again, token).status_code == 200
        finally:
            stop_server(again)


def test_the_environment_still_overrides_the_stored_secret(
        tmp_path: Path, shared_data: Path) -> None:
    db = str(tmp_path / "a.db")
    seed(db, tmp_path, shared_data)
    with serving(db) as stored:
        token = _page(stored).json()["next"]
        session = _sign_in(stored)
    with serving(db, env={"TEARLINE_CONSOLE_SECRET": "an operator's own secret"}) as own:
        assert _page(own, token).status_code == 400  # signed under the stored key
        assert not _signed_in(own, session)
        mine = _sign_in(own)
        assert _signed_in(own, mine)
