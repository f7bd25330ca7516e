"""Issue 3's acceptance on the demo scenario, through the real pipeline and store.

Every syndicated copy lands in one origin cluster, every alias form resolves to
its actor, and the lapsed 48-hour window and the conflicting casualty figures
show in the main thread's timeline and discrepancies.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import Engine

from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.model.mention import MentionKind
from tearline.pipeline import FusionState, fuse
from tearline.settings import PACKAGE_DIR

ANSWERS = json.loads((PACKAGE_DIR / "demo" / "answers.json").read_text())


@pytest.fixture(scope="module")
def fused(tmp_path_factory: pytest.TempPathFactory) -> FusionState:
    from tearline.store.db import ensure_current, make_engine

    engine: Engine = make_engine(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    ensure_current(engine)
    ingest_paths(engine, [SCENARIO_DIR])
    state, _ = fuse(engine)
    return state


def test_syndicated_copies_share_one_origin_cluster(fused: FusionState) -> None:
    for group in ANSWERS["syndicated_groups"]:
        ids = [_fragment_for(fused, key) for key in group]
        clusters = {fused.origins.cluster_of(i) for i in ids}
        assert len(clusters) == 1, f"{group} split over {len(clusters)} origin clusters"
        assert fused.origins.independent_origins(ids) == 1


def test_attribution_groups_share_one_origin(fused: FusionState) -> None:
    for group in ANSWERS["attribution_groups"]:
        members = group["members"] if isinstance(group, dict) else group
        ids = [_fragment_for(fused, key) for key in members]
        assert fused.origins.independent_origins(ids) == 1, group


def test_every_alias_form_resolves_to_one_actor(fused: FusionState) -> None:
    resolved = {alias: fused.catalog.resolve(alias) for alias in ANSWERS["actor_aliases"]}
    assert all(r is not None for r in resolved.values()), resolved
    assert len({r.actor_id for r in resolved.values() if r}) == 1
    # and in the texts: every actor mention of an alias form resolves to that actor
    target = next(iter(resolved.values())).actor_id  # type: ignore[union-attr]
    seen: Counter[str] = Counter()
    for mentions in fused.mentions.values():
        for m in mentions:
            if m.kind is MentionKind.ACTOR and m.text in ANSWERS["actor_aliases"]:
                seen[m.text] += 1
                assert m.value == target, (m.text, m.value)
    assert len(seen) >= 5


def _main_thread(fused: FusionState) -> str:
    alert = _fragment_for(fused, ANSWERS["warning_window"]["fragment"])
    return fused.threads.thread_of(alert)


def test_main_thread_gathers_the_scenario(fused: FusionState) -> None:
    main = set(fused.threads.fragments_of(_main_thread(fused)))
    expected_main = {_fragment_for(fused, k) for k in ANSWERS["threads"]["main"]}
    expected_other = {_fragment_for(fused, k) for k in ANSWERS["threads"]["other"]}
    # most of the main story lands in the alert's thread, none of the Hamburg plot does
    assert len(main & expected_main) >= 0.8 * len(expected_main)
    assert not main & expected_other


def test_lapsed_window_in_timeline(fused: FusionState) -> None:
    tid = _main_thread(fused)
    alert = _fragment_for(fused, ANSWERS["warning_window"]["fragment"])
    view = fused.threads.view(tid)
    windows = [e for e in view.timeline if e.kind.value == "window" and alert in e.fragment_ids]
    assert windows, "the 48-hour alert's window is not on the timeline"
    w = windows[0]
    assert w.status is not None and w.status.value == "lapsed"
    assert w.end is not None and w.end < ANSWERS["attack"]["date"]


def test_conflicting_casualty_figures_in_discrepancies(fused: FusionState) -> None:
    view = fused.threads.view(_main_thread(fused))
    killed = [d for d in view.discrepancies if d.subject == "casualties.killed"]
    assert killed, [d.subject for d in view.discrepancies]
    values = " ".join(v.value for v in killed[0].values)
    for figure in ("137", "143", "145"):
        assert figure in values
    # each value carries the fragments that report it
    assert all(v.fragment_ids for v in killed[0].values)


def _fragment_for(state: FusionState, key: str) -> str:
    for fid, f in state.fragments.items():
        if f.external_id == key:
            return fid
    # news: match the headline recorded for that file in the scenario
    path = SCENARIO_DIR / "news" / key
    if path.exists():
        headline = path.read_text().splitlines()[0].lstrip("#").strip()
        for fid, f in state.fragments.items():
            if f.title == headline:
                return fid
    raise KeyError(f"no fragment for answer-key id {key!r}")
