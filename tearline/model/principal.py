"""Who is asking: a local user or a partner service, and the partners' trust tiers.

Security creates principals (from passwords and tokens), the store records
them in the audit log, the policy judges what they may see; so the type sits
at the bottom, with no behaviour beyond naming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tearline.model.marking import ALL_COMPARTMENTS

__all__ = ["Principal", "PrincipalKind", "Tier", "actor_name", "local_owner", "viewed_as"]


class Tier(StrEnum):
    """A partner's trust tier: what the policy lets it receive without a release."""

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
    #: Who is really looking when this is someone else's view (``--as``): the
    #: signed-in user, as ``actor_name`` gives it. The policy ignores it; the audit
    #: log records this user as the actor and the viewed principal beside it.
    acting: str | None = None

    @classmethod
    def user(cls, username: str, clearance: str = "TOP SECRET",
             compartments: frozenset[str] | set[str] = frozenset(),
             roles: frozenset[str] | set[str] = frozenset()) -> Principal:
        return cls(PrincipalKind.USER, username, None, clearance, frozenset(compartments),
                   frozenset(roles))

    @classmethod
    def partner(cls, code: str, tier: Tier | str) -> Principal:
        return cls(PrincipalKind.PARTNER, code, Tier(tier))


def local_owner(name: str = "owner") -> Principal:
    """The owning agency's own view (the CLI's default): full clearance, every compartment."""
    return Principal.user(name, "TOP SECRET", frozenset({ALL_COMPARTMENTS}),
                          frozenset({"admin", "approver", "analyst"}))


def actor_name(principal: Principal) -> str:
    """How a principal appears in the audit log: the one really acting.

    A view through someone else's eyes (``--as``) is the signed-in user's act, so
    insider alerts count it against them, not against the partner they viewed as.
    """
    if principal.acting:
        return principal.acting
    return principal.id if principal.kind is PrincipalKind.USER else f"partner:{principal.id}"


def viewed_as(principal: Principal) -> dict[str, str]:
    """Audit detail naming the viewed principal of a ``--as`` read (empty otherwise)."""
    if not principal.acting:
        return {}
    name = principal.id if principal.kind is PrincipalKind.USER else f"partner:{principal.id}"
    return {"viewed_as": name}
