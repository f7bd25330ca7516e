"""The CLI's acting user: a bearer token names a local user; bad tokens are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from tearline.cli import main
from tearline.errors import PolicyError
from tearline.security.credentials import issue_user_token, revoke_token
from tearline.security.identity import cli_principal, require_role
from tearline.security.users import add_user
from tearline.share.policy import PrincipalKind
from tearline.store.db import make_engine
from tearline.store.schema import AuditEntry


def test_token_names_the_user_with_roles_and_clearance(engine: Engine) -> None:
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"], clearance="SECRET")
        token = issue_user_token(conn, "ana", actor="test")
    with engine.connect() as conn:
        who = cli_principal(conn, token)
    assert (who.kind, who.id, who.clearance) == (PrincipalKind.USER, "ana", "SECRET")
    require_role(who, "analyst")
    with pytest.raises(PolicyError, match="needs the role 'approver'"):
        require_role(who, "approver")


def test_unknown_and_revoked_tokens_are_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        add_user(conn, "bo", actor="test", roles=["approver"])
        token = issue_user_token(conn, "bo", actor="test")
        assert revoke_token(conn, token, actor="test")
    with engine.connect() as conn:
        for bad in (token, "not-a-token"):
            with pytest.raises(PolicyError, match="unknown, revoked"):
                cli_principal(conn, bad)


def test_cli_acts_as_the_token_user_and_enforces_roles(tmp_path: Path) -> None:
    """Through the real command: set-up, token required, roles, revocation at once."""
    db = str(tmp_path / "i.db")

    def run(*args: str, token: str | None = None) -> tuple[int, str]:
        res = CliRunner().invoke(main, ["--db", db, *args],
                                 env={"TEARLINE_TOKEN": token or ""})
        return res.exit_code, res.output

    code, out = run("users", "add", "root", "--role", "admin")
    assert code == 0
    admin = out.strip().splitlines()[-1]
    assert run("users", "add", "ana", "--role", "analyst", token=admin)[0] == 0
    code, ana = run("users", "token", "ana", token=admin)
    ana = ana.strip()
    assert run("reports", token=ana)[0] == 0
    code, out = run("users", "list", token=ana)
    assert code == 1 and "needs the role 'admin'" in out
    code, out = run("reports", "--as", "user:root", token=ana)
    assert code != 0 and "may not use --as" in out
    code, out = run("ingest", "--actor", "mallory", str(tmp_path), token=ana)
    assert code == 2 and "No such option" in out  # the free-text actor is gone
    assert run("users", "revoke", "ana", token=admin)[0] == 0
    code, out = run("reports", token=ana)
    assert code == 1 and "unknown, revoked" in out
    code, ana2 = run("users", "token", "ana", token=admin)
    assert run("users", "disable", "ana", token=admin)[0] == 0
    assert run("reports", token=ana2.strip())[0] == 1
    code, out = run("users", "disable", "root", token=admin)
    assert code == 1 and "last enabled admin" in out
    assert run("partners", "add", "nrd", "--name", "N", "--tier", "core", token=admin)[0] == 0
    assert run("partners", "remove", "NRD", "--reason", "ended", token=admin)[0] == 0
    eng = make_engine(db)
    with eng.connect() as conn:
        actors = {(a, act) for a, act in conn.execute(
            select(AuditEntry.actor, AuditEntry.action))}
    eng.dispose()
    assert ("ana", "report.list") in actors and ("root", "user.disable") in actors
    assert ("root", "partner.remove") in actors and ("owner", "user.create") in actors
