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

import base64
import binascii
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBasic, HTTPBearer
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

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
                problem = await bad_bytes(request)
                if problem:
                    raise ApiError(400, problem)
                return await handler(request)
            except (ApiError, RequestValidationError, HTTPException, TearlineError) as exc:
                return error_response(exc)
            except DBAPIError as exc:  # the database went away: say so, ask for a retry
                if not exc.connection_invalidated and not isinstance(exc, OperationalError):
                    raise
                return error_response(ApiError(
                    503, "the database is unavailable; retry in a few seconds",
                    headers={"Retry-After": "5"}))

        return shaped


_NUL_HELP = "; no id, name, filter or field contains one, remove it and retry"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


async def bad_bytes(request: Request) -> str | None:
    """What is wrong with a request's bytes before any handler sees them, or None.

    PostgreSQL text cannot hold or compare a NUL byte (the driver raises, and
    the caller would get a 500), and a body that is not UTF-8 is not JSON; so
    both are refused here, on every backend alike, in the one error shape.
    """
    if "\x00" in request.url.path:
        return "the path holds a NUL byte (%00)" + _NUL_HELP
    if any("\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()):
        return "the query string holds a NUL byte (%00)" + _NUL_HELP
    auth = request.headers.get("authorization", "")
    if auth[:6].lower() == "basic ":
        try:
            if b"\x00" in base64.b64decode(auth[6:].strip(), validate=True):
                return "the Basic credentials hold a NUL byte" + _NUL_HELP
        except (binascii.Error, ValueError):
            pass  # malformed credentials are authentication's to refuse (401)
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    raw = await request.body()  # cached: the handler reads the same bytes
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (f"the request body is not UTF-8 text (bad byte at offset {exc.start}); "
                "send JSON encoded as UTF-8")
    if "\x00" in text:
        return "the request body holds a NUL byte" + _NUL_HELP
    if "\\u0000" in text:
        try:
            if _has_nul(orjson.loads(raw)):
                return "a field of the request body holds a NUL character (\\u0000)" + _NUL_HELP
        except orjson.JSONDecodeError:
            return None  # not JSON: validation answers 422 in our shape
    return None


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
