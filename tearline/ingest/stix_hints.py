"""What the read paths would otherwise work out from every stored object on every read.

A TAXII page of 1,000 objects is judged object by object in Python: does the
object name anything a caller might not see (``share.refs``), and does it
need re-marking before it crosses to a partner (``share.remark``)? Both
answers depend only on the object's own text, so they are computed once, when
the object is stored (``ingest.stix.check_object``), and kept beside it in
``stix_objects.refs`` and ``stix_objects.plain``. A read then tests a column
instead of scanning 600 bytes of JSON, and a row whose hints are missing
(``refs`` NULL, ``plain`` false) is simply judged the slow way.

Pure functions over a parsed object or its compact JSON text; nothing here
reads the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["RESOLVED_ELSEWHERE", "crosses_unchanged", "marks_only_tlp", "needs_remark",
           "prunable_refs", "references", "sole_marking"]

#: Reference properties the sharing layer resolves itself (markings, creator), never pruned.
RESOLVED_ELSEWHERE = frozenset({"created_by_ref", "object_marking_refs"})
#: The same two names apart, for ``_names_no_reference`` (unpacking fails if the set changes).
_BY_REF, _MARKING_REFS = sorted(RESOLVED_ELSEWHERE)
_MARKING = "marking-definition--"
_MARKING_ID_LEN = len(_MARKING) + 36


def references(obj: Mapping[str, Any]) -> set[str]:
    """The ids ``obj`` names in top-level ``…_ref``/``…_refs`` properties pruning handles."""
    out: set[str] = set()
    for key, value in obj.items():
        if key in RESOLVED_ELSEWHERE:
            continue
        if key.endswith("_ref") and isinstance(value, str):
            out.add(value)
        elif key.endswith("_refs") and isinstance(value, list):
            out.update(v for v in value if isinstance(v, str))
    return out


def prunable_refs(obj: Mapping[str, Any], text: bytes | None = None) -> str:
    """``references(obj)`` as stored in ``stix_objects.refs``: a sorted JSON list, or "".

    JSON rather than a separator: a reference is any string a sender wrote.
    ``text``, the object's compact JSON when the caller has it, lets most objects
    skip the walk over their properties (``_names_no_reference``).
    """
    if text is not None and _names_no_reference(obj, text):
        return ""
    refs = references(obj)
    return orjson.dumps(sorted(refs)).decode() if refs else ""


def _names_no_reference(obj: Mapping[str, Any], text: bytes) -> bool:
    """True when no top-level property but those resolved elsewhere can end in ``_ref(s)``.

    Every such property's name is in ``text`` with its "_ref", so when the text
    holds no more "_ref" than the names in ``RESOLVED_ELSEWHERE`` (one each)
    account for, ``references(obj)`` is empty. An extra "_ref" anywhere (a
    value, a nested key) only sends the object the slow way.
    """
    return text.count(b"_ref") == (_BY_REF in obj) + (_MARKING_REFS in obj)


def needs_remark(text: str) -> bool:
    """Cheap test on stored JSON text: could anything in it be for this agency only?"""
    return ('"x_tearline_' in text or '"created_by_ref"' in text
            or text.count(_MARKING) > 1)


def crosses_unchanged(text: str, tlp_markings: Mapping[str, str]) -> bool:
    """Whether a partner is sent ``text`` exactly as stored (unless it is a report whose
    prose holds a protected value, which the read checks apart).

    True when nothing needs re-marking and the one marking-definition it names,
    if any, is a TLP one: then ``share.remark.outgoing_text`` hands the text
    back untouched, and the stored flag lets a page skip both text scans.
    ``tlp_markings`` is ``ingest.stix.TLP_MARKINGS`` (passed in: that module
    imports this one).
    """
    return not needs_remark(text) and marks_only_tlp(text, tlp_markings)


def marks_only_tlp(text: str, tlp_markings: Mapping[str, str]) -> bool:
    """The second half of ``crosses_unchanged``, for a caller that has already found
    ``needs_remark`` false: the one marking-definition ``text`` names, if any, is TLP."""
    at = text.find(_MARKING)
    return at < 0 or text[at:at + _MARKING_ID_LEN] in tlp_markings


def sole_marking(text: str) -> str | None:
    """The one marking-definition id ``text`` names anywhere; "" when it names none,
    None when it names several (or the same one twice)."""
    at = text.find(_MARKING)
    if at < 0:
        return ""
    if text.find(_MARKING, at + 1) >= 0:
        return None
    return text[at:at + _MARKING_ID_LEN]
