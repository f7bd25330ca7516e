"""REST routes that change who may see what: partners (admin) and releases (approver).

Thin shells over ``share.partners`` and ``share.releases``; those functions
validate and audit, these only map HTTP onto them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from tearline.fusion.query import ThreadNotFound, find_thread, public_thread_id
from tearline.share.partners import create_partner, get_partner, list_partners, update_partner
from tearline.share.policy import Principal
from tearline.share.release_checks import may_read_released
from tearline.share.releases import list_releases, load_index, record_release, revoke_release
from tearline.web.api_common import ApiError, ShapedRoute, require_role, transaction

router = APIRouter(route_class=ShapedRoute)


class PartnerIn(BaseModel):
    """A new partner service."""

    code: str = Field(description="2-16 of A-Z, 0-9, '-': what REL TO lists name.")
    name: str
    tier: str = Field(description="core, associate, selective or warning-only.")
    country: str | None = None
    service: str | None = None
    channels: dict[str, str] = Field(default_factory=dict,
                                     description="Contact channels: email, phone, liaison…")
    taxii_url: str | None = Field(None, description="The partner's TAXII 2.1 API root.")
    outbound_username: str | None = None
    outbound_secret_env: str | None = Field(
        None, description="Environment variable holding the secret for the partner's server.")


class PartnerPatch(BaseModel):
    """Changes to a partner; a tier change needs a reason for the record."""

    name: str | None = None
    tier: str | None = None
    country: str | None = None
    service: str | None = None
    channels: dict[str, str] | None = None
    taxii_url: str | None = None
    reason: str | None = None


class ReleaseIn(BaseModel):
    """Release one object (report, STIX object, warning, thread) to one partner."""

    object_id: str
    partner: str
    reason: str | None = None
    #: When the object came from a partner and this release goes beyond its REL TO:
    #: who at the originator agreed, when and how (recorded with the release).
    originator_consent: str | None = None


class RevokeIn(BaseModel):
    reason: str | None = None


@router.get("/partners", tags=["partners"], summary="All partner services (admin)")
def partners(request: Request,
             _: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        items = list_partners(conn)
    return {"ok": True, "items": items, "count": len(items)}


@router.post("/partners", tags=["partners"], status_code=201,
             summary="Register a partner service at a tier (admin)")
def partner_create(request: Request, body: PartnerIn,
                   who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        item = create_partner(conn, body.code, body.name, body.tier, actor=who.id,
                              country=body.country, service=body.service,
                              channels=body.channels, taxii_url=body.taxii_url,
                              outbound_username=body.outbound_username,
                              outbound_secret_env=body.outbound_secret_env)
    return {"ok": True, "item": item}


@router.get("/partners/{code}", tags=["partners"], summary="One partner service (admin)")
def partner(request: Request, code: str,
            _: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    with transaction(request) as conn:
        item = get_partner(conn, code.upper())
    if item is None:
        raise ApiError(404, f"no partner with code {code!r}")
    return {"ok": True, "item": item}


@router.patch("/partners/{code}", tags=["partners"],
              summary="Change a partner's details or tier (admin)")
def partner_update(request: Request, code: str, body: PartnerPatch,
                   who: Principal = Depends(require_role("admin"))) -> dict[str, Any]:
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    with transaction(request) as conn:
        if get_partner(conn, code.upper()) is None:
            raise ApiError(404, f"no partner with code {code!r}")
        item = update_partner(conn, code, actor=who.id, reason=body.reason, **changes)
    return {"ok": True, "item": item}


@router.get("/releases", tags=["releases"],
            summary="Explicit releases of what the approver may read (approver)")
def releases(request: Request, object_id: str | None = None, partner: str | None = None,
             active: bool = True,
             who: Principal = Depends(require_role("approver"))) -> dict[str, Any]:
    with transaction(request) as conn:
        wanted = _internal_ref(conn, object_id, who) if object_id else None
        index = load_index(conn)
        items = [_public_ref(conn, i) for i in
                 list_releases(conn, object_id=wanted, partner_code=partner, active=active)
                 if may_read_released(conn, who, i["object_id"], index)]
    return {"ok": True, "items": items, "count": len(items)}


@router.post("/releases", tags=["releases"], status_code=201,
             summary="Release an object to a partner; the caller is the approver")
def release_create(request: Request, body: ReleaseIn,
                   who: Principal = Depends(require_role("approver"))) -> dict[str, Any]:
    with transaction(request) as conn:
        item = record_release(conn, _internal_ref(conn, body.object_id, who),
                              body.partner.upper(), approved_by=who.id,
                              reason=body.reason, originator_consent=body.originator_consent)
        item = _public_ref(conn, item)
    return {"ok": True, "item": item}


def _internal_ref(conn: Connection, object_id: str, who: Principal) -> str:
    """A thread's public id as the stored id releases name; any other id unchanged.

    A public id of a thread the approver may not see stays as given, so the
    release is refused exactly as one of an object that does not exist.
    """
    if not object_id.startswith("thread--"):
        return object_id
    try:
        return find_thread(conn, object_id, who)
    except ThreadNotFound:
        return object_id


def _public_ref(conn: Connection, item: dict[str, Any]) -> dict[str, Any]:
    """A release as shown: a thread named by its public id, never its opening report's."""
    oid = str(item.get("object_id") or "")
    if oid.startswith("thread:"):
        return {**item, "object_id": public_thread_id(conn, oid)}
    return item


@router.post("/releases/{release_id}/revoke", tags=["releases"],
             summary="Withdraw a release from now on (approver)")
def release_revoke(request: Request, release_id: int, body: RevokeIn | None = None,
                   who: Principal = Depends(require_role("approver"))) -> dict[str, Any]:
    if not 0 < release_id < 2 ** 63:  # no such row, and too big for the database's integer
        raise ApiError(404, f"no release with id {release_id}")
    with transaction(request) as conn:
        # A release of something the approver may not read is one that does not exist.
        if not [r for r in list_releases(conn, release_id=release_id, active=False)
                if may_read_released(conn, who, r["object_id"])]:
            raise ApiError(404, f"no release with id {release_id}")
        item = _public_ref(conn, revoke_release(conn, release_id, actor=who.id,
                                                reason=body.reason if body else None))
    return {"ok": True, "item": item}
