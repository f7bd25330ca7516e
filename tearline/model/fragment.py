"""Plain-data views of stored records that the analysis stages work on.

Fusion and assessment are pure functions over these objects, so they never
touch the database and never see protected fields: the store builds a
``Fragment`` from a report row and deliberately leaves source identity and
collection method behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Fragment:
    """One report as the analysis chain sees it (releasable fields only)."""

    id: str
    title: str
    body: str
    reported_at: datetime | None
    received_at: datetime
    originator: str
    source_name: str
    source_kind: str
    source_agency: str
    reliability: str
    credibility: int
    category: str = "report"
    language: str = "en"
    tlp: str = "amber"
    outlet: str | None = None
    external_id: str | None = None
    in_reply_to: str | None = None
    deadline: datetime | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        """Headline and body together, the unit that extraction reads."""
        return f"{self.title}\n\n{self.body}"

    @property
    def anchor_time(self) -> datetime:
        """The date relative expressions are resolved against."""
        return self.reported_at or self.received_at
