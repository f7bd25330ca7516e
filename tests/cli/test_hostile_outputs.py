"""Retrospective and ACH outputs escape hostile report text and carry their banner.

A report whose title and body carry ``<script>``, ``<img onerror>`` and a
Markdown link to ``javascript:`` joins the demo's Almaty thread. Rendered
(HTML parsed, Markdown rendered by a CommonMark renderer with raw HTML on),
the outputs hold no element the report put there, and the classification/TLP
banner opens and closes each, at least as restrictive as every report shown.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt
from sqlalchemy import Engine

from tearline.assess.ach import AchMatrix, EvidenceItem
from tearline.assess.ach_io import to_html as ach_html
from tearline.assess.ach_io import to_markdown as ach_md
from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.model.marking import CLASSIFICATION_ORDER, TLP_ORDER
from tearline.pipeline import fuse
from tests.cli.people_helpers import run, run_json

#: What a report may carry (ingest already refuses control characters).
EVIL = ("<script>alert(1)</script> [click](javascript:alert(2)) "
        "<img src=x onerror=alert(3)> *bold* | cell ![i](x.png)")
#: And what a renderer must cope with anyway: an OSC-8 hyperlink escape.
EVIL_ESC = EVIL + " \x1b]8;;http://x\x1b\\osc\x1b]8;;\x1b\\"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(page)
    return p.tags


def _assert_inert(page: str) -> None:
    tags = _tags(page)
    names = {t for t, _ in tags}
    assert not names & {"script", "img", "a", "iframe"}, names
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]
    assert "javascript:" not in "".join(str(v) for _, attrs in tags for v in attrs.values())
    assert "\x1b" not in page


def _hostile(tmp_path: Path) -> Path:
    report = {
        "external_id": "EVIL-2025-0001", "title": f"Almaty concert hall plot {EVIL}",
        "body": "Islamic State Khorasan Province operatives in Almaty planned an attack on "
                f"the Steppe Crown Hall concert. {EVIL}",
        "reported_at": "2025-03-07T10:00:00+00:00", "originator": "Home Service",
        "source": {"name": "EVIL <b>source</b>", "kind": "humint", "agency": "Home Service",
                   "reliability": "B"},
        "credibility": 2, "classification": "SECRET", "tlp": "red"}
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def _strictness(banner: str) -> tuple[int, int]:
    cls = max((c for c in CLASSIFICATION_ORDER if c in banner.split("—")[0]), key=len)
    tlp = banner.rsplit("TLP:", 1)[1].strip("* ").lower()
    return CLASSIFICATION_ORDER.index(cls), TLP_ORDER.index(tlp)


def _floor(engine: Engine, report_ids: set[str]) -> tuple[int, int]:
    rows = [r for r in run_json(engine, "reports") if r["id"] in report_ids]
    assert rows
    return (max(CLASSIFICATION_ORDER.index(r["classification"]) for r in rows),
            max(TLP_ORDER.index(r["tlp"]) for r in rows))


def test_retro_and_ach_escape_hostile_text_and_carry_banners(engine: Engine,
                                                             tmp_path: Path) -> None:
    assert not ingest_paths(engine, [SCENARIO_DIR, _hostile(tmp_path)]).rejected
    fuse(engine)
    thread = run_json(engine, "thread", "EVIL-2025-0001")
    members = {m["report_id"] for m in thread["members"]}
    floor = _floor(engine, members)
    assert floor[1] == TLP_ORDER.index("red")

    page_path = tmp_path / "retro.html"
    code, md, err = run(engine, "retro", "EVIL-2025-0001", "--html", str(page_path))
    assert code == 0, md + err
    md = md.rsplit("\nwrote ", 1)[0]
    assert "EVIL" in md  # the report is shown, as text
    lines = [line for line in md.splitlines() if line.strip()]
    assert lines[0] == lines[-1] and lines[0].startswith("**") and "TLP:" in lines[0]
    assert _strictness(lines[0]) >= floor
    _assert_inert(MarkdownIt("commonmark", {"html": True}).render(md))
    page = page_path.read_text(encoding="utf-8")
    _assert_inert(page)
    banners = [i for i, (t, a) in enumerate(_tags(page)) if a.get("class") == "banner"]
    assert len(banners) == 2
    body = page.split("<body>", 1)[1]
    assert body.lstrip().startswith("<div class='banner'")
    assert body.rstrip().removesuffix("</body></html>").rstrip().endswith("</div>")

    code, out, err = run(engine, "ach", "EVIL-2025-0001", "--seed", "--export", "json")
    assert code == 0, out + err
    doc = json.loads(out)
    shown = {f for e in doc["matrix"]["evidence"] for f in e["fragment_ids"]}
    assert _strictness(doc["banner"]) == _floor(engine, shown)
    for fmt in ("md", "html"):
        code, out, _ = run(engine, "ach", "EVIL-2025-0001", "--export", fmt)
        assert code == 0 and "EVIL" in out
        if fmt == "md":
            out_lines = [line for line in out.splitlines() if line.strip()]
            assert out_lines[0] == out_lines[-1] == f"**{' '.join(doc['banner'].split())}**"
            _assert_inert(MarkdownIt("commonmark", {"html": True}).render(out))
        else:
            assert out.count(doc["banner"]) == 2
            _assert_inert(out)


def test_ach_renderers_escape_labels_and_descriptions() -> None:
    m = AchMatrix("thread:report--x")
    m.add_hypothesis("H1", f"attack {EVIL_ESC}")
    m.add_hypothesis("H2", "no attack")
    m.add_evidence(EvidenceItem("E1", f"report {EVIL_ESC}", [], None, "B2"))
    m.rate("E1", "H1", "C")
    m.rate("E1", "H2", "I")
    md = ach_md(m, banner="SECRET  —  TLP:RED")
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    _assert_inert(rendered)
    assert "[click]" in rendered.replace("\\", "")  # shown as the words written
    page = ach_html(m, banner="SECRET  —  TLP:RED")
    _assert_inert(page)
    assert page.count("SECRET  —  TLP:RED") == 2
