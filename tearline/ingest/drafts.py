"""Reports as parsed from input, before they are stored.

Every parser (article, native JSON, STIX) produces ``ReportDraft`` objects, so
the rules that make ingestion idempotent — the content hash and the id derived
from it — are written once, here.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import orjson

RELIABILITY = ("A", "B", "C", "D", "E", "F")
CREDIBILITY = (1, 2, 3, 4, 5, 6)
SOURCE_KINDS = ("humint", "sigint", "osint", "liaison", "internal")
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")
CLASSIFICATIONS = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
CATEGORIES = ("report", "news", "warning", "alert", "request", "response", "statement", "bulletin")

#: Namespace for report ids, so the same content always gets the same id on
#: every instance (a partner can refer to a fragment by id).
_REPORT_NS = uuid.UUID("6f0d7a52-3b8e-4f7a-9c51-2d4a0e1b7c93")


@dataclass(frozen=True, slots=True)
class SourceDraft:
    name: str
    kind: str
    agency: str
    reliability: str

    @property
    def id(self) -> str:
        """Readable and stable: the same designator in the same agency is one source."""
        return f"{_slug(self.agency)}/{_slug(self.name)}"


@dataclass(slots=True)
class ReportDraft:
    """A fragment ready to store; ``protected`` is kept apart on purpose."""

    title: str
    body: str
    originator: str
    source: SourceDraft
    reported_at: datetime | None
    received_at: datetime | None = None
    category: str = "report"
    language: str = "en"
    credibility: int = 6
    classification: str = "UNCLASSIFIED"
    tlp: str = "amber"
    releasability: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    external_id: str | None = None
    outlet: str | None = None
    url: str | None = None
    byline: str | None = None
    in_reply_to: str | None = None
    deadline: datetime | None = None
    tags: list[str] = field(default_factory=list)
    protected: dict[str, str] = field(default_factory=dict)
    stix_id: str | None = None
    where: str | None = None  # location in the input file, for error messages

    def content_hash(self) -> str:
        """Hash of what the fragment says and who said it — not when we got it.

        Receipt time and protected fields are left out so that the same report
        arriving twice (or through another channel) is recognised as the same.
        """
        return report_content_hash(self.category, self.title, self.body, self.originator,
                                   self.source.id, self.reported_at, self.external_id)

    def report_id(self) -> str:
        if self.stix_id:
            return self.stix_id
        return f"report--{uuid.uuid5(_REPORT_NS, self.content_hash())}"


def report_content_hash(category: str, title: str, body: str, originator: str, source_id: str,
                        reported_at: datetime | None, external_id: str | None) -> str:
    """The content hash from its parts, so a stored row can be re-checked (``audit verify``)."""
    key = [category, title.strip(), body.strip(), originator.strip(), source_id,
           reported_at.isoformat() if reported_at else None, external_id]
    return hashlib.sha256(orjson.dumps(key)).hexdigest()


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text.strip())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "unknown"


def normalize_tlp(value: str) -> str | None:
    """Accept 'TLP:AMBER', 'amber', 'TLP:WHITE' (TLP 1.0) and return the TLP 2.0 level."""
    v = value.strip().lower().removeprefix("tlp:").strip()
    if v == "white":
        return "clear"
    return v if v in TLP_LEVELS else None
