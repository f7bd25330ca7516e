"""The demo scenario ingested once per session into a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tearline.assess.query import make_replayer
from tearline.assess.state import FusionStateSpec
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse
from tearline.settings import PACKAGE_DIR
from tearline.store.db import ensure_current, make_engine

SCENARIO = PACKAGE_DIR / "demo" / "scenario"


@dataclass
class Demo:
    engine: Engine
    replay: object
    state: FusionStateSpec

    def fid(self, ref: str) -> str:
        """Fragment id for an external id or a news file name (via its headline)."""
        if ref.endswith(".md"):
            title = (SCENARIO / "news" / ref).read_text().splitlines()[0].lstrip("# ").strip()
            matches = [f.id for f in self.state.fragments.values() if f.title == title]
        else:
            matches = [f.id for f in self.state.fragments.values() if f.external_id == ref]
        assert len(matches) == 1, (ref, matches)
        return matches[0]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    path: Path = tmp_path_factory.mktemp("assess") / "demo.db"
    engine = make_engine(str(path))
    ensure_current(engine)
    ingest_paths(engine, [SCENARIO])
    fuse(engine)  # the commands read what fusion committed; reads never fuse
    replay = make_replayer(engine)
    yield Demo(engine, replay, replay(None))
    engine.dispose()
