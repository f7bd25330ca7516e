"""The TAXII routes as requests take them: Starlette routes beside FastAPI's.

FastAPI's route machinery (matching against every route of the app, solving
each handler's parameters, its exception and exit-stack layers) cost a TAXII
request about a quarter of a millisecond of server CPU, a few per cent of a
1,000-object page and most of a small one (docs/benchmarks-taxii.md, session
10). TAXII handlers take only the request and their path parameters, all
text, so none of that machinery does anything for them.

``TaxiiDispatch`` sends every request under ``/taxii2/`` to a plain Starlette
``Router`` built from ``routes.make_router``'s own route list: the same paths,
in the same order (the catch-all 404 last), the same methods and the same
handler functions, each run as FastAPI would run it (a plain function on the
thread pool, a coroutine on the loop) inside ``_guard.guarded``. The FastAPI
router stays mounted, so the OpenAPI document lists the TAXII routes as
before; no request reaches it. Everything else passes to the FastAPI app.

A method no TAXII route takes (OPTIONS, say) is answered 405 as a TAXII error
resource with ``Allow``, where FastAPI answered its own JSON; HEAD is served
by the GET handler, as Starlette does for every GET route.

It sits inside the body limit (``web.body_limit``), which must see a TAXII
add's body first, and inside Starlette's outermost error middleware.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from ._guard import guarded
from ._media import TaxiiError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/taxii2/"


def _endpoint(handler: Callable[..., Any]) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` called with the request (if it takes one) and its path parameters."""
    takes_request = "request" in inspect.signature(handler).parameters
    is_coroutine = inspect.iscoroutinefunction(handler)

    async def endpoint(request: Request) -> Response:
        args = ({"request": request} if takes_request else {}) | request.path_params

        async def call() -> Response:
            if is_coroutine:
                response: Response = await handler(**args)
            else:
                response = await run_in_threadpool(handler, **args)
            return response

        return await guarded(request, call)

    return endpoint


def lean_router(router: APIRouter) -> Router:
    """A Starlette router with ``router``'s TAXII routes, in order, minus FastAPI."""
    routes = []
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"unexpected TAXII route {route!r}")
        methods = sorted(route.methods or ())
        routes.append(Route(route.path, _endpoint(route.endpoint), methods=methods))
    return Router(routes=routes, redirect_slashes=False)


def _as_taxii(exc: HTTPException, method: str) -> TaxiiError:
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        return TaxiiError(405, "Method not allowed", f"{method} is not allowed here; this "
                          f"endpoint takes {headers.get('Allow', 'GET')}", headers)
    return TaxiiError(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail),
                      headers)


class TaxiiDispatch:
    """ASGI middleware: ``/taxii2/...`` requests to the lean router, the rest on."""

    def __init__(self, app: ASGIApp, taxii: Router) -> None:
        self.app = app
        self.taxii = taxii

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root):]
            if path.startswith(PREFIX):
                try:
                    await self.taxii(scope, receive, send)
                except HTTPException as exc:  # Starlette's 405 for a method no route takes
                    await _as_taxii(exc, scope["method"]).to_response()(scope, receive, send)
                return
        await self.app(scope, receive, send)
