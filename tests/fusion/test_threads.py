"""Threat threads: attachment, blocking, views, timeline and discrepancies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.discrepancies import casualty_values, find_discrepancies
from tearline.fusion.threads import ThreadIndex, entity_keys
from tearline.fusion.timeline import EventKind, WindowStatus, build_timeline, fragment_events
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2024, 5, 10, 9, tzinfo=UTC)


def frag(fid: str, text: str, at: datetime = T0, **kw: object) -> Fragment:
    return Fragment(
        id=fid,
        title=text.split(".")[0],
        body=text,
        reported_at=at,
        received_at=at,
        originator="test",
        source_name="test",
        source_kind="news",
        source_agency="test",
        reliability=str(kw.pop("reliability", "B")),
        credibility=int(kw.pop("credibility", 2)),  # type: ignore[call-overload]
        **kw,  # type: ignore[arg-type]
    )


def m(kind: MentionKind, value: object, text: str = "", start: int = 0) -> Mention:
    return Mention(kind, text or str(value), start, start + len(text or str(value)), value)


ACTOR_A = m(MentionKind.ACTOR, "actor:red-hand")
ACTOR_B = m(MentionKind.ACTOR, "actor:blue-sword")
LYON = m(MentionKind.PLACE, "city:2996944")
OSLO = m(MentionKind.PLACE, "city:3143244")
HALL = m(MentionKind.VENUE, "concert_hall")

CONCERT = (
    "Red Hand militants are planning an attack on a concert hall in Lyon during the festival "
    "weekend, with firearms smuggled through the port."
)
CONCERT_2 = (
    "A second source says the Red Hand cell intends to strike the Lyon concert hall while "
    "the festival crowds gather."
)
HARVEST = (
    "The ministry of agriculture announced subsidies for apricot growers in the southern valley "
    "after a record harvest and falling export prices."
)


def test_related_fragments_share_a_thread_and_unrelated_open_new_ones() -> None:
    index = ThreadIndex()
    first = index.add(frag("f1", CONCERT), [ACTOR_A, LYON, HALL])
    second = index.add(frag("f2", CONCERT_2, T0 + timedelta(days=1)), [ACTOR_A, LYON, HALL])
    third = index.add(frag("f3", HARVEST, T0 + timedelta(days=1)))
    assert first.opened and not second.opened and third.opened
    assert second.thread_id == first.thread_id == "thread:f1"
    assert "actor:actor:red-hand" in second.shared_entities
    assert second.score >= index.threshold
    assert index.fragments_of("thread:f1") == ["f1", "f2"]
    assert index.add(frag("f2", CONCERT_2), []).thread_id == "thread:f1"  # idempotent


@pytest.mark.parametrize(
    ("mentions", "days_later", "joins"),
    [
        ([ACTOR_A, LYON, HALL], 2, True),  # same actor, place, venue, close in time
        ([ACTOR_A, LYON, HALL], 200, False),  # same everything, but months apart
        ([ACTOR_B, LYON, HALL], 1, False),  # another group at the same place
        ([ACTOR_A, OSLO], 1, False),  # same group, another city, other words
    ],
)
def test_attachment_case_table(mentions: list[Mention], days_later: int, joins: bool) -> None:
    index = ThreadIndex()
    index.add(frag("a", CONCERT), [ACTOR_A, LYON, HALL])
    text = "Intercepted messages mention preparations and a target list."
    got = index.add(frag("b", text, T0 + timedelta(days=days_later)), mentions)
    assert (got.thread_id == "thread:a") is joins


def test_view_exposes_grades_origins_graph_timeline_and_discrepancies() -> None:
    index = ThreadIndex()
    killed3 = m(MentionKind.CASUALTIES, {"kind": "killed", "count": 3}, "three killed")
    killed5 = m(MentionKind.CASUALTIES, {"kind": "killed", "count": 5}, "five killed")
    injured = m(MentionKind.CASUALTIES, {"kind": "injured", "count": 12}, "12 injured")
    text1 = "Gunmen attacked the Lyon concert hall on Friday. Three people were killed."
    friday = m(MentionKind.DATE, "2024-05-10", "Friday", text1.index("Friday"))
    text2 = "The attack on the Lyon concert hall on Thursday left five dead and 12 injured."
    thursday = m(MentionKind.DATE, "2024-05-09", "Thursday", text2.index("Thursday"))
    index.add(frag("a", text1, credibility=3), [ACTOR_A, LYON, HALL, killed3, friday])
    index.add(frag("b", text1, reliability="C"), [ACTOR_A, LYON, HALL, killed3, friday])
    index.add(frag("c", text2), [ACTOR_A, LYON, HALL, killed5, injured, thursday])
    view = index.view(index.thread_of("a"))
    assert view.fragments == [("a", "B3"), ("b", "C2"), ("c", "B2")]
    assert view.origin_clusters == {"a": ["a", "b"], "c": ["c"]}  # b copies a
    assert view.independent_origins == 2
    assert view.entity_graph.nodes["actor:actor:red-hand"] == 3
    assert ("actor:actor:red-hand", "place:city:2996944", 3) in view.entity_graph.edges
    by_subject = {d.subject: d for d in view.discrepancies}
    assert set(by_subject) == {"casualties.killed", "attack_date"}
    killed = [(v.value, v.fragment_ids) for v in by_subject["casualties.killed"].values]
    assert killed == [("3", ["a", "b"]), ("5", ["c"])]
    dates = [(v.value, v.fragment_ids) for v in by_subject["attack_date"].values]
    assert dates == [("2024-05-10", ["a", "b"]), ("2024-05-09", ["c"])]
    attacks = [e for e in view.timeline if e.kind is EventKind.ATTACK]
    assert [(e.date, e.fragment_ids) for e in attacks] == [
        ("2024-05-09", ["c"]),
        ("2024-05-10", ["a", "b"]),
    ]
    assert view.to_dict()["independent_origins"] == 2


@pytest.mark.parametrize(
    ("category", "text", "kind"),
    [
        ("warning", "Partner service passes on a specific threat.", EventKind.WARNING),
        ("alert", "Public advisory for the station.", EventKind.ALERT),
        ("request", "Please confirm the identity.", EventKind.REQUEST),
        ("report", "Police raided two flats in the suburb.", EventKind.RAID),
        ("report", "The group claimed responsibility online.", EventKind.CLAIM),
        ("report", "Three men were arrested at the airport.", EventKind.ARREST),
        ("report", "The ministry issued a statement at noon.", EventKind.STATEMENT),
        ("news", "A bomb exploded outside the embassy.", EventKind.ATTACK),
    ],
)
def test_event_kinds_from_category_and_cues(category: str, text: str, kind: EventKind) -> None:
    events = fragment_events(frag("x", text, category=category), [])
    assert kind.value in {e[0] for e in events.events}


@pytest.mark.parametrize(
    ("end", "as_of", "status"),
    [
        ("2024-05-12", None, WindowStatus.LAPSED),  # an attack on the 14th came after it
        ("2024-05-20", None, WindowStatus.OPEN),
        ("2024-05-20", datetime(2024, 6, 1, tzinfo=UTC), WindowStatus.LAPSED),
    ],
)
def test_windows_lapse_against_event_or_assessment_time(
    end: str, as_of: datetime | None, status: WindowStatus
) -> None:
    window = m(MentionKind.WINDOW, {"start": "2024-05-10", "end": end}, "within days")
    warning = fragment_events(
        frag("w", "Attack expected within days.", category="warning"), [window]
    )
    text = "Gunmen attacked the market on May 14."
    attack = fragment_events(frag("a", text), [m(MentionKind.DATE, "2024-05-14", "May 14", 30)])
    timeline = build_timeline({"w": warning, "a": attack}, as_of)
    windows = [e for e in timeline if e.kind is EventKind.WINDOW]
    assert [(w.date, w.end, w.status, w.fragment_ids) for w in windows] == [
        ("2024-05-10", end, status, ["w"])
    ]


def test_casualty_qualifiers_are_part_of_the_value() -> None:
    got = casualty_values(
        [
            m(MentionKind.CASUALTIES, {"kind": "killed", "count": 12, "qualifier": "at_least"}),
            m(MentionKind.CASUALTIES, {"kind": "injured", "count": "many"}),
            m(MentionKind.CASUALTIES, {"kind": "killed", "count": 12, "qualifier": "at_least"}),
        ]
    )
    assert got == [("killed", "at least 12")]
    assert find_discrepancies({"a": got, "b": [("killed", "12")]}, {})[0].subject == (
        "casualties.killed"
    )


def test_entity_keys_skip_structured_and_unweighted_kinds() -> None:
    keys = entity_keys([ACTOR_A, m(MentionKind.DATE, "2024-01-01"), m(MentionKind.PERSON, "Ali K")])
    assert keys == {"actor:actor:red-hand": 3.0, "person:ali k": 0.75}


def test_round_trip_restores_threads_and_keeps_attaching() -> None:
    index = ThreadIndex()
    index.add(frag("a", CONCERT), [ACTOR_A, LYON, HALL])
    index.add(frag("h", HARVEST))
    restored = ThreadIndex.from_dict(index.to_dict())
    assert restored.assignments() == index.assignments()
    got = restored.add(frag("b", CONCERT_2, T0 + timedelta(hours=3)), [ACTOR_A, LYON, HALL])
    assert got.thread_id == "thread:a"
    assert restored.view("thread:a").independent_origins == 2


WORDS = ["bomb", "lyon", "market", "cell", "festival", "port", "harvest", "apricot", "train"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), max_size=12))
def test_every_fragment_lands_in_exactly_one_thread(texts: list[list[str]]) -> None:
    index = ThreadIndex()
    for i, words in enumerate(texts):
        index.add(frag(f"f{i}", " ".join(words)), [ACTOR_A] if i % 2 else [])
    members = [fid for tid in index.thread_ids() for fid in index.fragments_of(tid)]
    assert sorted(members) == sorted(f"f{i}" for i in range(len(texts)))
    for tid in index.thread_ids():
        view = index.view(tid)
        assert view.independent_origins <= len(view.fragments)


def _actor(value: str, parent: str | None = None) -> Mention:
    mention = m(MentionKind.ACTOR, value)
    if parent:
        mention.detail["parent"] = parent
    return mention


def _city(value: str, country: str) -> Mention:
    mention = m(MentionKind.PLACE, value)
    mention.detail.update(type="city", country=country)
    return mention


WARNING = (
    "Intercepts point to a cell preparing to strike the Steppe Crown concert hall before the "
    "holiday; the facilitator asked about tickets."
)
CLAIM = (
    "A statement on the group's channel celebrated the soldiers who struck the Steppe Crown "
    "concert hall during the holiday concert."
)


@pytest.mark.parametrize(
    ("first", "second", "together"),
    [
        # a claim in the parent's name on a branch's attack: kin, not rivals
        ([_actor("un:branch-k", "ca:core")], [_actor("ca:core")], True),
        ([_actor("ca:core")], [_actor("un:branch-k", "ca:core")], True),
        # two branches of one parent are still two actors
        ([_actor("un:branch-k", "ca:core")], [_actor("un:branch-w", "ca:core")], False),
        # a city and its country, or two cities of one country, do not conflict
        (
            [ACTOR_A, _city("city:1526384", "KZ")],
            [ACTOR_A, m(MentionKind.PLACE, "country:KZ")],
            True,
        ),
        ([ACTOR_A, _city("city:1526384", "KZ")], [ACTOR_A, _city("city:1526273", "KZ")], True),
        ([ACTOR_A, _city("city:1526384", "KZ")], [ACTOR_A, _city("city:2911298", "DE")], False),
    ],
)
def test_related_entities_are_not_conflicts(
    first: list[Mention], second: list[Mention], together: bool
) -> None:
    index = ThreadIndex(track_origins=False)
    a = index.add(frag("a", WARNING), [*first, HALL])
    b = index.add(frag("b", CLAIM, T0 + timedelta(days=2)), [*second, HALL])
    assert (a.thread_id == b.thread_id) is together


def test_weeks_between_warning_and_attack_keep_one_thread() -> None:
    index = ThreadIndex(track_origins=False)
    almaty = _city("city:1526384", "KZ")
    a = index.add(frag("a", WARNING), [ACTOR_A, almaty])
    b = index.add(frag("b", CLAIM, T0 + timedelta(days=14)), [ACTOR_A, almaty])
    assert a.thread_id == b.thread_id


def test_related_keys_survive_a_round_trip() -> None:
    index = ThreadIndex(track_origins=False)
    index.add(frag("a", WARNING), [_actor("un:branch-k", "ca:core"), _city("city:1", "KZ")])
    again = ThreadIndex.from_dict(index.to_dict())
    b = again.add(
        frag("b", CLAIM, T0 + timedelta(days=1)), [_actor("ca:core"), _city("city:1", "KZ")]
    )
    assert b.thread_id == index.thread_of("a")
