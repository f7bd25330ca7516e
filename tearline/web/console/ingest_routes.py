"""The ingest page: upload files or paste a text, then see where each fragment went.

Uploads go through the same ``ingest_paths`` as ``tearline ingest`` (one
transaction per file, a bad file rejected whole with its reason), from a
private temporary folder that is removed afterwards. Fusion then runs, so the
result names the thread each new fragment joined or opened.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from tearline.fusion.query import public_thread_ids, short_id
from tearline.ingest.run import IngestSummary, ingest_paths
from tearline.pipeline import fuse
from tearline.share.releases import load_index, marking_for_report
from tearline.store import schema as S
from tearline.web.console.banner import BannerBuilder
from tearline.web.console.common import (
    ConsoleRefusal,
    ConsoleUser,
    current_user,
    engine_of,
    form_user,
    render,
    require_role,
)
from tearline.web.console.state_cache import forget

router = APIRouter()
#: Largest upload accepted per file; bigger bundles belong on the command line.
MAX_UPLOAD = 50 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class Placed:
    """A new fragment and the thread it went to."""

    fragment_id: str
    title: str
    thread_id: str | None
    opened: bool


@dataclass(slots=True)
class FileOutcome:
    name: str
    outcome: str
    new: int
    unchanged: int
    error: str | None
    notes: list[str]
    placed: list[Placed] = field(default_factory=list)


@router.get("/ingest", response_class=HTMLResponse, include_in_schema=False)
def ingest_form(request: Request,
                user: Annotated[ConsoleUser, Depends(current_user)]) -> HTMLResponse:
    return render(request, "ingest.html", {"results": None}, user=user)


def _safe_name(name: str, n: int) -> str:
    base = _SAFE.sub("_", Path(name or "").name)[:80].strip("._") or f"upload-{n}"
    return f"{n:02d}-{base}"


async def _write_uploads(form_files: list[UploadFile], folder: Path) -> dict[str, str]:
    written: dict[str, str] = {}
    for n, up in enumerate(form_files, start=1):
        if not up.filename:
            continue
        data = await up.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ConsoleRefusal(413, f"{up.filename!r} is larger than {MAX_UPLOAD // 2**20} MiB;"
                                      " ingest it with `tearline ingest` instead")
        path = folder / _safe_name(up.filename, n)
        path.write_bytes(data)
        written[str(path)] = up.filename
    return written


def _paste(title: str, body: str, outlet: str, when: str, folder: Path) -> dict[str, str]:
    if not body.strip():
        return {}
    head = title.strip() or body.strip().splitlines()[0][:120]
    lines = [f"# {head}"]
    if outlet.strip():
        lines.append(f"Outlet: {outlet.strip()[:200]}")
    if when.strip():
        lines.append(f"Date: {when.strip()[:40]}")
    text = "\n".join(lines) + "\n\n" + body.strip() + "\n"
    path = folder / "00-pasted.md"
    path.write_text(text, encoding="utf-8")
    return {str(path): "pasted text"}


def _outcomes(request: Request, summary: IngestSummary, names: dict[str, str],
              banner: BannerBuilder) -> list[FileOutcome]:
    engine = engine_of(request)
    state, _stats = fuse(engine)
    forget(engine)
    out = []
    with engine.connect() as conn:
        for f in summary.files:
            shown = names.get(f.path, Path(f.path).name)
            error = f.error.replace(f.path, shown) if f.error else None
            item = FileOutcome(shown, f.outcome, f.new, f.unchanged, error,
                               [n.replace(f.path, shown) for n in f.notes])
            with Session(bind=conn) as session:
                reports = session.execute(select(S.Report)
                                          .where(S.Report.ingest_file == f.path)).scalars().all()
            index = load_index(conn, [i for r in reports for i in (r.id, r.stix_id) if i])
            for r in reports:
                tid = state.threads.thread_of(r.id) if r.id in state.fragments else None
                att = state.attachments.get(r.id) or {}
                item.placed.append(Placed(r.id, r.title, tid, bool(att.get("opened"))))
                banner.add(marking_for_report(r, index))  # the page shows their titles
            out.append(item)
    return out


@router.post("/ingest", response_class=HTMLResponse, include_in_schema=False)
async def ingest(request: Request,
                 user: Annotated[ConsoleUser, Depends(form_user)]) -> HTMLResponse:
    require_role(user, "analyst", "ingesting")
    form = await request.form()
    files = [v for v in form.getlist("files") if isinstance(v, UploadFile)]
    title, body, outlet, when = (str(form.get(k) or "")
                                 for k in ("title", "body", "outlet", "date"))
    with tempfile.TemporaryDirectory(prefix="tearline-upload-") as tmp:
        folder = Path(tmp)
        names = await _write_uploads(files, folder)
        names.update(_paste(title, body, outlet, when, folder))
        if not names:
            raise ConsoleRefusal(400, "choose at least one file or paste a text to ingest")
        summary = ingest_paths(engine_of(request), [Path(p) for p in names],
                               actor=user.username)
        banner = BannerBuilder()
        results = _outcomes(request, summary, names, banner)
    with engine_of(request).connect() as conn:
        placed = [p.thread_id for f in results for p in f.placed if p.thread_id]
        public = public_thread_ids(conn, placed)
    return render(request, "ingest.html",
                  {"results": results, "short_id": lambda tid: short_id(public[tid])},
                  user=user, banner=banner, status=200 if not summary.rejected else 422)
