"""The duty-to-warn trigger judged against the scenario's own record, day by day.

Expectations come from the demo's storyline (``tearline/demo/README.md``),
not from the trigger's output. The thresholds in ``warn.toml`` were chosen on
the Almaty thread alone (MJIC recorded on 28 February that the threshold was
met). The Hamburg thread and the single-origin threads were kept out of the
tuning, but their numbers were seen before the session-2 recalibration; the
untouched evaluation is ``heldout/``: six small scenarios whose labels
(``heldout/labels.json``) were written from their storylines and committed
before the trigger first ran on them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tearline.assess.assessment import assess_thread
from tearline.assess.query import make_replayer
from tearline.assess.state import FusionStateSpec, resolve_thread
from tearline.ingest.run import ingest_paths
from tearline.store.db import ensure_current, make_engine
from tearline.warn.config import load_warn_config
from tearline.warn.trigger import evaluate

from .conftest import MAIN_REF, SCENARIO

HELDOUT = Path(__file__).parent / "heldout"
Replayer = Callable[[datetime | None], FusionStateSpec]

DAYS = [datetime(2025, 2, 24, 18, tzinfo=UTC) + timedelta(days=2 * i) for i in range(10)]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, tuple[bool, int]]]:
    """thread ref -> day -> (fires, independent origins), for the two plots and the rest."""
    engine = make_engine(str(tmp_path_factory.mktemp("trigger") / "t.db"))
    ensure_current(engine)
    ingest_paths(engine, [SCENARIO])
    replay = make_replayer(engine)
    engine.dispose()
    cfg = load_warn_config()
    out: dict[str, dict[str, tuple[bool, int]]] = {}
    for day in DAYS:
        state = replay(day)
        named = {}
        for ref in (MAIN_REF, "VST-HUM-2025-0220"):
            with contextlib.suppress(KeyError):  # not yet reported on that day
                named[resolve_thread(state, ref)] = ref
        for tid in state.threads.thread_ids():
            a = assess_thread(state, tid, day)
            fires = evaluate(a.to_dict(), cfg).fires
            key = named.get(tid, tid)
            out.setdefault(key, {})[day.date().isoformat()] = (
                fires, a.credibility.independent_origins)
    return out


def test_tuned_almaty_thread_fires_when_the_analysts_said_so(
        table: dict[str, dict[str, tuple[bool, int]]]) -> None:
    main = table[MAIN_REF]
    assert not main["2025-02-24"][0] and not main["2025-02-26"][0]
    assert main["2025-02-28"][0]
    assert all(main[d][0] for d in main if d >= "2025-02-28")


def test_held_out_hamburg_plot_fires_by_the_arrests(
        table: dict[str, dict[str, tuple[bool, int]]]) -> None:
    hamburg = table["VST-HUM-2025-0220"]
    # Measured: it first fires on 12 March; before that its harm reads "other"
    # (the reporting speaks of chemicals and scouting, not of killing).
    assert hamburg["2025-03-12"][0] and hamburg["2025-03-14"][0]


def test_held_out_single_origin_threads_never_fire(
        table: dict[str, dict[str, tuple[bool, int]]]) -> None:
    singles = [(ref, day) for ref, days in table.items() for day, (fires, origins)
               in days.items() if origins == 1 and fires]
    assert singles == []
    # Since the issue 11 fusion joins each report to its story on arrival, the demo
    # holds only five single-origin (thread, day) points (there were more than ten):
    # too few to judge on, hence the held-out scenarios below.
    assert sum(1 for days in table.values() for _, o in days.values() if o == 1) >= 1


def _heldout_labels() -> list[tuple[str, str, str, bool]]:
    labels = json.loads((HELDOUT / "labels.json").read_text(encoding="utf-8"))
    return [(name, at, ref, fires) for name, spec in sorted(labels.items())
            if not name.startswith("_") for at, ref, fires in spec["checks"]]


@pytest.fixture(scope="module")
def heldout_replayers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Replayer]:
    """One database per held-out scenario, so no scenario can lean on another's reporting."""
    out: dict[str, Replayer] = {}
    for folder in sorted(p for p in HELDOUT.iterdir() if p.is_dir()):
        engine = make_engine(str(tmp_path_factory.mktemp("heldout") / f"{folder.name}.db"))
        ensure_current(engine)
        ingest_paths(engine, [folder])
        out[folder.name] = make_replayer(engine)
        engine.dispose()
    return out


@pytest.mark.parametrize(("scenario", "at", "ref", "fires"), _heldout_labels())
def test_held_out_scenarios_fire_as_their_storylines_say(
        heldout_replayers: dict[str, Replayer], scenario: str, at: str, ref: str,
        fires: bool) -> None:
    """Labels in ``heldout/labels.json`` were written before the trigger ever ran on them."""
    when = datetime.fromisoformat(at)
    state = heldout_replayers[scenario](when)
    tid = resolve_thread(state, ref)
    result = evaluate(assess_thread(state, tid, when).to_dict(), load_warn_config())
    assert result.fires is fires, result.reasons
