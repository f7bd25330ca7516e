"""Done-when: a case on the demo driven end to end through the CLI, delivered for real.

Automatic trigger after fusion, review by one user, approval by a second,
sanitization checked against every protected value of the demo, release,
STIX delivery fetched by the warning-only partner with ``taxii2-client`` from
a running ``tearline serve`` and accepted by ``stix2-validator``, a CAP file
accepted by the OASIS CAP 1.2 schema, acknowledgement, a dismissal raising
the dismissal alarm, an overdue follow-up, window expiry creating a review
task, and closure with an outcome.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from capvalidator import Validator
from pypdf import PdfReader
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection

from tearline.security.audit import verify
from tearline.store.db import make_engine
from tearline.store.schema import AuditEntry
from tearline.warn.sanitize import squash
from tests.taxii.conftest import start_server, stop_server

from .conftest import PASSWORD, WarnDemo, protected_values, public_main_thread


def _main_case(demo: WarnDemo) -> dict[str, Any]:
    thread_id = public_main_thread(demo)  # what `warn list` names it by
    cases = demo.json("warn", "list")
    assert isinstance(cases, list)
    [case] = [c for c in cases if c["thread_id"] == thread_id]
    return case


def _assert_no_leak(text: str) -> None:
    flat = squash(text)
    for value in protected_values():
        assert squash(value) not in flat, value


def test_duty_to_warn_end_to_end(warn_demo: WarnDemo, tmp_path: Path) -> None:
    d = warn_demo
    case = _main_case(d)
    # automatic trigger, once per thread, proposing the host service and the public
    assert case["trigger"] == "automatic" and case["state"] == "identified"
    assert case["recipients"] == ["CSP", "PUBLIC"]
    cid = case["short"]

    assert d.run("warn", "review", cid, "--note", "meets ICD 191", "--proposal",
                 "warn CSP and the public", user="cat")[0] == 0
    code, out = d.run("warn", "approve", cid, "--reason", "own proposal", user="cat")
    assert code == 1 and "'cat' drafted the proposal and may not approve it" in out
    assert d.json("warn", "approve", cid, "--reason", "duty applies", user="bob")["state"] \
        == "approved"
    assert d.run("warn", "draft", cid, "--instruction", "Protect concert venues in Almaty.",
                 "--text", "LANTERN heard the cell say 'the concert' before Nauryz.",
                 "--window-start", "2025-03-05T16:00:00+00:00",
                 "--window-end", "2025-03-07T16:00:00+00:00", user="ana")[0] == 0
    assert d.json("warn", "sanitize", cid, user="ana")["state"] == "sanitized"
    shown = d.json("warn", "show", cid)
    assert isinstance(shown, dict)
    releasable = json.dumps(shown["payload"]["tearline"], ensure_ascii=False)
    _assert_no_leak(releasable)
    _assert_no_leak(json.dumps(shown, ensure_ascii=False))  # nor in the case file
    assert "LANTERN" not in releasable and "the concert" not in releasable
    kinds = {r["kind"] for r in shown["payload"]["sanitized"]["CSP"]["removals"]}
    assert {"source", "quote"} <= kinds
    assert d.json("warn", "release", cid, "--reason", "sanitized", user="bob")["state"] \
        == "released"

    # STIX to the warning-only partner over TAXII, from a real server
    assert d.run("warn", "deliver", cid, "--channel", "taxii", "--to", "CSP", user="ana")[0] == 0
    assert d.run("warn", "deliver", cid, "--channel", "file", "--to", "CSP",
                 "--out", str(tmp_path / "csp.json"), user="ana")[0] == 0
    server = start_server(d.db)
    try:
        col = Collection(server.collection_url("shared"), user="CSP", password=PASSWORD)
        objects = col.get_objects().get("objects", [])
    finally:
        stop_server(server)
    reports = [o for o in objects if o["type"] == "report"]
    assert [r["id"] for r in reports] == [shown["id"]]  # the warning, and nothing else
    assert "Almaty" in reports[0]["description"]
    _assert_no_leak(json.dumps(objects, ensure_ascii=False))
    bundle = json.loads((tmp_path / "csp.json").read_text())
    result = validate_instance(bundle, ValidationOptions(strict=True))
    assert result.is_valid, [str(e) for e in result.errors]
    _assert_no_leak(json.dumps(bundle, ensure_ascii=False))

    # CAP 1.2 for the public, against the OASIS schema; text and HTML beside it
    cap = tmp_path / "alert.xml"
    assert d.run("warn", "deliver", cid, "--channel", "cap", "--to", "PUBLIC",
                 "--out", str(cap), user="ana")[0] == 0
    ok, message = Validator(cap.read_bytes()).schema()
    assert ok, message
    for p in (cap, cap.with_suffix(".txt"), cap.with_suffix(".html")):
        _assert_no_leak(p.read_text(encoding="utf-8"))
    assert b"<expires>2025-03-07T16:00:00-00:00</expires>" in cap.read_bytes()

    # the printable briefing, HTML and PDF side by side, banner on every PDF page
    page = tmp_path / "briefing.html"
    assert d.run("warn", "deliver", cid, "--channel", "briefing", "--to", "CSP",
                 "--out", str(page), user="ana")[0] == 0
    pdf_pages = [p.extract_text() or "" for p in PdfReader(page.with_suffix(".pdf")).pages]
    assert pdf_pages and all(t.count("UNCLASSIFIED // TLP:AMBER // REL TO CSP") == 2
                             for t in pdf_pages)
    _assert_no_leak(page.read_text(encoding="utf-8"))
    _assert_no_leak("\n".join(pdf_pages))

    # acknowledgement, dismissal, an overdue follow-up in each direction
    assert d.json("warn", "ack", cid, "--by", "CSP", user="ana")["state"] == "acknowledged"
    d.run("warn", "respond", cid, "--by", "CSP", "--kind", "dismissed", "--text",
          "The warnings are a provocation by hostile Western services.", user="ana")
    d.run("warn", "followup", cid, "--party", "CSP", "--text", "Any venue measures?",
          "--deadline", "2025-03-07T07:00:00+00:00", user="ana")
    d.run("warn", "followup", cid, "--direction", "in", "--party", "CSP",
          "--text", "Name your source.", "--deadline", "2025-03-08T07:00:00+00:00", user="ana")
    alarms = d.json("warn", "show", cid)["alarms"]  # type: ignore[index]
    by_kind = {a["kind"]: a for a in alarms}
    assert "sender's identity" in by_kind["dismissal"]["summary"]
    directions = sorted(a["details"]["direction"] for a in alarms
                        if a["kind"] == "followup_overdue")
    assert directions == ["in", "out"]

    # the dismissal is an alarm on the thread, beside the bias alarms
    code, out = d.run("alarms", shown["thread_id"], "--json")
    assert code == 0, out
    assert "CSP dismissed the warning" in " ".join(a["summary"] for a in json.loads(out)
                                                    if a["kind"] == "dismissal")

    # the window (ended 7 March 2025) has lapsed: a review task, never a downgrade
    scanned = d.json("warn", "scan")
    assert {"case": shown["id"], "thread": shown["thread_id"], "did": "review_task"} in scanned
    after = d.json("warn", "show", cid)
    assert isinstance(after, dict)
    assert after["state"] == "follow_up"
    assert any(a["kind"] == "review_task" for a in after["alarms"])
    assert d.json("warn", "scan") == []  # once per lapsed window

    assert d.json("warn", "close", cid, "--outcome", "occurred", "--reason",
                  "attack on 14 March", user="ana")["state"] == "closed"
    events = [e["action"] for e in d.json("warn", "show", cid)["events"]]  # type: ignore[index]
    assert events[:2] == ["open", "review"] and events[-1] == "close"
    # the look-back shows the warning's life on the thread
    code, out = d.run("retro", shown["thread_id"])
    assert code == 0, out
    life = out[out.index(f"## Duty to warn: case {cid} (closed)"):]
    for what in ("**trigger** by fusion: automatic", "**decision** by bob", "**delivery**",
                 "taxii to CSP", "cap to PUBLIC", "**response** by ana: CSP dismissed",
                 "**window lapsed**", "**closed** by ana: outcome occurred"):
        assert what in life, what

    # every event is also in the hash-chained audit log (beside the audited reads of
    # `warn show`), and the chain holds
    engine = make_engine(d.db)
    with engine.connect() as conn:
        assert verify(conn) is None
        audited = conn.execute(select(AuditEntry.action).where(
            AuditEntry.object_id == shown["id"], AuditEntry.action.like("warning.%"),
            AuditEntry.action.not_in(("warning.read", "warning.read.denied")))).all()
    engine.dispose()
    assert len(audited) == len(events)


def test_demo_shows_the_case_beside_the_threat_board(warn_demo: WarnDemo) -> None:
    case = _main_case(warn_demo)
    code, out = warn_demo.run("demo", "--keep", env={"COLUMNS": "240"})
    assert code == 0, out
    board = out[out.index("Threat board"):out.index("Bias alarms")]
    assert case["short"] in board  # the board's "duty to warn" column names the case
    assert "Duty to warn (ICD 191)" in out
    table = out[out.index("Duty to warn (ICD 191)"):]
    assert case["short"] in table and "identified" in table and "automatic" in table
