"""The PDF briefing carries the classification and TLP banner on every page (read back)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tearline.warn import briefing_pdf as bp
from tearline.warn.briefing_pdf import briefing_pdf

RELEASED = {
    "headline": "Duty to warn: threat of an attack intended to kill in Almaty",
    "text": " ".join(["Meridian Joint Intelligence Centre has information indicating a "
                      "threat to a concert venue in Almaty (Алматы) ▮ using firearms."] * 60),
    "instruction": "Protect concert venues in Almaty.",
    "facets": {"harm": "intentional_killing", "actor": ["ISIS-K"], "city": ["Almaty"],
               "target_type": ["concert hall"], "modality": ["firearms"],
               "window": {"start": "2025-03-05", "end": "2025-03-07"}},
}
WINDOW: dict[str, str | None] = {"start": "2025-03-05", "end": "2025-03-07"}
BANNER = "UNCLASSIFIED // TLP:AMBER // REL TO CSP"


def _pages(data: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("unicode_font", [True, False])
def test_every_page_has_the_banner_at_top_and_bottom(monkeypatch: pytest.MonkeyPatch,
                                                     unicode_font: bool) -> None:
    if not unicode_font:  # a system without DejaVu: the built-in font, transliterated
        monkeypatch.setattr(bp, "_FONTS", (Path("/nonexistent.ttf"),))
    data = briefing_pdf(RELEASED, recipient="CSP", classification="UNCLASSIFIED", tlp="amber",
                        window=WINDOW, sender="Meridian Joint Intelligence Centre")
    assert data.startswith(b"%PDF-")
    pages = _pages(data)
    assert len(pages) >= 2, "the text is long enough to need a second page"
    for n, text in enumerate(pages, 1):
        assert text.count(BANNER) == 2, (n, text[:200])
    whole = " ".join(pages)
    assert "Protect concert venues in Almaty." in whole
    assert "firearms" in whole and "2025-03-05 to 2025-03-07" in whole

