"""What every TAXII request goes through around its handler, on either path.

``routes.TaxiiRoute`` (the FastAPI routes, which the OpenAPI document lists)
and ``dispatch`` (the routes requests actually take) both answer through
``guarded``, so the checks before a handler and the mapping of what it raises
to a TAXII error resource are written once: Accept is checked, a NUL byte in
the path or query string is refused, a ``TaxiiError`` becomes its resource, a
lost database a 503 with ``Retry-After``, and anything else a logged 500 in
the TAXII media type, never ``text/plain``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.requests import Request
from starlette.responses import Response

from ._media import TaxiiError, check_accept

_log = logging.getLogger("tearline.web.taxii.routes")


def check_no_nul(request: Request) -> None:
    """No id, filter or token holds a NUL byte; PostgreSQL text cannot even compare one."""
    if "\x00" in request.url.path or any("\x00" in k or "\x00" in v
                                          for k, v in request.query_params.multi_items()):
        raise TaxiiError(400, "Bad request", "the path or query string holds a NUL byte "
                         "(%00); no id, filter or token contains one")


async def guarded(request: Request, call: Callable[[], Awaitable[Response]]) -> Response:
    """``call()``'s response, or the TAXII error resource for what it raised."""
    try:
        check_accept(request.headers.get("accept"))
        check_no_nul(request)
        return await call()
    except TaxiiError as exc:
        return exc.to_response()
    except DBAPIError as exc:
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            # The database went away: the TAXII error shape, and when to retry.
            return TaxiiError(503, "Service Unavailable", "the database is unavailable; "
                              "retry in a few seconds", {"Retry-After": "5"}).to_response()
        return _internal(request)
    except Exception:  # a bug must still answer as TAXII, never as text/plain
        return _internal(request)


def _internal(request: Request) -> Response:
    _log.exception("TAXII request failed: %s %s", request.method, request.url.path)
    return TaxiiError(500, "Internal error", "the server failed to answer this "
                      "request; it has been logged, try again or report it").to_response()
