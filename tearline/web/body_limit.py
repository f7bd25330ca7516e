"""Request-body size limits, enforced as the bytes arrive.

A ``Content-Length`` header can lie or be absent (chunked transfer), so the
limit is counted on the ``http.request`` messages themselves: the middleware
wraps ``receive`` and, the moment the running total passes the limit, stops
handing body to the app and answers 413 instead. A declared length already
over the limit is refused before a byte is read. Each surface answers in its
own error shape, naming the limit and the setting that raises it:

- ``/taxii2/``: a TAXII error message resource in the TAXII media type;
- ``/console``: a short HTML page (a browser user reads it);
- everything else (``/api/v1`` and the rest): the REST JSON error shape.

Why a pure ASGI middleware rather than a check in each route: the routes read
the body in different ways (pydantic models, ``request.body()``, multipart
forms), and a check placed after any of them has already buffered the
oversized body. Here nothing above the limit is ever held.

If the app catches the refusal itself and tries to answer something else, the
``send`` wrapper swaps that answer for the 413, so no route can turn an
oversized body into a 400 or a 500.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from tearline.web.api_common import error_body
from tearline.web.taxii._media import TAXII_MEDIA

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["BodyLimitMiddleware", "BodyTooLarge"]


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a request body has passed its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def _surface(path: str) -> str:
    if path.startswith("/taxii2"):
        return "taxii"
    if path.startswith("/console"):
        return "console"
    return "api"


def _refusal(surface: str, limit: int, setting: str) -> tuple[bytes, bytes]:
    """The 413 body and its content type for one surface."""
    what = (f"the request body is larger than the limit of {limit:,} bytes; "
            f"send less (split it), or raise TEARLINE_{setting} on the server")
    if surface == "taxii":
        return (orjson.dumps({"title": "Payload too large", "http_status": "413",
                              "description": what}), TAXII_MEDIA.encode())
    if surface == "console":
        page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<title>413 Too large</title></head><body><main><h1>Too large</h1>"
                f"<p role=\"alert\">{html.escape(what)}.</p>"
                "<p><a href=\"/console\">Back to the threat board</a></p></main></body></html>")
        return page.encode(), b"text/html; charset=utf-8"
    return orjson.dumps(error_body(413, what)), b"application/json"


class BodyLimitMiddleware:
    """Refuse request bodies over a byte limit with 413, counting as they stream.

    ``limit`` applies to REST and TAXII; ``console_limit`` to console posts,
    which carry file uploads and so get a limit of their own.
    """

    def __init__(self, app: ASGIApp, *, limit: int, console_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.console_limit = console_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        surface = _surface(str(scope.get("path", "")))
        limit, setting = ((self.console_limit, "MAX_UPLOAD_BYTES") if surface == "console"
                          else (self.limit, "MAX_REQUEST_BYTES"))

        async def refuse() -> None:
            body, media = _refusal(surface, limit, setting)
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", media),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})

        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await refuse()
            return

        seen = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, over
            if over:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                # The app caught the refusal and answered on its own: answer 413 instead.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await refuse()
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await refuse()
            return
        except Exception:
            if over and not started:
                await refuse()
                return
            raise
        if over and not started:
            await refuse()


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
