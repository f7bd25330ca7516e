"""The duty-to-warn case as an explicit state machine.

identified → under review → waived | approved → drafted → sanitized →
released → delivered → acknowledged → follow-up → closed (with an outcome).

``TRANSITIONS`` is the whole machine: an action is allowed only from the
states listed for it, and ``next_state`` refuses anything else with a
sentence naming the current state and the actions that are allowed from it,
so a user (or the console) always learns what to do next. Some actions keep
the state (a response, another delivery channel, a review note); that is in
the table too, so nothing about the machine lives in the callers.

A case never closes silently: ``close`` is refused before a decision, and a
closed or waived case is reopened (``reopen``), never deleted.
"""

from __future__ import annotations

from enum import StrEnum

from tearline.errors import TearlineError

__all__ = ["TRANSITIONS", "Action", "CaseError", "CaseState", "allowed_actions", "next_state"]


class CaseError(TearlineError):
    """An action refused by the workflow: the sentence says why and what is allowed."""


class CaseState(StrEnum):
    """Where a duty-to-warn case stands."""

    IDENTIFIED = "identified"
    UNDER_REVIEW = "under_review"
    WAIVED = "waived"
    APPROVED = "approved"
    DRAFTED = "drafted"
    SANITIZED = "sanitized"
    RELEASED = "released"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


class Action(StrEnum):
    """What a user (or the trigger) can do to a case."""

    REVIEW = "review"
    WAIVE = "waive"
    APPROVE = "approve"
    DRAFT = "draft"
    SANITIZE = "sanitize"
    RELEASE = "release"
    DELIVER = "deliver"
    ACK = "ack"
    RESPOND = "respond"
    FOLLOWUP = "followup"
    CLOSE = "close"
    REOPEN = "reopen"


S = CaseState
_AFTER_DELIVERY = (S.DELIVERED, S.ACKNOWLEDGED, S.FOLLOW_UP)
_OPEN = tuple(s for s in S if s is not S.CLOSED)

#: action -> {from state: to state}; a state missing from an action's map refuses it.
TRANSITIONS: dict[Action, dict[CaseState, CaseState]] = {
    # From identified the review starts; later, a review records a note and
    # resolves review tasks (a lapsed window) without moving the case.
    Action.REVIEW: {S.IDENTIFIED: S.UNDER_REVIEW,
                    **{s: s for s in _OPEN if s is not S.IDENTIFIED}},
    Action.WAIVE: {S.UNDER_REVIEW: S.WAIVED},
    Action.APPROVE: {S.UNDER_REVIEW: S.APPROVED},
    # Drafting again after delivery is a renewal: new text, new window, and it
    # has to be sanitized and released again before it goes out.
    Action.DRAFT: {S.APPROVED: S.DRAFTED, S.DRAFTED: S.DRAFTED, S.SANITIZED: S.DRAFTED,
                   **{s: S.DRAFTED for s in _AFTER_DELIVERY}},
    Action.SANITIZE: {S.DRAFTED: S.SANITIZED, S.SANITIZED: S.SANITIZED},
    Action.RELEASE: {S.SANITIZED: S.RELEASED},
    Action.DELIVER: {S.RELEASED: S.DELIVERED, **{s: s for s in _AFTER_DELIVERY}},
    Action.ACK: {S.DELIVERED: S.ACKNOWLEDGED, S.ACKNOWLEDGED: S.ACKNOWLEDGED,
                 S.FOLLOW_UP: S.FOLLOW_UP},
    Action.RESPOND: {s: s for s in _AFTER_DELIVERY},
    Action.FOLLOWUP: {s: S.FOLLOW_UP for s in _AFTER_DELIVERY},
    Action.CLOSE: {s: S.CLOSED for s in (S.WAIVED, *_AFTER_DELIVERY)},
    Action.REOPEN: {S.CLOSED: S.UNDER_REVIEW, S.WAIVED: S.UNDER_REVIEW},
}


def allowed_actions(state: CaseState) -> list[Action]:
    """The actions the machine accepts from ``state``, in workflow order."""
    return [a for a, moves in TRANSITIONS.items() if state in moves]


def next_state(state: CaseState | str, action: Action | str) -> CaseState:
    """The state ``action`` leads to from ``state``; refuses an illegal move with a sentence."""
    current, act = CaseState(state), Action(action)
    moves = TRANSITIONS[act]
    if current not in moves:
        allowed = ", ".join(a.value for a in allowed_actions(current)) or "none"
        raise CaseError(f"cannot {act.value} a case that is {current.value.replace('_', ' ')}; "
                        f"allowed next: {allowed}")
    return moves[current]
