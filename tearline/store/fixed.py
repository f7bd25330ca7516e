"""Small read statements of fixed shape, compiled once and run on the driver's cursor.

Every TAXII page and REST read runs a handful of tiny reads before and after
its real work: the lockout counts, the user or partner behind the
credentials, whether a partner holds a live release, the marking-definitions
it may resolve, the audit chain's tip. Through ``Connection.execute`` each
cost about 34 us of CPU on SQLite, of which the database's own work was under
6 us: the rest is SQLAlchemy building a cache key from the statement, an
execution context and a result (measured in session 10,
docs/benchmarks-taxii.md). ``FixedStatement`` does that work once per dialect:
it compiles the statement, keeps the SQL text, the order of its parameters,
the values of the literals it binds itself, and the type processors of its
parameters and columns, and then hands the driver its text and values
directly. Rows come back as plain tuples, or as named tuples when asked,
with column values converted exactly as SQLAlchemy would (a SQLite
timestamp string becomes a ``datetime``, a JSON column a Python value).

Only for reads whose shape never changes between calls (no expanding ``IN``,
no per-call SQL): anything else belongs to ``Connection.execute``. Statement
events of the engine do not see these reads; nothing in Tearline listens for
reads. A driver error is not interpreted here: the statement is run once more
through ``Connection.execute``, which raises SQLAlchemy's own error (and
invalidates a connection that was lost) if it fails again.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect

__all__ = ["FixedStatement"]

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement as one dialect runs it."""

    sql: str
    #: Positional drivers (SQLite's ``?``): the parameter names in order; None for named ones.
    order: tuple[str, ...] | None
    #: The values the statement binds itself (literals, LIMIT), by name, converted.
    fixed: dict[str, Any]
    #: Bind processors of the caller's parameters, by name (only those that convert).
    binds: dict[str, Callable[[Any], Any]]
    #: One result processor per column (None where the driver's value is kept).
    results: tuple[_Processor, ...]
    row: Callable[..., Any] | None


class FixedStatement:
    """A ``select`` compiled once per dialect and run on the driver's own cursor.

        TIP = FixedStatement(select(T.seq, T.hash).order_by(T.seq.desc()).limit(1))
        for seq, digest in TIP.rows(conn):
            ...

    ``named=True`` gives rows with attribute access (``row.username``), as
    SQLAlchemy's rows have; ``raw=True`` leaves column values as the driver
    returns them (for hot reads that convert them themselves).
    """

    def __init__(self, stmt: Select[*tuple[Any, ...]], *, named: bool = False,
                 raw: bool = False) -> None:
        self.stmt = stmt
        self._named = named
        self._raw = raw
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = self._compile(dialect)
        return plan

    def _compile(self, dialect: Dialect) -> _Plan:
        compiled = self.stmt.compile(dialect=dialect)
        for name, param in compiled.binds.items():
            if param.expanding:
                raise ValueError(f"parameter {name!r} expands: not a fixed statement")
        if compiled.post_compile_params:  # a LIMIT some dialects render as a literal
            compiled = self.stmt.compile(dialect=dialect,
                                         compile_kwargs={"render_postcompile": True})
        binds: dict[str, Callable[[Any], Any]] = {}
        for name, param in compiled.binds.items():
            proc = param.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                binds[name] = proc
        # Values the statement carries itself, converted once here.
        fixed = {name: param.effective_value for name, param in compiled.binds.items()
                 if not param.required}
        fixed = {name: binds[name](v) if name in binds else v for name, v in fixed.items()}
        columns = list(self.stmt.selected_columns)
        results: tuple[_Processor, ...] = tuple(
            None if self._raw else col.type.dialect_impl(dialect).result_processor(dialect, None)
            for col in columns)
        row: Callable[..., Any] | None = None
        if self._named:
            row = namedtuple("Row", [c.key for c in columns])._make  # type: ignore[misc,attr-defined]
        order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup \
            else (() if compiled.positional else None)
        return _Plan(compiled.string, order, fixed, binds, results, row)

    def rows(self, conn: Connection, params: Mapping[str, Any] | None = None
             ) -> Sequence[Any]:
        """Every row of the statement with ``params`` bound, as tuples."""
        plan = self._plan(conn.dialect)
        values = plan.fixed
        if params:
            values = {**values}
            for name, value in params.items():
                proc = plan.binds.get(name)
                values[name] = value if proc is None else proc(value)
        args: Any = values if plan.order is None else [values[n] for n in plan.order]
        driver = conn.connection.driver_connection
        try:
            cursor = driver.execute(plan.sql, args)  # type: ignore[union-attr]
            try:
                fetched: Sequence[Any] = cursor.fetchall()
            finally:
                cursor.close()
        except conn.dialect.loaded_dbapi.Error:
            # Let SQLAlchemy run it and raise (or invalidate) its own way; should it
            # succeed, its rows are SQLAlchemy's (attribute access, converted values).
            again = conn.execute(self.stmt, dict(params or {}))
            return list(again) if self._named else [tuple(r) for r in again]
        if any(plan.results):
            procs = plan.results
            fetched = [tuple(v if p is None else p(v) for p, v in zip(procs, r, strict=True))
                       for r in fetched]
        if plan.row is not None:
            make = plan.row
            return [make(r) for r in fetched]
        return fetched

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Any:
        """The first row, or None."""
        found = self.rows(conn, params)
        return found[0] if found else None
