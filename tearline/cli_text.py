"""Terminal text a person can read, and that report text cannot take over.

Three jobs, used by every CLI table and page:

* **Safety.** Report titles and bodies come from outside. ``clean`` removes
  ANSI/OSC escape sequences (colour, cursor moves, OSC-8 hyperlinks, window
  titles) and every other control character but newline and tab, and
  ``safe`` also escapes Rich markup, so ``[red]`` or ``[link=…]`` in a title is
  printed as written instead of being interpreted.
* **80 columns.** ``make_table`` builds tables whose id and date columns never
  wrap or get cut (``no_wrap``, with their full width reserved) while the one
  text column takes what is left and ends in an ellipsis.
* **Short ids.** ``short_ref`` gives the part of an id people type and quote.

Alarm listings (bias alarms, warning alarms, insider alerts) share one table,
``alarm_table``, sorted by ``by_time``: newest first, the same order ``--json``
prints, so a person and a script read the same list.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.text import Text

from tearline.assess.escape import clean as _clean

__all__ = ["AlarmRow", "Column", "TextTable", "alarm_table", "by_time", "clean", "make_table",
           "render_table", "safe", "short_ref", "truncate"]


def clean(text: object) -> str:
    """``text`` without terminal escape sequences or control characters (keeps \\n and \\t).

    The one implementation is ``assess.escape.clean``, shared with the Markdown and
    HTML outputs.
    """
    return _clean(text)


def safe(text: object) -> str:
    """``clean`` text with Rich markup escaped: printed exactly as written."""
    return escape(clean(text))


def truncate(text: object, width: int) -> str:
    """One line of at most ``width`` characters, an ellipsis marking a cut."""
    s = " ".join(clean(text).split())
    return s if len(s) <= width else s[: max(width - 1, 0)] + "…"


def short_ref(identifier: str) -> str:
    """The typed part of an id: ``thread:report--a3ad4324-…`` → ``a3ad4324``.

    External ids (``NRD-2025-0303``) are already what people quote and are
    returned whole.
    """
    if "--" not in identifier:
        return identifier
    return identifier.split("--", 1)[1].split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class Column:
    """A column: ``fixed`` ones (ids, dates, numbers) never wrap or shrink."""

    header: str
    fixed: bool = True
    justify: str = "left"
    """``left`` or ``right`` (numbers)."""
    max_width: int | None = None
    """A flexible column never wider than this (leaves room for the one that matters)."""
    wrap: bool = False
    """A flexible column that wraps onto further lines instead of ending in an ellipsis
    (alarm summaries: the evidence is the point, cutting it hides it)."""


class TextTable:
    """Rows first, layout after, drawn as plain text with Rich only printing it.

    Rich shrinks every column of a table too wide for the terminal, which is
    what cut ids and dates in half. Here fixed columns always get their widest
    cell; the one flexible column gets what is left (at least 8 characters) and
    its cells end in an ellipsis when cut.
    """

    def __init__(self, title: str | None, columns: Sequence[Column]) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows: list[list[str]] = []

    def add_row(self, *cells: object) -> None:
        self.rows.append([" ".join(clean(c).split()) for c in cells])

    def __len__(self) -> int:
        return len(self.rows)

    def widths(self, total: int) -> list[int]:
        widths = [max([len(c.header), *(len(r[i]) for r in self.rows if i < len(r))])
                  for i, c in enumerate(self.columns)]
        flex = [i for i, c in enumerate(self.columns) if not c.fixed]
        fixed = sum(w for i, w in enumerate(widths) if i not in flex)
        room = total - fixed - (len(widths) - 1)
        # Narrow flexible columns keep their full width; the widest share what is left.
        pending = sorted(flex, key=lambda i: widths[i])
        while pending:
            share = room // len(pending)
            i = pending.pop(0)
            cap = self.columns[i].max_width or share
            widths[i] = max(8, min(widths[i], share, cap))
            room -= widths[i]
        return widths

    def lines(self, total: int = 80) -> list[str]:
        """The table as lines of plain text at most ``total`` wide (when it can fit)."""
        widths = self.widths(total)

        def fmt(cells: Sequence[str]) -> list[str]:
            parts: list[list[str]] = []
            for c, w, col in zip(cells, widths, self.columns, strict=False):
                if col.wrap and not col.fixed and len(c) > w:
                    parts.append(textwrap.wrap(c, w, break_on_hyphens=False) or [""])
                else:
                    parts.append([truncate(c, w)])
            out = []
            for n in range(max((len(p) for p in parts), default=1)):
                line = []
                for p, w, col in zip(parts, widths, self.columns, strict=False):
                    cell = p[n] if n < len(p) else ""
                    line.append(cell.rjust(w) if col.justify == "right" else cell.ljust(w))
                out.append(" ".join(line).rstrip())
            return out

        head = [self.title] if self.title else []
        rule = " ".join("─" * w for w in widths)
        return [*head, *fmt([c.header for c in self.columns]), rule,
                *(line for r in self.rows for line in fmt(r))]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(self.lines(options.max_width)), no_wrap=True, overflow="ignore",
                   end="\n")


def render_table(table: TextTable, width: int = 80) -> str:
    """The table as plain text for ``click.echo`` (no Rich console needed)."""
    return "\n".join(table.lines(width))


def make_table(title: str | None, columns: Sequence[Column]) -> TextTable:
    """A table that stays readable at 80 columns (see the module docstring)."""
    return TextTable(title, columns)


def _instant(value: object) -> datetime:
    """An alarm's time as an aware datetime (naive stored times are UTC)."""
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def by_time(items: Iterable[Mapping[str, Any]], key: str = "raised_at") -> list[Any]:
    """``items`` newest first by ``key`` (ISO text or datetime), ties in their given order.

    Alarms come from several sources (bias review, duty-to-warn cases, insider
    alerts), each in its own order; people read them as one time line.
    """
    return sorted(items, key=lambda a: _instant(a.get(key)), reverse=True)


@dataclass(frozen=True, slots=True)
class AlarmRow:
    """One alarm as every alarm listing prints it."""

    when: object
    """ISO text or datetime."""
    kind: str
    text: str
    thread: str | None = None
    """A thread id (shown short), or None for alarms about no thread."""


def alarm_table(title: str | None, rows: Sequence[AlarmRow], *,
                with_thread: bool = True) -> TextTable:
    """The alarm table of ``alarms``, ``insider scan`` and ``insider alerts``.

    The time column shows minutes in UTC; rows are printed in the order given
    (callers sort with ``by_time``), and the text column wraps rather than cuts.
    """
    cols = [Column("when (UTC)")]
    if with_thread:
        cols.append(Column("thread"))
    cols += [Column("kind"), Column("what", fixed=False, wrap=True)]
    table = make_table(title, cols)
    for r in rows:
        when = _instant(r.when).astimezone(UTC).strftime("%Y-%m-%d %H:%M") if r.when else ""
        cells: list[object] = [when]
        if with_thread:
            cells.append(short_ref(r.thread) if r.thread else "—")
        table.add_row(*cells, r.kind.replace("_", " "), r.text)
    return table
