"""Status resources for add-objects requests, kept in the database.

Adds are processed before the response is sent, so every status is
``complete`` on arrival; it is still stored so any server process can answer
``GET …/status/{id}/`` later, and only to the principal that made the request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tearline.share.policy import Principal
from tearline.store.schema import TaxiiStatus

from ._media import TaxiiError
from ._query import format_timestamp


def principal_key(who: Principal) -> str:
    return f"{who.kind.value}:{who.id}"


def to_resource(row: TaxiiStatus | dict[str, Any]) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    detail = get("detail") or {}
    out: dict[str, Any] = {
        "id": get("id"), "status": get("status"),
        "request_timestamp": format_timestamp(get("request_timestamp")),
        "total_count": get("total_count"), "success_count": get("success_count"),
        "failure_count": get("failure_count"), "pending_count": get("pending_count"),
    }
    for key in ("successes", "failures", "pendings"):
        if detail.get(key):
            out[key] = detail[key]
    return out


def load(conn: Connection, status_id: str, who: Principal) -> dict[str, Any]:
    row = conn.execute(
        select(TaxiiStatus.__table__).where(TaxiiStatus.id == status_id,
                                            TaxiiStatus.principal == principal_key(who))
    ).mappings().first()
    if row is None:
        raise TaxiiError(404, "Status not found", f"no status {status_id!r} for you")
    return to_resource(dict(row))
