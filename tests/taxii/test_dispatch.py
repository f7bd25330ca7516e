"""TAXII requests take the lean router (``web.taxii.dispatch``), not FastAPI's routes.

The lean router is built from the FastAPI router's own list, so the two cannot
drift apart; these tests hold that, show that requests are really served
without the FastAPI routes (which stay for the OpenAPI document), and pin the
few answers the switch changed: HEAD is served like GET, and a method no route
takes is a TAXII error resource rather than FastAPI's JSON.
"""

from __future__ import annotations

import base64
import warnings
from pathlib import Path

import pytest
import requests
from starlette.routing import Route

from tearline.security.users import add_user
from tearline.web.app import make_app
from tearline.web.taxii._media import TAXII_MEDIA
from tearline.web.taxii.dispatch import TaxiiDispatch
from tests.taxii.conftest import PASSWORD, Server, migrated

with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ACCEPT = {"Accept": TAXII_MEDIA}


def _app(tmp_path: Path) -> tuple[object, dict[str, str]]:
    engine = migrated(str(tmp_path / "d.db"))
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"], clearance="SECRET",
                 password=PASSWORD)
    auth = "Basic " + base64.b64encode(f"ana:{PASSWORD}".encode()).decode()
    return make_app(engine), {**ACCEPT, "Authorization": auth}


def test_lean_router_serves_what_the_openapi_document_lists(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    lean = next(m.kwargs["taxii"] for m in app.user_middleware  # type: ignore[attr-defined]
                if m.cls is TaxiiDispatch)
    documented = {(path, method.upper())
                  for path, ops in app.openapi()["paths"].items()  # type: ignore[attr-defined]
                  if path.startswith("/taxii2/") for method in ops}
    routes = [r for r in lean.routes if isinstance(r, Route)]
    served = {(r.path, m) for r in routes[:-1] for m in (r.methods or ()) if m != "HEAD"}
    assert len(documented) >= 10
    # The same paths and methods; the lean router also holds the undocumented
    # catch-all 404, last, so it never shadows a real route.
    assert served == documented
    assert routes[-1].path == "/taxii2/{rest:path}"


def test_requests_are_served_without_the_fastapi_routes(tmp_path: Path) -> None:
    app, headers = _app(tmp_path)
    # Take the FastAPI TAXII routes away: every TAXII answer must stay the same.
    router = app.router  # type: ignore[attr-defined]
    before = len(router.routes)
    router.routes[:] = [r for r in router.routes if not any(
        getattr(x, "path", "").startswith("/taxii2/")
        for x in getattr(getattr(r, "original_router", None), "routes", [r]))]
    assert len(router.routes) == before - 1
    with TestClient(app) as client:  # type: ignore[arg-type]
        r = client.get("/taxii2/", headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_MEDIA
        assert r.json()["api_roots"]
        r = client.get("/taxii2/api1/collections/", headers=headers)
        assert r.status_code == 200 and r.json()["collections"]
        r = client.get("/taxii2/nowhere/", headers=headers)
        assert r.status_code == 404 and r.headers["content-type"] == TAXII_MEDIA
        r = client.get("/taxii2/", headers={"Accept": TAXII_MEDIA})
        assert r.status_code == 401 and "WWW-Authenticate" in r.headers


def test_root_path_is_honoured(tmp_path: Path) -> None:
    app, headers = _app(tmp_path)
    with TestClient(app, root_path="/tl") as client:  # type: ignore[arg-type]
        r = client.get("/tl/taxii2/", headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_MEDIA


def test_unknown_method_is_a_taxii_error(server: Server) -> None:
    r = requests.options(server.root + "collections/", headers=ACCEPT, timeout=10)
    assert r.status_code == 405
    assert r.headers["content-type"] == TAXII_MEDIA
    assert r.json()["http_status"] == "405"
    assert "GET" in r.headers["allow"]


def test_head_is_answered_like_get(server: Server) -> None:
    auth = ("ana", PASSWORD)
    got = requests.get(server.discovery, headers=ACCEPT, auth=auth, timeout=10)
    head = requests.head(server.discovery, headers=ACCEPT, auth=auth, timeout=10)
    assert got.status_code == head.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"] == TAXII_MEDIA
    assert head.content == b""
    refused = requests.head(server.discovery, headers=ACCEPT, timeout=10)
    assert refused.status_code == 401


def test_a_database_error_is_a_taxii_error(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    from tearline.web.taxii import SHARED, routes

    app, headers = _app(tmp_path)
    url = f"/taxii2/api1/collections/{SHARED.id}/objects/"
    for error, status in ((IntegrityError("INSERT ...", {}, Exception("dup")), 500),
                          (OperationalError("SELECT ...", {}, Exception("gone")), 503)):
        def fail(*args: object, _error: Exception = error, **kwargs: object) -> None:
            raise _error

        monkeypatch.setattr(routes, "objects_page", fail)
        with TestClient(app, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
            r = client.get(url, headers=headers)
        assert r.status_code == status
        assert r.headers["content-type"] == TAXII_MEDIA
        assert r.json()["http_status"] == str(status)
