"""Referenced identities and marking-definitions a caller may resolve (issue 9, finding 12).

STIX consumers follow ``created_by_ref`` and ``object_marking_refs``; a
reference the server will not resolve breaks them. The policy hides most
identities and marking-definitions from partners (stored unmarked, they are
AMBER by default), and re-marking points partners at a neutral "originator
withheld" identity or at this agency's own. So ``GET objects/{id}/`` for such
an id, when the policy view has no row, answers with:

* a TLP marking-definition: the stored one, else the standard object — these
  ids and contents are published by FIRST and OASIS and say nothing about us;
* the "originator withheld" identity, to partners;
* this agency's identity, to partners, once some object they may see was
  created by it (the same condition re-marking uses to keep the reference);
* any other marking-definition (a statement or a partner's own scheme), when
  an object the caller may see lists it and, for a partner, the definition's
  own marking allows it or it has none (``share.definitions``, the rule that
  decides which references a partner's objects keep).

Other identities are never served this way: a report's ``object_refs`` may
name a victim identity whose own marking the policy keeps from the partner.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from tearline import settings
from tearline.ingest.stix import TLP_MARKINGS
from tearline.share.definitions import partner_definitions
from tearline.share.policy import Principal, PrincipalKind
from tearline.share.releases import visible_stix_filter
from tearline.share.remark import WITHHELD_IDENTITY_ID, own_identity_id, withheld_identity
from tearline.share.stix_export import identity_for, tlp_definition_for_id
from tearline.store.schema import StixObject

Found = tuple[str, datetime]


def _stored(conn: Connection, object_id: str) -> Found | None:
    """The newest stored version's JSON text and date_added, whoever may see it."""
    row = conn.execute(select(StixObject.json, StixObject.added_at)
                       .where(StixObject.id == object_id)
                       .order_by(StixObject.version_key.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _built(obj: dict[str, Any]) -> Found:
    """A standard object we hold no row for; its date_added is its own ``created``."""
    created = datetime.fromisoformat(str(obj["created"]).replace("Z", "+00:00"))
    return orjson.dumps(obj).decode(), created


def _referenced(conn: Connection, who: Principal, needle: str) -> bool:
    """Does an object the caller may see hold ``needle`` in its stored text?"""
    return conn.execute(select(StixObject.id).where(
        visible_stix_filter(who), StixObject.json.contains(needle, autoescape=True)
    ).limit(1)).first() is not None


def referenced_object(conn: Connection, who: Principal, object_id: str) -> Found | None:
    """(JSON text, date_added) of a referenced object the caller may resolve, or None.

    See the module docstring for which ones.
    """
    if object_id in TLP_MARKINGS:
        return _stored(conn, object_id) or _built(tlp_definition_for_id(object_id))
    partner = who.kind is PrincipalKind.PARTNER
    if partner and object_id == WITHHELD_IDENTITY_ID:
        return _built(withheld_identity())
    if partner and object_id == own_identity_id():
        if not _referenced(conn, who, f'"created_by_ref":"{object_id}"'):
            return None
        return _stored(conn, object_id) or _built(
            identity_for(settings.OWNER_AGENCY, datetime(2025, 1, 1, tzinfo=UTC)))
    if object_id.startswith("marking-definition--"):
        # the one rule partner exports use too (share.definitions)
        if partner and object_id not in partner_definitions(conn, who).allowed:
            return None
        stored = _stored(conn, object_id)
        if stored is not None and _referenced(conn, who, f'"{object_id}"'):
            return stored
    return None
