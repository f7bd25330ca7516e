"""How an object is marked: TLP, classification, REL TO, caveats, and their orders.

The vocabulary every layer shares (the store lifts markings into columns,
ingest validates them, the policy judges them). The one decision over these
values, ``share.policy.decide``, lives above; here are only the words and
their orders, least restrictive first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["ALL_COMPARTMENTS", "CLASSIFICATION_ORDER", "COMPARTMENT_PREFIX", "PARTNER_CODE_RE",
           "TLP_ORDER", "Marking", "format_rel_to", "parse_rel_to"]

#: Classification levels, least restrictive first (stored upper case).
CLASSIFICATION_ORDER = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
#: TLP 2.0 levels, least restrictive first (stored lower case).
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
#: Caveats starting with this are need-to-know compartments.
COMPARTMENT_PREFIX = "NTK:"
#: Holding this compartment satisfies every need-to-know caveat.
ALL_COMPARTMENTS = "NTK:*"
#: What a partner code looks like (the report schema's REL TO pattern).
PARTNER_CODE_RE = re.compile(r"^[A-Z0-9-]{2,16}$")


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


def parse_rel_to(rel_to: str | None) -> frozenset[str]:
    """The codes a stored "|A|B|" string names: exactly the segments between two bars.

    Defined so that ``code in parse_rel_to(s)`` holds exactly when ``"|code|"`` is
    a substring of ``s``, which is what the SQL twin tests.
    """
    return frozenset(c for c in (rel_to or "").split("|")[1:-1] if c)


def format_rel_to(codes: Iterable[str]) -> str:
    """The stored form of a REL TO list ("" when empty), the inverse of ``parse_rel_to``."""
    items = sorted(set(codes) - {""})
    return f"|{'|'.join(items)}|" if items else ""
