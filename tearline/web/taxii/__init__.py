"""Tearline's TAXII 2.1 server.

Mounted into the FastAPI app by ``tearline.web.app.make_app``. Collections are
views of the one STIX store cut by the sharing policy (see ``collections``);
reads are single SQL pages (``_query``); adds go through the ingest Writer
(``_add``); every error is a TAXII error resource (``_media``).
"""

from __future__ import annotations

from .collections import INBOX, SHARED, CollectionSpec
from .routes import API_ROOT, DISCOVERY_PATH, ROOT_PATH, make_router

__all__ = [
    "API_ROOT",
    "DISCOVERY_PATH",
    "INBOX",
    "ROOT_PATH",
    "SHARED",
    "CollectionSpec",
    "make_router",
]
