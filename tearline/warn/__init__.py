"""Duty to warn (ICD 191): the case workflow, the sanitizer, and delivery.

``states`` is the case machine, ``workflow`` and ``delivery`` the recorded
actions, ``sanitize`` the pure tearline sanitizer every release goes
through (``sanitize_stix`` applies it to any stored object crossing to a
partner; ``share.remark`` is its shell), ``stix``/``cap``/``briefing``/
``briefing_pdf`` the renderings of its output, and ``alarms`` what an open
case raises. ``cli.make_group`` builds ``tearline warn``.
"""

from tearline.warn.sanitize import Facts, Removal, SanitizedWarning, Sensitive, sanitize, squash
from tearline.warn.states import Action, CaseError, CaseState, allowed_actions, next_state

__all__ = [
    "Action",
    "CaseError",
    "CaseState",
    "Facts",
    "Removal",
    "SanitizedWarning",
    "Sensitive",
    "allowed_actions",
    "next_state",
    "sanitize",
    "squash",
]
