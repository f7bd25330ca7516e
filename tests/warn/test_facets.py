"""Facet precision per recipient tier, on the demo's main case (issue 12, item 3).

DESIGN.md: a warning-only recipient gets the actionable facets — actor,
target type, city, time window, modality — and no quotes; a core partner may
get the time of day and the venue type; no tier gets a named venue, a
district or a source. Expectations come from the demo's storyline (ISIS-K,
a concert hall on the western edge of Almaty, firearms), not from the
sanitizer's output.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tearline.store import schema as S
from tearline.store.db import make_engine
from tearline.warn.sanitize import sanitize
from tearline.warn.store import thread_facts, thread_sensitive

from .conftest import WarnDemo, main_thread, public_main_thread

DRAFT = ("LANTERN heard the cell say 'the concert' before Nauryz; they visited Steppe Crown "
         "Hall in the Alatau district (see NRD-SIG-2025-0302, https://files.example/x).")


def _sanitized(demo: WarnDemo, *extra: str) -> dict[str, Any]:
    thread = public_main_thread(demo)
    [case] = [c for c in demo.json("warn", "list")  # type: ignore[union-attr]
              if c["thread_id"] == thread]
    cid = case["short"]
    steps = [("review", cid, "--note", "meets ICD 191", *extra), ]
    for args, user in ((steps[0], "cat"), (("approve", cid, "--reason", "ok"), "bob"),
                       (("draft", cid, "--instruction", "Protect concert venues.",
                         "--text", DRAFT, "--window-start", "2025-03-05T16:00:00+00:00",
                         "--window-end", "2025-03-07T16:00:00+00:00"), "ana"),
                       (("sanitize", cid), "ana")):
        code, out = demo.run("warn", *args, user=user)
        assert code == 0, out
    shown = demo.json("warn", "show", cid)
    assert isinstance(shown, dict)
    return shown["payload"]


def test_warning_only_recipient_gets_every_actionable_facet_and_no_more(
        warn_demo: WarnDemo) -> None:
    payload = _sanitized(warn_demo)
    csp = payload["tearline"]["CSP"]
    f = csp["facets"]
    assert f["actor"] and ("ISIS" in f["actor"][0] or "Khorasan" in f["actor"][0])
    assert f["city"] == ["Almaty"]
    assert f["country"] == "KZ"
    assert f["target_type"], "the kind of target (a concert venue) is actionable"
    assert "concert" in " ".join(f["target_type"])
    assert f["modality"] and "firearms" in f["modality"]
    assert f["window"] == {"start": "2025-03-05", "end": "2025-03-07"}  # days, not hours
    text = " ".join((csp["headline"], csp["text"], csp["instruction"]))
    for gone in ("Steppe Crown", "Alatau", "LANTERN", "NRD-SIG", "files.example", "the concert",
                 "16:00"):
        assert gone not in text, gone
    assert not re.search(r"[\"“”']\w[^\"“”']*[\"“”']", text), "no quotation may cross"
    for facet in ("Almaty", "firearms"):
        assert facet in text, facet
    kinds = {r["kind"] for r in payload["sanitized"]["CSP"]["removals"]}
    assert {"quote", "source", "reference", "url", "generalized"} <= kinds


@pytest.mark.parametrize(("tier", "named", "hours"), [
    ("core", True, True), ("associate", False, False), ("selective", False, False),
    ("warning-only", False, False), ("public", False, False)])
def test_each_tier_gets_the_place_and_time_precision_it_is_configured_for(
        warn_demo: WarnDemo, tier: str, named: bool, hours: bool) -> None:
    """The demo thread's own facts, through the pure sanitizer, tier by tier."""
    engine = make_engine(warn_demo.db)
    try:
        with engine.connect() as conn:
            thread = main_thread(warn_demo)
            payload = conn.execute(select(S.Assessment.payload).where(
                S.Assessment.thread_id == thread).order_by(S.Assessment.version.desc())
                .limit(1)).scalar_one()
            facts = thread_facts(conn, payload)
            sensitive = thread_sensitive(conn, thread, "Meridian Joint Intelligence Centre")
    finally:
        engine.dispose()
    assert "Steppe Crown Hall" in facts.venues  # fusion found the named venue
    assert not any("named" in v for v in facts.venue_types)
    facts = replace(facts, window_start=datetime(2025, 3, 5, 16, tzinfo=UTC),
                    window_end=datetime(2025, 3, 7, 16, tzinfo=UTC))
    out = sanitize(facts, sensitive, tier, draft=DRAFT, instruction="Protect the venue.")
    rel = out.releasable()
    words = " ".join((rel["headline"], rel["text"], rel["instruction"]))
    assert ("Steppe Crown Hall" in words) is named
    assert (rel["facets"].get("venue") == ["Steppe Crown Hall"]) is named
    assert ("Alatau district" in words) is named
    assert ("16:00" in rel["facets"]["window"]["start"]) is hours
    assert rel["facets"]["city"] == ["Almaty"] and rel["facets"]["target_type"]
    assert rel["facets"]["modality"] and rel["facets"]["actor"]
    assert "LANTERN" not in words and "the concert" not in words  # on every tier
