"""The fusion run over the store: incremental, persisted, and re-assessing what changed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse, load_state
from tearline.store import schema as S
from tests.conftest import demo_agency_halves


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_incremental_fuse_matches_a_full_rebuild(sqlite_engine: Engine, tmp_path: Path) -> None:
    # Reports received before 10 March arrive and are fused; the rest come later.
    # Arrival order is then the same as a rebuild's, so the threads must be too.
    first, rest = demo_agency_halves(tmp_path)
    ingest_paths(sqlite_engine, [first])
    _, s1 = fuse(sqlite_engine)
    assert s1.added == s1.total > 0 and not s1.rebuilt
    _, again = fuse(sqlite_engine)
    assert again.added == 0 and again.touched == [] and again.assessed == {}

    ingest_paths(sqlite_engine, [rest])
    incremental, s2 = fuse(sqlite_engine)
    assert s2.added == s2.total - s1.total > 0
    assert _count(sqlite_engine, S.ThreadMember) == s2.total
    assignments = incremental.threads.assignments()

    rebuilt, s3 = fuse(sqlite_engine, rebuild=True)
    assert s3.rebuilt and s3.reason == "rebuild requested"
    # Arrival order is the same, so the clustering is the same thread for thread.
    assert rebuilt.threads.assignments() == assignments
    assert _count(sqlite_engine, S.ThreadMember) == s2.total


def test_changed_threads_get_a_new_assessment_version(sqlite_engine: Engine,
                                                      tmp_path: Path) -> None:
    ingest_paths(sqlite_engine, [SCENARIO_DIR / "agencies" / "nrd.jsonl"])
    state, stats = fuse(sqlite_engine)
    assert stats.assessed and set(stats.assessed) == set(stats.touched)
    with sqlite_engine.connect() as conn:
        rows = conn.execute(select(S.Assessment.thread_id, S.Assessment.version,
                                   S.Assessment.changed_by, S.Assessment.reason)).all()
    assert {r.changed_by for r in rows} == {"fusion"}
    assert {r.reason for r in rows} == {"first assessment"}

    # One more report about the biggest thread's subject arrives later.
    biggest = max(state.threads.thread_ids(), key=lambda t: len(state.threads.fragments_of(t)))
    anchor = state.fragments[state.threads.fragments_of(biggest)[0]]
    extra = {"title": anchor.title + " (update)", "body": anchor.body + " Follow-up traffic.",
             "reported_at": "2025-03-06T08:00:00+00:00", "originator": anchor.originator,
             "source": {"name": anchor.source_name, "kind": anchor.source_kind,
                        "agency": anchor.source_agency, "reliability": anchor.reliability},
             "credibility": 3}
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    ingest_paths(sqlite_engine, [tmp_path / "extra.json"])
    after, s2 = fuse(sqlite_engine)
    assert s2.added == 1
    tid = s2.touched[0]
    assert s2.assessed[tid] >= 2 or tid not in stats.touched
    with sqlite_engine.connect() as conn:
        latest = conn.execute(
            select(S.Assessment.reason).where(S.Assessment.thread_id == tid)
            .order_by(S.Assessment.version.desc()).limit(1)).scalar_one()
    assert latest in ("first assessment", "thread changed: 1 new fragment(s)")
    assert load_state(sqlite_engine).threads.assignments() == after.threads.assignments()


def test_build_state_uses_the_index_it_is_given() -> None:
    """An empty ThreadIndex is falsy (it has __len__); it must still be the one used."""
    from tearline.fusion.threads import ThreadIndex
    from tearline.pipeline import build_state

    index = ThreadIndex(threshold=0.9, entity_weight=0.1)
    state = build_state([], None, index=index)  # type: ignore[arg-type]
    assert state.threads is index


def test_analyst_decision_persists_and_wins_over_the_catalog(sqlite_engine: Engine,
                                                              tmp_path: Path) -> None:
    """A confirm decision pins a spelling the algorithm could not resolve; fuse re-clusters."""
    from click.testing import CliRunner

    from tearline.cli import main
    from tearline.model.mention import MentionKind
    from tearline.security.credentials import issue_user_token
    from tearline.security.users import add_user

    report = {"title": "Cell of the Crimson Lantern Brigade moves south",
              "body": "Members of the Crimson Lantern Brigade were seen near the stadium.",
              "reported_at": "2025-03-01T10:00:00+00:00", "originator": "Northern Service",
              "source": {"name": "HUM-9", "kind": "humint", "reliability": "C"}}
    (tmp_path / "r.json").write_text(json.dumps(report))
    ingest_paths(sqlite_engine, [tmp_path / "r.json"])
    state, _ = fuse(sqlite_engine)
    isisk = state.catalog.resolve("ISIS-K")
    assert isisk is not None
    before = {m.value for ms in state.mentions.values() for m in ms
              if m.kind is MentionKind.ACTOR}
    assert isisk.actor_id not in before

    db = sqlite_engine.url.database
    with sqlite_engine.begin() as conn:  # the decision is recorded as the acting user
        add_user(conn, "ana", actor="test", roles=["analyst"])
        token = issue_user_token(conn, "ana", actor="test")
    out = CliRunner().invoke(main, ["--db", db, "actor", "confirm", "Crimson Lantern Brigade",
                                    isisk.actor_id, "--reason", "liaison says so"],
                             env={"TEARLINE_TOKEN": token})
    assert out.exit_code == 0, out.output
    after, stats = fuse(sqlite_engine)
    assert stats.rebuilt and stats.reason == "actor decisions changed since the last run"
    resolved = {m.value for ms in after.mentions.values() for m in ms
                if m.kind is MentionKind.ACTOR and "Crimson" in m.text}
    assert resolved == {isisk.actor_id}
    with sqlite_engine.connect() as conn:
        row = conn.execute(select(S.ActorDecision.user, S.ActorDecision.reason)).one()
    assert tuple(row) == ("ana", "liaison says so")


def test_fuse_writes_threads_and_versions_in_a_few_statements(engine: Engine, shared_data: Path,
                                                               tmp_path: Path) -> None:
    """The write path is bulk: statements on threads and assessments do not grow per thread.

    A fuse that opened thousands of threads sent four statements per thread to
    store its assessment versions and one per new thread row; the round trips,
    not the assessing, were most of the writer's share. The versions stored must
    still be the ones the per-thread rule (``save_assessment``) gives.
    """
    from sqlalchemy import event

    from tearline.assess.assessment import assess_thread
    from tearline.assess.store import _changed

    # Real news articles (ECB+), each topic its own thread: 160 of them make dozens.
    lines = (shared_data / "news-events" / "ecbplus_docs.jsonl").read_text().splitlines()
    with (tmp_path / "ecb.jsonl").open("w") as out:
        for i, line in enumerate(lines[:160]):
            title, _, body = json.loads(line)["text"].partition("\n")
            out.write(json.dumps({
                "external_id": f"ECB-{i}", "title": title, "body": body or title,
                "reported_at": f"2012-01-{1 + i % 28:02d}T10:00:00+00:00", "originator": "ecb",
                "source": {"name": f"ecb-{i % 9}", "kind": "osint", "reliability": "F"},
                "credibility": 6, "tlp": "clear"}) + "\n")
    ingest_paths(engine, [tmp_path / "ecb.jsonl"])
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(" ".join(statement.lower().split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        state, stats = fuse(engine)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(stats.touched) >= 10
    # What storing the versions sends (the duty-to-warn scan reads on its own).
    written = [s for s in seen if s.startswith("insert into assessments")]
    numbered = [s for s in seen if "max(assessments.version)" in s]
    on_threads = [s for s in seen if s.startswith("insert into threads")]
    assert len(written) <= 1, written[:3]
    # One to number the versions, one for the duty-to-warn scan's read of the
    # latest versions, which no longer asks thread by thread.
    assert len(numbered) <= 2, numbered[:3]
    # Only ``open_case`` still reads one thread's latest version, once per case it opens.
    with engine.connect() as conn:
        opened = len(conn.execute(select(S.Warning.id)).all())
    assert len([s for s in seen if "order by assessments.version desc" in s]) <= opened
    assert opened < len(stats.touched)
    case_reads = [s for s in seen if s.startswith("select warnings.")]
    assert len([s for s in case_reads if "warnings.id in" in s]) <= 1
    assert len([s for s in case_reads if "warnings.id = ?" in s]) <= opened
    assert len(on_threads) <= 1, on_threads[:3]
    # Every touched thread got version 1, with the reason the one-by-one rule gives.
    with engine.connect() as conn:
        rows = conn.execute(select(S.Assessment.thread_id, S.Assessment.version,
                                   S.Assessment.reason, S.Assessment.likelihood)).all()
    assert sorted(r.thread_id for r in rows) == sorted(stats.touched)
    for r in rows:
        a = assess_thread(state, r.thread_id)
        assert (r.version, r.reason, r.likelihood) == (1, _changed(None, a), a.likelihood)
