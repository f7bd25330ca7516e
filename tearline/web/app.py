"""The ASGI application: the REST API and the TAXII 2.1 server.

One app object per process; every route reads through the sharing policy.
Request bodies are size-limited before any route reads them (``body_limit``).
Routers live in their own modules and are mounted here so each stays small.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from tearline import __version__
from tearline.security.instance import load_instance
from tearline.settings import input_limits
from tearline.web.api import router as api_router
from tearline.web.body_limit import BodyLimitMiddleware
from tearline.web.console import install as install_console
from tearline.web.taxii import make_router as make_taxii_router
from tearline.web.taxii.dispatch import TaxiiDispatch, lean_router


def make_app(engine: Engine) -> FastAPI:
    """Build the app around an open, migrated engine.

    The instance's stored secret is loaded first, so sessions and ``next``
    tokens this worker signs are good on every worker over the same database.
    """
    load_instance(engine)
    app = FastAPI(
        title="Tearline",
        version=__version__,
        description="Intelligence fusion and warning sharing: REST API and TAXII 2.1.",
        docs_url=None, redoc_url=None,  # served offline by the console package instead
    )
    app.state.engine = engine
    # TAXII first, so the OpenAPI document keeps its order. No REST or console
    # path lies under /taxii2/.
    taxii = make_taxii_router()
    app.include_router(taxii)  # for the OpenAPI document; requests take TaxiiDispatch
    app.include_router(api_router)
    install_console(app)
    # TAXII requests skip FastAPI's routing and parameter solving (``web.taxii.dispatch``);
    # added first, so it sits inside the body limit below.
    app.add_middleware(TaxiiDispatch, taxii=lean_router(taxii))
    # Outermost but for Starlette's own error middleware: no route sees a body over
    # the limit, however it reads it (docs/security.md, "Request bodies").
    limits = input_limits()
    app.add_middleware(BodyLimitMiddleware, limit=limits["REQUEST_BYTES"],
                       console_limit=limits["UPLOAD_BYTES"])
    return app
