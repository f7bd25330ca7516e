"""References to objects the caller may not see: dropped, or the object withheld (finding 10).

The policy judges each object on its own markings, so a TLP:GREEN report may
list a TLP:RED indicator in ``object_refs`` and a relationship may point at a
SECRET one. Sent as stored, such an object tells the caller that the hidden
object exists and what type it is (the id's prefix), and leaves it a
reference it can never resolve. Every path that hands STIX to a caller who
may not see everything (TAXII objects, object, versions, manifest,
``export --as``, ``sync`` push) runs ``prune`` over what it sends, with the
hidden ids found by ``hidden_refs`` in one query per page or batch:

* a reference whose target the caller may not see is removed from its list,
  or an optional single reference is removed;
* an object that cannot stand without it is withheld whole: a relationship
  whose ``source_ref``/``target_ref`` is hidden, a sighting whose
  ``sighting_of_ref`` is, and a report, grouping, note or opinion whose
  ``object_refs`` would be left empty — STIX 2.1 makes ``object_refs``
  required there and forbids empty lists, so an empty list is no valid
  answer, and a made-up reference would be a lie. Observed data keeps an
  emptied ``object_refs`` only if it carries ``objects`` instead.

A reference to an object this store does not hold stays: it says nothing
about the store. References the sharing layer resolves itself — markings
(``share.definitions``) and ``created_by_ref`` (``remark``) — are left to
those. Only top-level properties are looked at; references inside
extensions or cyber-observable sub-objects are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection, Select, String, any_, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from tearline.ingest.stix_hints import RESOLVED_ELSEWHERE, references
from tearline.model.marking import ALL_COMPARTMENTS, CLASSIFICATION_ORDER
from tearline.share.policy import Principal, PrincipalKind
from tearline.share.releases import visible_stix_filter
from tearline.store.db import driver_rows
from tearline.store.schema import StixObject

#: Single references an object cannot stand without, by type.
_REQUIRED_REF = {"relationship": ("source_ref", "target_ref"), "sighting": ("sighting_of_ref",)}
#: Types whose ``object_refs`` STIX requires (so it may not be empty).
_REQUIRED_LIST = frozenset({"report", "grouping", "note", "opinion"})
#: Types that might be withheld: the manifest and versions read their JSON.
WITHHOLDABLE = frozenset({*_REQUIRED_REF, *_REQUIRED_LIST, "observed-data"})


def sees_everything(who: Principal) -> bool:
    """A user cleared to the top with every compartment: no row is hidden from it."""
    return (who.kind is PrincipalKind.USER and who.clearance == CLASSIFICATION_ORDER[-1]
            and ALL_COMPARTMENTS in who.compartments)


def might_refer(text: str) -> bool:
    """Cheap test on JSON text as stored (orjson: no spaces): could ``prune`` change it?

    True when some ``…_ref``/``…_refs`` key other than the creator, the
    markings and granular ``marking_ref`` appears (nested ones and look-alike
    values included, so a few objects are parsed for nothing; none is missed).
    """
    at = text.find("_ref")
    while at >= 0:
        end = at + 5 if text.startswith('s"', at + 4) else at + 4
        if text.startswith('":', end):
            start = text.rfind('"', 0, at) + 1
            if text[start:end] not in _NOT_PRUNED:
                return True
        at = text.find("_ref", at + 4)
    return False


_NOT_PRUNED = frozenset({"created_by_ref", "object_marking_refs", "marking_ref"})


def prune(obj: dict[str, Any], hidden: Set[str]) -> dict[str, Any] | None:
    """``obj`` without references to ``hidden`` ids, or None when it must be withheld.

    Pure; returns ``obj`` itself (not a copy) when nothing names a hidden id.
    """
    if not hidden:
        return obj
    otype = obj.get("type")
    # The required single references first: a relationship or sighting naming a
    # hidden id is withheld on two lookups, without collecting every reference
    # (most of what a partner's page prunes is such relationships).
    for key in _REQUIRED_REF.get(str(otype), ()):
        if isinstance(obj.get(key), str) and obj[key] in hidden:
            return None
    if references(obj).isdisjoint(hidden):
        return obj
    out = dict(obj)
    for key, value in obj.items():
        if key in RESOLVED_ELSEWHERE:
            continue
        if key.endswith("_ref") and isinstance(value, str) and value in hidden:
            del out[key]
        elif key.endswith("_refs") and isinstance(value, list):
            kept = [v for v in value if v not in hidden]
            if len(kept) == len(value):
                continue
            if kept:
                out[key] = kept
            else:
                del out[key]
    if "object_refs" in obj and "object_refs" not in out and (
            otype in _REQUIRED_LIST or (otype == "observed-data" and not out.get("objects"))):
        # No exception for duty-to-warn reports: a warning's own facets are visible
        # with it (``releases``), so only a warning left with nothing it may name
        # is withheld, like any other report.
        return None
    return out


def hidden_refs(conn: Connection, who: Principal, ids: Iterable[str],
                resolvable: Set[str] = frozenset(), *, any_release: bool = True) -> set[str]:
    """Of ``ids``, those this store holds and ``who`` may see no version of.

    One query for all of them. ``resolvable`` are ids
    the caller is served another way (the re-marking identities, allowed
    marking-definitions): never hidden. ``any_release=False`` only when the
    caller read, for this request, that ``who`` holds no live release.
    """
    wanted = sorted(set(ids) - resolvable)
    if not wanted or sees_everything(who):
        return set()
    dialect = conn.dialect.name
    # The ids as one array parameter: an expanding IN of a page's ~1,000
    # relationship endpoints cost more in rendering its parameters than the
    # lookup itself, and only the hidden ids come back (HAVING), not every one.
    # Only SQLite and PostgreSQL are supported (``store.db``).
    value: Any = orjson.dumps(wanted).decode() if dialect == "sqlite" else wanted
    rows = driver_rows(conn, _hidden_statement(who, dialect, any_release), {"ids": value})
    return {oid for oid, in rows}


@lru_cache(maxsize=256)
def _hidden_statement(who: Principal, dialect: str, any_release: bool = True) -> Select[str]:
    """Held ids among the array ``ids`` of which ``who`` may see no version."""
    seen = func.max(case((visible_stix_filter(who, any_release=any_release), 1), else_=0))
    if dialect == "postgresql":
        among = StixObject.id == any_(bindparam("ids", type_=ARRAY(String)))
    else:
        each = func.json_each(bindparam("ids", type_=String)).table_valued("value")
        among = StixObject.id.in_(select(each.c.value))
    return select(StixObject.id).where(among).group_by(StixObject.id).having(seen == 0)


def resolvable_for(who: Principal, allowed_definitions: Iterable[str] = ()) -> frozenset[str]:
    """Ids a caller is served whatever the policy says of their rows (see ``_refs``).

    For a partner: the TLP definitions, the "originator withheld" identity and
    this agency's own (what re-marking points it at), and the marking-definitions
    it may resolve. Local users see identities and definitions by the policy.
    """
    if who.kind is not PrincipalKind.PARTNER:
        return frozenset()
    from tearline.ingest.stix import TLP_MARKINGS
    from tearline.share.remark import WITHHELD_IDENTITY_ID, own_identity_id

    return frozenset({*TLP_MARKINGS, WITHHELD_IDENTITY_ID, own_identity_id(),
                      *allowed_definitions})


def prune_texts(conn: Connection, who: Principal, texts: Sequence[str],
                resolvable: Set[str] = frozenset(),
                visible: Set[str] = frozenset(),
                stored_refs: Sequence[str | None] | None = None, *,
                any_release: bool = True,
                candidates: Sequence[int] | None = None) -> list[str | None]:
    """``prune`` over a page or batch of JSON texts as they are about to be sent.

    One ``hidden_refs`` query for the whole batch; texts that hold no reference
    pass through unparsed, as do texts naming no hidden id. None marks a text
    that must be withheld. Run it on what is sent (after re-marking), so the
    references judged are the ones that would cross. ``visible`` are ids known
    to be visible without asking (those of the page's own rows): a relationship
    between two objects of the same page costs no lookup. ``stored_refs``, when
    given, is each text's ``stix_objects.refs`` (``ingest.stix_hints``), valid only
    for a text sent as stored: "" says it names nothing prunable, a JSON list
    which ids it names, None that the text must be scanned. ``any_release`` as
    for ``hidden_refs``. ``candidates``, with ``stored_refs``, are the only
    texts whose hint may be other than "" (the caller knows the rest name
    nothing): only they are visited.
    """
    if sees_everything(who):
        return list(texts)
    parsed: dict[int, dict[str, Any]] = {}
    named: dict[int, set[str]] = {}
    wanted: set[str] = set()
    todo: Iterable[int] = (candidates if candidates is not None and stored_refs is not None
                           else range(len(texts)))
    for i in todo:
        text = texts[i]
        hint = stored_refs[i] if stored_refs is not None else None
        if hint is not None:
            if hint:
                named[i] = set(orjson.loads(hint))
                wanted |= named[i]
            continue
        found = candidate_refs(text)
        if found is None and might_refer(text):  # the scan cannot vouch for it: parse
            obj = orjson.loads(text)
            refs = references(obj)
            if refs:
                parsed[i] = obj
                wanted |= refs
        elif found:
            named[i] = found
            wanted |= found
    out: list[str | None] = list(texts)
    if not parsed and not named:
        return out
    hidden = hidden_refs(conn, who, wanted - visible, resolvable, any_release=any_release)
    if not hidden:
        return out
    for i, found in named.items():
        if not found.isdisjoint(hidden):
            parsed[i] = orjson.loads(texts[i])
    for i, obj in parsed.items():
        kept = prune(obj, hidden)
        if kept is None:
            out[i] = None
        elif kept is not obj:
            out[i] = orjson.dumps(kept).decode()
    return out


def candidate_refs(text: str) -> set[str] | None:
    """Every id ``prune`` could act on in a stored JSON text, read without parsing it.

    A superset of ``references`` of the parsed object (nested references are
    included), empty when ``might_refer`` is false, or None when the scan
    cannot be sure (an escaped quote near a key or in a value, a list it
    cannot cut out): the caller parses those. Parsing every object with any
    reference (ATT&CK's ``x_mitre_modified_by_ref`` is on all of them) and
    walking its keys cost more than the page's SQL; only an object naming a
    hidden id needs the parse. Relies, as ``might_refer`` does, on compact JSON:
    outside a string ``"`` only opens or closes one, and inside a string every
    ``"`` is escaped, so ``_ref":`` can only be the end of a key.
    """
    out: set[str] = set()
    prunable = False
    at = text.find("_ref")  # the walk ``might_refer`` makes; values read only where needed
    while at >= 0:
        end = at + 5 if text.startswith('s"', at + 4) else at + 4
        if text.startswith('":', end):
            start = text.rfind('"', 0, at) + 1
            if start < 2 or text[start - 2] not in "{,":
                return None  # the quote found is an escaped one inside the key
            key = text[start:end]
            if key not in RESOLVED_ELSEWHERE:
                prunable = prunable or key != "marking_ref"
                value = end + 2
                if text.startswith('"', value):
                    close = text.find('"', value + 1)
                    ident = text[value + 1:close]
                    if close < 0 or "\\" in ident:
                        return None
                    out.add(ident)
                elif text.startswith("[", value):
                    # The first "]" closes the list unless it sits in a string or a
                    # nested list, and then the cut is not valid JSON: parse instead.
                    try:
                        items = orjson.loads(text[value:text.find("]", value) + 1])
                    except orjson.JSONDecodeError:
                        return None
                    out.update(v for v in items if isinstance(v, str))
        at = text.find("_ref", at + 4)
    return out if prunable else set()
