"""What crosses to a partner is re-marked for that partner (issue 9, finding 4).

The policy decides *whether* a partner receives an object; this module
decides *what of it* crosses. Stored objects keep everything this agency
knows about them — which internal source it came from and of what kind, our
classification, the originator's REL TO list, the agency that created it. A
partner must receive none of that. ``remark_for_partner`` is the one place
that strips it, for every path that hands objects to a partner (TAXII reads,
``export --as``, ``sync`` push); the duty-to-warn sanitizer wraps it to remove
more from warnings.

What leaves, per object:

* internal properties (``x_tearline_source``, ``x_tearline_source_kind``,
  ``x_tearline_classification``, ``x_tearline_caveats``) are removed;
* the REL TO list becomes the receiving partner alone, and the markings one
  TLP marking-definition: the effective (most restrictive) level;
* ``created_by_ref`` and any reference to the originator's identity are
  replaced by a neutral "originator withheld" identity, unless the originator
  is this agency (which allows its own name on what it shares).

Objects with none of these properties pass through as the stored text, so
the common case (indicators from feeds) costs nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from tearline import settings
from tearline.ingest.stix import TLP_IDS_V2, TLP_MARKINGS

_IDENTITY_NS = uuid.UUID("1c3a5e8f-7b2d-4e6a-8f90-3d5b7c9e1a2f")  # as stix_export.identity_for
#: Properties that describe our own collection and never cross to a partner.
INTERNAL_PROPERTIES = ("x_tearline_source", "x_tearline_source_kind",
                       "x_tearline_classification", "x_tearline_caveats")
WITHHELD_IDENTITY_ID = f"identity--{uuid.uuid5(_IDENTITY_NS, 'originator withheld')}"


def own_identity_id() -> str:
    """This agency's identity id (``stix_export.identity_for(settings.OWNER_AGENCY)``)."""
    return f"identity--{uuid.uuid5(_IDENTITY_NS, settings.OWNER_AGENCY)}"


def withheld_identity() -> dict[str, Any]:
    """The identity a partner sees in place of an originator it may not learn."""
    return {"type": "identity", "spec_version": "2.1", "id": WITHHELD_IDENTITY_ID,
            "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
            "name": "Originator withheld", "identity_class": "unknown"}


def needs_remark(text: str) -> bool:
    """Cheap test on the stored JSON text: could anything in it be for us only?"""
    return ('"x_tearline_' in text or '"created_by_ref"' in text
            or text.count("marking-definition--") > 1)


def remark_for_partner(obj: dict[str, Any], partner_code: str) -> dict[str, Any]:
    """A copy of ``obj`` fit to hand to ``partner_code`` (see the module docstring)."""
    out = {k: v for k, v in obj.items() if k not in INTERNAL_PROPERTIES}
    if "x_tearline_releasability" in out:
        out["x_tearline_releasability"] = [partner_code]
    refs = out.get("object_marking_refs")
    if isinstance(refs, list) and refs and all(r in TLP_MARKINGS for r in refs):
        order = ("clear", "green", "amber", "amber+strict", "red")
        level = max((TLP_MARKINGS[r] for r in refs), key=order.index)
        out["object_marking_refs"] = [TLP_IDS_V2[level]]
    creator = out.get("created_by_ref")
    if isinstance(creator, str) and creator != own_identity_id():
        out["created_by_ref"] = WITHHELD_IDENTITY_ID
        for key in ("object_refs",):
            if isinstance(out.get(key), list):
                out[key] = [WITHHELD_IDENTITY_ID if r == creator else r for r in out[key]]
    return out


def remark_text(text: str, partner_code: str) -> str:
    """``remark_for_partner`` over stored JSON text; untouched when nothing needs it."""
    if not needs_remark(text):
        return text
    return orjson.dumps(remark_for_partner(orjson.loads(text), partner_code)).decode()
