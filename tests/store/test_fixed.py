"""``store.fixed.FixedStatement`` answers exactly what ``Connection.execute`` answers.

It compiles a statement once and hands the driver its SQL and values itself,
so it must reproduce SQLAlchemy's own conversions both ways: datetimes,
booleans, JSON and NULLs bound, literals and LIMITs the statement carries
itself, and each column's value converted back. Checked on both backends
against ``Connection.execute`` over rows of every such type, with a property
test over the values bound.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, and_, bindparam, case, func, insert, literal, select

from tearline.security.login_guard import _failures_statement
from tearline.store.fixed import FixedStatement
from tearline.store.schema import LoginAttempt, User

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User), [
            {"username": "ana", "display_name": "Ana", "roles": ["analyst"],
             "compartments": ["ORCHID", "NTK:ö"], "clearance": "SECRET",
             "password_hash": None, "created_at": T0, "disabled_at": None},
            {"username": "bo", "display_name": "Bo", "roles": [], "compartments": [],
             "clearance": "TOP SECRET", "password_hash": "x", "created_at": T0,
             "disabled_at": T0 + timedelta(days=1)},
        ])
        conn.execute(insert(LoginAttempt), [
            {"at": T0 + timedelta(minutes=i), "username": "ana" if i % 2 else "bo",
             "address": f"10.0.0.{i % 3}", "ok": i % 4 == 0} for i in range(12)])


USERS = select(User.username, User.roles, User.compartments, User.clearance,
               User.password_hash, User.created_at, User.disabled_at,
               case((User.disabled_at.is_(None), True), else_=False).label("enabled"),
               literal("k").label("constant")
               ).where(User.clearance != bindparam("not")).order_by(User.username).limit(5)


def test_rows_match_execute_on_every_column_type(engine: Engine) -> None:
    _seed(engine)
    fixed = FixedStatement(USERS, named=True)
    with engine.connect() as conn:
        for params in ({"not": "NONE"}, {"not": "SECRET"}, {"not": "TOP SECRET"}):
            want = [tuple(r) for r in conn.execute(USERS, params)]
            got = fixed.rows(conn, params)
            assert [tuple(r) for r in got] == want
            assert all(isinstance(r.created_at, datetime) for r in got)
        row = fixed.first(conn, {"not": "NONE"})
        assert row.username == "ana" and row.compartments == ["ORCHID", "NTK:ö"]
        assert row.enabled is True and row.disabled_at is None
        assert fixed.first(conn, {"not": "NONE"}) == row  # the plan is reused
        assert fixed.rows(conn, {"not": "x"})[1].enabled is False


def test_raw_rows_are_the_drivers_values(engine: Engine) -> None:
    _seed(engine)
    stmt = select(User.username, User.created_at).where(User.username == bindparam("u"))
    with engine.connect() as conn:
        (name, at), = FixedStatement(stmt, raw=True).rows(conn, {"u": "ana"})
        assert name == "ana"
        if engine.dialect.name == "sqlite":
            assert isinstance(at, str) and at.startswith("2026-03-01 12:00:00")
        else:
            assert isinstance(at, datetime)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(-30, 30), user=st.sampled_from(["ana", "bo", "", "zoë", None]),
       address=st.sampled_from(["10.0.0.0", "10.0.0.1", "10.0.0.2", "::1"]))
def test_bound_datetimes_and_nulls_match_execute(engine: Engine, minutes: int,
                                                 user: str | None, address: str) -> None:
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(LoginAttempt)).scalar():
            _seed_attempts(conn)
    params = {"u": user, "a": address, "since": T0 + timedelta(minutes=minutes)}
    fixed = _failures_statement()
    with engine.connect() as conn:
        assert fixed.rows(conn, params) == [tuple(r) for r in conn.execute(fixed.stmt, params)]


def _seed_attempts(conn: object) -> None:
    conn.execute(insert(LoginAttempt), [  # type: ignore[attr-defined]
        {"at": T0 + timedelta(minutes=i, microseconds=i), "username": ["ana", "bo", "zoë"][i % 3],
         "address": f"10.0.0.{i % 3}", "ok": i % 4 == 0} for i in range(-20, 20)])


def test_an_expanding_parameter_is_refused(sqlite_engine: Engine) -> None:
    stmt = select(User.username).where(User.username.in_(bindparam("names", expanding=True)))
    with sqlite_engine.connect() as conn, pytest.raises(ValueError, match="expands"):
        FixedStatement(stmt).rows(conn, {"names": ["a"]})


def test_a_driver_error_surfaces_as_sqlalchemys(sqlite_engine: Engine) -> None:
    from sqlalchemy.exc import OperationalError

    stmt = select(User.username).where(and_(User.username == bindparam("u")))
    fixed = FixedStatement(stmt)
    with sqlite_engine.connect() as conn:
        assert fixed.rows(conn, {"u": "nobody"}) == []
        conn.exec_driver_sql("DROP TABLE api_tokens")  # a table the read does not need
        conn.exec_driver_sql("ALTER TABLE users RENAME TO users_gone")
        with pytest.raises(OperationalError):
            fixed.rows(conn, {"u": "nobody"})


def test_the_fallback_answers_like_the_fast_path(sqlite_engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver error re-runs the statement through SQLAlchemy; if that succeeds, the
    caller gets the same rows, named rows still named."""
    _seed(sqlite_engine)
    fixed = FixedStatement(USERS, named=True)
    with sqlite_engine.connect() as conn:
        want = fixed.rows(conn, {"not": "NONE"})
        plan = fixed._plan(conn.dialect)
        broken = type(plan)("SELEC nothing", plan.order, plan.fixed, plan.binds,
                            plan.results, plan.row)
        monkeypatch.setitem(fixed._plans, conn.dialect.name, broken)
        got = fixed.rows(conn, {"not": "NONE"})
        assert [tuple(r) for r in got] == [tuple(r) for r in want]
        assert got[0].username == "ana" and got[0].enabled is True
