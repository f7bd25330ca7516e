"""The sharing commands end to end on a database file, and the library rules under them."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from tearline.cli import main
from tearline.errors import ConfigError, PolicyError
from tearline.security.credentials import (
    authenticate_basic,
    authenticate_bearer,
    hash_password,
    issue_partner_token,
    revoke_token,
    verify_password,
)
from tearline.security.users import add_user
from tearline.share.partners import create_partner, outbound_credentials, update_partner
from tearline.share.releases import record_release


def run(db: str, *args: str, input: str | None = None,
        token: str | None = None) -> tuple[int, str]:
    env = {"TEARLINE_TOKEN": token} if token else None
    res = CliRunner().invoke(main, ["--db", db, *args], input=input, env=env)
    return res.exit_code, res.output


def test_partner_user_token_release_flow(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    code, out = run(db, "partners", "add", "nrd", "--name", "Nordic Service", "--tier", "core",
                    "--country", "NO", "--channel", "email=duty@nrd.example",
                    "--taxii-url", "https://nrd.example/api1")
    assert code == 0 and "added NRD (core)" in out
    code, out = run(db, "partners", "list", "--json")
    [p] = orjson.loads(out)
    assert p["channels"] == {"email": "duty@nrd.example"}
    assert p["taxii_url"] == "https://nrd.example/api1/"
    code, out = run(db, "partners", "set-tier", "NRD", "selective", "--reason", "review")
    assert code == 0 and "now selective" in out
    code, token = run(db, "partners", "token", "NRD", "--label", "sync")
    assert code == 0 and token.startswith("tl_")
    code, out = run(db, "users", "add", "ana", "--role", "approver")
    assert code == 1 and "first user of a new database must be an admin" in out
    code, out = run(db, "users", "add", "root", "--role", "admin")
    assert code == 0 and "set-up done" in out
    admin = out.strip().splitlines()[-1]
    code, out = run(db, "users", "list")
    assert code == 1 and "set TEARLINE_TOKEN" in out  # no token after set-up: refused
    code, out = run(db, "users", "add", "ana", "--role", "approver", "--clearance", "secret",
                    "--compartment", "ORCHID", token=admin)
    assert code == 0 and "SECRET" in out
    code, utoken = run(db, "users", "token", "ana", token=admin)
    assert code == 0 and utoken.startswith("tl_")
    code, out = run(db, "users", "list", "--json", token=admin)
    assert orjson.loads(out)[0]["compartments"] == ["NTK:ORCHID"]

    code, out = run(db, "release", "report--nope", "--to", "NRD", token=utoken.strip())
    assert code == 1 and "no report, STIX object, warning or thread" in out
    code, out = run(db, "partners", "list", token=utoken.strip())
    assert code == 1 and "needs the role 'admin'" in out  # an approver is not an admin
    code, out = run(db, "partners", "add", "b_d", "--name", "x", "--tier", "core", token=admin)
    assert code == 1 and "partner code 'b_d'" in out
    code, out = run(db, "users", "token", "ghost", token=admin)
    assert code == 1 and "no enabled user named 'ghost'" in out


def test_credentials_and_rules(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_password("s3cret", stored) and verify_password("s3cret", stored)  # cached
    assert not verify_password("S3cret", stored) and not verify_password("s3cret", None)
    with sqlite_engine.begin() as conn:
        create_partner(conn, "ALB", "Alb Service", "associate", actor="t",
                       outbound_username="tearline", outbound_secret_env="ALB_SECRET")
        create_partner(conn, "WO", "Far Service", "warning-only", actor="t")
        add_user(conn, "boss", actor="t", roles=["approver"], clearance="TOP SECRET",
                 password="pw")
        add_user(conn, "reader", actor="t", roles=["analyst"], password="pw2")
        token = issue_partner_token(conn, "ALB", actor="t")
        p = authenticate_bearer(conn, token)
        assert p is not None and (p.id, p.tier) == ("ALB", "associate")
        update_partner(conn, "ALB", actor="t", tier="core", reason="upgrade")
        assert authenticate_bearer(conn, token).tier == "core"  # type: ignore[union-attr]
        assert revoke_token(conn, token, actor="t")
        assert authenticate_bearer(conn, token) is None
        u = authenticate_basic(conn, "boss", "pw")
        assert u is not None and u.clearance == "TOP SECRET" and "approver" in u.roles
        assert authenticate_basic(conn, "boss", "nope") is None
        with pytest.raises(ConfigError, match="partner's login"):
            add_user(conn, "ALB", actor="t")
        with pytest.raises(PolicyError, match="lacks the 'approver' role"):
            record_release(conn, "x", "ALB", approved_by="reader")
        with pytest.raises(ConfigError, match="tier 'gold'"):
            update_partner(conn, "ALB", actor="t", tier="gold")
        assert outbound_credentials(conn, "ALB") is None
        monkeypatch.setenv("ALB_SECRET", "hunter2")
        assert outbound_credentials(conn, "ALB") == ("tearline", "hunter2")
