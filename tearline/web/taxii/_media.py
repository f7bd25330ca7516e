"""TAXII media types, content negotiation and the TAXII error resource.

TAXII 2.1 speaks one media type, ``application/taxii+json;version=2.1``. A
request whose Accept header rules it out gets 406, a body in any other type
gets 415, and every error is an *error message resource* in that same media
type, so a TAXII client can always parse what comes back.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

TAXII_MEDIA = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"
_TAXII_BASE = "application/taxii+json"
#: Answered on 401 so clients know which schemes the server takes.
WWW_AUTHENTICATE = 'Basic realm="tearline-taxii", Bearer realm="tearline-taxii"'


class TaxiiError(Exception):
    """A request the TAXII layer answers with an error resource and an HTTP status.

    Raised anywhere below a route; the route class turns it into the response,
    so handlers read as the happy path.
    """

    def __init__(self, status: int, title: str, description: str = "",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {title}: {description}")
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers or {}

    def to_response(self) -> Response:
        body: dict[str, Any] = {"title": self.title, "http_status": str(self.status)}
        if self.description:
            body["description"] = self.description
        return Response(orjson.dumps(body), status_code=self.status, media_type=TAXII_MEDIA,
                        headers=self.headers)


def _params(part: str) -> tuple[str, dict[str, str]]:
    bits = [b.strip() for b in part.split(";")]
    params = {}
    for b in bits[1:]:
        if "=" in b:
            k, v = b.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"')
    return bits[0].lower(), params


def accepts_taxii(accept: str | None) -> bool:
    """True when the Accept header allows TAXII 2.1 JSON (absent means anything)."""
    if not accept:
        return True
    for part in accept.split(","):
        base, params = _params(part)
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if base in ("*/*", "application/*"):
            return True
        if base == _TAXII_BASE and params.get("version", "2.1") == "2.1":
            return True
    return False


def check_accept(accept: str | None) -> None:
    if not accepts_taxii(accept):
        raise TaxiiError(406, "Not Acceptable",
                         f"this server answers only {TAXII_MEDIA}; the request's Accept was "
                         f"{accept!r}")


def check_content_type(content_type: str | None) -> None:
    """Bodies must be TAXII 2.1 JSON; anything else is 415, naming what came."""
    base, params = _params(content_type or "")
    if base != _TAXII_BASE or params.get("version", "2.1") != "2.1":
        raise TaxiiError(415, "Unsupported Media Type",
                         f"send the envelope as {TAXII_MEDIA}; got Content-Type "
                         f"{content_type!r}")


def taxii_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=TAXII_MEDIA,
                    headers=headers)


def taxii_bytes(body: bytes, headers: dict[str, str] | None = None) -> Response:
    """A pre-serialized body: get-objects pages are assembled from stored JSON text."""
    return Response(body, media_type=TAXII_MEDIA, headers=headers)
