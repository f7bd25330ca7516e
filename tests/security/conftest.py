"""Security test helpers: a checkpoint sink and key outside the database."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest


@pytest.fixture
def audit_sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Checkpoints on, every 5 rows, to a sink file with a fresh key (both outside the db)."""
    key = tmp_path / "audit.key"
    key.write_text(secrets.token_urlsafe(32))
    sink = tmp_path / "audit-sink.jsonl"
    monkeypatch.setenv("TEARLINE_AUDIT_KEY_FILE", str(key))
    monkeypatch.setenv("TEARLINE_AUDIT_SINK", str(sink))
    monkeypatch.setenv("TEARLINE_AUDIT_CHECKPOINT_EVERY", "5")
    return sink
