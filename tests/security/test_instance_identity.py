"""Each instance is someone: an identity drawn once per instance, unless configured.

Every instance used to call itself 'HOME' unless TEARLINE_AGENCY said
otherwise, so two federated instances left at the default could not tell
whose object was whose (issue 9, finding 5 decides by creator identity).
Migration 0011 draws an identity when a database is created; ``serve`` and
``sync`` adopt it and say, on stderr, that it was never configured.

Two real ``tearline serve`` processes on two fresh databases, on loopback.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests

from tests.taxii.conftest import PASSWORD, Server, add_partners, migrated, start_server


def _instance(tmp: Path, name: str) -> str:
    db = str(tmp / f"{name}.db")
    engine = migrated(db)
    with engine.begin() as conn:
        add_partners(conn, {"CORE1": "core"})
    engine.dispose()
    return db


def _who(srv: Server) -> str:
    me = requests.get(f"{srv.base}/api/v1/me", auth=("CORE1", PASSWORD), timeout=60)
    assert me.status_code == 200, me.text
    return str(me.json()["instance"])


def _stop(srv: Server) -> str:
    srv.proc.terminate()
    try:
        _, err = srv.proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        _, err = srv.proc.communicate()
    return err.decode(errors="replace")


def test_two_unconfigured_instances_are_two_identities_and_say_so(tmp_path: Path) -> None:
    saved = os.environ.get("TEARLINE_AGENCY")
    try:
        os.environ.pop("TEARLINE_AGENCY", None)  # start_server copies os.environ
        a_db, b_db = _instance(tmp_path, "a"), _instance(tmp_path, "b")
        a, b = start_server(a_db), start_server(b_db)
        try:
            ident_a, ident_b = _who(a), _who(b)
        finally:
            err_a, err_b = _stop(a), _stop(b)
        assert ident_a != ident_b and "HOME" not in (ident_a, ident_b)
        for err, ident in ((err_a, ident_a), (err_b, ident_b)):
            assert "TEARLINE_AGENCY is not set" in err and ident in err
        again = start_server(a_db)  # the identity is the instance's, not the process's
        try:
            assert _who(again) == ident_a
        finally:
            _stop(again)
    finally:
        if saved is not None:
            os.environ["TEARLINE_AGENCY"] = saved


def test_a_configured_identity_wins_and_the_old_default_is_warned_about(
        tmp_path: Path) -> None:
    db = _instance(tmp_path, "c")
    named = start_server(db, env={"TEARLINE_AGENCY": "NRD"})
    try:
        assert _who(named) == "NRD"
    finally:
        assert "TEARLINE_AGENCY" not in _stop(named)
    old = start_server(db, env={"TEARLINE_AGENCY": "HOME"})
    try:
        assert _who(old) == "HOME"
    finally:
        assert "old shared default 'HOME'" in _stop(old)
