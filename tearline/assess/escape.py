"""Report text made safe for the pages and files assessment writes.

Report titles, bodies and source names come from outside, and the look-back
and ACH outputs quote them in terminals, Markdown and HTML. Three rules:

* ``clean``: no terminal escape sequence (ANSI/CSI, OSC, OSC-8 hyperlinks) and
  no other control character but newline and tab survives.
* ``md_text``: inline Markdown that renders as the words written. ``<``, ``>``
  and ``&`` become entities (so ``<script>`` or ``<img onerror=…>`` cannot
  become HTML in a Markdown viewer), and Markdown punctuation is backslash
  escaped (so ``[click](javascript:…)`` cannot become a link, nor ``|`` break
  a table row, nor ``*`` or ``_`` turn into emphasis). Newlines become
  spaces: a quoted title cannot start a heading.
* ``banner_md`` / ``banner_html``: the classification and TLP banner the
  caller computed from what the output shows, for its top and bottom.

HTML escaping is ``html.escape`` (quotes included) wherever text meets markup.
The CLI's terminal helpers (``cli_text``) use this module's ``clean``.
"""

from __future__ import annotations

import html
import re

__all__ = ["banner_html", "banner_md", "clean", "md_text"]

#: CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte ESC sequences,
#: and the 8-bit C1 forms of CSI/OSC.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Enough to stop emphasis, code, tables and every link or image form (``[…](…)``,
#: ``![…](…)``, ``[…][ref]``): each needs an unescaped bracket. Parentheses stay
#: as written, so prose reads normally in a terminal.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|])")


def clean(text: object) -> str:
    """``text`` without terminal escape sequences or control characters (keeps \\n and \\t)."""
    s = "" if text is None else str(text)
    return _CONTROLS.sub("", _ESCAPES.sub("", s))


def md_text(text: object) -> str:
    """Report text as inline Markdown that shows exactly the words written."""
    s = " ".join(clean(text).split())
    return _MD_PUNCT.sub(r"\\\1", html.escape(s, quote=False))


def banner_md(banner: str) -> str:
    """The banner line of a Markdown document (bold, its own paragraph)."""
    return f"**{md_text(banner)}**"


def banner_html(banner: str) -> str:
    """The banner block of an HTML page, escaped, styled to stand out on screen and paper."""
    return ("<div class='banner' role='note' style='text-align:center;font-weight:bold;"
            "border:2px solid #111;padding:2px;margin:4px 0'>"
            f"{html.escape(clean(banner))}</div>")
