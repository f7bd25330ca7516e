"""Opening the database and bringing its schema up to date.

SQLite is tuned for a single-writer embedded store (WAL, NORMAL sync, foreign
keys on); PostgreSQL is used as is. Alembic owns the schema on both, so
``tearline db upgrade`` is the only way tables change.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy.exc import OperationalError

from tearline.errors import StoreError
from tearline.settings import normalize_db_url, sqlite_mmap_bytes

_MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute(f"PRAGMA mmap_size={sqlite_mmap_bytes()}")
    cur.close()


def driver_rows(conn: Connection, stmt: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """The rows of ``stmt`` as the driver's own tuples, the result closed.

    For hot reads whose columns need no type processing (text, integers, a raw
    stamp): building SQLAlchemy rows was a sixth of a 1,000-object TAXII page.
    """
    result = conn.execute(stmt, params)
    try:
        rows: Sequence[Any] = result.cursor.fetchall()
    finally:
        result.close()
    return rows


def make_engine(url: str) -> Engine:
    """Create an engine for a URL or a SQLite path, with the backend tuned."""
    url = normalize_db_url(url)
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.exists():
                raise StoreError(
                    f"cannot create the database {path!r}: folder {str(parent)!r} does not "
                    "exist; create it or pass another --db path"
                )
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


@functools.cache
def head_revision() -> str:
    """The newest migration this code knows (parsed once: every command checks it)."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; safe to run on an up-to-date database.

    All-or-nothing on both backends. PostgreSQL has transactional DDL as is;
    pysqlite would commit each CREATE on its own (it opens transactions only
    in front of DML), so on SQLite the driver is put in manual mode and the
    whole upgrade runs inside one ``BEGIN IMMEDIATE``: a kill half-way leaves
    the file as it was, never a schema that later commands refuse.
    """
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            if conn.dialect.name != "sqlite":
                command.upgrade(cfg, revision)
                return
            raw: Any = conn.connection.driver_connection
            legacy = raw.isolation_level
            raw.isolation_level = None
            raw.execute("BEGIN IMMEDIATE")
            try:
                command.upgrade(cfg, revision)
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            finally:
                raw.isolation_level = legacy
    except OperationalError as exc:
        raise StoreError(
            f"could not migrate {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}. Check the URL and that the server is running."
        ) from exc


def ensure_current(engine: Engine) -> None:
    """Create the schema in an empty database; refuse one at another revision.

    A new file just works; an existing database is only migrated on an explicit
    ``tearline db upgrade``, because a shared PostgreSQL may have other readers.
    """
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise StoreError(
            f"cannot open {engine.url.render_as_string(hide_password=True)}: {exc.orig}. "
            "Check --db / TEARLINE_DB and that the server is running."
        ) from exc
    if current is None:
        upgrade(engine)
    elif current != head_revision():
        raise StoreError(
            f"the database is at schema revision {current} but this Tearline expects "
            f"{head_revision()}: run `tearline db upgrade`"
        )
