"""'Exists but hidden' and 'does not exist' answer alike on every id-taking REST route.

Through a real ``tearline serve`` on a loopback port. For each principal, one
object of each kind it may not see (a report, a thread, a duty-to-warn case)
and an id nothing has: every route in ``ROUTES`` must give both the same status,
the same body once the id itself is blanked out, and the same headers (less
Date and Content-Length). Any difference tells the caller the object exists.

Found this way: the duty-to-warn workflow routes (review, ack, follow-up,
close, ...) looked cases up without the policy, so a SECRET analyst could act
on a TOP SECRET case, and its answer (a state-machine refusal or success)
differed from the 'no such case' answer for an id that names nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import insert

from tearline.store.schema import Thread, ThreadMember, Warning
from tests.share.policy_cases import Seeded, seed
from tests.taxii.conftest import BACKENDS, Server, fresh_db, migrated, serving

API = "/api/v1"
TS_CASE = f"report--{uuid.UUID(int=0x7A11, version=4)}"
NOTHING = f"report--{uuid.UUID(int=0xDEAD, version=4)}"

#: (method, path, JSON body): ``{id}`` is the id probed.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/reports/{id}", None),
    ("GET", "/threads/{id}", None),
    ("GET", "/warnings/{id}", None),
    ("POST", "/warnings/{id}/review", {"note": "seen"}),
    ("POST", "/warnings/{id}/waive", {"justification": "no-target", "rationale": "x"}),
    ("POST", "/warnings/{id}/approve", {"reason": "x"}),
    ("POST", "/warnings/{id}/draft", {"instruction": "stay away"}),
    ("POST", "/warnings/{id}/sanitize", None),
    ("POST", "/warnings/{id}/release", {"reason": "x"}),
    ("POST", "/warnings/{id}/deliver", {"channel": "taxii", "to": "WARN1"}),
    ("POST", "/warnings/{id}/ack", {"by": "them"}),
    ("POST", "/warnings/{id}/respond", {"by": "them", "kind": "action", "text": "x"}),
    ("POST", "/warnings/{id}/followup", {"party": "them", "text": "x"}),
    ("POST", "/warnings/{id}/close", {"outcome": "no-event", "reason": "x"}),
    ("GET", "/releases?object_id={id}", None),
    ("POST", "/releases", {"object_id": "{id}", "partner": "CORE1"}),
]

#: Who probes, and which stored objects it may not see (by policy_cases case name).
HIDDEN = {"analyst": ("top-secret", "compartment"), "CORE1": ("green-secret",),
          "SEL1": ("clear", "red-rel"), "WARN1": ("clear",)}


def _store(db: str) -> Seeded:
    engine = migrated(db)
    s = seed(engine)
    now = datetime(2025, 3, 20, tzinfo=UTC)
    with engine.begin() as conn:
        # A TOP SECRET case on a thread of a TOP SECRET report: hidden from the analyst.
        ts = s.ids[("report", "top-secret")]
        tid = f"thread:{ts}"
        conn.execute(insert(Thread).values(id=tid, title="TS thread", status="open",
                                           created_at=now, updated_at=now, state={}))
        conn.execute(insert(ThreadMember).values(thread_id=tid, report_id=ts, score=1.0,
                                                 added_at=now))
        conn.execute(insert(Warning).values(
            id=TS_CASE, thread_id=tid, state="identified", created_at=now, updated_at=now,
            payload={"tlp": "amber", "classification": "TOP SECRET"}))
        for case in ("green-secret", "clear", "red-rel", "compartment"):
            rid = s.ids[("report", case)]
            conn.execute(insert(Thread).values(id=f"thread:{rid}", title=f"T {case}",
                                               status="open", created_at=now, updated_at=now,
                                               state={}))
            conn.execute(insert(ThreadMember).values(thread_id=f"thread:{rid}", report_id=rid,
                                                     score=1.0, added_at=now))
    engine.dispose()
    return s


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Server, Seeded]]:
    tmp = tmp_path_factory.mktemp("oracles")
    with fresh_db(request.param, tmp) as db:
        s = _store(db)
        with serving(db) as srv:
            yield srv, s


def _call(srv: Server, s: Seeded, who: str, method: str, path: str,
          body: dict[str, Any] | None, ref: str) -> tuple[int, Any, dict[str, str]]:
    url = f"{srv.base}{API}{path.replace('{id}', ref)}"
    payload = None if body is None else {k: (v.replace("{id}", ref) if isinstance(v, str)
                                             else v) for k, v in body.items()}
    r = requests.request(method, url, json=payload, timeout=60, allow_redirects=False,
                         headers={"Authorization": f"Bearer {s.tokens[who]}"})
    text = r.text.replace(ref, "<ID>")
    text = re.sub(r"thread--[0-9a-f-]{36}", "<THREAD>", text)
    headers = {k.lower(): v.replace(ref, "<ID>") for k, v in r.headers.items()
               if k.lower() not in ("date", "content-length")}
    return r.status_code, text, headers


def _hidden_refs(s: Seeded, who: str) -> list[str]:
    refs = []
    for case in HIDDEN[who]:
        rid = s.ids[("report", case)]
        refs += [rid, f"thread:{rid}", f"CASE-{case}"]
    if who == "analyst":
        refs.append(TS_CASE)
    else:  # a case no partner may see (released to none)
        refs.append(s.ids[("stix", "warning-unreleased")])
    return refs


@pytest.mark.parametrize("who", sorted(HIDDEN))
@pytest.mark.parametrize(("method", "path", "body"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_hidden_answers_as_absent(served: tuple[Server, Seeded], who: str, method: str,
                                  path: str, body: dict[str, Any] | None) -> None:
    srv, s = served
    absent = _call(srv, s, who, method, path, body, NOTHING)
    for ref in _hidden_refs(s, who):
        assert _call(srv, s, who, method, path, body, ref) == absent, (who, ref)


def test_the_ts_case_was_not_touched(served: tuple[Server, Seeded]) -> None:
    srv, s = served
    r = requests.get(f"{srv.base}{API}/warnings/{TS_CASE}", timeout=60,
                     headers={"Authorization": f"Bearer {s.tokens['chief']}"})
    assert r.status_code == 200, r.text
    item = r.json()["item"]
    assert item["state"] == "identified" and item["events"] == []
    assert item["thread_id"].startswith("thread--")  # never the TS report's id
