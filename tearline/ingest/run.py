"""Ingest files: one transaction per file, a result per file, nothing half-written.

A rejected file rolls back everything it wrote and is reported with its path,
location and reason; the other files still go in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from tearline import settings
from tearline.errors import IngestError
from tearline.ingest.article import parse_article
from tearline.ingest.corrections import apply_stix_corrections, check_external_ids
from tearline.ingest.drafts import ReportDraft
from tearline.ingest.limits import check_draft, check_raw_depth, check_stream_depth, limit
from tearline.ingest.native import parse_json, parse_jsonl
from tearline.ingest.stix import (
    StixRow,
    check_bundle_header,
    check_object,
    iter_bundle,
    looks_like_bundle,
    report_from_stix,
)
from tearline.ingest.writer import Writer
from tearline.store.schema import IngestRecord

ARTICLE_EXT = {".md", ".markdown", ".txt"}
JSONL_EXT = {".jsonl", ".ndjson"}
JSON_EXT = {".json"}
SUPPORTED = ARTICLE_EXT | JSONL_EXT | JSON_EXT

ProgressSpec = Callable[[int], None]  # called with bytes advanced


@dataclass
class FileResult:
    path: str
    kind: str = "?"
    new: int = 0
    unchanged: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.error:
            return "rejected"
        return "new" if self.new else "unchanged"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "outcome": self.outcome, "new": self.new,
                "unchanged": self.unchanged, "error": self.error, "notes": self.notes}


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "new": sum(f.new for f in self.files),
            "unchanged": sum(f.unchanged for f in self.files),
            "rejected_files": len(self.rejected),
        }


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders (recursively, sorted, hidden files skipped) into files."""
    found: list[Path] = []
    missing: list[FileResult] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(
                f for f in sorted(p.rglob("*"))
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and f.suffix.lower() in SUPPORTED
            )
        elif p.is_file():
            found.append(p)
        else:
            missing.append(FileResult(str(p), error=f"{p}: no such file or folder"))
    return found, missing


def ingest_paths(engine: Engine, paths: Iterable[str | Path], actor: str = "cli",
                 on_file: Callable[[Path, int], ProgressSpec] | None = None) -> IngestSummary:
    """Ingest every file under ``paths``; see module docstring for the guarantees."""
    files, missing = discover(paths)
    summary = IngestSummary(files=list(missing))
    for f in files:
        advance = on_file(f, f.stat().st_size) if on_file else None
        summary.files.append(ingest_file(engine, f, actor, advance))
    return summary


def ingest_file(engine: Engine, path: Path, actor: str = "cli",
                advance: ProgressSpec | None = None) -> FileResult:
    label = str(path)
    result = FileResult(label)
    try:
        kind = _kind(path)
        result.kind = kind
        with engine.begin() as conn:
            writer = Writer(conn, actor, label)
            if kind == "stix":
                new, same = _ingest_bundle(writer, path, advance)
            else:
                drafts = _parse_text(path, kind)
                check_external_ids(conn, drafts, label)
                new, same = writer.add_reports(drafts)
                if advance:
                    advance(path.stat().st_size)
            result.new, result.unchanged, result.notes = new, same, writer.notes
            writer.finish({"kind": kind, "new": new, "unchanged": same})
            _log(conn, result, path)
    except IngestError as exc:
        result.error = str(exc)
        with engine.begin() as conn:
            _log(conn, result, path)
    except (RecursionError, MemoryError) as exc:
        # A safety net: the walks are iterative, but one bad file must never
        # abort the run and keep later good files out.
        result.error = f"{label}: the input is too deeply nested or too large to read " \
                       f"({type(exc).__name__}); see the TEARLINE_MAX_* limits"
        with engine.begin() as conn:
            _log(conn, result, path)
    return result


def _log(conn: Any, result: FileResult, path: Path) -> None:
    conn.execute(insert(IngestRecord), [{
        "path": result.path, "file_hash": _quick_hash(path), "outcome": result.outcome,
        "new_count": result.new, "unchanged_count": result.unchanged,
        "message": result.error, "at": datetime.now(UTC),
    }])


def _quick_hash(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return "-"
    return h.hexdigest()


def _kind(path: Path) -> str:
    """Decide how to read a file, refusing what cannot be a report before parsing."""
    label = str(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise IngestError(
            label, None,
            f"unsupported file type {ext or '(no extension)'!r}: Tearline reads .md, .txt "
            "(articles), .json, .jsonl (Tearline reports) and .json STIX 2.1 bundles",
        )
    size = path.stat().st_size
    if size > limit("FILE_BYTES"):
        raise IngestError(label, None, f"the file is {size:,} bytes, over the limit of "
                          f"{limit('FILE_BYTES'):,} (TEARLINE_MAX_FILE_BYTES); split it or "
                          "raise the limit")
    if size == 0:
        raise IngestError(label, None, "the file is empty (0 bytes); nothing was ingested")
    with path.open("rb") as fh:
        head = fh.read(65536)
    nul = head.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            label, f"byte {nul}",
            "this looks like a binary file (it contains NUL bytes), not text or JSON",
        )
    if ext in ARTICLE_EXT:
        return "article"
    if ext in JSONL_EXT:
        return "jsonl"
    return "stix" if looks_like_bundle(head) else "json"


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(
            str(path), f"line {line}, byte {exc.start}",
            f"not valid UTF-8 ({exc.reason}); re-save the file as UTF-8",
        ) from exc


def _parse_text(path: Path, kind: str) -> list[ReportDraft]:
    text = _decode(path)
    if kind == "article":
        drafts = [parse_article(text, str(path))]
    else:
        check_raw_depth(text, str(path))  # before the recursive stdlib parser sees it
        drafts = parse_jsonl(text, str(path)) if kind == "jsonl" else parse_json(text, str(path))
    for d in drafts:
        check_draft(d, str(path))
    return drafts


def _ingest_bundle(writer: Writer, path: Path, advance: ProgressSpec | None) -> tuple[int, int]:
    label = str(path)
    identities: dict[str, str] = {}
    reports: list[dict[str, Any]] = []
    new = same = 0
    batch: list[StixRow] = []
    with path.open("rb") as fh:
        check_stream_depth(fh, label)
        check_bundle_header(fh, label)
        fh.seek(0)
        last = 0
        for index, obj in iter_bundle(fh, label):
            batch.append(check_object(obj, f"objects[{index}]", label))
            otype = obj.get("type")
            if otype == "identity":
                identities[obj["id"]] = str(obj.get("name", obj["id"]))
            elif otype == "report":
                reports.append(obj)
            if len(batch) >= settings.WRITE_BATCH:
                n, s = writer.add_stix(batch)
                new, same, batch = new + n, same + s, []
                if advance:
                    pos = fh.tell()
                    advance(pos - last)
                    last = pos
        n, s = writer.add_stix(batch)
        new, same = new + n, same + s
        if advance:
            advance(path.stat().st_size - last)
    if reports:
        drafts = [report_from_stix(r, identities) for r in reports]
        for d in drafts:
            check_draft(d, label)
        check_external_ids(writer.conn, drafts, label)
        versions = [str(r.get("modified") or r.get("created") or "") for r in reports]
        writer.notes.extend(apply_stix_corrections(writer.conn, list(zip(drafts, versions,
                                                                          strict=True)),
                                                   writer.actor, label))
        writer.add_reports(drafts)
    return new, same
