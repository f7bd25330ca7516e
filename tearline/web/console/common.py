"""What every console page shares: who is signed in, rendering, errors.

Each page handler asks for ``ConsoleUser`` (a dependency): the session cookie
is checked, then the user is re-read from the database, so a disabled user or
a changed clearance takes effect on the next request. Pages render through
``render``, which always passes the signed-in user, the CSRF token and the
banner computed from the page's own content (``banner.BannerBuilder``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from tearline.settings import PACKAGE_DIR
from tearline.share.policy import CLASSIFICATION_ORDER, Principal
from tearline.store.schema import User

# One engine/transaction helper for REST and pages (re-exported for the routes).
from tearline.web.api_common import engine_of as engine_of
from tearline.web.api_common import transaction as transaction
from tearline.web.console.banner import Banner, BannerBuilder
from tearline.web.console.sessions import SESSION_COOKIE, Session, read_session

PREFIX = "/console"
templates = Jinja2Templates(directory=str(PACKAGE_DIR / "web" / "templates"))


class SignInRequired(Exception):
    """No valid session: the handler in ``routes`` sends the browser to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class ConsoleRefusal(Exception):
    """A refusal a person reads: a status, a sentence and what to do next."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """The signed-in user as pages need them: principal, name, roles, session."""

    principal: Principal
    display_name: str
    session: Session

    @property
    def username(self) -> str:
        return self.principal.id

    def has_role(self, role: str) -> bool:
        return role in self.principal.roles


def current_user(request: Request) -> ConsoleUser:
    """The dependency every page uses: a live session of an enabled local user."""
    session = read_session(request.cookies.get(SESSION_COOKIE))
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if session is None:
        raise SignInRequired(target)
    with engine_of(request).connect() as conn:
        rec = conn.execute(select(User).where(User.username == session.username)).first()
    if rec is None or rec.disabled_at is not None:
        raise SignInRequired(target)
    principal = Principal.user(rec.username, clearance=rec.clearance,
                               compartments=frozenset(rec.compartments or ()),
                               roles=frozenset(rec.roles or ()))
    return ConsoleUser(principal, rec.display_name or rec.username, session)


def require_role(user: ConsoleUser, role: str, doing: str) -> None:
    if not user.has_role(role):
        raise ConsoleRefusal(403, f"{doing} needs the {role!r} role, which {user.username!r} "
                                  "does not hold; ask an admin (`tearline users add … "
                                  f"--role {role}`)")


def login_url(next_path: str) -> str:
    return f"{PREFIX}/login?next={quote(next_path, safe='')}"


def render(request: Request, name: str, context: dict[str, Any], *,
           user: ConsoleUser | None, banner: BannerBuilder | Banner | None = None,
           status: int = 200) -> HTMLResponse:
    """A page with the header (who, role, clearance) and its content's banner."""
    built = banner.build() if isinstance(banner, BannerBuilder) else banner
    ctx = {"request": request, "user": user, "banner": built or BannerBuilder().build(),
           "csrf": user.session.csrf if user else context.get("csrf", ""),
           "prefix": PREFIX, "clearances": CLASSIFICATION_ORDER, **context}
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'")
    response.headers["Referrer-Policy"] = "same-origin"
    return response


async def form_user(request: Request) -> ConsoleUser:
    """``current_user`` for POSTs: also checks the form's CSRF token first."""
    user = current_user(request)
    form = await request.form()
    token = form.get("csrf")
    if not user.session.check_csrf(token if isinstance(token, str) else None):
        raise ConsoleRefusal(403, "this form was not sent by a console page of your current "
                                  "session (missing or wrong CSRF token); reload the page "
                                  "and try again")
    return user
