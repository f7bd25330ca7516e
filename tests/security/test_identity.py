"""The CLI's acting user: a bearer token names a local user; bad tokens are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tearline.errors import PolicyError
from tearline.security.credentials import issue_user_token, revoke_token
from tearline.security.identity import cli_principal, require_role
from tearline.security.users import add_user
from tearline.share.policy import PrincipalKind


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
