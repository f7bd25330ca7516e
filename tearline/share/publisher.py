"""Keep the STIX view current while ``tearline serve`` runs (issue 9, finding 7).

TAXII reads the STIX store, and native reports get their STIX form from
``stix_store.publish_reports``. Publishing only when the server started meant a
report ingested afterwards never reached TAXII until a restart, while REST
(reading the reports table) showed it at once. A daemon thread now publishes
what is pending every few seconds. Reads still never write: the thread is the
only writer, and publishing is idempotent, so several ``serve`` workers on one
PostgreSQL database may each run one.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from tearline.share.stix_store import publish_reports

#: Seconds between checks for unpublished reports (one indexed query when none).
PUBLISH_INTERVAL = 1.0
_log = logging.getLogger(__name__)


def start_publisher(engine: Engine, interval: float = PUBLISH_INTERVAL) -> threading.Event:
    """Publish pending native reports every ``interval`` seconds; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                publish_reports(engine, actor="serve")
            except Exception:  # keep serving; the next round retries
                _log.exception("publishing native reports as STIX failed")

    threading.Thread(target=loop, name="tearline-publisher", daemon=True).start()
    return stop
