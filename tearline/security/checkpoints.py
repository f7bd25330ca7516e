"""Signed checkpoints of the audit chain, kept outside the database.

A hash chain proves the rows agree with each other, not that they are all the
rows there were: cut off the tail, wipe the table, or rewrite a row and
recompute every later hash, and the chain still verifies. A checkpoint is a
line ``{"db", "seq", "hash", "at", "mac"}`` appended to a file
(``TEARLINE_AUDIT_SINK``) and signed with HMAC-SHA256 under a key read from
``TEARLINE_AUDIT_KEY_FILE``. Neither lives in the database, so a database
administrator who rewrites the log cannot produce a checkpoint that matches
it. Verification then asks, for every checkpoint: is row ``seq`` still there,
with the same hash?

Lines are appended with ``O_APPEND`` in one ``write`` each, so concurrent
processes never interleave a line. Making the file itself append-only
(``chattr +a``, a remote syslog, WORM storage) is the operator's part; see
docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine

from tearline import settings
from tearline.errors import ConfigError

__all__ = ["Checkpoint", "checkpoint_due", "db_label", "read_checkpoints", "write_checkpoint"]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One verified line of the sink (``valid`` False when its signature fails)."""

    line: int
    db: str
    seq: int
    hash: str
    at: str
    valid: bool


def _key() -> bytes | None:
    path = settings.audit_key_file()
    if path is None:
        return None
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the audit key {str(path)!r} "
                          f"(TEARLINE_AUDIT_KEY_FILE): {exc.strerror}; create it with "
                          "`head -c 32 /dev/urandom | base64 > FILE`") from exc
    if len(key) < 16:
        raise ConfigError(f"the audit key {str(path)!r} is shorter than 16 bytes; "
                          "use at least 32 random bytes")
    return key


def db_label(bind: Connection | Engine) -> str:
    """Which database a checkpoint is about (several may share one sink)."""
    url = bind.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return "sqlite:" + str(Path(str(url.database)).expanduser().resolve())
    return url.render_as_string(hide_password=True)


def _mac(key: bytes, db: str, seq: int, digest: str, at: str) -> str:
    msg = orjson.dumps([db, seq, digest, at])
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def checkpoint_due(before: int, after: int) -> bool:
    """True when the chain passed a multiple of the interval between ``before`` and ``after``."""
    every = settings.audit_checkpoint_every()
    return after // every > before // every


def write_checkpoint(bind: Connection | Engine, seq: int, digest: str) -> bool:
    """Append a signed checkpoint of row ``seq``; False when no sink or key is configured."""
    sink, key = settings.audit_sink(), _key()
    if sink is None or key is None or seq <= 0:
        return False
    db = db_label(bind)
    at = datetime.now(UTC).isoformat()
    line = orjson.dumps({"db": db, "seq": seq, "hash": digest, "at": at,
                         "mac": _mac(key, db, seq, digest, at)}) + b"\n"
    try:
        fd = os.open(sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ConfigError(f"cannot append to the audit sink {str(sink)!r} "
                          f"(TEARLINE_AUDIT_SINK): {exc.strerror}") from exc
    return True


def read_checkpoints(bind: Connection | Engine) -> list[Checkpoint] | None:
    """This database's checkpoints from the sink, or None when checkpoints are off."""
    sink, key = settings.audit_sink(), _key()
    if sink is None or key is None:
        return None
    db = db_label(bind)
    out: list[Checkpoint] = []
    try:
        lines = sink.read_bytes().splitlines()
    except FileNotFoundError:
        return out
    for n, raw in enumerate(lines, 1):
        try:
            d = orjson.loads(raw)
            cp = Checkpoint(n, str(d["db"]), int(d["seq"]), str(d["hash"]), str(d["at"]),
                            False)
            good = hmac.compare_digest(str(d["mac"]), _mac(key, cp.db, cp.seq, cp.hash, cp.at))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            out.append(Checkpoint(n, db, 0, "", "", False))
            continue
        if cp.db == db:
            out.append(Checkpoint(n, cp.db, cp.seq, cp.hash, cp.at, good))
    return out
