"""The demo scenario holds every situation later stages are tested on."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import Engine

from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.settings import PACKAGE_DIR
from tearline.store.view import ReportFilter, list_reports

ANSWERS = json.loads((PACKAGE_DIR / "demo" / "answers.json").read_text())


@pytest.fixture
def demo(sqlite_engine: Engine) -> list:
    summary = ingest_paths(sqlite_engine, [SCENARIO_DIR])
    assert not summary.rejected, [f.error for f in summary.rejected]
    with sqlite_engine.connect() as conn:
        return list_reports(conn, ReportFilter())


def test_scale_and_variety(demo: list) -> None:
    assert len(demo) >= 40
    sources = {s.id for _, s in demo}
    agencies = {s.agency for _, s in demo if s.kind != "osint"}
    outlets = {r.outlet for r, _ in demo if r.category == "news"}
    assert len(sources) >= 6 and len(agencies) >= 4 and len(outlets) >= 3
    kinds = Counter(s.kind for _, s in demo)
    assert {"humint", "sigint", "osint", "liaison", "internal"} <= set(kinds)
    cats = Counter(r.category for r, _ in demo)
    assert {"warning", "alert", "request", "response", "statement", "news"} <= set(cats)


def test_requests_one_answered_one_not(demo: list) -> None:
    by_ext = {r.external_id: r for r, _ in demo if r.external_id}
    unanswered = by_ext[ANSWERS["unanswered_request"]]
    answered = by_ext[ANSWERS["answered_request"]["external_id"]]
    assert unanswered.category == answered.category == "request"
    assert unanswered.deadline is not None
    responses = [r for r, _ in demo if r.category == "response"]
    assert any(r.in_reply_to == answered.external_id for r in responses)
    assert not any(r.in_reply_to == unanswered.external_id for r in responses)


def test_alert_window_lapses_before_the_attack(demo: list) -> None:
    window = ANSWERS["warning_window"]
    alert = next(r for r, _ in demo if r.external_id == window["fragment"])
    assert alert.category == "alert" and "48 hours" in alert.body
    assert window["end"][:10] < ANSWERS["attack"]["date"]


def test_syndicated_copies_differ_but_share_a_story(demo: list) -> None:
    group = ANSWERS["syndicated_groups"][0]
    copies = [r for r, _ in demo if r.ingest_file and r.ingest_file.endswith(tuple(group))]
    assert len(copies) == len(group) >= 4
    assert len({r.title for r in copies}) == len(copies)  # edited headlines
    assert len({r.outlet for r in copies}) == len(copies)


def test_protected_fields_present_in_demo(demo: list) -> None:
    """The leak tests downstream need real protected values to look for."""
    files = list((SCENARIO_DIR / "agencies").glob("*.jsonl"))
    protected = [json.loads(line).get("protected") for f in files
                 for line in f.read_text().splitlines() if line.strip()]
    assert sum(1 for p in protected if p) >= 3
