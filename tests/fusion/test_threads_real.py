"""Threads on long-form, multi-outlet reporting: issue 11's causes 3 and 4 and generic keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tearline.fusion.background import idf
from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2025, 3, 15, 8, tzinfo=UTC)


def frag(fid: str, title: str, body: str, hours: float = 0) -> Fragment:
    at = T0 + timedelta(hours=hours)
    return Fragment(
        id=fid, title=title, body=body, reported_at=at, received_at=at, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="F", credibility=6,
    )  # fmt: skip


def m(kind: MentionKind, value: str) -> Mention:
    return Mention(kind, value, 0, len(value), value)


# Two outlets' own words about one attack; each also has paragraphs of its own.
OUTLET_A = (
    "Four gunmen burst into the Aurora Concert Hall in Kazan on Friday evening and opened fire "
    "on people queuing in the foyer before setting the auditorium ablaze. The Investigative "
    "Committee put the death toll at 137 and said the gunmen had fled towards the regional "
    "border. Commuters in the northern suburbs complained about the new tram timetable."
)
OUTLET_B = (
    "Survivors of the massacre at Kazan's Aurora Concert Hall described crawling between seats "
    "as gunmen fired into the crowd and then set fire to the building; 137 people died. "
    "Investigators said the gunmen were detained near the regional border. Separately, farmers "
    "expect a record wheat harvest this summer."
)


def test_background_weights_do_not_depend_on_the_store() -> None:
    # Cause 3: IDF over the store's own history weighed a story's shared words
    # least in a young store. The weight of a word is now the same whatever
    # the store holds.
    assert idf("aurora", 2, 2) == idf("aurora", 2, 1_000_000) == idf("aurora", 900, 1000)
    assert idf("aurora", 2, 2) > idf("hall", 2, 2) > idf("people", 2, 2)
    # A word the background does not know counts as rare in a young store.
    assert idf("zzqxv", 2, 5) > idf("kazan", 2, 5) * 0.8


def test_two_outlets_on_one_attack_share_a_thread_in_a_young_store() -> None:
    index = ThreadIndex(track_origins=False)
    a = index.add(frag("a", "Gunmen kill 137 at Kazan concert hall", OUTLET_A))
    b = index.add(frag("b", "Survivors describe Aurora hall massacre", OUTLET_B, hours=20))
    assert b.thread_id == a.thread_id, b


FILLER = " ".join(
    f"{w}{n}" for n, w in enumerate(["market", "harvest", "weather", "tram", "bridge"] * 50)
)


def test_entity_evidence_does_not_vanish_for_long_articles() -> None:
    # Cause 4: the entity weight shrank to 0.02-0.06 for a long text.
    actor, city, hall = (
        m(MentionKind.ACTOR, "actor:red-hand"),
        m(MentionKind.PLACE, "city:2996944"),
        m(MentionKind.VENUE, "concert_hall"),
    )
    index = ThreadIndex(track_origins=False)
    a = index.add(frag("a", "Warning", "Red Hand cell plans to strike a Lyon venue."), [
        actor, city, hall])  # fmt: skip
    long_body = "The group struck on Saturday. " + FILLER
    b = index.add(frag("b", "Long feature", long_body, hours=30), [actor, city, hall])
    assert b.thread_id == a.thread_id
    assert b.entity_overlap == 1.0


def test_a_country_and_the_word_market_do_not_merge_stories() -> None:
    index = ThreadIndex(track_origins=False)
    ru, market = m(MentionKind.PLACE, "country:RU"), m(MentionKind.VENUE, "market")
    a = index.add(frag("a", "Blast at Kazan market", "A bomb exploded at a Kazan market stall."),
                  [ru, market, m(MentionKind.PLACE, "city:551487")])  # fmt: skip
    b = index.add(
        frag("b", "Russian stocks slip as market weighs new sanctions",
             "Shares fell 1.2 per cent on Monday as investors weighed sanctions on banks.", 4),
        [ru, market],
    )  # fmt: skip
    assert b.thread_id != a.thread_id
