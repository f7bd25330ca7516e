"""Officials' quotes that independent outlets all print do not make one report a copy.

Sentence containment is the share of the shorter report's *plain* sentences the
other prints: a short independent report that prints two statements of the same
spokesmen and a stock background sentence is not a copy of a long report that
prints them too, while a copy cut to a third of its source still is one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tearline.fusion.origins import OriginIndex
from tearline.model.fragment import Fragment

T0 = datetime(2025, 6, 17, 9, tzinfo=UTC)
QUOTES = [
    '"The terrorists wanted to strike at the heart of our security forces, and they failed," '
    "the army spokesman said.",
    '"We are treating wounds we usually only see at the front," said a surgeon at the hospital.',
]
STOCK = (
    "Five days earlier nine soldiers were killed when militants attacked a checkpoint on the "
    "road into the capital."
)
LONG = [
    "Gunmen attacked the national police academy before dawn on Tuesday, killing at least "
    "twenty people, most of them cadets asleep in their dormitories, security sources said.",
    "A car packed with explosives blew a hole in the perimeter wall and the attackers then "
    "went from building to building firing at trainees as they tried to escape.",
    "Soldiers from the airport garrison were sent to the compound and helicopters circled "
    "over the district for several hours while residents were told to stay indoors.",
    "The main hospital received dozens of the wounded and its surgeons operated through the "
    "day while hundreds of residents queued outside the transfusion centre to give blood.",
    "By Wednesday six people had been detained, among them a mechanic suspected of fitting "
    "out the car and a guard who was questioned about the layout of the dormitories.",
    "Flights were suspended for most of the morning and several airlines cancelled their "
    "evening services, while soldiers sealed the road to the terminal and turned cars back.",
    *QUOTES,
    STOCK,
]
OWN = [
    "Residents of the southern district woke to a deafening blast and hours of shooting, and "
    "many families fled towards the river carrying small children and whatever they could.",
    "Shopkeepers kept their shutters down on Wednesday and the local market stood almost "
    "empty, with traders saying they feared a second wave of violence after nightfall.",
    "Diplomats said the raid, a few kilometres from the palace, showed how far the "
    "insurgency had spread beyond its rural strongholds in the north and the centre.",
]


def frag(fid: str, paragraphs: list[str], hours: float = 0) -> Fragment:
    at = T0 + timedelta(hours=hours)
    return Fragment(
        id=fid, title="Report", body="\n\n".join(paragraphs), reported_at=at, received_at=at,
        originator="t", source_name="t", source_kind="news", source_agency="t",
        reliability="C", credibility=3,
    )  # fmt: skip


def test_shared_quotes_and_stock_background_do_not_make_a_copy() -> None:
    index = OriginIndex()
    index.add(frag("long", LONG))
    index.add(frag("short", [OWN[0], *QUOTES, OWN[1], STOCK, OWN[2]], hours=4))
    assert index.cluster_of("short") != index.cluster_of("long")


def test_a_copy_cut_to_a_third_still_joins_its_source() -> None:
    index = OriginIndex()
    index.add(frag("long", LONG))
    index.add(frag("copy", [LONG[0], LONG[1], QUOTES[0]], hours=4))
    assert index.cluster_of("copy") == index.cluster_of("long")
