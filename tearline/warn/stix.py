"""A sanitized warning as a STIX 2.1 bundle: report, actor, place, sender, markings.

Only the sanitizer's releasable output goes in (``SanitizedWarning.releasable``):
no fragment text, no source, no originator. The report's id is the case id,
which is what makes it a duty-to-warn warning to the sharing policy, so a
warning-only partner to whom it is released can fetch it over TAXII. REL TO
is carried as ``x_tearline_releasability``, declared by an extension
definition so validators know the property.

The threat-actor and location objects the report refers to are its *facets*:
made here, for this warning only, from the sanitized facets. They carry the
report's markings (TLP and REL TO), and ``deliver`` stores them with the
sender ``facet_sender(case_id)``, which is how the sharing policy knows them
as part of that warning: they follow its releases and revocations. The mark
is on the stored row, never in the STIX content, so no ingested or pushed
object can claim it; an object the report merely names is not a facet.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tearline.ingest.stix import TLP_IDS_V2

__all__ = ["EXTENSION_ID", "FACET_SENDER_PREFIX", "facet_ids", "facet_sender", "stable_uuid4",
           "warning_bundle"]

_NS = uuid.UUID("b7e3f1c2-5a94-4d0e-8c61-2f9a7d3e4b15")
EXTENSION_ID = "extension-definition--7c1f0d3a-2b6e-4f8a-9d45-e0b1c2a3f4d5"
_TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: ``stix_objects.sender`` of a warning's facet rows is this prefix and the case id.
FACET_SENDER_PREFIX = "warning:"


def facet_sender(case_id: str) -> str:
    """The stored sender that marks a row as a facet of warning ``case_id``."""
    return f"{FACET_SENDER_PREFIX}{case_id}"


def facet_ids(bundle: dict[str, Any]) -> set[str]:
    """Ids of the facets in a ``warning_bundle``: what its report refers to, bar the sender.

    Only objects the bundle itself carries count; when there are no facets
    the report refers to its sender's identity, which is not one.
    """
    objects = bundle.get("objects") or []
    reports = [o for o in objects if o.get("type") == "report"]
    carried = {o["id"] for o in objects if o.get("type") != "identity"}
    return {ref for r in reports for ref in r.get("object_refs") or [] if ref in carried}


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def stable_uuid4(*parts: str) -> uuid.UUID:
    """A deterministic id with the UUIDv4 layout STIX asks of SDOs (hash bits, version 4)."""
    return uuid.UUID(bytes=uuid.uuid5(_NS, "|".join(parts)).bytes, version=4)


def _sid(kind: str, *parts: str) -> str:
    return f"{kind}--{stable_uuid4(*parts)}"


def _tlp(level: str) -> dict[str, Any]:
    return {"type": "marking-definition", "spec_version": "2.1", "id": TLP_IDS_V2[level],
            "created": "2022-10-01T00:00:00.000Z", "name": f"TLP:{level.upper()}",
            "extensions": {_TLP_EXTENSION: {"extension_type": "property-extension",
                                            "tlp_2_0": level}}}


def warning_bundle(case_id: str, released: dict[str, Any], *, sender: str, recipient: str,
                   modified: datetime, created: datetime, tlp: str = "amber") -> dict[str, Any]:
    """The bundle for one recipient; ``released`` is ``SanitizedWarning.releasable()``."""
    created = min(created, modified)
    ident = {"type": "identity", "spec_version": "2.1", "id": _sid("identity", sender),
             "created": _ts(created), "modified": _ts(created), "name": sender,
             "identity_class": "organization"}
    ext = {"type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
           "created_by_ref": ident["id"], "created": "2025-01-01T00:00:00.000Z",
           "modified": "2025-01-01T00:00:00.000Z", "name": "Tearline releasability",
           "description": "REL TO list of partner codes carried as a top-level property.",
           "schema": "https://tearline.example/schemas/stix-releasability-extension.json",
           "version": "1.0.0", "extension_types": ["toplevel-property-extension"],
           "extension_properties": ["x_tearline_releasability"]}
    marks = [TLP_IDS_V2[tlp]]
    common = {"spec_version": "2.1", "created": _ts(created), "modified": _ts(modified),
              "created_by_ref": ident["id"], "object_marking_refs": marks}
    # Facets are marked exactly as the report is, REL TO included, so no reader
    # judges the two differently on their own markings.
    rel_to = {"extensions": {EXTENSION_ID: {"extension_type": "toplevel-property-extension"}},
              "x_tearline_releasability": [recipient]}
    facets = released["facets"]
    refs: list[dict[str, Any]] = []
    for name in facets.get("actor") or []:
        refs.append({"type": "threat-actor", "id": _sid("threat-actor", case_id, name),
                     "name": name, "threat_actor_types": ["terrorist"], **common, **rel_to})
    for city in facets.get("city") or []:
        loc: dict[str, Any] = {"type": "location", "id": _sid("location", case_id, city),
                               "name": city, "city": city, **common, **rel_to}
        if facets.get("country"):
            loc["country"] = facets["country"]
        refs.append(loc)
    description = f"{released['text']}\n\nWhat to do: {released['instruction']}".strip()
    report = {"type": "report", "id": case_id, **common, "published": _ts(modified),
              "name": released["headline"], "description": description,
              "report_types": ["threat-report"],
              "object_refs": [o["id"] for o in refs] or [ident["id"]],
              "labels": ["duty-to-warn"], **rel_to}
    return {"type": "bundle", "id": _sid("bundle", case_id, recipient, _ts(modified)),
            "objects": [ident, ext, _tlp(tlp), report, *refs]}
