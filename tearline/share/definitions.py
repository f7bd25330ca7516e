"""Marking-definitions that travel with what a partner receives: no dangling references.

Objects carry ``object_marking_refs`` and ``granular_markings`` that name
marking-definitions. TLP definitions are standard and always go along
(``stix_export.tlp_definition_for_id``). Any other definition — a copyright
statement (ATT&CK, the OASIS examples), a partner's own handling scheme — is
a stored object with markings of its own. The policy keeps unknown
definitions meaning "deny" (such an object reaches a partner only by an
approver's release), but once an object does cross, every definition it
names must resolve at the partner, or STIX consumers break.

So, for a partner, each non-TLP reference on an object it receives is either

* **kept**, when this store holds the definition and the partner may see it:
  the policy allows the definition's own marking, or the definition carries
  no marking at all (a statement that travels with what it marks); the
  definition itself then goes along (in the bundle, the push, or from
  ``GET objects/{id}/``), or
* **dropped with a reason**, when the definition is not held here or is
  marked beyond the partner. A marking the partner cannot read is not simply
  removed — that would hand over an object with fewer restrictions than it
  had — so the object's TLP becomes RED, the rule ingest applies to a
  marking it cannot interpret. The reason goes to the audit record of the
  read, export or push.

The TLP references that remain are one marking-definition, the most
restrictive level, as ``remark`` does for objects marked by TLP alone.
Local users get stored objects unchanged: nothing here applies to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection, and_, case, literal, or_, select

from tearline.ingest.stix import TLP_IDS_V2, TLP_MARKINGS
from tearline.share.policy import Principal
from tearline.share.releases import visible_stix_filter
from tearline.store.fixed import FixedStatement
from tearline.store.schema import StixObject

_PREFIX = "marking-definition--"
_ID_LEN = len(_PREFIX) + 36
_ORDER = ("clear", "green", "amber", "amber+strict", "red")


@dataclass
class Resolved:
    """What resolving one object's marking references did."""

    text: str
    #: Non-TLP definitions the object still names (to ship along with it).
    kept: set[str] = field(default_factory=set)
    #: Dropped references and why (for the audit record).
    dropped: dict[str, str] = field(default_factory=dict)


@dataclass
class Definitions:
    """The stored non-TLP marking-definitions, as one partner may resolve them."""

    #: Those the partner may receive: id → JSON text of the newest version.
    allowed: dict[str, str] = field(default_factory=dict)
    #: Every stored one (to tell "withheld" from "not held" in a reason).
    held: set[str] = field(default_factory=set)


def partner_definitions(conn: Connection, who: Principal, *,
                        any_release: bool = True) -> Definitions:
    """The stored non-TLP marking-definitions and which of them ``who`` may receive.

    See the module docstring: the policy allows the definition's own marking,
    or the definition carries none. One indexed query (by type) per request.
    ``any_release=False`` only when the caller read, for this request, that the
    partner holds no live release (``releases.has_live_release``).
    """
    rows = _statement(who, any_release).rows(conn)
    out = Definitions()
    for oid, text, allowed in rows:  # ordered by version: the newest one wins
        out.held.add(oid)
        if allowed:
            out.allowed[oid] = text
        else:
            out.allowed.pop(oid, None)
    return out


@lru_cache(maxsize=256)
def _statement(who: Principal, any_release: bool = True) -> FixedStatement:
    """Built once per caller: building the policy condition costs more than running it."""
    unmarked = and_(StixObject.tlp.is_(None), StixObject.rel_to == "",
                    or_(StixObject.classification.is_(None),
                        StixObject.classification == "UNCLASSIFIED"),
                    StixObject.compartments == "")
    ok = or_(visible_stix_filter(who, any_release=any_release), unmarked)
    return FixedStatement(
        select(StixObject.id, StixObject.json, case((ok, True), else_=False))
        .where(StixObject.type == "marking-definition",
               # constants as plain parameters: no SQL re-rendering per request
               StixObject.id.not_in([literal(m) for m in sorted(TLP_MARKINGS)]))
        .order_by(StixObject.id, StixObject.version_key))


def names_other_definitions(text: str) -> bool:
    """Cheap test on JSON text: does it name a non-TLP marking-definition (not itself)?"""
    start = text.find(_PREFIX)
    own = None
    if text.startswith('{"type":"marking-definition"'):
        at = text.find('"id":"')
        own = text[at + 6:at + 6 + _ID_LEN] if at >= 0 else None
    while start >= 0:
        mid = text[start:start + _ID_LEN]
        if mid not in TLP_MARKINGS and mid != own:
            return True
        start = text.find(_PREFIX, start + _ID_LEN)
    return False


def _reason(mid: str, held: bool, partner: str) -> str:
    if held:
        return (f"{mid} is marked beyond what {partner} may see; the object is sent as "
                "TLP:RED in its place")
    return (f"{mid} is not held here, so {partner} could not resolve it; the object is "
            "sent as TLP:RED in its place")


def resolve(text: str, partner: str, defs: Definitions) -> Resolved:
    """``text`` (already re-marked for ``partner``) with every marking reference resolvable.

    ``defs`` is ``partner_definitions`` for the partner.
    """
    if not names_other_definitions(text):
        return Resolved(text)
    definitions, stored = defs.allowed, defs.held
    obj: dict[str, Any] = orjson.loads(text)
    out = Resolved(text)
    refs = obj.get("object_marking_refs")
    tlp: list[str] = []
    if isinstance(refs, list):
        others = []
        for ref in refs:
            if ref in TLP_MARKINGS:
                tlp.append(TLP_MARKINGS[ref])
            elif isinstance(ref, str) and ref in definitions:
                others.append(ref)
                out.kept.add(ref)
            else:
                out.dropped[str(ref)] = _reason(str(ref), ref in stored, partner)
    granular = obj.get("granular_markings")
    if isinstance(granular, list):
        keep_g = []
        for g in granular:
            ref = g.get("marking_ref") if isinstance(g, dict) else None
            if ref is None or ref in TLP_MARKINGS or ref in definitions:
                keep_g.append(g)
                if ref in definitions:
                    out.kept.add(ref)
            else:
                out.dropped[str(ref)] = _reason(str(ref), ref in stored, partner)
        if keep_g:
            obj["granular_markings"] = keep_g
        else:
            obj.pop("granular_markings", None)
    if out.dropped:
        tlp.append("red")
    if isinstance(refs, list) or out.dropped:
        level = [TLP_IDS_V2[max(tlp, key=_ORDER.index)]] if tlp else []
        marks = level + sorted(out.kept & set(refs if isinstance(refs, list) else ()))
        if marks:
            obj["object_marking_refs"] = marks
        else:
            obj.pop("object_marking_refs", None)
    out.text = orjson.dumps(obj).decode()
    return out


def references_of(obj: Mapping[str, Any]) -> set[str]:
    """The marking-definitions and creator identity an object points at."""
    refs = {r for r in obj.get("object_marking_refs") or () if isinstance(r, str)}
    refs |= {g["marking_ref"] for g in obj.get("granular_markings") or ()
             if isinstance(g, dict) and isinstance(g.get("marking_ref"), str)}
    creator = obj.get("created_by_ref")
    if isinstance(creator, str):
        refs.add(creator)
    return refs
