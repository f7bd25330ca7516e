"""Thread titles: counting surface forms only for the keys a title reads changes no title."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from tearline.ingest.run import ingest_paths
from tearline.pipeline import FusionState, build_state, fuse, thread_title
from tests.conftest import demo_agency_halves

T0 = datetime(2012, 1, 1, tzinfo=UTC)


def _title_counting_every_mention(state: FusionState, thread_id: str) -> str:
    """``thread_title`` as it was: every mention's surface form counted first."""
    view = state.threads.view(thread_id)
    surface: dict[str, Counter[str]] = {}
    for fid, _grade in view.fragments:
        for m in state.mentions.get(fid, ()):
            surface.setdefault(f"{m.kind.value}:{m.value}", Counter())[m.text] += 1
    parts: list[str] = []
    for prefix in ("actor:", "place:", "venue:"):
        for key, _n in sorted(view.entity_graph.nodes.items(), key=lambda kv: -kv[1]):
            if key.startswith(prefix):
                value = key.split(":", 1)[1]
                actor = state.catalog.get(value) if prefix == "actor:" else None
                if actor:
                    parts.append(actor.name)
                elif key in surface:
                    parts.append(surface[key].most_common(1)[0][0])
                else:
                    parts.append(value.split(":")[-1].replace("_", " "))
                break
    if parts:
        return " · ".join(parts)
    first = state.fragments.get(view.fragments[0][0]) if view.fragments else None
    return first.title if first else thread_id


def test_demo_titles_unchanged(sqlite_engine: Engine, tmp_path: Path) -> None:
    first, rest = demo_agency_halves(tmp_path)
    ingest_paths(sqlite_engine, [first, rest])
    state, _ = fuse(sqlite_engine)
    tids = state.threads.thread_ids()
    assert len(tids) > 3
    titles = {t: thread_title(state, t) for t in tids}
    assert any(" · " in t for t in titles.values())  # some titles name several entities
    assert titles == {t: _title_counting_every_mention(state, t) for t in tids}


def test_ecb_titles_unchanged(shared_data: Path) -> None:
    from tearline.fusion.catalog import load_catalog
    from tearline.model.fragment import Fragment

    lines = (shared_data / "news-events" / "ecbplus_docs.jsonl").read_text("utf-8").splitlines()
    frags = []
    for i, line in enumerate(lines[:200]):
        title, _, body = json.loads(line)["text"].partition("\n")
        when = T0 + timedelta(hours=i)
        frags.append(Fragment(id=f"r{i:04d}", title=title, body=body, reported_at=when,
                              received_at=when, originator="ecb", source_name=f"s{i % 7}",
                              source_kind="news", source_agency="ecb", reliability="F",
                              credibility=6))
    state = build_state(frags, load_catalog(), workers=1)
    tids = state.threads.thread_ids()
    assert len(tids) > 10
    assert {t: thread_title(state, t) for t in tids} == {
        t: _title_counting_every_mention(state, t) for t in tids}
