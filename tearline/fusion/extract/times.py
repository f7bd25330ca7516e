"""Dates and time windows, resolved against the fragment's own date.

A report's "last Friday" or "within the next 48 hours" means nothing
without the date the report was written, so every expression is resolved
against ``Fragment.anchor_time``. Expressions relative to another event
("three days later", "the day before") are resolved against the nearest
date mentioned earlier in the same text, falling back to the anchor.

Dates without a year take the year that puts them closest to the anchor
(a report of 2 January about "December 30" means the previous year).
A bare weekday ("on Tuesday") is taken as the most recent one, unless the
sentence talks about the future ("will", "planned", "next"), because
reports mostly describe what has happened; the choice is recorded in
``detail["assumed"]``.

DATE values are ISO dates; WINDOW values are ``{"start", "end"}`` ISO dates,
or ISO datetimes when the window is counted in hours.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from tearline.fusion.extract._common import (
    NUMBER,
    drop_overlaps,
    mention,
    parse_number,
    sentence_at,
)
from tearline.fusion.extract.gate import Gated
from tearline.model.mention import Mention, MentionKind

__all__ = ["find_times"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_WEEKDAY = r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_UNIT = r"(?P<unit>hours?|days?|weeks?|months?)"
_FUTURE = re.compile(
    r"\b(?:will|plan(?:s|ned|ning)?|plot(?:ted|ting)?|intend|next|coming|upcoming|"
    r"scheduled|due to|expected to|threat(?:en(?:ed|s)?)?)\b",
    re.IGNORECASE,
)

Resolver = Callable[
    [re.Match[str], date, date, str], tuple[MentionKind, Any, dict[str, Any]] | None
]


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _closest_year(month: int, day: int, anchor: date) -> date | None:
    best = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        except ValueError:
            continue
        if best is None or abs((candidate - anchor).days) < abs((best - anchor).days):
            best = candidate
    return best


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _iso(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    found = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
    return (MentionKind.DATE, found.isoformat(), {}) if found else None


def _day_month(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    month, day = _month(m["month"]), int(m["day"])
    if not 1 <= day <= 31:
        return None
    found = (
        _safe_date(int(m["year"]), month, day) if m["year"] else _closest_year(month, day, anchor)
    )
    if found is None or (not m["year"] and found.day != day):
        return None
    return MentionKind.DATE, found.isoformat(), {"year_given": bool(m["year"])}


def _month_window(month: int, year: int | None, anchor: date) -> tuple[date, date]:
    start = (
        date(year, month, 1)
        if year
        else _closest_year(month, 15, anchor) or date(anchor.year, month, 1)
    )
    start = start.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, month)[1])


def _part_of_month(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    first, last = _month_window(_month(m["month"]), int(m["year"]) if m["year"] else None, anchor)
    part = m["part"].lower().replace("-", " ").strip()
    if part in ("early", "the beginning of", "the start of"):
        start, end = first, first.replace(day=10)
    elif part in ("mid", "the middle of"):
        start, end = first.replace(day=11), first.replace(day=20)
    else:
        start, end = first.replace(day=21), last
    return MentionKind.WINDOW, {"start": start.isoformat(), "end": end.isoformat()}, {"part": part}


def _in_month(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    start, end = _month_window(_month(m["month"]), int(m["year"]) if m["year"] else None, anchor)
    return MentionKind.WINDOW, {"start": start.isoformat(), "end": end.isoformat()}, {}


def _since(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    month = _month(m["month"])
    year = (
        int(m["year"]) if m["year"] else (anchor.year if month <= anchor.month else anchor.year - 1)
    )
    start = date(year, month, 1)
    return (
        MentionKind.WINDOW,
        {"start": start.isoformat(), "end": anchor.isoformat()},
        {"open_ended": True},
    )


_DAY_WORDS = {
    "yesterday": -1,
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "last night": -1,
    "this morning": 0,
    "this evening": 0,
    "this afternoon": 0,
    "the day before yesterday": -2,
    "the day after tomorrow": 2,
}


def _day_word(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    offset = _DAY_WORDS[re.sub(r"\s+", " ", m.group().lower())]
    return (
        MentionKind.DATE,
        (anchor + timedelta(days=offset)).isoformat(),
        {"relative_to": "anchor"},
    )


def _weekday(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    target = _WEEKDAYS[m["wd"].lower()]
    mod = (m["mod"] or "").lower()
    back = (anchor.weekday() - target) % 7
    ahead = (target - anchor.weekday()) % 7
    assumed = None
    if mod == "last" or mod == "past":
        found = anchor - timedelta(days=back or 7)
    elif mod == "next":
        found = anchor + timedelta(days=ahead or 7)
    elif mod == "this":
        found = anchor - timedelta(days=anchor.weekday()) + timedelta(days=target)
    else:
        s_start, s_end = sentence_at(text, m.start())
        future = bool(_FUTURE.search(text, s_start, s_end))
        assumed = "future" if future else "past"
        found = anchor + timedelta(days=ahead) if future else anchor - timedelta(days=back)
    return MentionKind.DATE, found.isoformat(), {"assumed": assumed} if assumed else {}


def _count(m: re.Match[str]) -> int | None:
    return parse_number(m["num"]) if m["num"] else 1


def _days(unit: str, n: int) -> int:
    unit = unit.lower().rstrip("s")
    return {"day": n, "week": 7 * n, "month": 30 * n, "hour": 0}[unit]


def _ago(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    n = _count(m)
    if n is None or m["unit"].lower().startswith("hour"):
        return None
    return (
        MentionKind.DATE,
        (anchor - timedelta(days=_days(m["unit"], n))).isoformat(),
        {"relative_to": "anchor"},
    )


def _later(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    n = _count(m)
    if n is None or m["unit"].lower().startswith("hour"):
        return None
    sign = -1 if m["dir"].lower() in ("earlier", "before", "prior") else 1
    found = ref + timedelta(days=sign * _days(m["unit"], n))
    return MentionKind.DATE, found.isoformat(), {"relative_to": ref.isoformat()}


_NEIGHBOUR = {
    "the day before": -1,
    "the previous day": -1,
    "the day after": 1,
    "the next day": 1,
    "the following day": 1,
    "a day later": 1,
    "a day earlier": -1,
    "the night before": -1,
}


def _neighbour(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    offset = _NEIGHBOUR[re.sub(r"\s+", " ", m.group().lower())]
    return (
        MentionKind.DATE,
        (ref + timedelta(days=offset)).isoformat(),
        {"relative_to": ref.isoformat()},
    )


def _next_window(m: re.Match[str], anchor: date, ref: date, text: str, *, now: datetime) -> Any:
    if not m["num"]:  # "in the coming days": a vague window
        return _coming(m, anchor, ref, text)
    n = _count(m)
    if n is None:
        return None
    if m["unit"].lower().startswith("hour"):
        until = now + timedelta(hours=n)
        return (
            MentionKind.WINDOW,
            {"start": now.isoformat(), "end": until.isoformat()},
            {"hours": n},
        )
    end = anchor + timedelta(days=_days(m["unit"], n))
    return MentionKind.WINDOW, {"start": anchor.isoformat(), "end": end.isoformat()}, {}


def _past_window(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    n = _count(m)
    if n is None or m["unit"].lower().startswith("hour"):
        return None
    start = anchor - timedelta(days=_days(m["unit"], n))
    return MentionKind.WINDOW, {"start": start.isoformat(), "end": anchor.isoformat()}, {}


_COMING = {"days": 7, "weeks": 28, "months": 90, "hours": 2}


def _coming(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    unit = m["unit"].lower()
    days = _COMING[unit if unit.endswith("s") else unit + "s"]
    end = anchor + timedelta(days=days)
    return (
        MentionKind.WINDOW,
        {"start": anchor.isoformat(), "end": end.isoformat()},
        {"vague": True},
    )


def _recent(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    days = _COMING[m["unit"].lower()]
    return (
        MentionKind.WINDOW,
        {"start": (anchor - timedelta(days=days)).isoformat(), "end": anchor.isoformat()},
        {"vague": True},
    )


def _week(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    monday = anchor - timedelta(days=anchor.weekday())
    shift = {"last": -7, "past": -7, "this": 0, "next": 7}[m["mod"].lower()]
    start = monday + timedelta(days=shift)
    return (
        MentionKind.WINDOW,
        {"start": start.isoformat(), "end": (start + timedelta(days=6)).isoformat()},
        {},
    )


def _weekend(m: re.Match[str], anchor: date, ref: date, text: str) -> Any:
    mod = (m["mod"] or "").lower()
    saturday_ahead = anchor + timedelta(days=(5 - anchor.weekday()) % 7)
    if anchor.weekday() == 6:
        saturday_ahead = anchor - timedelta(days=1)
    if mod in ("this", "next", "coming"):
        start = saturday_ahead + timedelta(days=7 if mod == "next" and anchor.weekday() < 5 else 0)
    else:  # "over the weekend", "last weekend": the most recent one
        start = anchor - timedelta(days=(anchor.weekday() - 5) % 7)
        if mod == "last" and anchor.weekday() >= 5:
            start -= timedelta(days=7)
    return (
        MentionKind.WINDOW,
        {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()},
        {},
    )


_N = rf"(?P<num>{NUMBER})"
_RULES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"), _iso),
    (
        re.compile(
            rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?(?!\w)"
        ),
        _day_month,
    ),
    (
        re.compile(
            rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<year>\d{{4}}))?(?!\w)"
        ),
        _day_month,
    ),
    (
        re.compile(
            r"\b(?:in\s+|by\s+|during\s+)?"
            r"(?P<part>early|mid-?|late|the (?:beginning|start|middle|end) of)"
            rf"\s*{_MONTH}(?:\s+(?P<year>\d{{4}}))?(?!\w)",
            re.IGNORECASE,
        ),
        _part_of_month,
    ),
    (re.compile(rf"\bsince\s+{_MONTH}(?:\s+(?P<year>\d{{4}}))?(?![\w ]*\d)"), _since),
    (
        re.compile(
            rf"\b(?:in|during|throughout)\s+{_MONTH}(?:\s+(?P<year>\d{{4}}))?(?!\s*\d)(?!\w)"
        ),
        _in_month,
    ),
    (
        re.compile(
            r"\b(?:the day (?:before|after) (?:yesterday|tomorrow)|yesterday|today|tonight|"
            r"tomorrow|"
            r"last night|this (?:morning|evening|afternoon))\b",
            re.IGNORECASE,
        ),
        _day_word,
    ),
    (
        re.compile(rf"\b(?:(?P<mod>last|next|this|past|on)\s+)?{_WEEKDAY}\b", re.IGNORECASE),
        _weekday,
    ),
    (re.compile(rf"\b(?:{_N}|an?|one)\s+{_UNIT}\s+ago\b", re.IGNORECASE), _ago),
    (
        re.compile(
            rf"\b(?:{_N}|an?)\s+{_UNIT}\s+(?P<dir>later|earlier|after|before|afterwards|prior)\b",
            re.IGNORECASE,
        ),
        _later,
    ),
    (
        re.compile(
            r"\b(?:the (?:day|night) before|the previous day|the day after|the next day|"
            r"the following day|a day (?:later|earlier))\b",
            re.IGNORECASE,
        ),
        _neighbour,
    ),
    (
        re.compile(
            rf"\b(?:within|in|over|during)\s+the\s+(?:next|coming)\s+(?:{_N}\s+)?{_UNIT}",
            re.IGNORECASE,
        ),
        "next",
    ),
    (
        re.compile(
            rf"\b(?:within|in|over|during)\s+the\s+(?:past|last)\s+(?:{_N}\s+)?{_UNIT}",
            re.IGNORECASE,
        ),
        _past_window,
    ),
    (
        re.compile(
            r"\b(?:in|over)\s+the\s+(?:coming|next\s+few|days\s+and)\s+(?P<unit>days|weeks|months)\b",
            re.IGNORECASE,
        ),
        _coming,
    ),
    (
        re.compile(
            r"\b(?:in|over)\s+(?:recent|the\s+past\s+few|the\s+last\s+few)\s+(?P<unit>days|weeks|months)\b",
            re.IGNORECASE,
        ),
        _recent,
    ),
    (re.compile(r"\b(?P<mod>last|past|this|next)\s+week\b", re.IGNORECASE), _week),
    (
        re.compile(
            r"\b(?:(?P<mod>last|this|next|coming)\s+weekend|(?:over|at|during)\s+the\s+weekend)\b",
            re.IGNORECASE,
        ),
        _weekend,
    ),
]
_RELATIVE = {_later, _neighbour}
_GATED = [(Gated(pattern), rule) for pattern, rule in _RULES]


def find_times(text: str, anchor: datetime) -> list[Mention]:
    """DATE and WINDOW mentions resolved against ``anchor``."""
    today = anchor.date()
    hits: list[tuple[int, int, Any, re.Match[str]]] = []
    lowered = text.lower()
    for pattern, rule in _GATED:
        for match in pattern.finditer(text, lowered):
            hits.append((match.start(), match.end(), rule, match))
    hits.sort(key=lambda h: (h[0], -h[1]))
    out: list[Mention] = []
    ref = today
    for start, end, rule, match in hits:
        if any(start < m.end and end > m.start for m in out):
            continue
        if rule == "next":
            result = _next_window(match, today, ref, text, now=anchor)
        else:
            result = rule(match, today, ref, text)
        if result is None:
            continue
        kind, value, detail = result
        confidence = (
            0.8 if rule in _RELATIVE or detail.get("assumed") or detail.get("vague") else 0.95
        )
        out.append(mention(kind, text, start, end, value, confidence, **detail))
        if kind is MentionKind.DATE:
            ref = date.fromisoformat(value)
    return drop_overlaps(out)
