"""The one policy function: may this principal see this object?

Every read path — REST, TAXII, export, CLI, console — asks ``decide`` (or uses
``sql_visibility``, its exact SQL twin, to filter in the database), so the
rules below are written once. Design invariant 2 in DESIGN.md.

Rules, in order:

* Local users of the owning agency need clearance at or above the object's
  classification and every need-to-know compartment (``NTK:…`` caveats).
* Partners see nothing classified above UNCLASSIFIED unless its REL TO list
  names them, never TLP:RED unless explicitly released, and by tier:

  - core: TLP:CLEAR/GREEN, or anything up to AMBER+STRICT whose REL TO names them;
  - associate: TLP:CLEAR/GREEN, or AMBER whose REL TO names them;
  - selective: only what an approver explicitly released to them;
  - warning-only: only released duty-to-warn warnings.

  An explicit release (an approver's recorded decision) opens an object to
  core, associate and selective partners, and a *warning* to any tier.
* Anything the rules do not allow is refused: unknown tiers, unmarked objects
  (treated as ``settings.DEFAULT_TLP``) and anonymous principals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, literal, or_

from tearline import settings

CLASSIFICATION_ORDER = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
COMPARTMENT_PREFIX = "NTK:"


class Tier(StrEnum):
    CORE = "core"
    ASSOCIATE = "associate"
    SELECTIVE = "selective"
    WARNING_ONLY = "warning-only"


class PrincipalKind(StrEnum):
    USER = "user"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a local user (clearance, compartments) or a partner (tier)."""

    kind: PrincipalKind
    id: str
    tier: Tier | None = None
    clearance: str = "UNCLASSIFIED"
    compartments: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def user(cls, username: str, clearance: str = "TOP SECRET",
             compartments: frozenset[str] | set[str] = frozenset(),
             roles: frozenset[str] | set[str] = frozenset()) -> Principal:
        return cls(PrincipalKind.USER, username, None, clearance, frozenset(compartments),
                   frozenset(roles))

    @classmethod
    def partner(cls, code: str, tier: Tier | str) -> Principal:
        return cls(PrincipalKind.PARTNER, code, Tier(tier))


@dataclass(frozen=True, slots=True)
class Marking:
    """What the policy needs to know about an object, and nothing else."""

    tlp: str | None
    classification: str | None = "UNCLASSIFIED"
    releasability: frozenset[str] = field(default_factory=frozenset)
    caveats: frozenset[str] = field(default_factory=frozenset)
    released_to: frozenset[str] = field(default_factory=frozenset)
    is_warning: bool = False

    @property
    def compartments(self) -> frozenset[str]:
        return frozenset(c for c in self.caveats if c.startswith(COMPARTMENT_PREFIX))


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _rank(order: tuple[str, ...], value: str | None, unknown: int) -> int:
    try:
        return order.index((value or "").lower() if order is TLP_ORDER else (value or "").upper())
    except ValueError:
        return unknown


def decide(principal: Principal, marking: Marking) -> Decision:
    """The single decision every read path relies on (see the module docstring)."""
    cls_rank = _rank(CLASSIFICATION_ORDER, marking.classification or "UNCLASSIFIED",
                     len(CLASSIFICATION_ORDER))
    if principal.kind is PrincipalKind.USER:
        if cls_rank > _rank(CLASSIFICATION_ORDER, principal.clearance, -1):
            return Decision(False, f"needs clearance {marking.classification}")
        missing = marking.compartments - principal.compartments
        if missing:
            return Decision(False, f"needs compartment(s) {', '.join(sorted(missing))}")
        return Decision(True, "cleared user with need to know")

    code, tier = principal.id, principal.tier
    released = code in marking.released_to
    if tier is Tier.WARNING_ONLY:
        if released and marking.is_warning:
            return Decision(True, "released duty-to-warn warning")
        return Decision(False, "warning-only partners receive released warnings only")
    if tier is Tier.SELECTIVE:
        return Decision(released, "explicitly released" if released
                        else "selective partners receive only explicit releases")
    if tier not in (Tier.CORE, Tier.ASSOCIATE):
        return Decision(False, f"unknown tier {tier!r}")
    if released:
        return Decision(True, "explicitly released")
    tlp = _rank(TLP_ORDER, marking.tlp or settings.DEFAULT_TLP, len(TLP_ORDER))
    named = code in marking.releasability
    if tlp <= TLP_ORDER.index("green") and cls_rank == 0:
        return Decision(True, "community TLP, unclassified")
    ceiling = TLP_ORDER.index("amber+strict" if tier is Tier.CORE else "amber")
    if named and tlp <= ceiling:
        return Decision(True, f"REL TO {code}, within the {tier.value} tier's TLP ceiling")
    if named:
        return Decision(False, f"TLP:{(marking.tlp or settings.DEFAULT_TLP).upper()} is above "
                        f"the {tier.value} tier's ceiling")
    return Decision(False, f"not releasable to {code}")


def sql_visibility(principal: Principal, *, tlp: Any, classification: Any, rel_to: Any,
                   released: ColumnElement[bool] | None = None,
                   is_warning: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """The same rules as ``decide`` as a SQL condition, for filtering large collections.

    ``rel_to`` is a "|A|B|" string column; ``released`` an EXISTS over releases
    for this partner. Kept next to ``decide`` and tested against it so the two
    cannot drift apart.
    """
    released = released if released is not None else false()
    is_warning = is_warning if is_warning is not None else false()
    if principal.kind is PrincipalKind.USER:
        allowed = CLASSIFICATION_ORDER[: _rank(CLASSIFICATION_ORDER, principal.clearance, -1) + 1]
        if not allowed:
            return false()
        return or_(classification.is_(None), classification.in_(allowed))
    tier = principal.tier
    if tier is Tier.WARNING_ONLY:
        return and_(released, is_warning)
    if tier is Tier.SELECTIVE:
        return released
    if tier not in (Tier.CORE, Tier.ASSOCIATE):
        return false()
    eff_tlp = _coalesce(tlp, settings.DEFAULT_TLP)
    unclassified = or_(classification.is_(None), classification == "UNCLASSIFIED")
    ceiling = TLP_ORDER[: TLP_ORDER.index("amber+strict" if tier is Tier.CORE else "amber") + 1]
    named = rel_to.like(f"%|{principal.id}|%")
    return or_(
        released,
        and_(eff_tlp.in_(("clear", "green")), unclassified),
        and_(named, eff_tlp.in_(ceiling)),
    )


def _coalesce(col: Any, default: str) -> Any:
    from sqlalchemy import func

    return func.coalesce(col, literal(default))
