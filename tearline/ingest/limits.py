"""Limits on hostile input, checked the same way by every parser.

Each limit is a setting (``settings.input_limits``) and each refusal is an
``IngestError`` that names the limit and the setting that raises it, so a
legitimate large input can be let through on purpose. The walks here are
iterative: a value nested a million deep costs a loop, not a RecursionError
that would abort the whole run.

Control characters: PostgreSQL cannot store U+0000 in text while SQLite can,
so without a rule the same file is accepted on one backend and crashes the
other. The rule is to refuse NUL and the other C0 controls (tab, newline and
carriage return excepted) in every report text field, on both backends.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import IO, Any

from tearline import settings
from tearline.errors import IngestError
from tearline.ingest.drafts import ReportDraft

__all__ = ["check_control", "check_depth", "check_draft", "check_raw_depth",
           "check_stream_depth", "limit"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def limit(name: str) -> int:
    """One limit by name (``JSON_DEPTH``, ``BODY_CHARS``…)."""
    return settings.input_limit(name)


def _too(path: str, where: str | None, what: str, name: str) -> IngestError:
    return IngestError(path, where, f"{what} exceeds the limit of {limit(name):,} "
                       f"(TEARLINE_MAX_{name}); split the input or raise the limit")


def check_depth(value: Any, path: str, where: str | None = None) -> None:
    """Refuse a parsed JSON value nested deeper than ``JSON_DEPTH`` (iterative walk)."""
    max_depth = limit("JSON_DEPTH")
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise _too(path, where, f"JSON nesting deeper than {max_depth}", "JSON_DEPTH")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values()
                         if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))


def check_stream_depth(fh: IO[bytes], path: str, offset: int = 2) -> None:
    """Refuse a JSON file nested too deep, in one streaming pass without building anything.

    ijson's ``items`` carries a path prefix per event that grows with depth,
    so a bundle with one property nested 300,000 deep costs quadratic time and
    memory there; ``basic_parse`` has no prefixes. ``offset`` is the depth of
    the containers around each object (bundle, objects array).
    """
    import ijson

    max_depth, depth = limit("JSON_DEPTH") + offset, 0
    try:
        for event, _ in ijson.basic_parse(fh, use_float=True):
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > max_depth:
                    raise _too(path, f"near byte {fh.tell()}",
                               f"JSON nesting deeper than {max_depth - offset}", "JSON_DEPTH")
            elif event in ("end_map", "end_array"):
                depth -= 1
    except (ijson.JSONError, UnicodeDecodeError):
        return  # broken JSON (or bad UTF-8) is reported, with its place, by the real parse
    finally:
        fh.seek(0)


def check_raw_depth(text: str, path: str) -> None:
    """Refuse JSON text nested too deep before a recursive parser ever sees it."""
    max_depth, depth = limit("JSON_DEPTH"), 0
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok in ("[", "{"):
            depth += 1
            if depth > max_depth:
                line = text.count("\n", 0, m.start()) + 1
                raise _too(path, f"line {line}", f"JSON nesting deeper than {max_depth}",
                           "JSON_DEPTH")
        elif tok in ("]", "}"):
            depth -= 1


def check_control(value: str, path: str, where: str) -> None:
    """Refuse NUL and other C0 control characters (see the module docstring)."""
    m = _CONTROL.search(value)
    if m:
        raise IngestError(path, where, f"contains the control character U+{ord(m.group()):04X} "
                          f"at offset {m.start()}; remove control characters (they cannot be "
                          "stored the same way on every database)")


def check_draft(draft: ReportDraft, path: str) -> None:
    """Sizes and control characters of every text field of a report."""
    where = draft.where or "report"
    if len(draft.body) > limit("BODY_CHARS"):
        raise _too(path, f"{where}, body", f"a body of {len(draft.body):,} characters",
                   "BODY_CHARS")
    if len(draft.title) > limit("TITLE_CHARS"):
        raise _too(path, f"{where}, title", f"a title of {len(draft.title):,} characters",
                   "TITLE_CHARS")
    for f in fields(draft):
        value = getattr(draft, f.name)
        if isinstance(value, str):
            check_control(value, path, f"{where}, {f.name}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, str):
                    check_control(v, path, f"{where}, {f.name}[{i}]")
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, str):
                    check_control(v, path, f"{where}, {f.name}.{k}")
    src = draft.source
    for name in ("name", "kind", "agency", "reliability"):
        check_control(getattr(src, name), path, f"{where}, source.{name}")
