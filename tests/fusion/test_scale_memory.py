"""Memory-saving representations give back exactly what they were given.

Retired threads keep their entity pairs packed and their records share
strings; the origin index keeps per-fragment hash arrays in ``Ragged``
chunks. None of that may change what a thread view, a saved state or a
lookup shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion import threads as threads_module
from tearline.fusion.ragged import Ragged
from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _frag(fid: str, text: str, at: datetime) -> Fragment:
    return Fragment(
        id=fid, title=text[:40], body=text, reported_at=at, received_at=at, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="B", credibility=2,
    )  # fmt: skip


def _mentions(city: str, actor: str, killed: int) -> list[Mention]:
    return [
        Mention(MentionKind.PLACE, city, 0, 0, f"city:{city}"),
        Mention(MentionKind.ACTOR, actor, 0, 0, f"actor:{actor}"),
        Mention(MentionKind.VENUE, "market", 0, 0, "market"),
        Mention(MentionKind.DATE, "on", 0, 0, "2026-03-01"),
        Mention(MentionKind.CASUALTIES, "killed", 0, 0, {"kind": "killed", "count": killed}),
    ]


def test_a_retired_thread_shows_the_same_view_and_saves_the_same_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads_module, "RETIRE_EVERY", 1)
    index = ThreadIndex()
    text = "Gunmen attacked the Vellor market on Sunday, killing {n} people, police said."
    for i, n in enumerate((12, 14, 12)):
        index.add(_frag(f"a{i}", text.format(n=n), T0 + timedelta(hours=i)),
                  _mentions("vellor", "red-hand", n))  # fmt: skip
    tid = index.thread_of("a0")
    before_view = index.view(tid).to_dict()
    before_state = index.to_dict()["threads"][0]
    later = T0 + timedelta(days=threads_module.RETIRE_DAYS + 5)
    index.add(_frag("b0", "Floods closed the Osten bridge for a week.", later), [])
    thread = index._threads[index._by_id[tid]]
    assert thread.retired and thread.packed_edges is not None  # the packed form is in use
    assert index.view(tid).to_dict() == before_view
    saved = index.to_dict()
    assert {**saved["threads"][0], "retired": False, "centroid": {}, "norm2": 0.0} == {
        **before_state, "centroid": {}, "norm2": 0.0
    }
    assert ThreadIndex.from_dict(saved).view(tid).to_dict() == before_view
    # The shared empty structures of the retired thread were not touched by the later fragment.
    assert threads_module._NO_EDGES == {} and threads_module._NO_CENTROID == {}


_ARRAYS = st.lists(
    st.one_of(st.none(), st.lists(st.integers(0, 2**32 - 1), max_size=12)), max_size=40
)


@settings(max_examples=100, deadline=None)
@given(items=_ARRAYS, chunk=st.integers(1, 16))
def test_ragged_returns_every_array_as_stored(items: list[list[int] | None], chunk: int) -> None:
    store = Ragged(chunk=chunk)
    for item in items:
        store.append(None if item is None else np.array(item, dtype=np.uint32))
    assert len(store) == len(items)
    for i, item in enumerate(items):
        got = store[i]
        if item is None:
            assert got is None
        else:
            assert got is not None and got.dtype == np.uint32 and got.tolist() == item
