"""A story printed many times is one origin held together by one link per copy.

Each arriving copy used to be compared with, and linked to, every earlier
copy its index buckets returned, so a story printed k times carried about
k²/2 links: on ECB+ texts cycled to 100,000 articles that was a 1.26 GB saved
state and most of the writer's last minutes. A copy is now compared only with
candidates outside its cluster, so it records one link per cluster it joins,
and the clusters are the same as when every pair was linked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tearline.fusion.origins import OriginIndex
from tearline.model.fragment import Fragment

T0 = datetime(2026, 3, 9, 6, tzinfo=UTC)

STORY = "\n".join([
    "A fire that started in a bakery on Weaver Lane spread to four neighbouring shops in "
    "Harrowgate early on Monday, and firefighters needed five hours to bring it under control.",
    "Station officer Lena Brandt said crews had been called shortly after three in the morning "
    "by a taxi driver who saw smoke coming from the bakery's back door.",
    "Residents of the flats above the shops were led down a ladder at the rear of the block, "
    "and two of them were treated at the scene for smoke inhalation.",
    "The lane will stay closed to traffic until structural engineers have checked the walls of "
    "the burnt-out buildings, the town council said in a statement.",
    "The owner of the bakery, which opened in the year the railway arrived, told neighbours "
    "that the ovens had been switched off at closing time on Sunday evening.",
])  # fmt: skip
OTHER = "\n".join([
    "The county library service will open a branch in the old customs house by the harbour "
    "next spring, after the building's restoration came in under its budget.",
    "Librarians expect the reading room on the first floor to seat sixty people and plan a "
    "children's corner beside the windows that look out over the fishing boats.",
    "Opening hours will run into the evening on three weekdays, and the mobile library van "
    "will keep visiting the villages along the coast road every fortnight.",
    "A local historian has lent photographs of the harbour in its busiest years, which will "
    "hang along the staircase once the decorators have finished the walls.",
])  # fmt: skip


def _fragment(fid: str, body: str, hours: int) -> Fragment:
    at = T0 + timedelta(hours=hours)
    return Fragment(
        id=fid, title="Report", body=body, reported_at=at, received_at=at, originator="o",
        source_name=f"outlet-{fid}", source_kind="news", source_agency="test",
        reliability="C", credibility=3,
    )  # fmt: skip


def _links(index: OriginIndex, ids: list[str]) -> int:
    """Links recorded among ``ids`` (each is kept on both of its ends)."""
    return sum(len(index.reasons(fid)) for fid in ids) // 2


def test_k_copies_of_one_story_are_one_origin_with_k_minus_one_links() -> None:
    index = OriginIndex()
    ids = [f"copy-{k}" for k in range(8)]
    for k, fid in enumerate(ids):
        index.add(_fragment(fid, STORY, hours=k))
    index.add(_fragment("other", OTHER, hours=9))
    assert len({index.cluster_of(fid) for fid in ids}) == 1
    assert index.cluster_of("other") != index.cluster_of(ids[0])
    # Every copy after the first records exactly one link: to the cluster it joined.
    assert _links(index, ids) == len(ids) - 1
    assert all(index.reasons(fid) for fid in ids)


def test_a_fragment_printing_two_stories_still_joins_both_clusters() -> None:
    # Skipping candidates inside one's own cluster must not skip the other
    # cluster: the bridge links to each, and the two clusters merge.
    index = OriginIndex()
    for k in range(3):
        index.add(_fragment(f"story-{k}", STORY, hours=k))
    for k in range(3):
        index.add(_fragment(f"other-{k}", OTHER, hours=3 + k))
    assert index.cluster_of("story-0") != index.cluster_of("other-0")
    index.add(_fragment("bridge", STORY + "\n" + OTHER, hours=7))
    clusters = {index.cluster_of(f) for f in ["bridge", "story-0", "story-2", "other-0", "other-2"]}
    assert len(clusters) == 1
    linked_to = {link.other for link in index.reasons("bridge")}
    assert linked_to & {"story-0", "story-1", "story-2"}
    assert linked_to & {"other-0", "other-1", "other-2"}
    assert len(linked_to) == 2
