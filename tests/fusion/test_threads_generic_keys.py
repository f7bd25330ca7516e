"""Generic keys must not merge stories (issue 11, session 3).

A lone city, a country or a casualty figure is shared by many unrelated
reports. Each case below failed before the corroboration rule in
``ThreadIndex._best``: the distractor joined the story's thread.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tearline.fusion.evidence import name_words
from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2025, 11, 8, 12, tzinfo=UTC)

BOMBING = (
    "A suicide bomber blew himself up among passengers waiting on the main platform of the "
    "railway station in Quetta on Saturday, killing 26 people. The bomber carried a heavy bag "
    "packed with ball bearings, police in Quetta said, and the blast tore the roof off the "
    "platform. Trains were suspended while investigators searched the tracks."
)

def city(text: str = "Quetta") -> Mention:
    return Mention(MentionKind.PLACE, text, 0, len(text), "city:1167528", 0.9,
                   {"type": "city", "country": "PK", "name": "Quetta"})  # fmt: skip


def killed(n: int) -> Mention:
    return Mention(MentionKind.CASUALTIES, f"{n} killed", 0, 1, {"kind": "killed", "count": n})


def frag(fid: str, title: str, body: str) -> Fragment:
    return Fragment(
        id=fid, title=title, body=body, reported_at=T0, received_at=T0, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="C", credibility=3,
    )  # fmt: skip


def story() -> tuple[ThreadIndex, str]:
    index = ThreadIndex(track_origins=False)
    first = index.add(frag("bomb", "Bomber kills 26 at Quetta railway station", BOMBING),
                      [city(), city(), killed(26)])  # fmt: skip
    return index, first.thread_id


def test_a_city_named_alone_does_not_pull_another_story_in() -> None:
    index, thread = story()
    sport = index.add(
        frag("cricket", "Quetta side wins provincial cricket final",
             "The Quetta team beat Gwadar by six wickets in the cricket final on Sunday."),
        [city(), city()],
    )
    assert sport.thread_id != thread
    assert sport.entity_overlap == 0.0  # the name is already in the cosine, once


def test_a_city_with_the_story_s_words_still_joins() -> None:
    index, thread = story()
    short = index.add(frag("alert", "Quetta station blast: bomber struck waiting passengers", ""),
                      [city()])  # fmt: skip
    assert short.thread_id == thread and short.entity_overlap > 0


def test_a_casualty_figure_alone_is_not_evidence() -> None:
    index, thread = story()
    # Another incident with the same toll, no shared name, few shared words.
    other = index.add(frag("flood", "", "Floods in the north left 26 dead, officials said."),
                      [killed(26)])  # fmt: skip
    assert other.thread_id != thread
    assert "casualties:killed:26" not in other.shared_entities


def test_a_casualty_figure_beside_a_shared_name_counts() -> None:
    index, _ = story()
    text = "Officials in Quetta said the toll from the station bombing had reached 26."
    bare = ThreadIndex.from_dict(index.to_dict()).add(frag("x", "", text), [city()])
    toll = ThreadIndex.from_dict(index.to_dict()).add(frag("x", "", text), [city(), killed(26)])
    assert "casualties:killed:26" in toll.shared_entities
    assert toll.score > bare.score


def test_name_words_are_the_names_terms() -> None:
    words = name_words([city("Quetta"), killed(3),
                        Mention(MentionKind.ACTOR, "Balochistan Liberation Army", 0, 1, "ca:1")])
    assert words == {"quetta", "balochistan", "liberation", "army"}


def test_a_toll_one_stray_member_brought_in_does_not_hold_a_wrong_merge() -> None:
    # The thread's own toll is 26 (three reports); one report that had no
    # business there brought 14. A later report of that other incident must not
    # be pulled in by the 14: that is how one wrong merge became many in the
    # synthetic stream.
    index, _ = story()
    for k in range(2):
        index.add(frag(f"more{k}", "", BOMBING), [city(), killed(26)])
    index.add(frag("stray", "", "Police in Quetta said a drone struck a stadium."),
              [city(), killed(14)])  # fmt: skip
    text = "Officials in Quetta said the toll had reached the figure given earlier."
    own = ThreadIndex.from_dict(index.to_dict()).add(frag("x", "", text), [city(), killed(26)])
    stray = ThreadIndex.from_dict(index.to_dict()).add(frag("x", "", text), [city(), killed(14)])
    assert "casualties:killed:26" in own.shared_entities
    assert "casualties:killed:14" not in stray.shared_entities



def test_a_headline_matches_its_story_s_words_in_either_number() -> None:
    # "Bombers", "platforms" in the headline; "bomber", "platform" in the story.
    # The headline names nothing, so its words are all it has.
    index, thread = story()
    alert = index.add(frag("alert", "Bombers hit platforms", ""), [])
    assert alert.thread_id == thread


def test_a_headline_that_came_first_is_folded_into_its_story() -> None:
    # The alert arrives before any article, so it opens a thread of its own;
    # the article that follows must bring it in rather than leave the story split.
    index = ThreadIndex(track_origins=False)
    alert = index.add(frag("alert", "Investigators search tracks for ball bearings after blast",
                           ""), [])  # fmt: skip
    article = index.add(frag("bomb", "Bomber kills 26 at Quetta railway station", BOMBING),
                        [city(), killed(26)])  # fmt: skip
    assert alert.opened and article.opened  # nothing to join at either arrival
    assert index.thread_of("alert") == index.thread_of("bomb") == article.thread_id
    assert index.thread_ids() == [article.thread_id] and len(index) == 1
    restored = ThreadIndex.from_dict(index.to_dict())
    assert restored.thread_ids() == [article.thread_id] and len(restored) == 1
    assert restored.fragments_of(article.thread_id) == ["bomb", "alert"]


def test_a_short_thread_of_another_city_is_not_folded() -> None:
    index = ThreadIndex(track_origins=False)
    other = Mention(MentionKind.PLACE, "Kabul", 0, 5, "city:1138958", 0.9,
                    {"type": "city", "country": "AF", "name": "Kabul"})  # fmt: skip
    index.add(frag("alert", "Bomber strikes crowded Kabul railway platform, casualties feared",
                   ""), [other])  # fmt: skip
    index.add(frag("bomb", "Bomber kills 26 at Quetta railway station", BOMBING),
              [city(), killed(26)])  # fmt: skip
    assert index.thread_of("alert") != index.thread_of("bomb")


def venue(text: str, target: str) -> Mention:
    return Mention(MentionKind.VENUE, text, 0, len(text), target, 0.9)


def almaty() -> Mention:
    return Mention(MentionKind.PLACE, "Almaty", 0, 6, "city:1526384", 0.9,
                   {"type": "city", "country": "KZ", "name": "Almaty"})  # fmt: skip


INTERCEPT = (
    "Intercepted voice traffic between a facilitator in Afghanistan and a man in Almaty refers "
    "to preparations for an operation at 'the concert'. The Almaty contact said four brothers "
    "were in place and the tools would be collected in early March."
)
CELL = (
    "A source reports that four men have rented a flat in Almaty's Alatau district and are "
    "trying to buy automatic rifles through a dealer at a car market. They visited a concert "
    "venue on the city's western edge, the source heard second-hand."
)


def test_a_city_with_the_event_s_venue_joins_the_event() -> None:
    # The demo's cell report (MJIC-HUM-2025-0226): its words barely overlap the
    # intercept's, but "the concert" and "a concert venue" name one target.
    index = ThreadIndex(track_origins=False)
    first = index.add(frag("sig", "Facilitator discusses 'concert' operation in Almaty", INTERCEPT),
                      [almaty(), almaty(), venue("concert", "public_event")])  # fmt: skip
    cell = index.add(frag("hum", "Almaty: four-man cell trying to obtain rifles", CELL),
                     [almaty(), venue("market", "market"),
                      venue("concert venue", "concert_hall")])  # fmt: skip
    assert cell.thread_id == first.thread_id and cell.entity_overlap > 0


def test_a_city_and_a_generic_target_type_do_not_corroborate() -> None:
    # a market, or a festival, is in every city's news: a guard for any future
    # target-type corroboration (it fails if the generic types corroborated)
    index = ThreadIndex(track_origins=False)
    index.add(frag("sig", "Facilitator discusses 'concert' operation in Almaty", INTERCEPT),
              [almaty(), almaty(), venue("concert", "public_event"),
               venue("market", "market")])  # fmt: skip
    fair = index.add(frag("fair", "Almaty: spring fair opens at the central market",
                          "Traders at the Green Bazaar in Almaty expect record crowds as the "
                          "spring festival season opens with folk music."),
                     [almaty(), venue("market", "market"), venue("festival", "public_event")])
    assert {"venue:market", "venue:public_event"} <= set(fair.shared_entities)
    # the shared city stays uncorroborated: the names add nothing to the words
    assert fair.entity_overlap == 0.0, fair
