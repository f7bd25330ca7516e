"""The classification and TLP banner, computed from what a page shows.

A page is marked as the most restrictive of the objects on it (the same rule
as a derived product, ``releases.combine_markings``): highest classification,
highest TLP, every caveat, REL TO only the partners every object names. A page
that shows nothing marked is UNCLASSIFIED // TLP:CLEAR, and says so, rather
than borrowing a default that would over- or under-state it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tearline.share.policy import CLASSIFICATION_ORDER, TLP_ORDER, Marking
from tearline.share.releases import combine_markings

#: CSS class per TLP level (colours follow FIRST's TLP 2.0 guidance).
_TLP_CLASS = {"clear": "tlp-clear", "green": "tlp-green", "amber": "tlp-amber",
              "amber+strict": "tlp-amber", "red": "tlp-red"}
_CLS_CLASS = {"UNCLASSIFIED": "cls-u", "RESTRICTED": "cls-r", "CONFIDENTIAL": "cls-c",
              "SECRET": "cls-s", "TOP SECRET": "cls-ts"}


@dataclass(frozen=True, slots=True)
class Banner:
    """What the top and bottom of a page say about its content."""

    classification: str
    tlp: str
    caveats: tuple[str, ...] = ()
    rel_to: tuple[str, ...] = ()
    objects: int = 0

    @property
    def text(self) -> str:
        parts = [self.classification]
        if self.caveats:
            parts.extend(self.caveats)
        if self.rel_to and self.classification != "UNCLASSIFIED":
            parts.append("REL TO " + ", ".join(self.rel_to))
        return " // ".join(parts) + f"  —  TLP:{self.tlp.upper()}"

    @property
    def css(self) -> str:
        return f"{_CLS_CLASS.get(self.classification, 'cls-ts')} " \
               f"{_TLP_CLASS.get(self.tlp, 'tlp-red')}"


@dataclass
class BannerBuilder:
    """Collects the markings of everything a page renders."""

    markings: list[Marking] = field(default_factory=list)

    def add(self, marking: Marking) -> None:
        self.markings.append(marking)

    def extend(self, markings: list[Marking]) -> None:
        self.markings.extend(markings)

    def build(self) -> Banner:
        if not self.markings:
            return Banner("UNCLASSIFIED", "clear")
        m = combine_markings(self.markings)
        cls = m.classification if m.classification in CLASSIFICATION_ORDER else "TOP SECRET"
        tlp = m.tlp if m.tlp in TLP_ORDER else "red"
        return Banner(cls, tlp or "red", tuple(sorted(m.caveats)), tuple(sorted(m.releasability)),
                      len(self.markings))
