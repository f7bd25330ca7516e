"""Print a thread's assessment day by day, the measurement behind the config defaults.

``python -m tearline.assess.calibrate`` ingests the demo scenario into a
temporary SQLite file and, for each day from 24 February to 20 March 2025,
fuses only what had been received by 18:00 UTC that day and assesses the
thread holding ``NRD-SIG-2025-0224``. The defaults in ``assess.toml`` were
tuned until this table matched the judgements the scenario's analysts wrote
down (see the file's header).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tearline.assess.assessment import assess_thread
from tearline.assess.query import make_replayer
from tearline.assess.state import resolve_thread

__all__ = ["calibration_rows", "main"]


def calibration_rows(ref: str = "NRD-SIG-2025-0224") -> list[tuple[str, ...]]:
    """(day, fragments, origins, cred, spec, imm, probability, term, confidence) per day."""
    from tearline.ingest.run import ingest_paths
    from tearline.settings import PACKAGE_DIR
    from tearline.store.db import ensure_current, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(str(Path(tmp) / "calibrate.db"))
        ensure_current(engine)
        ingest_paths(engine, [PACKAGE_DIR / "demo" / "scenario"])
        replay = make_replayer(engine)
        engine.dispose()
    rows: list[tuple[str, ...]] = []
    day = datetime(2025, 2, 24, 18, tzinfo=UTC)
    while day <= datetime(2025, 3, 20, 18, tzinfo=UTC):
        state = replay(day)
        a = assess_thread(state, resolve_thread(state, ref), day)
        rows.append((
            day.date().isoformat(), str(len(a.fragment_ids)),
            str(a.credibility.independent_origins), f"{a.credibility.score:.2f}",
            f"{a.specificity.score:.2f}", f"{a.imminence.score:.2f}",
            f"{a.probability:.2f}", a.likelihood, a.confidence.value,
        ))
        day += timedelta(days=1)
    return rows


def main() -> None:
    """Print the calibration table."""
    for row in calibration_rows(*sys.argv[1:2]):
        print("\t".join(row))


if __name__ == "__main__":
    main()
