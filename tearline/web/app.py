"""The ASGI application: REST API, TAXII 2.1 and (later) the web console.

One app object per process; every route reads through the sharing policy.
Routers live in their own modules and are mounted here so each stays small.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from tearline import __version__


def make_app(engine: Engine) -> FastAPI:
    """Build the app around an open, migrated engine."""
    app = FastAPI(
        title="Tearline",
        version=__version__,
        description="Intelligence fusion and warning sharing: REST API and TAXII 2.1.",
    )
    app.state.engine = engine
    try:
        from tearline.web.api import router as api_router
    except ImportError:  # the REST API module is still being built
        api_router = None
    if api_router is not None:
        app.include_router(api_router)
    try:
        from tearline.web.taxii import make_router as make_taxii_router
    except ImportError:
        make_taxii_router = None
    if make_taxii_router is not None:
        app.include_router(make_taxii_router())
    return app
