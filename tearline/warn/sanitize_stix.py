"""The sanitizer applied to any STIX object that crosses to a partner.

``sanitize.sanitize`` writes a warning from facets; most of what a partner
receives, though, is stored objects (released reports, liaison notes,
indicators) served over TAXII, exported with ``export --as`` or pushed by
``sync``. ``sanitize_for_partner`` is the one function that turns such an
object into the form that leaves, so a rule added here holds on every path:

1. *Re-marking* (issue 9, finding 4): our internal properties go (which
   source, of what kind, our classification, need-to-know caveats); the REL TO
   list becomes the receiving partner alone; several TLP markings become one,
   the most restrictive; an originator other than this agency is replaced by a
   neutral "originator withheld" identity unless the tier may learn it.
2. *The guard* of ``sanitize``: every readable string (names, descriptions,
   labels, patterns, notes; not ids, times and enumerations) is searched for
   each sensitive value (protected fields, source designators, internal ids,
   originators the tier may not learn) with case, spacing, punctuation and URL
   escapes ignored, and every hit is cut, with a ``Removal`` saying what kind
   of value it was.

Pure and cheap when nothing matches: an object without any of these
properties comes back equal to the input.
"""

from __future__ import annotations

from typing import Any

from tearline.ingest.stix import TLP_IDS_V2, TLP_MARKINGS
from tearline.warn.sanitize import Removal, Sensitive, guard, needles_for

__all__ = ["INTERNAL_PROPERTIES", "MACHINE_PROPERTIES", "sanitize_for_partner"]

#: Properties that describe our own collection and never cross to a partner.
INTERNAL_PROPERTIES = ("x_tearline_source", "x_tearline_source_kind",
                       "x_tearline_classification", "x_tearline_caveats")
#: Machine-made properties: ids, references, times and enumerations. They carry
#: no prose, and cutting inside them would only break the object.
#: ``x_tearline_external_id`` is the reference the originator gave the report
#: for its readers (a receiving agency files and corrects by it), so it crosses.
MACHINE_PROPERTIES = frozenset({
    "id", "type", "spec_version", "created", "modified", "published", "valid_from",
    "valid_until", "first_seen", "last_seen", "created_by_ref", "object_refs",
    "object_marking_refs", "source_ref", "target_ref", "sighting_of_ref", "where_sighted_refs",
    "observed_data_refs", "sample_refs", "granular_markings", "selectors", "marking_ref",
    "extensions", "extension_type", "extension_types", "extension_properties", "schema",
    "version", "lang", "revoked", "confidence", "identity_class", "report_types",
    "threat_actor_types", "indicator_types", "malware_types", "tool_types",
    "relationship_type", "pattern_type", "pattern_version", "definition_type",
    "x_tearline_external_id", "x_tearline_releasability", "x_tearline_category",
    "x_tearline_reliability", "x_tearline_credibility", "hashes", "external_id",
})
_TLP_RANK = ("clear", "green", "amber", "amber+strict", "red")


def _remark(obj: dict[str, Any], partner_code: str, own_identity_id: str,
            withheld_identity_id: str, originator_allowed: bool,
            removals: list[Removal]) -> dict[str, Any]:
    out = dict(obj)
    for key in INTERNAL_PROPERTIES:
        if key in out:
            del out[key]
            removals.append(Removal("internal", key, "", "internal property of our own "
                                    "collection"))
    if "x_tearline_releasability" in out:
        out["x_tearline_releasability"] = [partner_code]
    refs = out.get("object_marking_refs")
    if isinstance(refs, list) and refs:
        # One lookup per marking, no generator: this runs for every re-marked row
        # of a partner's TAXII page (session 8 profile).
        levels: list[str] = []
        for ref in refs:
            level = TLP_MARKINGS.get(ref) if isinstance(ref, str) else None
            if level is None:
                break  # a marking the policy reads elsewhere: left as it is
            levels.append(level)
        else:
            top = levels[0] if len(levels) == 1 else max(levels, key=_TLP_RANK.index)
            out["object_marking_refs"] = [TLP_IDS_V2[top]]
    creator = out.get("created_by_ref")
    if isinstance(creator, str) and creator != own_identity_id and not originator_allowed:
        out["created_by_ref"] = withheld_identity_id
        if isinstance(out.get("object_refs"), list):
            out["object_refs"] = [withheld_identity_id if r == creator else r
                                  for r in out["object_refs"]]
        removals.append(Removal("originator", "created_by_ref", "originator withheld",
                                "originator identity not released to this partner"))
    return out


def _guarded(node: Any, key: str, needles: list[tuple[str, str]],
             removals: list[Removal]) -> Any:
    if key in MACHINE_PROPERTIES:
        return node
    if isinstance(node, dict):
        return {k: _guarded(v, k, needles, removals) for k, v in node.items()}
    if isinstance(node, list):
        return [_guarded(v, key, needles, removals) for v in node]
    if isinstance(node, str):
        return guard(node, needles, removals, f"property {key or 'value'}")
    return node


def sanitize_for_partner(obj: dict[str, Any], partner_code: str, sensitive: Sensitive, *,
                         own_identity_id: str, withheld_identity_id: str,
                         originator_allowed: bool = False
                         ) -> tuple[dict[str, Any], list[Removal]]:
    """``obj`` in the form that may reach ``partner_code``, and what was removed from it.

    The object's own ``x_tearline_source`` is always a source designator to
    cut from its prose (an outlet's name is public, but ``x_tearline_source_kind``
    says so: "osint" sources are not hidden). ``sensitive`` adds what the
    caller gathered from the store (protected fields, other ids, originators).
    """
    removals: list[Removal] = []
    own_source = obj.get("x_tearline_source")
    if isinstance(own_source, str) and own_source and obj.get("x_tearline_source_kind") \
            != "osint":
        sensitive = Sensitive(sensitive.protected, (*sensitive.source_names, own_source),
                              sensitive.internal_ids, sensitive.originators)
    out = _remark(obj, partner_code, own_identity_id, withheld_identity_id,
                  originator_allowed, removals)
    needles = needles_for(sensitive, originator_allowed)
    if needles:
        out = _guarded(out, "", needles, removals)
    return out, removals
