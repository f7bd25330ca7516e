"""The case machine and its refusals, on SQLite and PostgreSQL.

Each refusal is checked for its sentence (current state, what is allowed or
what is missing) and for having changed nothing: the case row, its events
and the audit log are compared before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.share.policy import Principal
from tearline.share.releases import list_releases, record_release
from tearline.store import schema as S
from tearline.warn import delivery, workflow
from tearline.warn.alarms import case_alarms
from tearline.warn.states import TRANSITIONS, Action, CaseError, CaseState, next_state
from tearline.warn.store import find_case

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
THREAD = "thread:report--00000000-0000-4000-8000-00000000000a"
ANA = Principal.user("ana", roles={"analyst"})
BOB = Principal.user("bob", roles={"approver"})
CAT = Principal.user("cat", roles={"analyst", "approver"})


def _release(conn: Connection, oid: str, code: str, approver: str, reason: str) -> Any:
    return record_release(conn, oid, code, approved_by=approver, reason=reason)


def _assessment(probability: float) -> dict[str, Any]:
    return {"probability": probability, "harm": {"primary": "intentional_killing"},
            "credibility": {"score": 0.7}, "specificity": {"score": 0.8, "facets": {
                "where": {"values": {"country:KZ": ["r1"], "venue:concert_hall": ["r1"]}}}},
            "imminence": {"open_windows": [{"start": "2025-03-05", "end": "2025-03-07"}]}}


def _assess(conn: Connection, version: int, probability: float) -> None:
    conn.execute(insert(S.Assessment), [{
        "thread_id": THREAD, "version": version, "computed_at": NOW, "as_of": NOW,
        "changed_by": "test", "reason": None, "likelihood": "likely", "confidence": "moderate",
        "payload": _assessment(probability)}])


@pytest.fixture
def opened(engine: Engine) -> Engine:
    with engine.begin() as conn:
        for name, roles in (("ana", ["analyst"]), ("bob", ["approver"]),
                            ("cat", ["analyst", "approver"])):
            add_user(conn, name, actor="test", roles=roles, clearance="SECRET")
        create_partner(conn, "CSP", "Committee for State Protection", "warning-only",
                       actor="test", country="KZ")
        conn.execute(insert(S.Thread), [{"id": THREAD, "title": "t", "status": "open",
                                         "created_at": NOW, "updated_at": NOW, "state": {}}])
        _assess(conn, 1, 0.8)
        assert delivery.scan(conn, now=NOW)[0]["did"] == "opened"
    return engine


def _snapshot(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        case = find_case(conn, THREAD)
        audit = conn.execute(select(func.count()).select_from(S.AuditEntry)).scalar()
        releases = list_releases(conn)
    return case.state, case.payload, len(case.events), audit, releases


def _refused(engine: Engine, act: Callable[[Connection], Any], *phrases: str) -> None:
    before = _snapshot(engine)
    with pytest.raises(CaseError) as err, engine.begin() as conn:
        act(conn)
    for p in phrases:
        assert p in str(err.value)
    assert _snapshot(engine) == before


def _to(engine: Engine, state: CaseState) -> None:
    steps: list[Callable[[Connection], Any]] = [
        lambda c: workflow.review(c, THREAD, CAT, note="n", now=NOW),
        lambda c: workflow.approve(c, THREAD, BOB, reason="r", now=NOW),
        lambda c: workflow.draft(c, THREAD, ANA, text="", instruction="i", now=NOW),
        lambda c: workflow.sanitize_case(c, THREAD, ANA, now=NOW),
        lambda c: workflow.release(c, THREAD, BOB, reason="r", release_fn=_release, now=NOW),
    ]
    order = [CaseState.UNDER_REVIEW, CaseState.APPROVED, CaseState.DRAFTED, CaseState.SANITIZED,
             CaseState.RELEASED]
    for step, reached in zip(steps, order, strict=True):
        with engine.begin() as conn:
            step(conn)
        if reached is state:
            return


def test_trigger_opens_once_and_proposes_the_host_service_and_the_public(opened: Engine) -> None:
    with opened.begin() as conn:
        case = find_case(conn, THREAD)
        assert delivery.scan(conn, now=NOW) == []  # once per thread
        with pytest.raises(CaseError, match="already has case"):
            workflow.open_case(conn, THREAD, "ana", automatic=False)
    assert case.state is CaseState.IDENTIFIED
    assert [r["code"] for r in case.payload["recipients"]] == ["CSP", "PUBLIC"]
    assert case.payload["trigger"]["assessment_version"] == 1


def test_waiver_needs_an_enumerated_justification_and_a_second_person(opened: Engine) -> None:
    _to(opened, CaseState.UNDER_REVIEW)
    _refused(opened, lambda c: workflow.waive(c, THREAD, BOB, justification="too costly",
                                              rationale="r"),
             "'too costly' is not an ICD 191 waiver justification", "already_aware")
    _refused(opened, lambda c: workflow.waive(c, THREAD, BOB, justification="already_aware",
                                              rationale=" "), "written rationale")
    _refused(opened, lambda c: workflow.waive(c, THREAD, CAT, justification="already_aware",
                                              rationale="they know"),
             "'cat' drafted the proposal and may not approve it")
    with opened.begin() as conn:
        case = workflow.waive(conn, THREAD, BOB, justification="already_aware",
                              rationale="CSP briefed us on the same cell")
    assert case.state is CaseState.WAIVED and case.payload["waiver"]["approved_by"] == "bob"


def test_approving_ones_own_draft_is_refused(opened: Engine) -> None:
    _to(opened, CaseState.UNDER_REVIEW)
    _refused(opened, lambda c: workflow.approve(c, THREAD, CAT, reason="mine"),
             "'cat' drafted the proposal and may not approve it too")
    _refused(opened, lambda c: workflow.approve(c, THREAD, ANA, reason="x"),
             "needs the role 'approver'")
    with opened.begin() as conn:
        workflow.approve(conn, THREAD, BOB, reason="duty applies")
        workflow.draft(conn, THREAD, CAT, text="", instruction="protect venues")
        workflow.sanitize_case(conn, THREAD, CAT)
    _refused(opened, lambda c: workflow.release(c, THREAD, CAT, reason="x",
                                                release_fn=_release),
             "'cat' wrote this draft and may not approve it too")


def test_releasing_before_sanitization_is_refused(opened: Engine) -> None:
    _to(opened, CaseState.DRAFTED)
    _refused(opened, lambda c: workflow.release(c, THREAD, BOB, reason="x", release_fn=_release),
             "cannot release a case that is drafted", "allowed next: review, draft, sanitize")


def test_delivering_an_unapproved_case_is_refused(opened: Engine) -> None:
    _to(opened, CaseState.UNDER_REVIEW)
    _refused(opened, lambda c: delivery.deliver(c, THREAD, ANA, channel="taxii", to="CSP"),
             "cannot deliver case", "is under review", "only a released warning")


def test_release_records_a_release_to_the_warning_only_partner(opened: Engine) -> None:
    _to(opened, CaseState.RELEASED)
    with opened.connect() as conn:
        case = find_case(conn, THREAD)
        assert [(r["object_id"], r["partner"]) for r in list_releases(conn)] == \
            [(case.id, "CSP")]


def test_alarms_decision_overdue_and_reopen_on_raised_threat(opened: Engine) -> None:
    with opened.connect() as conn:
        case = find_case(conn, THREAD)
    assert case_alarms(case, NOW) == []
    assert [a["kind"] for a in case_alarms(case, NOW + timedelta(hours=25))] == \
        ["decision_overdue"]
    _to(opened, CaseState.UNDER_REVIEW)
    with opened.begin() as conn:
        workflow.waive(conn, THREAD, BOB, justification="already_aware", rationale="known")
        _assess(conn, 2, 0.82)  # a rise below reopen_rise: stays waived
        assert delivery.scan(conn, now=NOW) == []
        _assess(conn, 3, 0.95)
        assert delivery.scan(conn, now=NOW)[0]["did"] == "reopened"
        case = find_case(conn, THREAD)
    assert case.state is CaseState.UNDER_REVIEW
    assert case.events[-1]["detail"]["assessment_version"] == 3


@pytest.mark.parametrize("state", list(CaseState))
def test_every_illegal_move_names_the_state_and_the_allowed_steps(state: CaseState) -> None:
    for action in Action:
        if state in TRANSITIONS[action]:
            continue
        with pytest.raises(CaseError) as err:
            next_state(state, action)
        assert state.value.replace("_", " ") in str(err.value)
        assert "allowed next:" in str(err.value)
    with pytest.raises(CaseError, match="cannot close a case that is identified"):
        next_state(CaseState.IDENTIFIED, Action.CLOSE)
