"""A paged get reads its page and writes its audit row on one pooled connection.

The audit row of a TAXII read had a transaction of its own, so every page
cost a second checkout after authentication's (and on PostgreSQL a second
``pool_pre_ping``). Counted with SQLAlchemy's ``checkout`` event, on both
backends. Fewer checkouts must not mean fewer audit rows: every page is
still one ``taxii.read`` entry naming what was sent, and the chain verifies.

The page reads ``added_at`` only for its first and last rows, with a second
statement after the page (``routes._added_at``): a DELETE committed between
the two must neither fail the request nor give a wrong position (the page is
then read again with the times in its one statement).
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, delete, event, select

from tearline.security.audit import verify
from tearline.security.users import add_user
from tearline.store.schema import AuditEntry, StixObject
from tearline.web.app import make_app
from tearline.web.taxii import SHARED

PASSWORD = "page-connections-pw"
MEDIA = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def _headers() -> dict[str, str]:
    auth = base64.b64encode(f"pia:{PASSWORD}".encode()).decode()
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
        add_user(conn, "pia", actor="test", roles=["admin"], clearance="SECRET",
                 password=PASSWORD)
    with TestClient(make_app(engine)) as c:
        url = f"/taxii2/api1/collections/{SHARED.id}/objects/"
        body = orjson.dumps({"objects": [_indicator(n) for n in range(5)]})
        assert c.post(url, content=body, headers=_headers()).status_code == 202
        yield c


def _reads(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return [r.detail for r in conn.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "taxii.read")
            .order_by(AuditEntry.seq))]


def test_a_page_costs_one_checkout_after_authentication(client: Any, engine: Engine) -> None:
    url = f"/taxii2/api1/collections/{SHARED.id}/objects/?limit=2"
    before = len(_reads(engine))
    seen: list[object] = []
    event.listen(engine, "checkout", lambda *a: seen.append(a[0]))
    got: list[str] = []
    pages = 0
    while True:
        r = client.get(url, headers=_headers())
        assert r.status_code == 200
        env = r.json()
        got += [o["id"] for o in env.get("objects", [])]
        pages += 1
        if not env.get("more"):
            break
        url = f"/taxii2/api1/collections/{SHARED.id}/objects/?limit=2&next={env['next']}"
    assert sorted(got) == sorted(_indicator(n)["id"] for n in range(5))
    assert len(seen) == 2 * pages  # authentication's, then the page's with its audit row
    reads = _reads(engine)[before:]
    assert [d["count"] for d in reads] == [2, 2, 1]
    assert sorted(i for d in reads for i in d["ids"]) == sorted(got)
    with engine.connect() as conn:
        assert verify(conn) is None


def test_empty_answers_are_audited_too(client: Any, engine: Engine) -> None:
    """A read that finds nothing, or only a referenced identity, is still a read: a
    caller probing filters or ids must leave a ``taxii.read`` entry for each request."""
    before = len(_reads(engine))
    empty = f"/taxii2/api1/collections/{SHARED.id}/objects/?match[type]=malware"
    r = client.get(empty, headers=_headers())
    assert r.status_code == 200 and r.json() == {"more": False}
    reads = _reads(engine)
    assert len(reads) == before + 1 and reads[-1]["count"] == 0
    with engine.connect() as conn:
        assert verify(conn) is None


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


def test_a_row_deleted_before_its_time_is_read(engine: Engine, client: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tearline.web.taxii import routes

    full, full_heads = _walk(client, 2)
    assert len(full) == 5
    victim = full[1]  # the last row of the first page: its time is looked up
    fired: list[str] = []
    lookup = routes._AT_BY_SEQ

    class Racing:
        """The time lookup, with the victim deleted from another connection just before."""

        def rows(self, conn: Any, params: Any) -> Any:
            if not fired:
                fired.append(str(params))
                with engine.begin() as other:
                    other.execute(delete(StixObject).where(StixObject.id == victim))
            return lookup.rows(conn, params)

    monkeypatch.setattr(routes, "_AT_BY_SEQ", Racing())
    sent, heads = _walk(client, 2)
    assert fired, "the page never looked its times up: the test no longer tests anything"
    # Nothing but the deleted object is missing, nothing repeats, the order holds.
    assert sent == [i for i in full if i != victim]
    # Each page's headers are times of rows it sent, in order.
    assert all(first <= last for first, last in heads)
    assert heads[-1][1] == full_heads[-1][1]
