"""Explicit releases, and the markings the policy function reads from stored rows.

A release is an approver's recorded decision that one object may go to one
partner. It is the only way a selective partner sees anything, and — for an
object that is a duty-to-warn warning — the only way a warning-only partner
does. Releases are appended; revoking sets ``revoked_at`` and is audited, the
row stays.

The duty-to-warn workflow plugs in here: it stores its case in ``warnings``
(the id it releases is the case id, or the id of the STIX object it renders
the warning as, which it gives the same id) and calls ``record_release``. An
object is a *warning* when a ``warnings`` row has its id, or when it is a
report whose category is ``warning``.

A warning's *facets* — the threat-actor and location objects ``warn.stix``
makes for it, stored with the sender ``warn.stix.facet_sender(case id)`` — are
judged as part of it: released to whom the warning is, revoked with it, and a
warning to the policy while their case is one. Only that stored mark makes a
facet; an object the warning report merely refers to stays judged on its own,
so referring to it from a warning cannot open it to anyone.

``marking_for_*`` build the policy's ``Marking`` from rows; ``visible_stix_filter``
is the same thing as a SQL condition over ``stix_objects`` for large collections
(TAXII, export), built on ``policy.sql_visibility`` so the rules stay in one place.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from tearline.errors import ConfigError, PolicyError
from tearline.security.audit import record_now
from tearline.share.policy import (
    CLASSIFICATION_ORDER,
    TLP_ORDER,
    Marking,
    Principal,
    PrincipalKind,
    Tier,
    parse_rel_to,
    sql_visibility,
)
from tearline.store.fixed import FixedStatement
from tearline.store.schema import Partner, Release, Report, StixObject, Thread, User, Warning
from tearline.warn.stix import FACET_SENDER_PREFIX


@dataclass
class ReleaseIndex:
    """Active releases and warning ids, loaded once per request to mark many rows."""

    released: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    warnings: set[str] = field(default_factory=set)

    def released_to(self, *object_ids: str | None) -> frozenset[str]:
        codes: set[str] = set()
        for oid in object_ids:
            if oid:
                codes |= self.released.get(oid, set())
        return frozenset(codes)


def load_index(conn: Connection, object_ids: Iterable[str] | None = None) -> ReleaseIndex:
    """Active releases (optionally only for some objects) and the ids that are warnings."""
    index = ReleaseIndex()
    q = select(Release.object_id, Release.partner_code).where(Release.revoked_at.is_(None))
    wq = select(Warning.id)
    if object_ids is not None:
        ids = list(set(object_ids))
        q = q.where(Release.object_id.in_(ids))
        wq = wq.where(Warning.id.in_(ids))
    for oid, code in conn.execute(q):
        index.released[oid].add(code)
    index.warnings = set(conn.execute(wq).scalars())
    # A report filed as a warning is one too, under its own id and its STIX id.
    rq = select(Report.id, Report.stix_id).where(Report.category == "warning")
    # Two lookups, not one ``id IN … OR stix_id IN …``: PostgreSQL plans that OR
    # as a scan of every report (63 ms at 100k), each half alone as an index probe.
    queries = [rq] if object_ids is None else [rq.where(Report.id.in_(ids)),
                                               rq.where(Report.stix_id.in_(ids))]
    for query in queries:
        for rid, sid in conn.execute(query):
            index.warnings.update(i for i in (rid, sid) if i)
    return index


# -- markings from rows ----------------------------------------------------------
def marking_for_report(r: Report | Any, index: ReleaseIndex) -> Marking:
    """A stored report's marking; releases may name its id or the STIX id it came as.

    ``r`` is a ``Report`` or any row carrying its marking columns (``id``,
    ``stix_id``, ``tlp``, ``classification``, ``releasability``, ``caveats``,
    ``category``), such as a joined query's row.
    """
    return Marking(
        tlp=r.tlp, classification=r.classification,
        releasability=frozenset(r.releasability or ()), caveats=frozenset(r.caveats or ()),
        released_to=index.released_to(r.id, r.stix_id),
        is_warning=r.category == "warning" or r.id in index.warnings
        or (r.stix_id or "") in index.warnings,
    )


def facet_of(sender: str | None) -> str | None:
    """The case id a stored row is a facet of (from its ``sender``), or None."""
    if sender and sender.startswith(FACET_SENDER_PREFIX):
        return sender[len(FACET_SENDER_PREFIX):] or None
    return None


def marking_for_stix_row(row: Any, index: ReleaseIndex) -> Marking:
    """A stored STIX object's marking, from the columns lifted at ingest.

    A warning's facet (``sender`` column, see the module docstring) also takes
    its warning's releases and warning-ness, so ``index`` must hold that
    warning's id; a row without a ``sender`` column is judged as no facet.
    """
    case = facet_of(getattr(row, "sender", None))
    return Marking(
        tlp=row.tlp, classification=row.classification,
        releasability=parse_rel_to(row.rel_to),
        caveats=parse_rel_to(getattr(row, "compartments", "")),
        released_to=index.released_to(row.id, case),
        is_warning=row.id in index.warnings or (case is not None and case in index.warnings),
    )


def marking_for_warning(w: Any, index: ReleaseIndex) -> Marking:
    """A duty-to-warn case: always a warning; markings from its payload (AMBER if none)."""
    p = w.payload or {}
    return Marking(
        tlp=p.get("tlp"), classification=p.get("classification"),
        releasability=frozenset(p.get("releasability") or ()),
        caveats=frozenset(p.get("caveats") or ()),
        released_to=index.released_to(w.id), is_warning=True,
    )


def combine_markings(markings: Iterable[Marking], released_to: frozenset[str] = frozenset(),
                     is_warning: bool = False) -> Marking:
    """The marking of something derived from several objects (a thread, a summary).

    The most restrictive of each part: highest TLP and classification, REL TO
    only the partners every part names, every compartment any part needs. So a
    derived product is never visible to anyone who could not see all its parts,
    unless an approver released the product itself (``released_to``).
    """
    parts = list(markings)
    if not parts:
        return Marking(tlp=None, released_to=released_to, is_warning=is_warning)

    def worst(order: tuple[str, ...], values: list[str | None], default: str) -> str:
        ranks = [order.index(v) if v in order else len(order) for v in
                 (default if v is None else v for v in values)]
        top = max(ranks)
        return order[top] if top < len(order) else "unknown"

    rel = frozenset.intersection(*(m.releasability for m in parts))
    return Marking(
        tlp=worst(TLP_ORDER, [m.tlp for m in parts], "amber"),
        classification=worst(CLASSIFICATION_ORDER, [m.classification for m in parts],
                             "UNCLASSIFIED"),
        releasability=rel, caveats=frozenset().union(*(m.caveats for m in parts)),
        released_to=released_to, is_warning=is_warning,
    )


# -- the SQL twin for stored STIX objects ------------------------------------------
def visible_stix_filter(principal: Principal, obj: Any = StixObject, *,
                        any_release: bool = True) -> ColumnElement[bool]:
    """A WHERE condition on ``stix_objects`` selecting what ``principal`` may see.

    Equivalent, row for row, to ``decide(principal, marking_for_stix_row(row, …))``
    (tested on SQLite and PostgreSQL). Use it for TAXII and exports; ``obj`` may
    be an alias of ``StixObject`` (to ask, say, whether a *visible* newer version
    exists).

    ``any_release=False`` says the caller has just read (``has_live_release``)
    that this partner holds no live release at all: the release EXISTS terms
    then cannot match any row, and are left out. A partner's hidden rows paid
    two index probes each for them, a quarter of a TAXII page's SQL.
    """
    if principal.kind is PrincipalKind.USER or not any_release:
        return sql_visibility(principal, tlp=obj.tlp, classification=obj.classification,
                              rel_to=obj.rel_to, compartments=obj.compartments)
    released: ColumnElement[bool] = exists().where(Release.object_id == obj.id,
                                                   Release.partner_code == principal.id,
                                                   Release.revoked_at.is_(None))
    is_warning = _is_warning_sql(obj.id)
    # A facet (sender "warning:<case id>") is released, and a warning, with its case.
    # ``substr`` compares exactly on both engines; LIKE would fold case on SQLite.
    start = len(FACET_SENDER_PREFIX)
    is_facet = and_(func.substr(obj.sender, 1, start) == FACET_SENDER_PREFIX,
                    func.length(obj.sender) > start)
    case_id = func.substr(obj.sender, start + 1)
    released = or_(released, and_(is_facet, exists().where(
        Release.object_id == case_id, Release.partner_code == principal.id,
        Release.revoked_at.is_(None))))
    is_warning = or_(is_warning, and_(is_facet, _is_warning_sql(case_id)))
    return sql_visibility(principal, tlp=obj.tlp, classification=obj.classification,
                          rel_to=obj.rel_to, released=released, is_warning=is_warning,
                          compartments=obj.compartments)


def has_live_release(conn: Connection, principal: Principal) -> bool:
    """Whether any unrevoked release names this partner (users: always True).

    One read on the ``partner_code`` index, stopping at the first live row; it
    decides whether ``visible_stix_filter`` needs its release terms for this
    request (``any_release``). Read per request, never cached: a release or a
    revocation applies on the next request.
    """
    if principal.kind is not PrincipalKind.PARTNER:
        return True
    return _live_release().first(conn, {"code": principal.id}) is not None


@functools.cache
def _live_release() -> FixedStatement:
    """Built and compiled once: building it per page cost more than the indexed
    read it makes (``store.fixed``)."""
    return FixedStatement(
        select(Release.id)
        .where(Release.partner_code == bindparam("code"), Release.revoked_at.is_(None))
        .limit(1))


def _is_warning_sql(oid: Any) -> ColumnElement[bool]:
    """``oid in load_index(...).warnings`` as SQL: a case, or a report filed as a warning."""
    return or_(exists().where(Warning.id == oid),
               exists().where(or_(Report.id == oid, Report.stix_id == oid),
                              Report.category == "warning"))


# -- recording and revoking ------------------------------------------------------------
def resolve_object(conn: Connection, object_id: str) -> tuple[str, str, bool]:
    """(canonical id, kind, is a warning) for a report, STIX object, warning or thread."""
    r = conn.execute(select(Report.id, Report.category).where(
        or_(Report.id == object_id, Report.external_id == object_id))).first()
    if r is not None:
        is_warn = r.category == "warning" or bool(
            conn.execute(select(Warning.id).where(Warning.id == r.id)).scalar())
        return r.id, "report", is_warn
    if conn.execute(select(Warning.id).where(Warning.id == object_id)).scalar():
        return object_id, "warning", True
    if conn.execute(select(StixObject.id).where(StixObject.id == object_id).limit(1)).scalar():
        return object_id, "stix", False
    if conn.execute(select(Thread.id).where(Thread.id == object_id)).scalar():
        return object_id, "thread", False
    if object_id.startswith("thread--"):  # the public id interfaces show (security.instance)
        from tearline.security.instance import internal_thread_id

        internal = internal_thread_id(conn, object_id)
        if internal is not None:
            return internal, "thread", False
    raise ConfigError(f"no report, STIX object, warning or thread has id {object_id!r}")


def _check_approver(conn: Connection, approver: str) -> None:
    row = conn.execute(select(User.roles, User.disabled_at)
                       .where(User.username == approver)).first()
    if row is None or row.disabled_at is not None:
        raise PolicyError(f"approver {approver!r} is not an enabled local user; "
                          "add one with `tearline users add --role approver`")
    if "approver" not in (row.roles or []):
        raise PolicyError(f"user {approver!r} lacks the 'approver' role needed to release")


def record_release(conn: Connection, object_id: str, partner_code: str, *, approved_by: str,
                   reason: str | None = None,
                   originator_consent: str | None = None) -> dict[str, Any]:
    """Release one object to one partner on an approver's authority; audited, idempotent.

    Refuses a non-warning to a warning-only partner: the policy would never let
    it through, and recording it anyway would misstate what was shared. Refuses
    what the approver may not read, and what would widen a partner originator's
    releasability without ``originator_consent`` (``release_checks``).
    """
    from tearline.share.release_checks import check_approver_may_read, check_originator

    _check_approver(conn, approved_by)
    tier = conn.execute(select(Partner.tier).where(Partner.code == partner_code)).scalar()
    if tier is None:
        raise ConfigError(f"no partner with code {partner_code!r}; list them with "
                          "`tearline partners list`")
    oid, kind, is_warn = resolve_object(conn, object_id)
    check_approver_may_read(conn, approved_by, oid, kind, object_id)
    if tier == Tier.WARNING_ONLY.value and not is_warn:
        raise PolicyError(f"{partner_code} is a warning-only partner and {oid!r} is not a "
                          "duty-to-warn warning; release the warning case instead")
    check_originator(conn, oid, kind, partner_code, originator_consent)
    active = conn.execute(select(Release).where(
        Release.object_id == oid, Release.partner_code == partner_code,
        Release.revoked_at.is_(None))).first()
    if active is not None:
        return release_to_dict(active)
    now = datetime.now(UTC)
    rid = conn.execute(insert(Release).values(
        object_id=oid, partner_code=partner_code, approved_by=approved_by, at=now,
        revoked_at=None)).inserted_primary_key
    new_id = rid[0] if rid else None
    record_now(conn, approved_by, "release.create", kind, oid, partner=partner_code,
               reason=reason, release_id=new_id, originator_consent=originator_consent)
    row = conn.execute(select(Release).where(Release.id == new_id)).one()
    return release_to_dict(row)


def revoke_release(conn: Connection, release_id: int, *, actor: str,
                   reason: str | None = None) -> dict[str, Any]:
    """Withdraw a release from now on (what was already sent stays sent); audited."""
    row = conn.execute(select(Release).where(Release.id == release_id)).first()
    if row is None:
        raise ConfigError(f"no release with id {release_id!r}")
    if row.revoked_at is None:
        conn.execute(update(Release).where(Release.id == release_id)
                     .values(revoked_at=datetime.now(UTC)))
        record_now(conn, actor, "release.revoke", "release", str(release_id),
                   object=row.object_id, partner=row.partner_code, reason=reason)
        row = conn.execute(select(Release).where(Release.id == release_id)).first()
    return release_to_dict(row)


def list_releases(conn: Connection, *, object_id: str | None = None,
                  partner_code: str | None = None, active: bool = True,
                  release_id: int | None = None) -> list[dict[str, Any]]:
    """Releases, newest last; ``active=False`` includes revoked ones."""
    q = select(Release).order_by(Release.id)
    cond = and_(
        Release.id == release_id if release_id is not None else true(),
        Release.object_id == object_id if object_id else true(),
        Release.partner_code == partner_code if partner_code else true(),
        Release.revoked_at.is_(None) if active else true(),
    )
    return [release_to_dict(r) for r in conn.execute(q.where(cond))]


def release_to_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "object_id": row.object_id, "partner": row.partner_code,
            "approved_by": row.approved_by, "at": row.at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}
