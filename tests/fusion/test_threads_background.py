"""An older incident that a thread's articles recall in background is not the thread's story.

Long articles end (or open) with paragraphs about earlier attacks in the same
city, so a thread's names and tolls include the earlier incident's. The earlier
incident's own report then shares the group, the city and the official quoted
with the thread, while its lead reports a toll no lead of the thread reports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2025, 9, 14, 10, tzinfo=UTC)
MAIN = (
    "A bomb hidden in the luggage hold of a bus exploded at the central bus terminal in "
    "Lyon on Sunday, killing 19 people and wounding 47, police said. The coach was about "
    "to leave for the capital with sixty passengers on board, and the blast set fire to the "
    "ticket kiosks and two minibuses parked beside it. The Red Hand group claimed the "
    "bombing on its radio station. Commander Ada Brun said the bomb was loaded with the "
    "luggage at a depot before dawn and set off by a timer; sniffer dogs searched every "
    "other coach. Hospitals appealed for blood donors, relatives queued at a tracing desk "
    "with photographs of passengers, and bus companies suspended night services on the "
    "highway while porters, hawkers and drivers described the smoke and the screaming."
)
BACKGROUND = (
    "Three days earlier attackers threw a grenade into a church in Lyon during an evening "
    "service, wounding 11 worshippers, an attack police also blamed on the Red Hand."
)
OLDER = (
    "Two people died and 11 worshippers were hurt when a grenade was "
    "thrown into a church in Lyon during Thursday evening prayers, police said. The "
    "assailants fled on a motorcycle. A police spokesman said it bore the hallmarks of the "
    "Red Hand and that more officers would guard places of worship. Church leaders called "
    "for calm and said Sunday services would go ahead. The wounded, among them a choir "
    "singer and a deacon, had shrapnel injuries; the pastor said the congregation had "
    "received threatening letters last year, and neighbours described a deafening bang, "
    "shattered stained glass and pews thrown across the nave."
)


def frag(fid: str, title: str, body: str, at: datetime) -> Fragment:
    return Fragment(
        id=fid, title=title, body=body, reported_at=at, received_at=at, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="B",
        credibility=2,
    )  # fmt: skip


def mentions(f: Fragment) -> list[Mention]:
    """The names and tolls of these texts, at the positions where the text states them."""
    text, found = f.text, []
    for phrase, kind, value in [
        ("Lyon", MentionKind.PLACE, "city:2996944"),
        ("Red Hand", MentionKind.ACTOR, "actor:red-hand"),
        ("Ada Brun", MentionKind.PERSON, "Ada Brun"),
        ("church", MentionKind.VENUE, "church"),
        ("bus terminal", MentionKind.VENUE, "bus_station"),
        ("killing 19", MentionKind.CASUALTIES, {"kind": "killed", "count": 19}),
        ("wounding 47", MentionKind.CASUALTIES, {"kind": "injured", "count": 47}),
        ("11 worshippers", MentionKind.CASUALTIES, {"kind": "injured", "count": 11}),
    ]:
        start = text.find(phrase)
        while start >= 0:
            found.append(Mention(kind, phrase, start, start + len(phrase), value))
            start = text.find(phrase, start + 1)
    return found


def add(index: ThreadIndex, f: Fragment) -> str:
    return index.add(f, mentions(f)).thread_id


def bombing_thread() -> tuple[ThreadIndex, str]:
    """An index holding the bus bombing reported twice (two leads agree on its toll)."""
    index = ThreadIndex(track_origins=False)
    thread = add(index, frag("a", "Bus bomb kills 19 in Lyon", f"{MAIN}\n\n{BACKGROUND}", T0))
    add(index, frag("b", "Lyon terminal blast", f"{MAIN}\n\n{BACKGROUND}", T0 + timedelta(hours=5)))
    return index, thread


def add_with_toll(index: ThreadIndex, f: Fragment, phrase: str, count: int) -> str:
    """``add``, with a killed toll ``mentions`` does not know, where ``phrase`` stands."""
    at = f.text.find(phrase)
    toll = Mention(MentionKind.CASUALTIES, phrase, at, at + len(phrase),
                   {"kind": "killed", "count": count})  # fmt: skip
    return index.add(f, [*mentions(f), toll]).thread_id


def test_an_older_incident_recalled_in_background_keeps_its_own_thread() -> None:
    index = ThreadIndex(track_origins=False)
    main = frag("a", "Bus bomb kills 19 in Lyon", f"{MAIN}\n\n{BACKGROUND}", T0)
    thread = add(index, main)
    other = frag("b", "Lyon terminal blast", f"{MAIN}\n\n{BACKGROUND}", T0 + timedelta(hours=5))
    assert add(index, other) == thread
    older = frag("old", "Grenade attack on church", OLDER, T0 - timedelta(days=3))
    assert add(index, older) != thread


def test_a_report_on_the_same_toll_still_joins_on_names() -> None:
    index = ThreadIndex(track_origins=False)
    thread = add(index, frag("a", "Bus bomb kills 19 in Lyon", f"{MAIN}\n\n{BACKGROUND}", T0))
    short = (
        "Commander Ada Brun said on Monday that the Red Hand bombing in Lyon, killing 19 "
        "and wounding 47, had been planned for weeks; four suspects were arrested."
    )
    assert add(index, frag("c", "Arrests after Lyon bombing", short, T0 + timedelta(1))) == thread


def test_a_rising_toll_with_the_story_words_still_joins() -> None:
    # A follow-up whose lead gives a new toll is still the story when its words are.
    index = ThreadIndex(track_origins=False)
    thread = add(index, frag("a", "Bus bomb kills 19 in Lyon", f"{MAIN}\n\n{BACKGROUND}", T0))
    later = MAIN.replace("killing 19", "killing 23").replace("wounding 47", "wounding 52")
    f = frag("d", "Lyon bus bomb toll rises", later, T0 + timedelta(days=1))
    assert add_with_toll(index, f, "killing 23", 23) == thread


def test_a_new_incident_does_not_join_the_older_one_it_recalls() -> None:
    # The other way round: the older incident's report came first.
    index = ThreadIndex(track_origins=False)
    older = add(index, frag("old", "Grenade attack on church", OLDER, T0 - timedelta(days=3)))
    main = frag("a", "Bus bomb kills 19 in Lyon", f"{MAIN}\n\n{BACKGROUND}", T0)
    assert add(index, main) != older


def test_a_restored_index_keeps_the_thread_lead_tolls() -> None:
    index, thread = bombing_thread()
    restored = ThreadIndex.from_dict(index.to_dict())
    older = frag("old", "Grenade attack on church", OLDER, T0 - timedelta(days=3))
    assert add(restored, older) != thread


def test_a_higher_toll_of_the_same_kind_days_later_is_an_update_not_another_incident() -> None:
    # The demo's "Updated casualty figures" report: a higher death toll, three days on,
    # with none of the earlier figures and few of the story's words.
    index, thread = bombing_thread()
    update = frag(
        "u", "Updated casualty figures from the Lyon bus bombing",
        "Police in Lyon say 23 people were killed by the Red Hand bombing at the bus "
        "terminal. Identification of the dead continues and 30 remain in hospital.",
        T0 + timedelta(days=3),
    )  # fmt: skip
    assert add_with_toll(index, update, "23 people were killed", 23) == thread


def test_a_higher_toll_reported_before_the_thread_began_is_another_incident() -> None:
    # An update never precedes its incident: an earlier report with a higher toll
    # of the same kind is an older incident's own report.
    index, thread = bombing_thread()
    older = frag(
        "o", "Market bomb kills 31 in Lyon",
        "A bomb at the covered market in Lyon killed 31 people, police said. Commander Ada "
        "Brun blamed the Red Hand group for the blast among the stalls.",
        T0 - timedelta(days=40),
    )  # fmt: skip
    assert add_with_toll(index, older, "killed 31 people", 31) != thread
