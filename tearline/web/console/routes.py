"""Mounting the console, the offline API docs and the console's error pages."""

from __future__ import annotations

import logging
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tearline.errors import TearlineError
from tearline.settings import PACKAGE_DIR
from tearline.web.console import (
    admin_routes,
    auth_routes,
    board_routes,
    case_routes,
    ingest_routes,
    insider_routes,
    thread_routes,
)
from tearline.web.console.common import (
    PREFIX,
    ConsoleRefusal,
    SignInRequired,
    current_user,
    login_url,
    render,
)

DOCS_STATIC = "/static-docs"
_DOCS_DIR = Path(fastapi_offline.__file__).parent / "static"
_log = logging.getLogger(__name__)


#: Every module of console pages (tests walk their GET routes: reads never write).
PAGE_MODULES = (auth_routes, board_routes, thread_routes, ingest_routes, admin_routes,
                case_routes, insider_routes)


def _router() -> APIRouter:
    router = APIRouter()
    for module in PAGE_MODULES:
        router.include_router(module.router, prefix=PREFIX)
    return router


def _error_page(request: Request, status: int, message: str) -> Response:
    try:
        user = current_user(request)
    except SignInRequired:
        user = None
    return render(request, "error.html", {"status": status, "message": message},
                  user=user, status=status)


def _install_docs(app: FastAPI) -> None:
    app.mount(DOCS_STATIC, StaticFiles(directory=_DOCS_DIR), name="static-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Tearline API",
                                   swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_STATIC}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="Tearline API",
                              redoc_js_url=f"{DOCS_STATIC}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_STATIC}/favicon.png",
                              with_google_fonts=False)


def install(app: FastAPI) -> None:
    """Mount the console and the offline docs on ``app`` (built with docs_url=None)."""
    app.mount(f"{PREFIX}/static", StaticFiles(directory=PACKAGE_DIR / "web" / "static"),
              name="console-static")
    app.include_router(_router())
    _install_docs(app)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(PREFIX, status_code=307)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.method != "GET" or request.url.path.endswith(("/rows", "/updates")):
            return _error_page(request, 401, "your session has ended; sign in again")
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(ConsoleRefusal)
    async def refusal(request: Request, exc: ConsoleRefusal) -> Response:
        return _error_page(request, exc.status, exc.message)

    @app.exception_handler(TearlineError)
    async def tearline_error(request: Request, exc: TearlineError) -> Response:
        return _error_page(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith(PREFIX):
            from fastapi.exception_handlers import request_validation_exception_handler

            return await request_validation_exception_handler(request, exc)
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
                           for e in exc.errors())
        return _error_page(request, 400, f"the form is missing or has a wrong value in: "
                                         f"{fields}; go back and fill it in")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        _log.error("page failed: %s", request.url.path, exc_info=exc)
        if not request.url.path.startswith(PREFIX):
            return PlainTextResponse("Internal Server Error", status_code=500)
        return _error_page(request, 500, "this page failed on the server (logged); try "
                                         "again, and if it keeps failing tell an admin "
                                         "what you did")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith(PREFIX):
            from fastapi.exception_handlers import http_exception_handler

            return await http_exception_handler(request, exc)
        message = "no such console page; start from the threat board" \
            if exc.status_code == 404 else str(exc.detail)
        return _error_page(request, exc.status_code, message)
