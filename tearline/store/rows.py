"""Typed row writes on a model: the one way code outside ``store/`` inserts and updates.

``Model.__table__.insert()`` is untyped (``__table__`` is a ``FromClause``)
and spreads table-level SQL through the stages; these helpers take the model
class, check the column names against it, and say which name was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tearline.errors import StoreError
from tearline.store.schema import Base

__all__ = ["insert_ignore", "insert_rows", "update_rows"]


def _check(model: type[Base], names: set[str]) -> None:
    unknown = names - set(model.__table__.columns.keys())
    if unknown:
        raise StoreError(f"{model.__name__} has no column(s) {sorted(unknown)}; expected some "
                         f"of {sorted(model.__table__.columns.keys())}")


def insert_rows(conn: Connection, model: type[Base],
                rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (one executemany); returns how many were given. Empty is a no-op."""
    if not rows:
        return 0
    _check(model, {k for r in rows for k in r})
    conn.execute(insert(model), [dict(r) for r in rows])
    return len(rows)


def update_rows(conn: Connection, model: type[Base], where: ColumnElement[bool],
                **values: Any) -> int:
    """Set ``values`` on the rows matching ``where``; returns the number of rows changed."""
    _check(model, set(values))
    result = conn.execute(update(model).where(where).values(**values))
    return int(result.rowcount)


def insert_ignore(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on either backend; returns rows inserted."""
    if not rows:
        return 0
    table = getattr(table, "__table__", table)
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    # Rowcounts are not reliable for every driver and statement shape; count
    # the rows that came back instead.
    pk = next(iter(table.primary_key.columns))
    stmt = ins(table).on_conflict_do_nothing().returning(pk)
    return len(conn.execute(stmt, list(rows)).all())
