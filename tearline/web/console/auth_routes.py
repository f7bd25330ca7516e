"""Sign in and out of the console.

Only local users sign in here: partner services have TAXII and REST with their
own credentials, and the console shows material partners may never see. The
password check is the REST API's (``credentials.authenticate_basic``), so a
user has one password everywhere.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tearline.security.audit import record_now
from tearline.security.credentials import authenticate_basic
from tearline.share.policy import PrincipalKind
from tearline.web.console.common import (
    PREFIX,
    ConsoleUser,
    form_user,
    render,
    transaction,
)
from tearline.web.console.sessions import (
    PRELOGIN_COOKIE,
    PRELOGIN_SECONDS,
    SESSION_COOKIE,
    SESSION_SECONDS,
    check_prelogin,
    cookie_flags,
    new_prelogin,
    new_session,
)

router = APIRouter()


def _safe_next(value: str | None) -> str:
    """Only same-site paths under the console: no open redirect through ``next``."""
    if not value:
        return PREFIX
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith(PREFIX) or value.startswith("//"):
        return PREFIX
    return value


def _login_page(request: Request, next_path: str, error: str | None = None,
                status: int = 200, username: str = "") -> HTMLResponse:
    cookie, token = new_prelogin()
    response = render(request, "login.html", {"next": _safe_next(next_path), "error": error,
                                              "csrf": token, "username": username},
                      user=None, status=status)
    response.set_cookie(PRELOGIN_COOKIE, cookie, **cookie_flags(PRELOGIN_SECONDS))  # type: ignore[arg-type]
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = PREFIX) -> HTMLResponse:
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(request: Request, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = PREFIX) -> Response:
    if not check_prelogin(request.cookies.get(PRELOGIN_COOKIE), csrf):
        return _login_page(request, next, "This sign-in form has expired or was not sent by "
                           "this site; please sign in again.", status=400, username=username)
    with transaction(request) as conn:
        principal = authenticate_basic(conn, username.strip(), password)
        if principal is not None and principal.kind is not PrincipalKind.USER:
            principal = None
        record_now(conn, username.strip() or "(blank)",
                   "console.login" if principal else "console.login.failed", "user",
                   username.strip() or None)
    if principal is None:
        return _login_page(request, next, "Unknown user or wrong password. Console accounts "
                           "are local users with a password (`tearline users add NAME "
                           "--password …`).", status=401, username=username)
    _session, cookie = new_session(principal.id)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, **cookie_flags(SESSION_SECONDS))  # type: ignore[arg-type]
    response.delete_cookie(PRELOGIN_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: Annotated[ConsoleUser, Depends(form_user)]) -> Response:
    with transaction(request) as conn:
        record_now(conn, user.username, "console.logout", "user", user.username)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True,
                           samesite="strict")
    return response
