"""A partner's copy never becomes a version of an object another sender adds meanwhile.

``store_from_partner`` decides "own object or kept apart" from who sent each id
(issue 9, finding 5). That read must happen under the STIX write lock: read
before it, an add of the same id by another sender can commit in between and
the partner's copy is then stored as the newer version of that object.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from tearline.ingest.stix import check_object
from tearline.ingest.writer import Writer
from tearline.share import stix_store
from tearline.store.db import ensure_current, make_engine

_ID = "indicator--7d1b3a52-2f0e-4c61-9a57-0c1f6e8b4d20"


def _indicator(modified: str, name: str) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "id": _ID,
            "created": "2025-05-01T00:00:00.000Z", "modified": modified, "name": name,
            "pattern": "[ipv4-addr:value = '192.0.2.7']", "pattern_type": "stix",
            "valid_from": "2025-05-01T00:00:00.000Z",
            "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}


def _partner_add(engine: Engine, paused: threading.Event, go: threading.Event) -> None:
    """The partner's push, held up right after it has read who sent its ids."""
    row = check_object(_indicator("2025-05-03T00:00:00.000Z", "partner copy"), "objects[0]",
                       "taxii:test")
    with engine.begin() as conn:
        writer = Writer(conn, "partner:P1", "taxii:test")
        real = writer.stored_hashes

        def held(keys: Any) -> dict[tuple[str, str], str]:
            if not paused.is_set():
                paused.set()
                go.wait(10)
            return real(keys)

        writer.stored_hashes = held  # type: ignore[method-assign]
        stix_store.store_from_partner(writer, [row], "partner:P1")
        writer.finish({"kind": "test"})


def _local_add(engine: Engine) -> None:
    row = check_object(_indicator("2025-05-02T00:00:00.000Z", "our alert"), "objects[0]",
                       "ingest:test")
    with engine.begin() as conn:
        writer = Writer(conn, "user:analyst", "ingest:test")
        stix_store.store_rows(writer, [row])
        writer.finish({"kind": "test"})


def test_a_concurrent_add_by_another_sender_cannot_slip_under_a_partner_copy(
        tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "race.db"))
    ensure_current(engine)
    paused, go = threading.Event(), threading.Event()
    partner = threading.Thread(target=_partner_add, args=(engine, paused, go))
    partner.start()
    assert paused.wait(10)
    local = threading.Thread(target=_local_add, args=(engine,))
    local.start()
    local.join(1.0)  # with the lock held it waits for the partner's commit
    go.set()
    partner.join(20)
    local.join(20)
    assert not partner.is_alive() and not local.is_alive()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender, version FROM stix_objects WHERE id = :i "
                                 "ORDER BY added_seq"), {"i": _ID}).all()
    engine.dispose()
    senders = [sender for sender, _ in rows]
    # The partner's copy is either the first version held (the local add waited for
    # it) or kept apart; never a later version of the agency's own object.
    assert "partner:P1" not in senders[1:], rows
