"""CappedBuckets returns what a plain dict of capped lists returns, frozen runs or not.

The reference below is the dict the origin index used before buckets were
frozen into numpy runs (a bare int for one member, a list of at most
``BUCKET_CAP`` newest members otherwise). Hypothesis drives both with the
same operations, with a tiny ``freeze_at`` so that runs are frozen, merged
and thawed many times per example.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.buckets import BUCKET_CAP, CappedBuckets


class _DictBuckets:
    def __init__(self) -> None:
        self.d: dict[int, int | list[int]] = {}

    def look_up(self, keys: list[int]) -> set[int]:
        found: set[int] = set()
        for key in keys:
            cur = self.d.get(key)
            if isinstance(cur, int):
                found.add(cur)
            elif cur is not None:
                found.update(cur)
        return found

    def file_under(self, keys: list[int], i: int) -> None:
        for key in keys:
            cur = self.d.get(key)
            if cur is None:
                self.d[key] = i
            elif isinstance(cur, int):
                if cur != i:
                    self.d[key] = [cur, i]
            elif cur[-1] != i:
                cur.append(i)
                if len(cur) > BUCKET_CAP:
                    del cur[: len(cur) - BUCKET_CAP]


_KEYS = st.lists(
    st.one_of(st.integers(0, 40), st.integers(-(2**63), 2**63 - 1)), min_size=0, max_size=12
)
_OPS = st.lists(st.tuples(st.sampled_from(["insert", "file", "look"]), _KEYS), max_size=120)


@settings(max_examples=150, deadline=None)
@given(ops=_OPS, freeze_at=st.integers(1, 9))
def test_same_members_as_a_plain_dict(ops: list[tuple[str, list[int]]], freeze_at: int) -> None:
    ref, got = _DictBuckets(), CappedBuckets(freeze_at=freeze_at)
    for i, (op, keys) in enumerate(ops):
        if op == "insert":
            expected = ref.look_up(keys) - {i}
            ref.file_under(keys, i)
            assert got.insert(keys, i) == expected
        elif op == "file":
            ref.file_under(keys, i)
            got.file_under(keys, i)
        else:
            found: set[int] = set()
            got.look_up(keys, found)
            assert found == ref.look_up(keys)
    # Every bucket holds the same members in the same order, wherever it lives.
    every = sorted(ref.d)
    for key in every:
        found = set()
        got.look_up([key], found)
        assert found == ref.look_up([key])
    as_lists = sorted([v] if isinstance(v, int) else v for v in ref.d.values())
    assert sorted([v] if isinstance(v, int) else v for v in got.values()) == as_lists


def test_a_crowded_bucket_keeps_the_newest_members_across_freezes() -> None:
    buckets = CappedBuckets(freeze_at=3)
    for i in range(BUCKET_CAP * 3):
        buckets.file_under([7, 1000 + i], i)  # key 7 is crowded, the others single
    found: set[int] = set()
    buckets.look_up([7], found)
    assert found == set(range(BUCKET_CAP * 2, BUCKET_CAP * 3))
    assert len(buckets) == 1 + BUCKET_CAP * 3
