"""Issue 4's acceptance checks on the demo scenario."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from tearline.assess.ach import AchMatrix, EvidenceItem
from tearline.assess.alarms import AlarmKind
from tearline.assess.assessment import assess_thread
from tearline.assess.config import load_config
from tearline.assess.credibility import score_credibility
from tearline.assess.lookback import as_of, retrospective, to_html, to_markdown
from tearline.assess.review import review_thread
from tearline.assess.state import thread_at

WIRE = [
    "northstar-2025-03-15-almaty-hall-attack.md",
    "harbour-courier-2025-03-15-almaty-massacre.md",
    "eastbridge-times-2025-03-15-almaty-concert-hall.md",
    "baltic-morning-post-2025-03-15-almaty-attack.md",
    "vantage-daily-2025-03-15-almaty-death-toll.md",
]
END = datetime(2025, 3, 20, tzinfo=UTC)


def test_corroboration_counts_origin_clusters_not_copies(demo) -> None:
    state = demo.state
    wire = [state.fragments[demo.fid(n)] for n in WIRE]
    clusters = state.origins.group([f.id for f in wire])
    assert len(clusters) == 1  # five outlets, one origin
    cfg = load_config()
    five = score_credibility(wire, clusters, cfg)
    one = score_credibility(wire[:1], state.origins.group([wire[0].id]), cfg)
    assert five.independent_origins == one.independent_origins == 1
    assert five.score == one.score  # syndicated copies add nothing
    assert five.grade[1] != "1"  # no grade 1 from a single origin
    # Two independent agency strands do add, and earn more than one alone.
    nrd, lantern = (state.fragments[demo.fid(x)] for x in ("NRD-SIG-2025-0224",
                                                            "MJIC-HUM-2025-0226"))
    both = score_credibility([nrd, lantern], state.origins.group([nrd.id, lantern.id]), cfg)
    assert both.independent_origins == 2 and both.score > one.score


def test_circular_alarm_names_the_syndicated_copies(demo) -> None:
    state = demo.state
    tid = state.threads.thread_of(demo.fid(WIRE[0]))
    alarms = [a for a in review_thread(state, tid, END) if a.kind is AlarmKind.CIRCULAR]
    assert alarms, "five outlets on one wire story must raise the circular alarm"
    covered = {f for a in alarms for f in a.fragment_ids}
    assert {demo.fid(n) for n in WIRE} <= covered


def _alarms_for(demo, ref: str, at: datetime):
    state = demo.replay(at)
    tid = state.threads.thread_of(demo.fid(ref))
    return review_thread(state, tid, at)


def test_warning_fatigue_fires_only_after_the_window_lapsed(demo) -> None:
    after = _alarms_for(demo, "CSP-STM-2025-0309", datetime(2025, 3, 10, tzinfo=UTC))
    fatigue = [a for a in after if a.kind is AlarmKind.WARNING_FATIGUE]
    assert len(fatigue) == 1
    alarm = fatigue[0]
    assert demo.fid("CSP-STM-2025-0309") in alarm.fragment_ids
    assert alarm.details["window"]["end"] <= "2025-03-09"
    assert alarm.raised_at > datetime(2025, 3, 7, 16, tzinfo=UTC)  # the alert's 48 hours
    # MJIC's own note on the lapse says "not a downgrade": no alarm for it.
    mjic = _alarms_for(demo, "MJIC-ASM-2025-0308", datetime(2025, 3, 10, tzinfo=UTC))
    mjic_id = demo.fid("MJIC-ASM-2025-0308")
    assert not [
        a for a in mjic if a.kind is AlarmKind.WARNING_FATIGUE and mjic_id in a.fragment_ids
    ]


def test_dismissal_by_sender_alarm_fires_on_the_provocation_statement(demo) -> None:
    alarms = _alarms_for(demo, "CSP-STM-2025-0309", datetime(2025, 3, 10, tzinfo=UTC))
    dismissal = [a for a in alarms if a.kind is AlarmKind.DISMISSAL]
    assert dismissal and dismissal[0].details["reason"] == "sender"
    assert dismissal[0].fragment_ids[0] == demo.fid("CSP-STM-2025-0309")
    assert "provocation" in dismissal[0].summary


def test_unanswered_request_alarm_only_for_the_request_without_response(demo) -> None:
    state = demo.state
    tid = state.threads.thread_of(demo.fid("ALB-REQ-2025-031"))
    unanswered = [a for a in review_thread(state, tid, END) if a.kind is AlarmKind.UNANSWERED]
    assert [a.fragment_ids for a in unanswered] == [[demo.fid("ALB-REQ-2025-031")]]
    before = review_thread(demo.replay(datetime(2025, 3, 7, 6, tzinfo=UTC)),
                           tid, datetime(2025, 3, 7, 6, tzinfo=UTC))
    assert not [a for a in before if a.kind is AlarmKind.UNANSWERED]  # deadline not yet passed


def test_disinformation_alarm_shows_what_the_kyrgyz_claim_contradicts(demo) -> None:
    state = demo.state
    tid = state.threads.thread_of(demo.fid("CSP-STM-2025-0316"))
    found = [a for a in review_thread(state, tid, END) if a.kind is AlarmKind.DISINFORMATION
             and a.fragment_ids[0] == demo.fid("CSP-STM-2025-0316")]
    assert len(found) == 1
    contradicted = set(found[0].fragment_ids[1:])
    expected = {demo.fid(x) for x in ("NRD-SIG-2025-0318", "MJIC-ASM-2025-0319",
                                      "global-ledger-2025-03-17-kyrgyz-claim.md")}
    assert expected <= contradicted
    assert found[0].details["party"] == "party:kyrgy"


def test_ach_sensitivity_names_the_items_that_flip_the_ranking(demo) -> None:
    s = demo.state
    m = AchMatrix("attribution")
    m.add_hypothesis("H1", "An ISIS-K cell carried out the attack")
    m.add_hypothesis("H2", "Kyrgyz special services organised it", acted_on=True)
    items = {
        "E1": ("NRD-SIG-2025-0318", {"H1": "CC", "H2": "II"}),
        "E2": ("CSP-STM-2025-0316", {"H1": "I", "H2": "CC"}),
        "E3": ("MJIC-HUM-2025-0315", {"H1": "C", "H2": "N"}),
        "E4": ("CSP-STM-2025-0315", {"H1": "C", "H2": "C"}),
    }
    for eid, (ref, row) in items.items():
        f = s.fragments[demo.fid(ref)]
        m.add_evidence(EvidenceItem(eid, f.title, [f.id], s.origins.cluster_of(f.id),
                                    f"{f.reliability}{f.credibility}"))
        m.rate_row(eid, row)
    result = m.evaluate()
    assert result.most_likely == "H1"
    assert result.diagnosticity["E4"] == 0  # same rating everywhere: no help
    flips = {(x.item_id, x.change) for x in result.sensitivity}
    assert ("E1", "removed") in flips and ("E1", "reversed") in flips
    assert not any(item in ("E3", "E4") for item, _ in flips)
    rival = review_thread(s, s.threads.thread_of(demo.fid("CSP-STM-2025-0316")), END, matrix=m)
    assert [a for a in rival if a.kind is AlarmKind.RIVAL_HYPOTHESIS]


def test_as_of_before_key_fragments_is_lower_than_after(demo) -> None:
    before = as_of(demo.engine, "NRD-SIG-2025-0224", datetime(2025, 2, 25, tzinfo=UTC),
                   demo.replay)
    after = as_of(demo.engine, "NRD-SIG-2025-0224", datetime(2025, 3, 6, tzinfo=UTC),
                  demo.replay)
    assert before.assessment is not None and after.assessment is not None
    assert demo.fid("ALB-DTW-2025-007") not in before.fragment_ids
    assert demo.fid("ALB-DTW-2025-007") in after.fragment_ids
    assert before.assessment.probability < after.assessment.probability
    assert before.assessment.credibility.independent_origins < (
        after.assessment.credibility.independent_origins)
    # The lapse of the windows does not lower the computed judgement.
    state = demo.replay(datetime(2025, 3, 12, tzinfo=UTC))
    tid = thread_at(state, [demo.fid("NRD-SIG-2025-0224")])
    later = assess_thread(state, tid, datetime(2025, 3, 12, tzinfo=UTC))
    assert later.imminence.lapsed_windows and later.probability >= after.assessment.probability


def test_retro_renders_with_svg_timeline_in_order(demo) -> None:
    retro = retrospective(demo.engine, "NRD-SIG-2025-0224", demo.replay)
    md = to_markdown(retro)
    assert "ALB-DTW-2025-007" in md and "deadline of ALB-REQ-2025-031" in md
    page = to_html(retro)
    svg = page[page.index("<svg"): page.index("</svg>") + 6]
    root = ElementTree.fromstring(svg)
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    points = [t for t, el in zip(texts, root.iter("{http://www.w3.org/2000/svg}text"),
                                 strict=True) if el.get("data-kind") not in (None, "window",
                                                                              "alarm")]
    assert any(t.startswith("2025-03-03 warning: ALB-DTW-2025-007") for t in points)
    assert any(t.startswith("2025-03-05 alert: NOR-EMB-ALERT-2025-03-05") for t in points)
    assert [t[:10] for t in points] == sorted(t[:10] for t in points)
    assert any("window to 2025-03-07 (lapsed)" in t for t in texts)
    assert any("alarm: unanswered request" in t for t in texts)
    assert any("alarm: warning fatigue" in t for t in texts)
