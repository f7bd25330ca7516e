"""The sanitizer's rules as a case table: what each tier gets, and what is cut and why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tearline.warn.sanitize import CUT, Facts, Sensitive, sanitize

FACTS = Facts("intentional_killing", ("Islamic State Khorasan Province", "Islamic State"),
              ("Almaty", "Istanbul"), "KZ", ("concert_hall",), ("firearms",),
              datetime(2025, 3, 5, 16, tzinfo=UTC), datetime(2025, 3, 7, 16, tzinfo=UTC))
SENSITIVE = Sensitive(protected=("logistics clerk at a freight firm (case file M-4410)",),
                      source_names=("LANTERN", "SIGINT-7"),
                      internal_ids=("report--7f6b793c-e253-5a30-a07a-b67e1250fc2f",
                                    "MJIC-HUM-2025-0226"),
                      originators=("Northern Reach Directorate",))

# (draft, tier, must be absent, must be present, removal kinds expected)
CASES = [
    ("LANTERN reports the cell.", "warning-only", ["LANTERN"], ["information reports"],
     {"source"}),
    ("See https://drop.example/x?id=1 for the file.", "warning-only", ["drop.example"], [],
     {"url"}),
    ("The facilitator said \"hit the concert before Nauryz\".", "public", ["hit the concert"],
     ["quote withheld"], {"quote"}),
    ("Per MJIC-HUM-2025-0226 and report--7f6b793c-e253-5a30-a07a-b67e1250fc2f.",
     "warning-only", ["MJIC-HUM", "7f6b793c"], [], {"reference"}),
    ("Intercepts by the Northern Reach Directorate show it.", "warning-only",
     ["Northern Reach", "Intercepts"], ["a partner service"], {"originator", "method"}),
    ("Northern Reach Directorate reporting.", "core", [], ["Northern Reach Directorate"],
     set()),
    ("the clerk: logistics CLERK at a freight\nfirm (case file M-4410) again", "selective",
     ["freight"], [], {"protected"}),
]


@pytest.mark.parametrize(("draft", "tier", "absent", "present", "kinds"), CASES)
def test_rules(draft: str, tier: str, absent: list[str], present: list[str],
               kinds: set[str]) -> None:
    s = sanitize(FACTS, SENSITIVE, tier, draft=draft, instruction="Protect venues.",
                 sender="Meridian Joint Intelligence Centre")
    for word in absent:
        assert word.lower() not in s.text.lower()
    for word in present:
        assert word in s.text
    assert kinds <= {k for r in s.removals for k in r.kind.split(",")}
    for r in s.removals:  # a value the guard cut is never written into the case file
        if r.kind in ("protected", "source", "reference"):
            assert r.original not in SENSITIVE.protected


def test_tier_precision_and_actionable_facets() -> None:
    wo = sanitize(FACTS, SENSITIVE, "warning-only", sender="Us")
    core = sanitize(FACTS, SENSITIVE, "core", sender="Us")
    assert wo.facets["actor"] == ["Islamic State Khorasan Province"]
    assert wo.facets["city"] == ["Almaty"] and wo.facets["target_type"] == ["concert hall"]
    assert wo.facets["window"] == {"start": "2025-03-05", "end": "2025-03-07"}
    assert core.facets["window"] == {"start": "2025-03-05 16:00 UTC", "end": "2025-03-07 16:00 UTC"}
    assert "Almaty" in wo.text and "firearms" in wo.text and "between 2025-03-05" in wo.text
    reasons = {r.reason for r in wo.removals}
    assert "time of day above this tier's precision" in reasons
    assert "only the main city is kept" in reasons


def test_a_facet_equal_to_a_protected_value_is_dropped() -> None:
    s = sanitize(FACTS, Sensitive(protected=("Almaty",)), "warning-only", sender="Us")
    assert s.facets["city"] == [] and "almaty" not in s.text.lower()
    assert CUT not in s.headline or "almaty" not in s.headline.lower()
