"""The threat board page, its live rows and the poll that keeps it current.

The page polls ``/console/board/rows`` (server-rendered rows) and swaps them
in, so new fragments and cases appear without a reload; the poll is a plain
``fetch`` in ``static/console.js`` — no script from anywhere else.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from tearline.security.audit import record_now
from tearline.web.console.banner import BannerBuilder
from tearline.web.console.board import BoardFilter, board_rows, store_counts
from tearline.web.console.common import ConsoleUser, current_user, engine_of, render, transaction
from tearline.web.console.thread_data import alarm_counts

router = APIRouter()


def _filter(q: str, min_p: int, harm: str, open_only: bool) -> BoardFilter:
    return BoardFilter(q=q.strip()[:200], min_probability=max(0, min(min_p, 100)) / 100,
                       harm=harm.strip(), only_open_windows=open_only)


def _board(request: Request, user: ConsoleUser, f: BoardFilter) -> dict[str, Any]:
    engine = engine_of(request)
    with transaction(request) as conn:
        rows, matched = board_rows(conn, user.principal, id(engine), f)
        counts_of = alarm_counts(conn, engine, [r.id for r in rows])
        for r in rows:  # alarms draw on every member: withheld from a partial row
            r.alarms = None if r.partial else counts_of[r.id]
        counts = store_counts(conn)
        record_now(conn, user.username, "thread.list", "thread", None,
                   via="console", ids=[r.id for r in rows])
    banner = BannerBuilder()
    banner.extend([r.marking for r in rows if r.marking is not None])
    return {"rows": rows, "matched": matched, "counts": counts, "filter": f, "bb": banner}


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def board(request: Request, user: Annotated[ConsoleUser, Depends(current_user)],
          q: str = "", min_p: Annotated[int, Query(ge=0, le=100)] = 0, harm: str = "",
          open_only: bool = False) -> HTMLResponse:
    ctx = _board(request, user, _filter(q, min_p, harm, open_only))
    return render(request, "board.html", ctx, user=user, banner=ctx["bb"])


@router.get("/board/rows", response_class=HTMLResponse, include_in_schema=False)
def board_rows_part(request: Request, user: Annotated[ConsoleUser, Depends(current_user)],
                    q: str = "", min_p: Annotated[int, Query(ge=0, le=100)] = 0,
                    harm: str = "", open_only: bool = False) -> HTMLResponse:
    ctx = _board(request, user, _filter(q, min_p, harm, open_only))
    response = render(request, "_board_rows.html", ctx, user=user, banner=ctx["bb"])
    built = ctx["bb"].build()
    # Headers are Latin-1: the banner travels percent-encoded (the em dash is not).
    response.headers["X-Banner"] = quote(built.text)
    response.headers["X-Banner-Class"] = built.css
    return response


@router.get("/updates", include_in_schema=False)
def updates(request: Request,
            user: Annotated[ConsoleUser, Depends(current_user)]) -> JSONResponse:
    """Counts only (no content), so the poll itself reveals nothing the board does not."""
    with transaction(request) as conn:
        counts = store_counts(conn)
    return JSONResponse(counts, headers={"Cache-Control": "no-store"})
