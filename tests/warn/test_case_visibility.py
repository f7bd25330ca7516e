"""A case file is marked like the most restrictive of its thread, and read through the policy.

The demo's main thread holds SECRET reporting at TLP:RED (LANTERN's report,
among others), so its case file is SECRET / RED: an analyst cleared only for
CONFIDENTIAL must not find it over REST or the CLI, while a SECRET analyst
does. What leaves (the sanitized warning) keeps its own release marking.
"""

from __future__ import annotations

import json
import sqlite3
import warnings

from tearline.store.db import make_engine
from tearline.web.api import PREFIX
from tearline.web.app import make_app

from .conftest import WarnDemo, main_thread, public_main_thread

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _members_marking(demo: WarnDemo, thread: str) -> tuple[set[str], set[str]]:
    with sqlite3.connect(demo.db) as conn:
        rows = conn.execute("SELECT r.classification, r.tlp FROM reports r JOIN thread_members m"
                            " ON m.report_id = r.id WHERE m.thread_id = ?", (thread,)).fetchall()
    return {r[0] for r in rows}, {r[1] for r in rows}


def _add_user(demo: WarnDemo, name: str, clearance: str) -> None:
    for args in (("users", "add", name, "--role", "analyst", "--clearance", clearance),
                 ("users", "token", name)):
        code, out = demo.run(*args)
        assert code == 0, out
    demo.tokens[name] = out.strip().splitlines()[-1]


def test_the_case_file_carries_its_threads_most_restrictive_marking(
        warn_demo: WarnDemo) -> None:
    thread = main_thread(warn_demo)
    classifications, tlps = _members_marking(warn_demo, thread)
    assert "SECRET" in classifications and "red" in tlps  # the demo's own markings
    [case] = [c for c in warn_demo.json("warn", "list")
              if c["thread_id"] == public_main_thread(warn_demo)]  # type: ignore[union-attr]
    shown = warn_demo.json("warn", "show", case["id"])
    assert isinstance(shown, dict)
    assert shown["payload"]["classification"] == "SECRET"
    assert shown["payload"]["tlp"] == "red"
    assert shown["payload"]["release_marking"] == {"tlp": "amber",
                                                   "classification": "UNCLASSIFIED"}


def test_an_uncleared_analyst_sees_no_case_over_cli_or_rest(warn_demo: WarnDemo) -> None:
    _add_user(warn_demo, "low", "CONFIDENTIAL")
    cases = warn_demo.json("warn", "list")
    assert isinstance(cases, list) and cases
    assert warn_demo.json("warn", "list", user="low") == []
    code, out = warn_demo.run("warn", "show", cases[0]["id"], user="low")
    assert code != 0 and "that you may see" in out and "Traceback" not in out
    # and the same refusal for a case that does not exist: nothing to probe
    code, missing = warn_demo.run("warn", "show", "report--0000000000", user="low")
    assert code != 0 and "that you may see" in missing

    engine = make_engine(warn_demo.db)
    try:
        client = TestClient(make_app(engine))
        low = {"Authorization": f"Bearer {warn_demo.tokens['low']}"}
        ana = {"Authorization": f"Bearer {warn_demo.tokens['ana']}"}
        assert client.get(f"{PREFIX}/warnings", headers=low).json()["items"] == []
        r = client.get(f"{PREFIX}/warnings/{cases[0]['id']}", headers=low)
        assert r.status_code == 404 and r.json()["ok"] is False
        seen = client.get(f"{PREFIX}/warnings", headers=ana).json()["items"]
        assert {c["id"] for c in seen} == {c["id"] for c in cases}
        assert all(c["payload"]["classification"] == "SECRET" for c in seen)
    finally:
        engine.dispose()


def test_old_cases_marked_unclassified_are_tightened_by_the_next_scan(
        warn_demo: WarnDemo) -> None:
    thread = main_thread(warn_demo)
    with sqlite3.connect(warn_demo.db) as conn:  # a case file as session 1 wrote it
        (payload,) = conn.execute("SELECT payload FROM warnings WHERE thread_id = ?",
                                  (thread,)).fetchone()
        old = json.loads(payload)
        for key in ("marked_from", "release_marking", "caveats"):
            old.pop(key, None)
        old.update(classification="UNCLASSIFIED", tlp="amber", releasability=["CSP"])
        conn.execute("UPDATE warnings SET payload = ? WHERE thread_id = ?",
                     (json.dumps(old), thread))
    code, out = warn_demo.run("warn", "scan", "--json")
    assert code == 0, out
    shown = warn_demo.json("warn", "show", thread)
    assert isinstance(shown, dict)
    assert (shown["payload"]["classification"], shown["payload"]["tlp"]) == ("SECRET", "red")
    assert shown["payload"]["releasability"] == []  # REL TO every member names: none
    marked = [e for e in shown["events"] if e["action"] == "marked"]
    assert len(marked) == 1 and marked[0]["detail"]["classification"] == "SECRET"
    # a second scan changes nothing: a marking is tightened once, never loosened
    code, again = warn_demo.run("warn", "scan", "--json")
    assert code == 0, again
    after = warn_demo.json("warn", "show", thread)
    assert isinstance(after, dict)
    assert len([e for e in after["events"] if e["action"] == "marked"]) == 1

