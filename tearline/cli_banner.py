"""The classification and TLP banner of a CLI output, computed from what it shows.

The retrospective and the ACH matrix quote reports; their banner is the most
restrictive marking of those reports (``share.releases.combine_markings``, the
rule the console's page banner follows, ``web.console.banner``): highest
classification, highest TLP, every caveat, REL TO only what every report names.
An output that quotes no report says UNCLASSIFIED // TLP:CLEAR rather than
borrowing a default.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from tearline.share.releases import load_index, marking_for_report
from tearline.store.schema import Report
from tearline.web.console.banner import BannerBuilder

__all__ = ["banner_for"]

_CHUNK = 500  # below SQLite's bound-parameter limit


def banner_for(conn: Connection, report_ids: Iterable[str]) -> str:
    """The banner text for an output quoting these reports (ids not stored are skipped)."""
    ids = sorted(set(report_ids))
    rows: list[Any] = []
    for i in range(0, len(ids), _CHUNK):
        rows += conn.execute(
            select(Report.id, Report.stix_id, Report.tlp, Report.classification,
                   Report.releasability, Report.caveats, Report.category)
            .where(Report.id.in_(ids[i:i + _CHUNK]))).all()
    index = load_index(conn, [*ids, *(r.stix_id for r in rows if r.stix_id)])
    builder = BannerBuilder()
    builder.extend([marking_for_report(r, index) for r in rows])
    return builder.build().text
