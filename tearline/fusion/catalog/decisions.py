"""Analyst decisions about actor identity, applied on top of the algorithm.

The store persists decisions as append-only rows (who, when, why); this
module only defines the plain record and replays an ordered list of them
over a catalog. Replaying in order makes the result a pure function of the
seed data and the decision log, so any past view can be rebuilt.

* ``confirm`` — this alias means this actor (pins the alias key).
* ``merge``   — actor A is the same as actor B; A's names move to B and A's
  id redirects to B, so mentions already stored under A still resolve.
* ``split``   — this alias does not belong to that actor; it becomes a new
  actor of its own (pinned), e.g. to separate a look-alike group.

A decision that names an unknown actor raises ``DecisionError`` (strict
mode) or is logged and skipped, never silently reinterpreted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from tearline.errors import DecisionError
from tearline.fusion.catalog.model import Actor, Catalog
from tearline.fusion.catalog.normalize import name_key

__all__ = ["Decision", "DecisionError", "DecisionKind", "apply_decisions"]

log = logging.getLogger(__name__)


class DecisionKind(StrEnum):
    """What an analyst decided about an alias or a pair of actors."""

    CONFIRM = "confirm"
    MERGE = "merge"
    SPLIT = "split"


@dataclass(frozen=True, slots=True)
class Decision:
    """One analyst decision, as stored in the decision log."""

    kind: DecisionKind
    actor_id: str
    """confirm: the actor the alias means; merge: the actor that disappears;
    split: the actor the alias is taken from."""
    alias: str | None = None
    """confirm/split: the alias concerned."""
    target_id: str | None = None
    """merge: the surviving actor."""
    new_actor_id: str | None = None
    """split: id for the new actor (derived from the alias if omitted)."""
    user: str = ""
    reason: str = ""
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "actor_id": self.actor_id,
            "alias": self.alias,
            "target_id": self.target_id,
            "new_actor_id": self.new_actor_id,
            "user": self.user,
            "reason": self.reason,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        created = data.get("created_at")
        return cls(
            kind=DecisionKind(data["kind"]),
            actor_id=data["actor_id"],
            alias=data.get("alias"),
            target_id=data.get("target_id"),
            new_actor_id=data.get("new_actor_id"),
            user=data.get("user", ""),
            reason=data.get("reason", ""),
            created_at=datetime.fromisoformat(created) if isinstance(created, str) else created,
        )


_SLUG = re.compile(r"[^a-z0-9]+")


class _State:
    def __init__(self, catalog: Catalog) -> None:
        self.actors: dict[str, Actor] = {a.id: a for a in catalog}
        self.pins = dict(catalog.pins)
        self.redirects = dict(catalog.redirects)

    def resolve_id(self, actor_id: str | None) -> str:
        if not actor_id:
            raise DecisionError("decision names no actor id")
        seen = set()
        while actor_id in self.redirects and actor_id not in seen:
            seen.add(actor_id)
            actor_id = self.redirects[actor_id]
        if actor_id not in self.actors:
            raise DecisionError(f"unknown actor id {actor_id!r}")
        return actor_id

    def confirm(self, decision: Decision) -> None:
        if not decision.alias or not name_key(decision.alias):
            raise DecisionError(f"confirm needs an alias, got {decision.alias!r}")
        target = self.resolve_id(decision.actor_id)
        actor = self.actors[target]
        if decision.alias not in actor.names():
            self.actors[target] = replace(actor, aliases=(*actor.aliases, decision.alias))
        self.pins[name_key(decision.alias)] = target

    def merge(self, decision: Decision) -> None:
        gone = self.resolve_id(decision.actor_id)
        keep = self.resolve_id(decision.target_id)
        if gone == keep:
            return
        loser, winner = self.actors.pop(gone), self.actors[keep]
        names = [n for n in loser.names() if n not in winner.names()]
        self.actors[keep] = replace(
            winner, aliases=(*winner.aliases, *names), sources=(*winner.sources, *loser.sources)
        )
        self.redirects[gone] = keep
        self.pins = {k: (keep if v == gone else v) for k, v in self.pins.items()}

    def split(self, decision: Decision) -> None:
        source = self.resolve_id(decision.actor_id)
        key = name_key(decision.alias or "")
        actor = self.actors[source]
        if not key or name_key(actor.name) == key:
            raise DecisionError(
                f"cannot split {decision.alias!r}: it is {source!r}'s main name or empty"
            )
        moved = [n for n in actor.aliases if name_key(n) == key]
        if not moved:
            raise DecisionError(f"{decision.alias!r} is not an alias of {source!r}")
        self.actors[source] = replace(
            actor, aliases=tuple(n for n in actor.aliases if name_key(n) != key)
        )
        new_id = decision.new_actor_id or f"decision:{_SLUG.sub('-', key).strip('-')}"
        existing = self.actors.get(new_id)
        if existing is not None:
            self.actors[new_id] = replace(existing, aliases=(*existing.aliases, *moved))
        else:
            name = decision.alias or moved[0]
            rest = tuple(n for n in moved if n != name)
            self.actors[new_id] = Actor(new_id, name, rest, (f"decision:{source}",), actor.kind)
        self.pins[key] = new_id


def apply_decisions(
    catalog: Catalog, decisions: Iterable[Decision], *, strict: bool = True
) -> Catalog:
    """A new catalog with the decisions replayed in order; the input is unchanged.

    With ``strict=False`` a decision that cannot apply (an actor since
    removed, a mistyped id) is logged and skipped so one bad row does not
    block the analysis; the default raises so tests and imports catch it.
    With no decisions the (immutable) input is returned as it is: rebuilding
    its indexes costs a second on every ``fuse``.
    """
    decisions = list(decisions)
    if not decisions:
        return catalog
    state = _State(catalog)
    handlers = {
        DecisionKind.CONFIRM: state.confirm,
        DecisionKind.MERGE: state.merge,
        DecisionKind.SPLIT: state.split,
    }
    for decision in decisions:
        try:
            handlers[DecisionKind(decision.kind)](decision)
        except DecisionError:
            if strict:
                raise
            log.warning("skipped actor decision %r", decision, exc_info=True)
    return Catalog(
        state.actors.values(),
        pins=state.pins,
        redirects=state.redirects,
        fuzzy_threshold=catalog.fuzzy_threshold,
    )
