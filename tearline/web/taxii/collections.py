"""The collections a caller sees: views over one store, cut by the sharing policy.

Tearline keeps every STIX object once, in ``stix_objects``. A TAXII collection
is not a separate copy but a *view* of that table for the caller:

* ``shared`` — everything the policy lets this principal see. Local users
  with a writing role may add to it; partners only read it.
* ``inbox`` — where partners push. Partners may write and not read it (what
  they sent is theirs already); what arrives is stored like any other object
  and from then on obeys its own markings.

Because a collection is a SQL condition rather than a list, a 100,000-object
collection costs no more to page than a small one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tearline.share.policy import Principal, PrincipalKind, Tier

from ._media import STIX_MEDIA, TaxiiError

#: Roles that let a local user add objects over TAXII.
WRITE_ROLES = frozenset({"admin", "analyst"})
#: Roles that let a local user delete objects over TAXII (partners never may).
DELETE_ROLES = frozenset({"admin"})
#: Partner tiers that may push into the inbox; warning-only services may not.
INBOX_TIERS = frozenset({Tier.CORE, Tier.ASSOCIATE, Tier.SELECTIVE})


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """One collection as a TAXII collection resource, before the caller's rights."""

    id: str
    alias: str
    title: str
    description: str


SHARED = CollectionSpec(
    "4f1b7a52-6c0e-4d8e-9a61-3b2f0c9d7e11", "shared", "Shared intelligence",
    "Every object the sharing policy lets you see, newest additions last.",
)
INBOX = CollectionSpec(
    "9d3c2e84-1a5f-4b7d-8c20-6e4f1a2b3c55", "inbox", "Partner inbox",
    "Push STIX objects to this agency here; they are filed under their own markings.",
)
ALL = (SHARED, INBOX)


def can_read(spec: CollectionSpec, who: Principal) -> bool:
    return spec is SHARED


def can_write(spec: CollectionSpec, who: Principal) -> bool:
    if who.kind is PrincipalKind.USER:
        return spec is SHARED and bool(who.roles & WRITE_ROLES)
    return spec is INBOX and who.tier in INBOX_TIERS


def can_delete(who: Principal) -> bool:
    """Only the owning agency's users with a deleting role; never a partner."""
    return who.kind is PrincipalKind.USER and bool(who.roles & DELETE_ROLES)


def visible_collections(who: Principal) -> list[CollectionSpec]:
    """Collections listed to this caller: those it may read or write."""
    return [c for c in ALL if can_read(c, who) or can_write(c, who)]


def find(collection_id: str, who: Principal) -> CollectionSpec:
    """The collection by id (or alias); 404 when unknown or hidden from this caller."""
    for c in visible_collections(who):
        if collection_id in (c.id, c.alias):
            return c
    raise TaxiiError(404, "Collection not found",
                     f"no collection {collection_id!r} is available to you")


def to_resource(spec: CollectionSpec, who: Principal) -> dict[str, object]:
    return {
        "id": spec.id, "title": spec.title, "description": spec.description,
        "alias": spec.alias, "can_read": can_read(spec, who), "can_write": can_write(spec, who),
        "media_types": [STIX_MEDIA],
    }
