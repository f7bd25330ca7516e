"""What a partner sends becomes intelligence the receiving analysts work with (finding 9).

STIX arriving from a partner — pushed to our inbox or pulled by ``sync`` — is
first stored as that partner's assertion (``stix_store.store_from_partner``).
Reports among the *newly stored* objects then enter the chain as fragments,
so fusion threads them and analysts see them in ``reports``, threads and
REST like anything else we collect:

* the originator is the sending partner (its recorded name), whatever the
  object's ``created_by_ref`` says — that is who vouches for it to us;
* the fragment keeps the object's markings (most restrictive TLP, REL TO,
  classification if sent) and its STIX id, so a re-sent object maps to the
  same fragment (idempotent) and releases name one id;
* the source is the partner's liaison channel unless the object names one.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import select

from tearline.ingest.drafts import ReportDraft, SourceDraft
from tearline.ingest.stix import StixRow, report_from_stix
from tearline.store.schema import Partner
from tearline.store.writer import Writer


def partner_name(writer: Writer, code: str) -> str:
    name = writer.conn.execute(select(Partner.name).where(Partner.code == code)).scalar()
    return str(name or code)


def fragments_from_partner(writer: Writer, stored: Sequence[StixRow],
                           partner_code: str) -> int:
    """File the reports among ``stored`` (just written) as fragments; returns how many new."""
    reports = [orjson.loads(r.json) for r in stored if r.type == "report"]
    if not reports:
        return 0
    name = partner_name(writer, partner_code)
    drafts: list[ReportDraft] = []
    for obj in reports:
        d = report_from_stix(obj, {})
        d.originator = name
        d.source = SourceDraft(
            name=str(obj.get("x_tearline_source") or f"{name} liaison"),
            kind=str(obj.get("x_tearline_source_kind") or "liaison"),
            agency=name, reliability=d.source.reliability)
        drafts.append(d)
    new, _ = writer.add_reports(drafts)
    return new
