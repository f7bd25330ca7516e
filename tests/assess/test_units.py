"""Case tables for the pure functions of the assess stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tearline.assess.ach import AchMatrix, EvidenceItem, Rating
from tearline.assess.alarms import VersionPoint, fatigue_alarms, unanswered_request_alarms
from tearline.assess.config import load_config
from tearline.assess.credibility import score_credibility
from tearline.assess.cues import dismissal_reason, find_downgrades
from tearline.assess.harm import HarmType, classify_harm
from tearline.assess.imminence import ImminenceLevel, score_imminence
from tearline.assess.likelihood import term_for
from tearline.fusion.timeline import EventKind, TimelineEvent
from tearline.model.fragment import Fragment

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
CFG = load_config()


def frag(fid: str, text: str = "x", at: datetime = T0, **kw: object) -> Fragment:
    return Fragment(id=fid, title=fid, body=text, reported_at=at, received_at=at,
                    originator=str(kw.pop("originator", "A")), source_name="s",
                    source_kind="humint", source_agency=str(kw.pop("agency", "A")),
                    reliability=str(kw.pop("reliability", "B")),
                    credibility=int(kw.pop("credibility", 2)), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("p", "word"), [
    (0.0, "almost no chance"), (0.04, "almost no chance"), (0.10, "very unlikely"),
    (0.30, "unlikely"), (0.50, "roughly even chance"), (0.60, "likely"),
    (0.85, "very likely"), (0.97, "almost certain"), (1.0, "almost certain"),
])
def test_icd203_terms(p: float, word: str) -> None:
    assert term_for(p).word == word


@pytest.mark.parametrize(("grades", "clusters", "info"), [
    ([("B", 1)], 1, 2),  # asserted 1 by one origin is read as 2
    ([("B", 2), ("C", 3)], 2, 1),  # two adequate independent origins earn 1
    ([("B", 2), ("D", 3)], 2, 2),  # D is not adequate
    ([("B", 2), ("B", 2)], 1, 2),  # two copies of one origin earn nothing
])
def test_grade_one_is_earned(grades: list[tuple[str, int]], clusters: int, info: int) -> None:
    frags = [frag(f"f{i}", reliability=r, credibility=c) for i, (r, c) in enumerate(grades)]
    groups = ({"c": [f.id for f in frags]} if clusters == 1
              else {f.id: [f.id] for f in frags})
    result = score_credibility(frags, groups, CFG)
    assert result.independent_origins == clusters
    assert result.grade == f"{min(r for r, _ in grades if r != 'D')}{info}"


@pytest.mark.parametrize(("text", "reason"), [
    ("A deliberate provocation by Western special services.", "sender"),
    ("The warning is baseless.", "none"),
    ("Police checked every venue and investigators found no trace of the cell.", "substantive"),
])
def test_dismissal_reason(text: str, reason: str) -> None:
    assert dismissal_reason(text) == reason


@pytest.mark.parametrize(("text", "downgrade"), [
    ("The period passed without incident, which shows what such alarms are worth.", True),
    ("We record the expiry as a decision, not a downgrade.", False),
    ("The ministry lowered the threat level on Monday.", True),
    ("The window closed without an attack.", False),
])
def test_downgrade_cues(text: str, downgrade: bool) -> None:
    assert bool(find_downgrades(text)) is downgrade


def _window(start: str, end: str, fid: str = "w") -> TimelineEvent:
    return TimelineEvent(EventKind.WINDOW, start, [fid], ["within 48 hours"], end=end)


@pytest.mark.parametrize(("today", "level"), [
    ("2025-03-02", ImminenceLevel.NEAR),
    ("2025-03-05", ImminenceLevel.INSIDE),
    ("2025-03-09", ImminenceLevel.LAPSED),
])
def test_imminence_levels(today: str, level: ImminenceLevel) -> None:
    when = datetime.fromisoformat(today).replace(tzinfo=UTC)
    result = score_imminence([_window("2025-03-05", "2025-03-07")], when, CFG)
    assert result.level is level
    if level is ImminenceLevel.LAPSED:  # a lapse never lowers imminence by itself
        assert result.score >= CFG.imminence["inside_window"]


@pytest.mark.parametrize(("text", "harm"), [
    ("Gunmen opened fire on the crowd.", HarmType.KILLING),
    ("They plan to kidnap the consul and demand a ransom.", HarmType.KIDNAPPING),
    ("Vandals sprayed slogans on the depot.", HarmType.OTHER),
])
def test_harm_types(text: str, harm: HarmType) -> None:
    assert classify_harm([frag("f", text)], {}).primary is harm


def test_request_answered_only_by_response_naming_it() -> None:
    req = frag("r", category="request", external_id="REQ-1", deadline=T0 + timedelta(days=2))
    note = frag("n", at=T0 + timedelta(days=1), category="report", in_reply_to="REQ-1")
    resp = frag("a", at=T0 + timedelta(days=1), category="response", in_reply_to="REQ-1")
    later = T0 + timedelta(days=3)
    assert len(unanswered_request_alarms([req], [req, note], later)) == 1
    assert unanswered_request_alarms([req], [req, resp], later) == []
    assert unanswered_request_alarms([req], [req], T0 + timedelta(days=1)) == []


def test_version_downgrade_after_lapse_fires_unless_contrary_evidence() -> None:
    timeline = [_window("2025-03-05", "2025-03-07", "alert")]
    versions = [VersionPoint(1, T0, 0.8, "tearline", None),
                VersionPoint(2, T0 + timedelta(days=8), 0.4, "analyst", "nothing happened")]
    fired = fatigue_alarms([], timeline, versions)
    assert len(fired) == 1 and fired[0].details["version"] == 2
    contrary = frag("c", at=T0 + timedelta(days=7))
    assert fatigue_alarms([contrary], timeline, versions, contrary=["c"]) == []
    rising = [versions[0], VersionPoint(2, T0 + timedelta(days=8), 0.9, "a", None)]
    assert fatigue_alarms([], timeline, rising) == []


def test_ach_least_inconsistency_wins_not_most_consistency() -> None:
    m = AchMatrix("t")
    m.add_hypothesis("H1", "one")
    m.add_hypothesis("H2", "two")
    for i in range(3):  # H1 gathers consistency but also one strong inconsistency
        m.add_evidence(EvidenceItem(f"E{i}", "e", grade="B2"))
        m.rate_row(f"E{i}", {"H1": "CC", "H2": "N"})
    m.add_evidence(EvidenceItem("E9", "e", grade="A1"))
    m.rate_row("E9", {"H1": "II", "H2": "C"})
    result = m.evaluate(CFG)
    assert result.most_likely == "H2"
    assert result.inconsistency["H1"] == pytest.approx(2 * CFG.grade_weight("A", 1))
    assert Rating.CC.reversed is Rating.II and Rating.NA.reversed is Rating.NA
    assert AchMatrix.from_dict(m.to_dict()).evaluate(CFG).ranking == result.ranking
    flips = {s.item_id for s in result.sensitivity}
    assert flips == {"E9"}


def test_ach_unrated_matrix_names_no_winner() -> None:
    from tearline.assess.ach_io import to_markdown

    m = AchMatrix("t")
    m.add_hypothesis("H1", "one")
    m.add_hypothesis("H2", "two")
    m.add_evidence(EvidenceItem("E1", "e", grade="B2"))
    result = m.evaluate(CFG)
    assert result.tied == ["H1", "H2"] and result.most_likely is None
    assert "No hypothesis leads yet: H1, H2 tie" in to_markdown(m, CFG)
    m.rate_row("E1", {"H1": "C", "H2": "I"})
    result = m.evaluate(CFG)
    assert result.tied == [] and result.most_likely == "H1"
