"""A page's date-added times and ``next`` hold when a row goes between two statements.

The objects page reads ``added_at`` only for its first and last rows, with a
second statement after the page (``routes._added_at``). A DELETE committed
between the two must neither fail the request nor give a wrong position: the
page is then read again with the times in its one statement. The DELETE is
made by another connection at the exact moment the time lookup is about to
run (a ``before_cursor_execute`` hook), on both backends.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, delete, event

from tearline.security.users import add_user
from tearline.store.schema import StixObject
from tearline.web.app import make_app
from tearline.web.taxii import SHARED

PASSWORD = "page-times-pw"
MEDIA = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def _headers() -> dict[str, str]:
    auth = base64.b64encode(f"tia:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {auth}", "Accept": MEDIA, "Content-Type": MEDIA}


def _indicator(n: int) -> dict[str, Any]:
    ts = f"2025-03-01T00:00:{n:02d}.000Z"
    return {"type": "indicator", "spec_version": "2.1",
            "id": f"indicator--00000000-0000-4000-8000-{n:012d}", "created": ts,
            "modified": ts, "pattern": f"[ipv4-addr:value = '198.51.100.{n}']",
            "pattern_type": "stix", "valid_from": ts, "object_marking_refs": [GREEN]}


@pytest.fixture()
def client(engine: Engine) -> Iterator[Any]:
    with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with engine.begin() as conn:
        add_user(conn, "tia", actor="test", roles=["admin"], clearance="SECRET",
                 password=PASSWORD)
    with TestClient(make_app(engine)) as c:
        body = orjson.dumps({"objects": [_indicator(n) for n in range(6)]})
        assert c.post(f"/taxii2/api1/collections/{SHARED.id}/objects/", content=body,
                      headers=_headers()).status_code == 202
        yield c


def _walk(client: Any, limit: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Every id a paged walk sends, and each page's date-added headers."""
    url = f"/taxii2/api1/collections/{SHARED.id}/objects/?limit={limit}"
    ids: list[str] = []
    heads: list[tuple[str, str]] = []
    while True:
        r = client.get(url, headers=_headers())
        assert r.status_code == 200, r.text
        env = r.json()
        page = [o["id"] for o in env.get("objects", [])]
        ids += page
        if page:
            heads.append((r.headers["X-TAXII-Date-Added-First"],
                          r.headers["X-TAXII-Date-Added-Last"]))
        if not env.get("more"):
            return ids, heads
        url = (f"/taxii2/api1/collections/{SHARED.id}/objects/?limit={limit}"
               f"&next={env['next']}")


def test_a_row_deleted_before_its_time_is_read(engine: Engine, client: Any) -> None:
    full, full_heads = _walk(client, 2)
    assert len(full) == 6
    victim = full[1]  # the last row of the first page: its time is looked up
    fired: list[str] = []

    def gone(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "added_seq IN" in statement and not fired:
            fired.append(statement)
            with engine.begin() as other:
                other.execute(delete(StixObject).where(StixObject.id == victim))

    event.listen(engine, "before_cursor_execute", gone)
    try:
        sent, heads = _walk(client, 2)
    finally:
        event.remove(engine, "before_cursor_execute", gone)
    assert fired, "the page never looked its times up: the test no longer tests anything"
    # Nothing but the deleted object is missing, nothing repeats, the order holds.
    assert sent == [i for i in full if i != victim]
    # Each page's headers are times of rows it sent, in order.
    assert all(first <= last for first, last in heads)
    assert heads[-1][1] == full_heads[-1][1]
