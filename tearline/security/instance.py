"""The instance's own secret and identity: drawn once, kept in the database.

Why in the database: the architecture is PostgreSQL plus stateless ``serve``
workers. A key drawn at random per process made each worker reject the
others' TAXII ``next`` tokens and console sessions, and every restart signed
everybody out. Migration ``0011_instance`` draws one secret and one identity
when the schema is created, so every worker and every restart reads the same
ones, and no read ever has to write one.

The environment still wins: ``TEARLINE_CONSOLE_SECRET`` / ``TEARLINE_TAXII_SECRET``
for the keys that sign sessions and tokens (a deployment may keep them out of
the database), ``TEARLINE_AGENCY`` for the identity. Thread ids always derive
from the stored secret, so they do not change when an operator rotates the
environment keys.

Each purpose gets its own key (HMAC of the secret with a label), so a value
made for one purpose is never valid for another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Connection, Engine, select

from tearline import settings
from tearline.store.rows import insert_ignore
from tearline.store.schema import InstanceSetting, Thread

__all__ = ["DEFAULT_IDENTITY", "default_identity_warning", "derive_key", "identity_is_default",
           "instance_identity", "internal_thread_id", "known_public_ids", "load_instance",
           "process_secret", "public_thread_ids", "stored_secret"]

#: The identity every instance had before 0011: a configured ``TEARLINE_AGENCY``
#: equal to it is as good as unconfigured (two such instances cannot tell
#: whose object is whose).
DEFAULT_IDENTITY: Final = "HOME"

_stored: dict[str, bytes] = {}
_random: list[bytes] = []
_process: list[bytes] = []


def _read(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(InstanceSetting.value)
                         .where(InstanceSetting.key == key)).scalar()
    return str(value) if value else None


def _ensure(conn: Connection, key: str, make: str) -> str:
    """The stored value of ``key``, drawing ``make`` if a database predates 0011's insert.

    ``insert_ignore`` then a read: two workers racing both end with the first one.
    """
    got = _read(conn, key)
    if got is not None:
        return got
    insert_ignore(conn, InstanceSetting.__table__,
                  [{"key": key, "value": make, "created_at": datetime.now(UTC)}])
    return _read(conn, key) or make


def stored_secret(conn: Connection) -> bytes:
    """The instance secret kept in ``instance_settings`` (memoised per database)."""
    where = str(conn.engine.url)
    if where not in _stored:
        _stored[where] = _ensure(conn, "secret", secrets.token_urlsafe(32)).encode()
    return _stored[where]


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, so no value made for one is good for another."""
    return hmac.new(secret, f"tearline {purpose}".encode(), hashlib.sha256).digest()


#: Per database: the public id of every internal thread id seen, and back.
_public: dict[str, dict[str, str]] = {}
_internal: dict[str, dict[str, str]] = {}


def public_thread_ids(conn: Connection, internal: Iterable[str]) -> dict[str, str]:
    """The public id of each internal thread id: a uuid keyed by the stored secret.

    Fusion names a thread ``thread:<opening report id>``; what interfaces and
    exports show must not name a report, yet must stay the same for the life
    of the instance (links, bookmarks, a partner's copy of a grouping). Here,
    below the share layer, so exports can use it as the read side does
    (``fusion.query``).
    """
    wanted = list(internal)
    where = str(conn.engine.url)
    fwd, back = _public.setdefault(where, {}), _internal.setdefault(where, {})
    missing = [t for t in wanted if t not in fwd]
    if missing:
        key = derive_key(stored_secret(conn), "thread id")
        for t in missing:
            digest = hmac.new(key, t.encode(), hashlib.sha256).digest()
            fwd[t] = pub = f"thread--{uuid.UUID(bytes=digest[:16], version=4)}"
            back[pub] = t
    return {t: fwd[t] for t in wanted}


def internal_thread_id(conn: Connection, public_id: str) -> str | None:
    """The stored thread id behind a public one, or None (no policy: callers decide)."""
    back = known_public_ids(conn)
    if public_id not in back:
        public_thread_ids(conn, list(conn.execute(select(Thread.id)).scalars()))
    return back.get(public_id)


def known_public_ids(conn: Connection) -> dict[str, str]:
    """Public id → internal id of every thread minted so far for this database."""
    return _internal.setdefault(str(conn.engine.url), {})


def instance_identity(conn: Connection) -> str:
    """Who this instance is: ``TEARLINE_AGENCY`` if set, else the stored identity."""
    explicit = settings.secret_from_env("TEARLINE_AGENCY")
    return explicit or _ensure(conn, "identity", f"INSTANCE-{secrets.token_hex(4).upper()}")


def identity_is_default() -> bool:
    """True when no one configured ``TEARLINE_AGENCY`` (or set it to the old default)."""
    explicit = settings.secret_from_env("TEARLINE_AGENCY")
    return explicit in (None, DEFAULT_IDENTITY)


def load_instance(engine: Engine) -> str:
    """Make this process act as ``engine``'s instance; returns the identity it adopted.

    ``serve`` calls it once at start (``web.app.make_app``), ``sync`` before it
    talks to a partner: the per-process keys the console and TAXII read
    (``process_secret``) then agree across workers and restarts, and with no
    ``TEARLINE_AGENCY`` the owner identity (``settings.OWNER_AGENCY``, which
    names this agency's objects) is the one drawn for this instance, so two
    unconfigured instances never claim the same objects as their own.
    """
    with engine.begin() as conn:
        secret = stored_secret(conn)
        identity = instance_identity(conn)
    _process[:] = [secret]
    settings.OWNER_AGENCY = identity
    return identity


def default_identity_warning(identity: str) -> str | None:
    """What ``serve`` and ``sync`` print when nobody chose this instance's identity."""
    explicit = settings.secret_from_env("TEARLINE_AGENCY")
    if explicit and explicit != DEFAULT_IDENTITY:
        return None
    why = ("TEARLINE_AGENCY is the old shared default 'HOME'" if explicit else
           f"TEARLINE_AGENCY is not set, so this instance calls itself {identity!r}, "
           "drawn when its database was created")
    return (f"warning: {why}; partners identify objects by their creator, so set "
            "TEARLINE_AGENCY to your agency's own name (the same on every worker) before "
            "federating")


def process_secret(*env_names: str) -> bytes:
    """The secret a signer of this process keys from: the first of ``env_names`` set,
    else the loaded instance secret, else (a process that never loaded one, such
    as a unit test of a signer alone) one random secret for the process.

    Callers derive their own key from it as they always did, so a deployment
    that sets the variables keeps its sessions and tokens across this change.
    """
    for name in env_names:
        explicit = settings.secret_from_env(name)
        if explicit:
            return explicit.encode()
    if _process:
        return _process[0]
    if not _random:
        _random.append(secrets.token_bytes(32))
    return _random[0]
