"""Tearline's own report format: JSON (one report or a list) and JSON Lines.

The contract is ``tearline/schemas/report.schema.json``; a report that breaks it
rejects its whole file, with the line (JSONL) or item index (JSON) and the
field path, so the sender can fix the exact spot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from jsonschema import Draft202012Validator

from tearline.errors import IngestError
from tearline.ingest.drafts import ReportDraft, SourceDraft
from tearline.settings import PACKAGE_DIR

SCHEMA_PATH = PACKAGE_DIR / "schemas" / "report.schema.json"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(orjson.loads(SCHEMA_PATH.read_bytes()))


def parse_json(text: str, path: str) -> list[ReportDraft]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(
            path, f"line {exc.lineno}, column {exc.colno}", f"broken JSON: {exc.msg}"
        ) from exc
    items = data if isinstance(data, list) else [data]
    if not items:
        raise IngestError(path, None, "the JSON list is empty; there is nothing to ingest")
    return [
        to_draft(item, path, f"item [{n}]" if isinstance(data, list) else None)
        for n, item in enumerate(items)
    ]


def parse_jsonl(text: str, path: str) -> list[ReportDraft]:
    drafts = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(
                path, f"line {n}, column {exc.colno}", f"broken JSON: {exc.msg}"
            ) from exc
        drafts.append(to_draft(item, path, f"line {n}"))
    if not drafts:
        raise IngestError(path, None, "the JSON Lines file has no reports")
    return drafts


def _field_path(parts: Iterator[Any] | Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def to_draft(item: Any, path: str, where: str | None) -> ReportDraft:
    """Check one report against the schema and turn it into a draft."""
    if not isinstance(item, dict):
        raise IngestError(path, where, f"expected a report object, got {type(item).__name__}")
    errors = sorted(_validator().iter_errors(item), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        field = _field_path(err.absolute_path)
        if err.validator == "enum":
            allowed = ", ".join(map(str, err.validator_value))
            reason = f"field {field}: {err.instance!r} is not one of {allowed}"
        elif err.validator == "required" and not ({"title", "body"} & item.keys()):
            reason = (
                "this JSON is neither a STIX 2.1 bundle nor a Tearline report "
                f"({err.message}; see tearline/schemas/report.schema.json)"
            )
        elif err.validator == "required":
            reason = f"{err.message} (see tearline/schemas/report.schema.json)"
        else:
            reason = f"field {field}: {err.message}"
        raise IngestError(path, where, reason)
    src = item["source"]
    loc = f"{where}, " if where else ""
    return ReportDraft(
        title=item["title"],
        body=item["body"],
        originator=item["originator"],
        source=SourceDraft(
            name=src["name"],
            kind=src["kind"],
            agency=src.get("agency") or item["originator"],
            reliability=src["reliability"],
        ),
        reported_at=_time(item, "reported_at", path, loc),
        received_at=_time(item, "received_at", path, loc),
        category=item.get("category", "report"),
        language=item.get("language", "en"),
        credibility=item.get("credibility", 6),
        classification=item.get("classification", "UNCLASSIFIED"),
        tlp=item.get("tlp", "amber"),
        releasability=sorted(set(item.get("releasability", []))),
        caveats=list(item.get("caveats", [])),
        external_id=item.get("external_id"),
        outlet=item.get("outlet"),
        url=item.get("url"),
        in_reply_to=item.get("in_reply_to"),
        deadline=_time(item, "deadline", path, loc),
        tags=list(item.get("tags", [])),
        protected={k: v for k, v in item.get("protected", {}).items() if v},
        where=where,
    )


def _time(item: dict[str, Any], key: str, path: str, loc: str) -> datetime | None:
    value = item.get(key)
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise IngestError(
            path, f"{loc}field {key}", f"{value!r} is not an ISO 8601 date-time"
        ) from exc
    if dt.tzinfo is None:
        raise IngestError(
            path, f"{loc}field {key}",
            f"{value!r} has no UTC offset; add one (e.g. '+00:00') so the time is unambiguous",
        )
    return dt
