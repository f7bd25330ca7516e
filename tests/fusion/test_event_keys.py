"""Event keys, date conflicts, short items and idle-thread retirement (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tearline.fusion.evidence import EVENT_KEY_WEIGHT, REGION_WEIGHT, entity_keys
from tearline.fusion.threads import RETIRE_DAYS, RETIRE_EVERY, ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def m(kind: MentionKind, value: object, **detail: object) -> Mention:
    return Mention(kind, str(value), 0, 1, value, 1.0, dict(detail))


def frag(fid: str, title: str, body: str, at: datetime = T0) -> Fragment:
    return Fragment(
        id=fid, title=title, body=body, reported_at=at, received_at=at, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="C", credibility=3,
    )  # fmt: skip


def test_event_keys_name_the_happening_not_what_it_mentions() -> None:
    keys = entity_keys([
        m(MentionKind.VENUE, "named:aurora-concert-hall", name="Aurora Concert Hall"),
        m(MentionKind.VENUE, "concert_hall"),
        m(MentionKind.DATE, "2025-03-22", year_given=False),
        m(MentionKind.DATE, "2025-03-21", assumed="past"),  # "on Friday": depends on filing date
        m(MentionKind.CASUALTIES, {"kind": "killed", "count": 137}),
        m(MentionKind.CASUALTIES, {"kind": "injured", "count": 1}),  # too common to key on
        m(MentionKind.PLACE, "region:US-CA"),
    ])
    assert keys["venue:named:aurora-concert-hall"] == EVENT_KEY_WEIGHT
    assert keys["date:03-22"] == EVENT_KEY_WEIGHT
    assert keys["casualties:killed:137"] == EVENT_KEY_WEIGHT
    assert "date:03-21" not in keys and "casualties:injured:1" not in keys
    assert keys["venue:concert_hall"] < EVENT_KEY_WEIGHT
    assert keys["place:region:US-CA"] == REGION_WEIGHT < EVENT_KEY_WEIGHT


STORY = ("Gunmen stormed the Aurora Concert Hall on Friday evening and opened fire on people "
         "queuing in the foyer before setting the auditorium alight.")  # fmt: skip
SAME = ("Witnesses described gunmen opening fire in the foyer of the Aurora Concert Hall before "
        "flames spread through the auditorium on Friday.")  # fmt: skip


def test_a_shared_event_key_joins_and_an_unshared_one_does_not_dilute() -> None:
    venue = m(MentionKind.VENUE, "named:aurora-concert-hall")
    city = m(MentionKind.PLACE, "city:551487")
    index = ThreadIndex()
    first = index.add(frag("a", "Concert hall attack", STORY), [venue, city])
    other_text = "Officials gave few details of how the gunmen reached the auditorium."
    # Shares the city (and a few of the story's words, so the city counts); an
    # extra date it names but the thread does not must not weigh against it.
    bare = ThreadIndex.from_dict(index.to_dict())
    with_date = ThreadIndex.from_dict(index.to_dict())
    a = bare.add(frag("b", "", other_text), [city])
    b = with_date.add(frag("b", "", other_text), [city, m(MentionKind.DATE, "2025-02-20",
                                                           year_given=False)])
    assert a.entity_overlap == b.entity_overlap > 0
    joined = index.add(frag("c", "", SAME), [venue])
    assert joined.thread_id == first.thread_id and "venue:named:aurora-concert-hall" in (
        joined.shared_entities)


def test_dates_far_apart_weigh_against_a_thread_but_a_plot_spanning_weeks_does_not() -> None:
    city = m(MentionKind.PLACE, "city:551487")

    def score(day: str) -> float:
        index = ThreadIndex()
        index.add(frag("a", "", STORY), [city, m(MentionKind.DATE, "2025-03-01", year_given=True)])
        att = index.add(frag("b", "", SAME), [city, m(MentionKind.DATE, day, year_given=True)])
        return att.score

    assert score("2025-03-01") >= score("2025-03-20") > score("2025-07-15")


def test_a_headline_joins_its_story_on_words_alone() -> None:
    index = ThreadIndex()
    long = frag("a", "Suicide bomber kills 26 at railway station", " ".join([
        "A suicide bomber blew himself up on a crowded railway station platform on Saturday,",
        "killing 26 people, most of them soldiers waiting for the morning train to the north.",
        "Rescue workers carried the wounded from the platform as trains were suspended.",
        "Separatists claimed the bombing in a statement sent to reporters.",
    ] * 3))  # fmt: skip
    first = index.add(long)
    short = index.add(frag("s", "Trains suspended after station bombing", ""))
    assert not short.opened and short.thread_id == first.thread_id
    unrelated = index.add(frag("u", "Farm prices rise after a wet spring", ""))
    assert unrelated.opened


def test_idle_threads_are_retired_but_keep_what_they_show() -> None:
    index = ThreadIndex()
    old = index.add(frag("old", "", STORY))
    later = T0 + timedelta(days=RETIRE_DAYS + 5)
    for i in range(RETIRE_EVERY):
        index.add(frag(f"n{i}", "", f"Unrelated item number {i} about harvest {i} weather.",
                       later + timedelta(minutes=i)))  # fmt: skip
    view = index.view(old.thread_id)
    assert [f for f, _ in view.fragments] == ["old"]
    # Retired: even an exact copy dated now opens a thread of its own.
    again = index.add(frag("copy", "", STORY, later + timedelta(days=1)))
    assert again.opened
    restored = ThreadIndex.from_dict(index.to_dict())
    assert restored.fragments_of(old.thread_id) == ["old"]
