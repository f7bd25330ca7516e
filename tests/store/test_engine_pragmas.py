"""The SQLite connection settings every engine applies (``store.db.make_engine``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tearline.store.db import make_engine


def _pragma(path: Path, name: str) -> int:
    engine = make_engine(str(path))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"PRAGMA {name}")).scalar_one())
    finally:
        engine.dispose()


def test_connections_read_through_a_memory_map_of_the_configured_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEARLINE_SQLITE_MMAP_MB", raising=False)
    assert _pragma(tmp_path / "default.db", "mmap_size") == 256 * 1024 * 1024
    monkeypatch.setenv("TEARLINE_SQLITE_MMAP_MB", "64")
    assert _pragma(tmp_path / "small.db", "mmap_size") == 64 * 1024 * 1024


def test_the_memory_map_can_be_turned_off(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEARLINE_SQLITE_MMAP_MB", "0")
    assert _pragma(tmp_path / "off.db", "mmap_size") == 0


def test_wal_and_the_page_cache_are_kept(tmp_path: Path) -> None:
    assert _pragma(tmp_path / "wal.db", "cache_size") == -65536
    engine = make_engine(str(tmp_path / "wal.db"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()
