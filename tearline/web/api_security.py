"""REST routes for security administration (admin role): audit verification, users.

Thin shells over ``security.verify``, ``security.users`` and
``security.credentials``; those functions validate and audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from tearline.admin import disable_user, remove_partner, revoke_user_tokens
from tearline.security.audit import record_now
from tearline.security.credentials import issue_user_token, revoke_token
from tearline.security.users import add_user, list_users
from tearline.security.verify import verify_log
from tearline.share.partners import get_partner
from tearline.share.policy import Principal
from tearline.web.api_common import ApiError, ShapedRoute, require_role, transaction

router = APIRouter(route_class=ShapedRoute)


def _admin_action(request: Request,
                  act: Callable[[Connection], dict[str, Any]]) -> dict[str, Any]:
    """Run one admin change in its own transaction and answer ``{"ok": true, ...}``.

    The service functions validate and audit; every admin POST route differs only
    in which one it calls and under which key it answers, so they share this shell.
    """
    with transaction(request) as conn:
        return {"ok": True, **act(conn)}


class UserIn(BaseModel):
    """A new local user. A password is optional (bearer tokens need none)."""

    username: str = Field(min_length=1, max_length=120)
    roles: list[str] = Field(default_factory=lambda: ["analyst"],
                             description="Some of analyst, approver, admin.")
    clearance: str = "UNCLASSIFIED"
    compartments: list[str] = Field(default_factory=list)
    display_name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, max_length=1024)


class TokenIn(BaseModel):
    label: str = Field("", max_length=200)


class RevokeTokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="The token to revoke.")


@router.get("/audit/verify", tags=["audit"],
            summary="Verify the audit chain and checkpoints; names the first bad entry (admin)")
def audit_verify(request: Request, content: bool = False,
                 who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        report = verify_log(conn, content=content)
        record_now(conn, who.id, "audit.verify", "audit", None, ok=report.ok,
                   first_bad=report.first.to_dict() if report.first else None)
    return report.to_dict()


@router.get("/users", tags=["users"], summary="Local users (admin)")
def users(request: Request, who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        items = list_users(conn)
        record_now(conn, who.id, "user.list", "user", None, count=len(items))
    return {"ok": True, "items": items, "count": len(items)}


@router.post("/users", tags=["users"], status_code=201, summary="Add a local user (admin)")
def user_create(request: Request, body: UserIn,
                who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        item = add_user(conn, body.username, actor=who.id, display_name=body.display_name,
                        roles=body.roles, clearance=body.clearance.upper(),
                        compartments=body.compartments, password=body.password)
    return {"ok": True, "item": item}


@router.post("/users/{username}/disable", tags=["users"],
             summary="Disable a user and revoke their tokens, effective on the next request")
def user_disable(request: Request, username: str,
                 who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    return _admin_action(request, lambda conn: {"item": disable_user(conn, username,
                                                                   actor=who.id)})


@router.post("/users/{username}/tokens", tags=["users"], status_code=201,
             summary="Issue a bearer token for a user; shown only in this answer (admin)")
def user_token(request: Request, username: str, body: TokenIn | None = None,
               who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    return _admin_action(request, lambda conn: {"token": issue_user_token(
        conn, username, actor=who.id, label=body.label if body else "")})


@router.post("/users/{username}/tokens/revoke", tags=["users"],
             summary="Revoke every token of a user (admin)")
def user_tokens_revoke(request: Request, username: str,
                       who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    return _admin_action(request, lambda conn: {"revoked": revoke_user_tokens(
        conn, username, actor=who.id)})


@router.post("/tokens/revoke", tags=["users"], summary="Revoke one token by its value (admin)")
def token_revoke(request: Request, body: RevokeTokenIn,
                 who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        found = revoke_token(conn, body.token, actor=who.id)
    if not found:
        raise ApiError(404, "no active token matches; it may already be revoked")
    return {"ok": True, "revoked": 1}


@router.delete("/partners/{code}", tags=["partners"],
               summary="Remove a partner: its credentials stop working at once (admin)")
def partner_remove(request: Request, code: str,
                   who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        if get_partner(conn, code.upper()) is None:
            raise ApiError(404, f"no partner with code {code!r}")
        item = remove_partner(conn, code.upper(), actor=who.id)
    return {"ok": True, "item": item}
