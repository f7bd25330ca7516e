"""The REST API under ``/api/v1``: one router, mounted by ``web.app.make_app``.

Routes live in topic modules (``api_reports``, ``api_fusion``, ``api_admin``)
over the same library calls the CLI uses; ``api_common`` holds the error shape
and authentication they share. Every route authenticates and reads through the
sharing policy; a path under the prefix that matches no route still answers in
the error shape.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from tearline.web import api_admin, api_fusion, api_reports, api_security, api_warnings
from tearline.web.api_common import ApiError, ShapedRoute, error_body

PREFIX = "/api/v1"

router = APIRouter(prefix=PREFIX, route_class=ShapedRoute)
router.include_router(api_reports.router)
router.include_router(api_fusion.router)
router.include_router(api_admin.router)
router.include_router(api_security.router)
router.include_router(api_warnings.router)


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
def not_found(request: Request, path: str) -> None:
    """Unknown paths under the prefix: 404 in the one error shape, not FastAPI's."""
    raise ApiError(404, f"no such endpoint {request.method} {PREFIX}/{path}; "
                        f"see /openapi.json")


__all__ = ["PREFIX", "error_body", "router"]
