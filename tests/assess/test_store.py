"""Assessment versions and ACH matrices in the database."""

from __future__ import annotations

from datetime import UTC, datetime

from tearline.assess.ach import AchMatrix
from tearline.assess.assessment import assess_thread
from tearline.assess.store import (
    list_versions,
    load_matrix,
    record_override,
    save_assessment,
    save_matrix,
    version_as_of,
)


def test_versions_append_only_when_the_thread_changes(demo) -> None:
    early_at = datetime(2025, 2, 25, tzinfo=UTC)
    late_at = datetime(2025, 3, 6, tzinfo=UTC)
    fid = demo.fid("NRD-SIG-2025-0224")
    early_state, late_state = demo.replay(early_at), demo.replay(late_at)
    tid = early_state.threads.thread_of(fid)
    before = len(list_versions(demo.engine, tid))
    first = save_assessment(demo.engine, assess_thread(early_state, tid, early_at))
    again = save_assessment(demo.engine, assess_thread(early_state, tid, early_at))
    second = save_assessment(demo.engine, assess_thread(late_state, tid, late_at))
    assert first is not None and again is None and second == first + 1
    versions = list_versions(demo.engine, tid)
    assert len(versions) == before + 2
    assert "new fragment" in (versions[-1].reason or "")
    assert version_as_of(demo.engine, tid, datetime(2025, 3, 1, tzinfo=UTC)).version == first
    override = record_override(demo.engine, tid, 0.3, "analyst-7", "window lapsed",
                               datetime(2025, 3, 9, tzinfo=UTC))
    stored = list_versions(demo.engine, tid)[-1]
    assert stored.version == override and stored.changed_by == "analyst-7"
    assert stored.likelihood == "unlikely" and stored.payload["override"] is True


def test_ach_matrix_round_trip(demo) -> None:
    tid = demo.state.threads.thread_of(demo.fid("CSP-STM-2025-0316"))
    m = AchMatrix(tid)
    m.add_hypothesis("H1", "ISIS-K")
    save_matrix(demo.engine, m)
    m.add_hypothesis("H2", "state")
    save_matrix(demo.engine, m)
    loaded = load_matrix(demo.engine, tid)
    assert loaded is not None and [h.id for h in loaded.hypotheses] == ["H1", "H2"]
