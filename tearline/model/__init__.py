"""The shared vocabulary, at the bottom of the import order.

Plain dataclasses and string enums every layer may use: ``Fragment`` (a report
without its protected fields) and ``Mention`` for the analysis; ``Principal``,
``Tier``, ``Marking`` and the TLP and classification orders for the policy,
security and the store. Nothing here imports any other part of Tearline.
"""

from tearline.model.fragment import Fragment
from tearline.model.marking import (
    ALL_COMPARTMENTS,
    CLASSIFICATION_ORDER,
    COMPARTMENT_PREFIX,
    PARTNER_CODE_RE,
    TLP_ORDER,
    Marking,
    format_rel_to,
    parse_rel_to,
)
from tearline.model.mention import Mention, MentionKind
from tearline.model.principal import (
    Principal,
    PrincipalKind,
    Tier,
    actor_name,
    local_owner,
    viewed_as,
)

__all__ = [
    "ALL_COMPARTMENTS",
    "CLASSIFICATION_ORDER",
    "COMPARTMENT_PREFIX",
    "PARTNER_CODE_RE",
    "TLP_ORDER",
    "Fragment",
    "Marking",
    "Mention",
    "MentionKind",
    "Principal",
    "PrincipalKind",
    "Tier",
    "actor_name",
    "format_rel_to",
    "local_owner",
    "parse_rel_to",
    "viewed_as",
]
