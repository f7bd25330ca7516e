"""A printable HTML briefing of a sanitized warning, banner on every page.

The classification and TLP banner is a running header and footer in print
(CSS ``position: fixed`` repeats on every printed page in browsers), and
also appears at the top and bottom on screen. The same briefing as PDF is
``briefing_pdf`` (drawn with fpdf2, banner in each page's header and footer);
delivery writes both side by side.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["briefing_html"]

_CSS = """
@page { margin: 2.2cm 1.8cm; }
body { font: 11pt/1.45 Georgia, serif; margin: 3.2em 2em; }
.banner { position: fixed; left: 0; right: 0; text-align: center; font: bold 10pt sans-serif;
  padding: .3em; background: #ffc000; color: #000; }
.top { top: 0; } .bottom { bottom: 0; }
table { border-collapse: collapse; } td, th { border: 1px solid #999; padding: .2em .5em; }
"""


def briefing_html(released: dict[str, Any], *, recipient: str, classification: str, tlp: str,
                  window: dict[str, str | None], sender: str) -> str:
    """The briefing page for one recipient; ``released`` is the sanitizer's releasable part."""
    e = html.escape
    banner = f"{e(classification)} // TLP:{e(tlp.upper())} // REL TO {e(recipient)}"
    facets = released.get("facets") or {}
    rows = "".join(
        f"<tr><th>{e(k.replace('_', ' '))}</th><td>{e(', '.join(v) if isinstance(v, list) else str(v or '—'))}</td></tr>"  # noqa: E501
        for k, v in facets.items() if k != "window")
    period = f"{window.get('start') or '?'} to {window.get('end') or '?'}"
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(released['headline'])}</title><style>{_CSS}</style></head><body>"
        f"<div class=\"banner top\">{banner}</div>"
        f"<h1>{e(released['headline'])}</h1>"
        f"<p><em>From {e(sender)} to {e(recipient)}</em></p>"
        f"<p>{e(released['text'])}</p>"
        f"<h2>Period</h2><p>{e(period)}</p>"
        f"<h2>What to do</h2><p>{e(released['instruction'])}</p>"
        f"<h2>Facets</h2><table>{rows}</table>"
        f"<div class=\"banner bottom\">{banner}</div></body></html>")
