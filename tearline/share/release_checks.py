"""What must hold before an approver's release is recorded (issue 9, finding 3).

A release opens an object to a partner the policy would otherwise refuse, so
it is the one place a leak can be *authorised*. Two rules keep it honest:

* **The approver must be able to read it.** The approver's own principal is
  put through ``policy.decide`` against the object's marking (every stored
  version of a STIX object; every member of a thread). An approver who may
  not see it gets the same "no such object" answer as for an id that does not
  exist, so a release attempt cannot probe for hidden objects.
* **A release may not widen the originator's releasability.** Intelligence a
  partner gave us carries the originator's REL TO list. Passing it to a party
  that list does not name needs the originator's consent, recorded with the
  release (``originator_consent``: who agreed and how); without it the
  release is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from tearline import settings
from tearline.errors import ConfigError, PolicyError
from tearline.security.credentials import principal_for_user
from tearline.share.policy import Marking, Principal, decide, parse_rel_to
from tearline.share.releases import (
    ReleaseIndex,
    combine_markings,
    load_index,
    marking_for_report,
    marking_for_stix_row,
    marking_for_warning,
)
from tearline.store.schema import Report, StixObject, ThreadMember, Warning


def _markings(conn: Connection, oid: str, kind: str,
              index: ReleaseIndex | None = None) -> list[Marking]:
    index = index or load_index(conn)
    rows: Any
    if kind == "report":
        rows = conn.execute(select(Report.__table__).where(Report.id == oid)).all()
        return [marking_for_report(r, index) for r in rows]
    if kind == "warning":
        rows = conn.execute(select(Warning.__table__).where(Warning.id == oid)).all()
        return [marking_for_warning(w, index) for w in rows]
    if kind == "stix":
        rows = conn.execute(select(StixObject.__table__).where(StixObject.id == oid)).all()
        return [marking_for_stix_row(r, index) for r in rows]
    rows = conn.execute(
        select(Report.__table__).join(ThreadMember, ThreadMember.report_id == Report.id)
        .where(ThreadMember.thread_id == oid)).all()
    return [combine_markings(marking_for_report(r, index) for r in rows)]


def check_approver_may_read(conn: Connection, approver: str, oid: str, kind: str,
                            asked_for: str) -> None:
    """Refuse, as "not found", a release of anything the approver may not read."""
    who = principal_for_user(conn, approver)
    if who is None or not _readable(who, _markings(conn, oid, kind)):
        raise ConfigError(f"no report, STIX object, warning or thread has id {asked_for!r}")


def _readable(who: Principal, markings: list[Marking]) -> bool:
    return bool(markings) and all(decide(who, m) for m in markings)


def may_read_released(conn: Connection, who: Principal, oid: str,
                      index: ReleaseIndex | None = None) -> bool:
    """Whether ``who`` may read the object a stored release names (its canonical id).

    The release list shows an approver only these: a release row names the
    object and the partner it went to, which is itself something about the
    object. The same ``decide`` as recording a release, so the list never
    shows what the approver could not have released. Pass one ``index`` for a
    whole list (loading it is a read of every release).
    """
    from tearline.share.releases import resolve_object

    try:
        canonical, kind, _ = resolve_object(conn, oid)
    except ConfigError:
        return False  # an object since deleted: nothing to judge, so nothing shown
    return _readable(who, _markings(conn, canonical, kind, index))


def originator_limits(conn: Connection, oid: str, kind: str) -> tuple[str, frozenset[str]] | None:
    """(originator, the codes its REL TO names) when a partner originated ``oid``, else None."""
    if kind == "report":
        r = conn.execute(select(Report.originator, Report.releasability)
                         .where(Report.id == oid)).first()
        if r is not None and r.originator != settings.OWNER_AGENCY and r.releasability:
            return r.originator, frozenset(r.releasability)
        return None
    if kind == "stix":
        rows = conn.execute(select(StixObject.sender, StixObject.rel_to)
                            .where(StixObject.id == oid)).all()
        senders = {s for s, _ in rows if s.startswith("partner:")}
        if senders:
            named = frozenset.intersection(*(parse_rel_to(rel) for _, rel in rows))
            return sorted(senders)[0].removeprefix("partner:"), named
    return None


def check_originator(conn: Connection, oid: str, kind: str, partner_code: str,
                     consent: str | None) -> None:
    """Refuse a release that names a party the originator's REL TO does not, unless consented."""
    limits = originator_limits(conn, oid, kind)
    if limits is None:
        return
    originator, named = limits
    if partner_code in named or partner_code == originator:
        return
    if consent and consent.strip():
        return
    raise PolicyError(
        f"{oid!r} came from {originator!r}, whose releasability names "
        f"{sorted(named) or 'no one else'}, not {partner_code}; record the originator's "
        "consent with the release (originator_consent: who agreed, when, how) or do not "
        "release it")
