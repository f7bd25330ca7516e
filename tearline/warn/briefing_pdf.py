"""The printable briefing as a PDF, with the classification and TLP banner on every page.

fpdf2 (pure Python) draws the page; its ``header`` and ``footer`` hooks run
on every page it starts, so the banner cannot be forgotten on page two the
way a hand-placed line could. Same content as ``briefing.briefing_html``:
headline, sender and recipient, the sanitized text, the period, what to do
and the facets — only the sanitizer's releasable part, never the case file.

A Unicode font (DejaVu Sans, where the system has it) keeps every letter;
without one the PDF falls back to the built-in Helvetica, whose Latin-1
alphabet cannot hold every name, so other letters are transliterated
(accents dropped) or shown as "?" rather than refusing to print.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from fpdf import FPDF

__all__ = ["briefing_pdf"]

_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
          Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))
_CUT = "▮"


def _latin1(text: str) -> str:
    text = text.replace(_CUT, "[...]")
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


class _Briefing(FPDF):
    def __init__(self, banner: str) -> None:
        super().__init__(format="A4")
        self.banner = banner
        self.family = "Helvetica"
        font = next((p for p in _FONTS if p.exists()), None)
        if font is not None:
            self.add_font("DejaVu", "", str(font))
            self.family = "DejaVu"
        self.set_auto_page_break(auto=True, margin=22)

    def txt(self, text: str) -> str:
        return text if self.family == "DejaVu" else _latin1(text)

    def _banner(self) -> None:
        self.set_font(self.family, size=9)
        self.set_fill_color(255, 192, 0)
        self.cell(0, 7, self.txt(self.banner), align="C", fill=True,
                  new_x="LMARGIN", new_y="NEXT")

    def header(self) -> None:
        self._banner()
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-16)
        self._banner()


def briefing_pdf(released: dict[str, Any], *, recipient: str, classification: str, tlp: str,
                 window: dict[str, str | None], sender: str) -> bytes:
    """The briefing for one recipient as PDF bytes; the banner heads and foots every page."""
    banner = f"{classification} // TLP:{tlp.upper()} // REL TO {recipient}"
    pdf = _Briefing(banner)
    pdf.set_title(pdf.txt(str(released.get("headline") or "Warning")))
    pdf.add_page()

    def para(text: str, size: int = 11, gap: float = 3) -> None:
        pdf.set_font(pdf.family, size=size)
        pdf.multi_cell(0, size * 0.5, pdf.txt(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(str(released.get("headline") or ""), size=15)
    para(f"From {sender} to {recipient}", size=10)
    para(str(released.get("text") or ""))
    para("Period", size=13, gap=1)
    para(f"{window.get('start') or '?'} to {window.get('end') or '?'}")
    para("What to do", size=13, gap=1)
    para(str(released.get("instruction") or ""))
    para("Facets", size=13, gap=1)
    for key, value in (released.get("facets") or {}).items():
        if key == "window":
            continue
        shown = ", ".join(value) if isinstance(value, list) else str(value or "-")
        para(f"{key.replace('_', ' ')}: {shown or '-'}", size=10, gap=1)
    return bytes(pdf.output())
