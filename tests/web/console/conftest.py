"""A small fused store with users of three clearances, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse
from tearline.security.users import add_user
from tearline.settings import PACKAGE_DIR
from tearline.web.app import make_app

with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

AGENCIES = PACKAGE_DIR / "demo" / "scenario" / "agencies"
#: name -> (password, roles, clearance)
USERS = {"sam": ("sam-pw", ["analyst", "admin"], "TOP SECRET"),
         "una": ("una-pw", ["analyst"], "UNCLASSIFIED"),
         "rae": ("rae-pw", [], "SECRET")}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    engine: Engine
    app: object

    def client(self) -> TestClient:
        # https: the session cookie is Secure, so a plain-http client would drop it.
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)

    def signed_in(self, user: str) -> TestClient:
        c = self.client()
        token = CSRF.search(c.get("/console/login").text)
        assert token
        r = c.post("/console/login", data={"username": user, "password": USERS[user][0],
                                           "csrf": token.group(1), "next": "/console"})
        assert r.status_code == 303, r.text
        return c


@pytest.fixture
def console(engine: Engine, shared_data: Path) -> Iterator[Console]:
    ingest_paths(engine, [AGENCIES / "nrd.jsonl", AGENCIES / "vst.jsonl",
                          AGENCIES / "csp.jsonl"])
    fuse(engine)
    with engine.begin() as conn:
        for name, (pw, roles, clearance) in USERS.items():
            add_user(conn, name, actor="test", roles=roles, clearance=clearance,
                     compartments=["*"] if clearance == "TOP SECRET" else [], password=pw)
    yield Console(engine, make_app(engine))


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page has no form with a CSRF token"
    return m.group(1)
