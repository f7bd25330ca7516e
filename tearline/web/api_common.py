"""What every REST route shares: the one error shape, authentication, roles.

Errors. Every failure under ``/api/v1`` — our own refusals, FastAPI's request
validation, an unknown path — leaves as ``{"ok": false, "error": …, "errors":
[…], "status": N}``, built by ``error_body`` alone. The router cannot install
app-wide exception handlers (``app.py`` only mounts it), so the conversion
lives in ``ShapedRoute``, a route class that wraps each handler.

Authentication. HTTP Basic or a bearer token, checked by
``tearline.security.credentials``; no credentials or wrong ones give 401 with
a ``WWW-Authenticate`` challenge, a missing role gives 403. The principal is
rebuilt from the database on every request, so a tier change or a revoked
token takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBasic, HTTPBearer
from sqlalchemy import Connection, Engine

from tearline.errors import ConfigError, PolicyError, TearlineError
from tearline.share.policy import Principal, PrincipalKind

CHALLENGE = 'Basic realm="tearline", Bearer'

_basic_scheme = HTTPBasic(auto_error=False, description="A user name or partner login and "
                          "its password.")
_bearer_scheme = HTTPBearer(auto_error=False, description="A token issued with "
                            "`tearline users token` or `tearline partners token`.")


def error_body(status: int, error: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """The single JSON error shape of the REST API (pinned by a test)."""
    return {"ok": False, "error": error, "errors": list(errors or []), "status": status}


class ApiError(Exception):
    """A refusal with an HTTP status and a sentence saying what to do."""

    def __init__(self, status: int, error: str, errors: list[Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.errors = errors or []
        self.headers = headers


def error_response(exc: Exception) -> JSONResponse:
    """Turn any exception a route raised into the error shape."""
    if isinstance(exc, ApiError):
        status, error, errors, headers = exc.status, exc.error, exc.errors, exc.headers
    elif isinstance(exc, RequestValidationError):
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())),
                    "message": e.get("msg", "")} for e in exc.errors()]
        status, error, errors, headers = 422, "the request is not valid", details, None
    elif isinstance(exc, HTTPException):
        status, error, errors = exc.status_code, str(exc.detail), []
        headers = dict(exc.headers or {})
    elif isinstance(exc, PolicyError):
        status, error, errors, headers = 403, str(exc), [], None
    elif isinstance(exc, ConfigError):
        status, error, errors, headers = 400, str(exc), [], None
    elif isinstance(exc, TearlineError):
        status, error, errors, headers = 500, str(exc), [], None
    else:
        raise exc
    return JSONResponse(error_body(status, error, errors), status_code=status, headers=headers)


class ShapedRoute(APIRoute):
    """A route whose failures all leave in the one error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def shaped(request: Request) -> Response:
            try:
                return await handler(request)
            except (ApiError, RequestValidationError, HTTPException, TearlineError) as exc:
                return error_response(exc)

        return shaped


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@contextmanager
def transaction(request: Request) -> Iterator[Connection]:
    """One transaction per request: reads and their audit entries commit together."""
    with engine_of(request).begin() as conn:
        yield conn


def _unauthorized(why: str) -> ApiError:
    return ApiError(401, why, headers={"WWW-Authenticate": CHALLENGE})


def current_principal(request: Request, _basic: Any = Depends(_basic_scheme),
                      _bearer: Any = Depends(_bearer_scheme)) -> Principal:
    """The authenticated caller, or 401 (429 when locked out; see ``security.login_guard``).

    (The two schemes are declared for OpenAPI.)
    """
    from tearline.security.login_guard import LoginRefused, authenticate_header

    address = request.client.host if request.client else "-"
    try:
        return authenticate_header(engine_of(request), request.headers.get("authorization"),
                                   address)
    except LoginRefused as exc:
        if exc.status == 429:
            raise ApiError(429, exc.message,
                           headers={"Retry-After": str(exc.retry_after or 1)}) from None
        raise _unauthorized(exc.message) from None


def require_role(role: str) -> Callable[..., Principal]:
    """A dependency: the caller must be a local user holding ``role`` (else 403)."""

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.kind is not PrincipalKind.USER or role not in principal.roles:
            raise ApiError(403, f"this needs a local user with the {role!r} role; "
                                f"{principal.id!r} does not have it")
        return principal

    return check
