"""A file of reports is stored in a few statements, not several per report.

Counted at SQLite itself (``set_trace_callback`` sees every statement the
engine runs, including the driver's ``executemany`` rows), so a per-row loop
cannot hide behind one ``execute`` call. Growing the file must not grow the
count: the per-report statements were what made ingest slower than fusion
(issue 10). The audit chain and the stored rows must be what they always were.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select

from tearline.ingest.run import ingest_paths
from tearline.security.verify import check_chain
from tearline.store.schema import AuditEntry, Report, ReportProtected, Source


def _write(path: Path, n: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(start, start + n):
            out.write(json.dumps({
                "external_id": f"B-{i}", "title": f"Report {i}", "body": f"Body of report {i}.",
                "reported_at": f"2025-03-{1 + i % 28:02d}T08:00:00+00:00", "originator": "bat",
                "source": {"name": f"src-{i % 7}", "kind": "osint", "reliability": "C"},
                "credibility": 3, "tlp": "green",
                # Reports name different protected fields, or none.
                "protected": {k: v for k, v in (("source_identity", f"asset {i}"),
                                                ("collection_method", f"method {i}"))
                              if (k == "source_identity" and i % 3 == 0)
                              or (k == "collection_method" and i % 5 == 0)},
            }) + "\n")
    return path


@contextmanager
def _traced(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_connect(dbapi: Any, _record: Any) -> None:
        dbapi.set_trace_callback(lambda sql: seen.append(" ".join(sql.lower().split())))

    engine.dispose()  # new connections get the trace
    event.listen(engine, "connect", on_connect)
    try:
        yield seen
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()


def _count(engine: Engine, tmp_path: Path, n: int, start: int) -> list[str]:
    path = _write(tmp_path / f"b-{n}-{start}.jsonl", n, start)
    with _traced(engine) as seen:
        summary = ingest_paths(engine, [path])
    assert summary.files[0].error is None
    assert summary.files[0].new == n
    return _statements(seen)


def _statements(seen: list[str]) -> list[str]:
    """What ran, with the audit rows as one: ``security.audit`` writes a file's
    entries in one ``executemany`` (a prepared statement stepped per row, which
    SQLite's trace reports once per row)."""
    ran = [s for s in seen if s.startswith(("insert", "select", "update", "delete"))]
    audit = [s for s in ran if s.startswith("insert into audit_log")]
    return [s for s in ran if not s.startswith("insert into audit_log")] + audit[:1]


def test_statements_per_file_do_not_grow_with_its_reports(sqlite_engine: Engine,
                                                          tmp_path: Path) -> None:
    small = _count(sqlite_engine, tmp_path, 20, 0)
    large = _count(sqlite_engine, tmp_path, 600, 1000)
    # A few per batch (sources, external ids, reports, protected fields, the
    # audit rows, the ingest record): the same for 20 reports as for 600.
    assert len(large) <= 30, large[:40]
    assert len(large) <= len(small) + 5, (len(small), len(large))
    report_inserts = [s for s in large if s.startswith("insert into reports")]
    assert len(report_inserts) <= 2, report_inserts[:3]
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Report)).scalar() == 620
        assert conn.execute(select(func.count()).select_from(ReportProtected)).scalar() == \
            len([i for i in [*range(20), *range(1000, 1600)] if i % 3 == 0 or i % 5 == 0])
        assert conn.execute(select(func.count()).select_from(ReportProtected).where(
            ReportProtected.collection_method.is_not(None))).scalar() == \
            len([i for i in [*range(20), *range(1000, 1600)] if i % 5 == 0])
        assert conn.execute(select(func.count()).select_from(Source)).scalar() == 7
        actions = [a for (a,) in conn.execute(select(AuditEntry.action)
                                              .order_by(AuditEntry.seq))]
        assert actions.count("report.create") == 620
        assert actions.count("source.create") == 7
        # Each source is created just before the first report that names it.
        assert actions[:3] == ["source.create", "report.create", "source.create"]
        assert check_chain(conn) is None


def test_reingest_of_a_large_file_stays_batched_and_stores_nothing(sqlite_engine: Engine,
                                                                   tmp_path: Path) -> None:
    path = _write(tmp_path / "again.jsonl", 500)
    first = ingest_paths(sqlite_engine, [path]).files[0]
    assert first.new == 500
    with _traced(sqlite_engine) as seen:
        again = ingest_paths(sqlite_engine, [path]).files[0]
    assert (again.new, again.unchanged, again.error) == (0, 500, None)
    statements = _statements(seen)
    assert len(statements) <= 30, statements[:40]


def test_external_id_lookups_use_the_external_id_index(sqlite_engine: Engine,
                                                       tmp_path: Path) -> None:
    """One originator for every report made the old lookup walk ix_reports_originator
    (every stored row, per report: ingest slowed as the store grew)."""
    ingest_paths(sqlite_engine, [_write(tmp_path / "first.jsonl", 50)])
    path = _write(tmp_path / "second.jsonl", 50, 100)
    with _traced(sqlite_engine) as seen:
        assert ingest_paths(sqlite_engine, [path]).files[0].new == 50
    lookups = [s for s in seen if s.startswith("select") and "external_id" in s
               and "from reports" in s]
    assert lookups
    with sqlite_engine.connect() as conn:
        for sql in lookups:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_reports_external_id" in plan, (sql[:200], plan)
