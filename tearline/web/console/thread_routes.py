"""The thread page and in-place ACH editing.

Editing posts a small form per change (rate a cell, add a hypothesis, seed)
and comes back to the matrix anchor; the stored matrix is the analyst's
record (``assess.store.save_matrix``) and each edit is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tearline.assess.ach import AchError, AchMatrix, Rating
from tearline.assess.ach_seed import seed_matrix
from tearline.assess.query import thread_state
from tearline.assess.review import review_thread
from tearline.assess.store import load_matrix, save_matrix
from tearline.fusion.query import ThreadNotFound, find_thread, show_thread
from tearline.security.audit import record_now
from tearline.web.console.banner import BannerBuilder
from tearline.web.console.common import (
    PREFIX,
    ConsoleRefusal,
    ConsoleUser,
    current_user,
    engine_of,
    form_user,
    render,
    require_role,
    transaction,
)
from tearline.web.console.pictures import graph_picture, timeline_picture
from tearline.web.console.thread_data import ThreadPage, thread_page

router = APIRouter()
RATINGS = [r.value for r in Rating]


def _load(request: Request, user: ConsoleUser, ref: str) -> ThreadPage:
    engine = engine_of(request)
    page: ThreadPage | None = None
    with transaction(request) as conn:
        # The one lookup, decision and audit row the CLI and REST make (fusion.query).
        # A reference to a hidden thread or report is one to nothing (find_thread).
        try:
            tid = find_thread(conn, ref, user.principal)
        except ThreadNotFound:
            record_now(conn, user.username, "thread.read.denied", "thread", ref[:200],
                       via="console")
        else:
            if show_thread(conn, tid, user.principal) is not None:
                page = thread_page(conn, engine, tid, user.principal)
    if page is None:
        raise ConsoleRefusal(404, "no thread by that reference that you may see; the threat "
                                  "board lists the threads open to you")
    return page


@router.get("/threads/{ref}", response_class=HTMLResponse, include_in_schema=False)
def thread(request: Request, ref: str,
           user: Annotated[ConsoleUser, Depends(current_user)]) -> HTMLResponse:
    page = _load(request, user, ref)
    banner = BannerBuilder()
    banner.extend([m.marking for m in page.members])
    banner.extend([c["marking"] for c in page.cases])
    return render(request, "thread.html", {
        "page": page, "timeline_svg": timeline_picture(page.timeline, page.alarms),
        "graph_svg": graph_picture(page.graph_nodes, page.graph_edges), "ratings": RATINGS,
    }, user=user, banner=banner)


def _matrix_for(request: Request, user: ConsoleUser, ref: str) -> tuple[ThreadPage, AchMatrix]:
    require_role(user, "analyst", "editing an ACH matrix")
    page = _load(request, user, ref)
    if page.withheld:
        # The matrix weighs every member's evidence: editing it needs sight of them all.
        raise ConsoleRefusal(403, "this thread holds fragments you may not see, so its ACH "
                                  "matrix is not open to you; ask an analyst cleared for all "
                                  "of them")
    return page, load_matrix(engine_of(request), page.id) or AchMatrix(page.id)


def _saved(request: Request, user: ConsoleUser, page: ThreadPage, matrix: AchMatrix,
           what: str) -> RedirectResponse:
    save_matrix(engine_of(request), matrix)
    with transaction(request) as conn:
        record_now(conn, user.username, "ach.edit", "thread", page.id, change=what)
    return RedirectResponse(f"{PREFIX}/threads/{page.short}#ach", status_code=303)


@router.post("/threads/{ref}/ach/rate", include_in_schema=False)
def ach_rate(request: Request, ref: str, user: Annotated[ConsoleUser, Depends(form_user)],
             evidence: Annotated[str, Form()], hypothesis: Annotated[str, Form()],
             rating: Annotated[str, Form()]) -> RedirectResponse:
    page, matrix = _matrix_for(request, user, ref)
    try:
        matrix.rate(evidence, hypothesis, rating)
    except AchError as exc:
        raise ConsoleRefusal(400, str(exc)) from exc
    return _saved(request, user, page, matrix, f"{evidence}×{hypothesis}={rating}")


@router.post("/threads/{ref}/ach/hypothesis", include_in_schema=False)
def ach_hypothesis(request: Request, ref: str, user: Annotated[ConsoleUser, Depends(form_user)],
                   label: Annotated[str, Form()] = "") -> RedirectResponse:
    page, matrix = _matrix_for(request, user, ref)
    label = label.strip()
    if not label:
        raise ConsoleRefusal(400, "a hypothesis needs a sentence saying what it claims")
    hid = f"H{len(matrix.hypotheses) + 1}"
    matrix.add_hypothesis(hid, label[:300])
    return _saved(request, user, page, matrix, f"added {hid}")


@router.post("/threads/{ref}/ach/seed", include_in_schema=False)
def ach_seed(request: Request, ref: str,
             user: Annotated[ConsoleUser, Depends(form_user)]) -> RedirectResponse:
    page, matrix = _matrix_for(request, user, ref)
    with engine_of(request).connect() as conn:
        state = thread_state(conn, [page.id], neighbours=True)
    if page.id not in state.threads.thread_ids():
        raise ConsoleRefusal(409, "this thread has not been fused yet; run `tearline fuse` "
                                  "(or ingest through the console) first")
    # The same seeding as `tearline ach --seed`: hypotheses from the thread's
    # claims and alarms, one evidence row per origin, proposed ratings that never
    # overwrite an analyst's.
    got = seed_matrix(matrix, state, page.id, review_thread(state, page.id))
    return _saved(request, user, page, matrix,
                  f"seeded {len(got.hypotheses)} hypothesis(es), {len(got.evidence)} evidence "
                  f"item(s), {got.rated} proposed rating(s)")
