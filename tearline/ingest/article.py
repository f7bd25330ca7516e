"""Plain-text and Markdown news articles as OSINT fragments.

Layout accepted (everything but the headline and body is optional)::

    # Headline
    Outlet: Daily Courier
    By: Jane Doe
    Date: 2025-03-07T09:30:00+00:00
    URL: https://…
    Credit: Wire Service

    CITY, March 7 (Wire) — First paragraph…

Without a ``Date:`` line the dateline's month and day are used, with the year
taken from nothing we can trust — so the date stays unknown unless the dateline
carries a year. Unknown ``Key:`` lines are treated as body text, not rejected:
a news story may well open with "Update: …".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil import parser as dateparser

from tearline.errors import IngestError
from tearline.ingest.drafts import ReportDraft, SourceDraft

_META_KEYS = {"outlet", "by", "byline", "date", "url", "language", "credit", "source", "tlp"}
_META_RE = re.compile(r"^([A-Za-z]+):\s*(.*)$")
_DATELINE_RE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]{1,40}),\s+(?P<date>[A-Z][a-z]+\.?\s+\d{1,2}(?:,\s*\d{4})?)"
    r"(?:\s*\((?P<credit>[^)]{1,60})\))?\s*[—–-]"
)


def parse_article(text: str, path: str) -> ReportDraft:
    """Parse one article; raise ``IngestError`` naming the line that is wrong."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines):
        raise IngestError(path, None, "the file holds only whitespace; an article needs a headline")
    headline = lines[i].strip().lstrip("#").strip()
    if not headline:
        raise IngestError(path, f"line {i + 1}", "the headline line is empty")
    i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1  # a blank line between headline and metadata is common
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    while i < len(lines) and lines[i].strip():
        m = _META_RE.match(lines[i].strip())
        if not m or m.group(1).lower() not in _META_KEYS:
            break
        meta[m.group(1).lower()] = m.group(2).strip()
        meta_lines[m.group(1).lower()] = i + 1
        i += 1
    body = "\n".join(lines[i:]).strip()
    if not body:
        raise IngestError(path, f"line {i + 1}", "the article has a headline but no body text")

    reported_at = None
    if "date" in meta:
        reported_at = _parse_date(meta["date"], path, f"line {meta_lines['date']}, Date")
    dateline = _DATELINE_RE.match(body)
    credit = meta.get("credit")
    if dateline:
        credit = credit or (dateline.group("credit") or None)
        if reported_at is None and re.search(r"\d{4}", dateline.group("date")):
            reported_at = _parse_date(dateline.group("date"), path, "dateline")
    outlet = meta.get("outlet") or credit or "Unknown outlet"
    tags = [f"credit:{credit}"] if credit else []
    if dateline:
        tags.append(f"dateline:{dateline.group('place').strip().title()}")
    tlp = "clear"
    return ReportDraft(
        title=headline,
        body=body,
        originator=outlet,
        source=SourceDraft(name=outlet, kind="osint", agency=outlet, reliability="F"),
        reported_at=reported_at,
        category="news",
        language=meta.get("language", "en") or "en",
        credibility=6,
        classification="UNCLASSIFIED",
        tlp=tlp,
        outlet=outlet,
        url=meta.get("url"),
        byline=meta.get("by") or meta.get("byline"),
        tags=tags,
    )


def _parse_date(value: str, path: str, where: str) -> datetime:
    try:
        dt = dateparser.parse(value)
    except (ValueError, ArithmeticError) as exc:  # dateutil raises decimal errors too
        raise IngestError(path, where, f"cannot read the date {value!r}: {exc}") from exc
    if dt is None:
        raise IngestError(path, where, f"cannot read the date {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt
