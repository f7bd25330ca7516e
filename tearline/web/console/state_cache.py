"""What identifies the last fusion run, the key of every per-process console memo.

The console no longer keeps a copy of the fused state: pages read a thread's
slice from stored rows (``assess.query.thread_state``). What it memoises —
thread markings (``thread_marks``), the board's ranking data (``board``) and
alarms (``thread_data``) — is keyed by ``state_key``: the persisted run's
``updated_at`` and fragment count, one indexed read per page. A fuse moves the
key, so nothing stale is ever served.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from tearline.store import schema as S

_STATE_KEY = "threads"


def state_key(conn: Connection) -> tuple[Any, ...] | None:
    """What identifies the persisted fusion run (None when nothing was fused yet)."""
    row = conn.execute(select(S.FusionState.updated_at, S.FusionState.fragment_count)
                       .where(S.FusionState.key == _STATE_KEY)).first()
    return None if row is None else (str(row.updated_at), int(row.fragment_count))


def forget(engine: Engine) -> None:
    """Free this engine's thread markings after this process fused (they are re-keyed anyway)."""
    from tearline.web.console.thread_marks import drop

    drop(id(engine))
