"""A target type an article names in passing is not the thread's target.

Beside a shared city, the same specific target type corroborates a shared name
(``threads._same_target``). A thread's target is the one its leads name: its
articles also mention other targets in passing ("checks at ports and stations"),
and a port's trade figures from the same city share nothing else with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2025, 9, 14, 10, tzinfo=UTC)
STORY = (
    "A bomb hidden in the luggage hold of a coach exploded at the central bus terminal in "
    "Portmere on Sunday, police said, and the blast set fire to the ticket kiosks beside it. "
    "Sniffer dogs searched every other coach, hospitals appealed for blood donors and relatives "
    "queued at a tracing desk with photographs of passengers. Porters, hawkers and drivers "
    "described thick smoke and screaming, and the coach companies suspended their night "
    "services on the highway until further notice while detectives examined the wreck. "
    "The government ordered tighter checks at ports and railway stations along the coast."
)
NAMES = [
    ("Portmere", "city:900001"),
    ("bus terminal", "bus_station"),
    ("ports", "port"),
    ("port", "port"),
    ("railway stations", "railway_station"),
]


def frag(fid: str, title: str, body: str, hours: float = 0) -> Fragment:
    at = T0 + timedelta(hours=hours)
    return Fragment(
        id=fid, title=title, body=body, reported_at=at, received_at=at, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="B",
        credibility=2,
    )  # fmt: skip


def mentions(f: Fragment) -> list[Mention]:
    text, out = f.text, []
    for phrase, value in NAMES:
        kind = MentionKind.PLACE if value.startswith("city:") else MentionKind.VENUE
        for k in range(len(text)):
            end = k + len(phrase)
            if text.startswith(phrase, k) and not text[end : end + 1].isalpha():
                out.append(Mention(kind, phrase, k, k + len(phrase), value))
    return out


def add(index: ThreadIndex, f: Fragment) -> str:
    return index.add(f, mentions(f)).thread_id


def two_articles() -> tuple[ThreadIndex, str]:
    index = ThreadIndex(track_origins=False)
    thread = add(index, frag("a", "Bus bomb in Portmere", STORY))
    add(index, frag("b", "Portmere terminal blast", STORY, hours=3))
    return index, thread


def test_a_target_named_in_passing_does_not_corroborate_the_city() -> None:
    index, thread = two_articles()
    trade = frag("port", "Portmere port handles record volumes", (
        "The port of Portmere handled a record number of containers in August as shipping lines "
        "diverted cargo from other harbours, the authority said."
    ), hours=6)  # fmt: skip
    assert add(index, trade) != thread


def test_the_target_the_leads_name_still_corroborates_the_city() -> None:
    index, thread = two_articles()
    note = frag("n", "Portmere bus terminal reopens", (
        "The bus terminal in Portmere reopened on Tuesday under heavy guard."
    ), hours=30)  # fmt: skip
    assert add(index, note) == thread
