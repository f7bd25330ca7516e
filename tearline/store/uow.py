"""The unit of work: one transaction that holds the store's writer lock.

Fusion reads the saved indexes, extends them and writes threads, members,
origins and assessment versions. Two runs interleaving would both start from
the same saved state and both append "version 1"; a run killed half-way would
leave threads without their assessments. So every derived write happens in a
``UnitOfWork``: it takes the writer lock *before* its first read (SQLite
``BEGIN IMMEDIATE``; a PostgreSQL transaction-scoped advisory lock keyed by the
schema), and commits everything or nothing. A second writer waits for the
first and then sees its committed state.

``checkpoint()`` commits what is done so far and continues under a fresh
lock, for long runs that choose to keep partial progress.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction, text
from sqlalchemy.exc import OperationalError

from tearline.errors import StoreError

__all__ = ["LOCK_WAIT_MS", "UnitOfWork", "take_writer_lock"]

#: How long a writer waits for another one to finish before giving up (SQLite).
LOCK_WAIT_MS = 600_000
_BUSY_MS = 10_000  # the connection's usual busy timeout (store.db._sqlite_pragmas)


def take_writer_lock(conn: Connection) -> None:
    """Acquire the writer lock as the first statement of ``conn``'s transaction."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            raise StoreError(
                f"another Tearline process kept the database locked for "
                f"{LOCK_WAIT_MS // 1000} s ({exc.orig}); wait for it to finish and run again"
            ) from exc
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_MS}")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || :name))"),
                     {"name": ":writer"})


class UnitOfWork:
    """A connection in one locked transaction; commit on success, roll back on error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    @property
    def conn(self) -> Connection:
        """The connection to read and write through while the unit is open."""
        if self._conn is None:
            raise StoreError("the unit of work is not open; use it as `with UnitOfWork(engine)`")
        return self._conn

    def _begin(self) -> None:
        self._tx = self.conn.begin()
        take_writer_lock(self.conn)

    def __enter__(self) -> UnitOfWork:
        self._conn = self.engine.connect()
        try:
            self._begin()
        except BaseException:
            self._conn.close()
            self._conn = None
            raise
        return self

    def checkpoint(self) -> None:
        """Commit the work so far and carry on in a new locked transaction."""
        self.commit()
        self._begin()

    def commit(self) -> None:
        if self._tx is not None:
            self._tx.commit()
            self._tx = None

    def rollback(self) -> None:
        if self._tx is not None:
            self._tx.rollback()
            self._tx = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
