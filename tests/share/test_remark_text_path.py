"""``remark.rel_to_only``: re-marking done on the text gives the general path's bytes.

The text path cuts a REL TO list out of stored JSON instead of parsing and
serializing the object. It is only sound when it recognises the shape exactly,
so it is held here to ``remark_text`` (parse, ``remark_for_partner``, serialize)
on objects built to look like its shape and break it: the REL TO key nested in
an extension or a list, named inside a key or a string, with escaped quotes and
brackets near it; lists holding ``]`` or nested lists; internal properties
before or after it; TLP 1.0 and 2.0 ids, several markings, non-TLP ones; a
creator. Wherever it answers, the answer must be the general path's, byte for
byte; and on the plain shape it must answer (or the page keeps paying for the
general path without anyone noticing).
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.ingest.stix import TLP_IDS_V2, TLP_MARKINGS
from tearline.share.definitions import Definitions
from tearline.share.remark import outgoing_text, rel_to_only, remark_text

PARTNER = "BENCH1"
REL = "x_tearline_releasability"
V1_GREEN = next(m for m, level in TLP_MARKINGS.items()
                if level == "green" and m != TLP_IDS_V2["green"])
OTHER_DEF = "marking-definition--33333333-3333-4333-8333-333333333333"

_tricky = st.sampled_from(["]", "[", "{", "}", '"', "\\", ",", ":", '"x_tearline_',
                           f'"{REL}":[', '\\"', "created_by_ref", "marking-definition--"])
_text = st.lists(st.one_of(_tricky, st.text(max_size=6)), max_size=5).map("".join)
_codes = st.lists(st.one_of(st.sampled_from(["BENCH1", "NRD", "GBR"]), _text), max_size=3)
_rel_value = st.one_of(_codes, st.lists(_codes, max_size=2), _text, st.none())
_markings = st.lists(st.sampled_from([*TLP_IDS_V2.values(), V1_GREEN, OTHER_DEF]),
                     max_size=3)


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    """An indicator-like object whose keys come in any order, REL TO anywhere."""
    parts: list[tuple[str, Any]] = [("type", "indicator"), ("spec_version", "2.1"),
                                    ("id", "indicator--6b4cb242-4a23-4596-a217-beaddbc496cb")]
    marks = draw(_markings)
    if marks:
        parts.append(("object_marking_refs", marks))
    if draw(st.booleans()):
        parts.append((REL, draw(_rel_value)))
    extra = draw(st.lists(st.sampled_from([
        "name", "description", "x_tearline_source", "x_tearline_caveats", "created_by_ref",
        "extensions", "labels", "external_references", f'k\\"{REL}', "nested_rel",
    ]), unique=True, max_size=4))
    for key in extra:
        if key == "extensions":
            value: Any = {"x-ext": {REL: draw(_codes), "note": draw(_text)}}
        elif key == "external_references":
            value = [{"source_name": draw(_text), REL: draw(_codes)}]
        elif key == "nested_rel":
            key, value = "x_other", {REL: ["NRD"]}
        elif key == "labels":
            value = draw(st.lists(_text, max_size=3))
        elif key == "created_by_ref":
            value = "identity--7d0c4a11-0000-4000-8000-000000000001"
        else:
            value = draw(_text)
        parts.append((key, value))
    order = draw(st.permutations(range(len(parts))))
    return dict(parts[i] for i in order)


@settings(max_examples=1500, deadline=None)
@given(objects())
def test_text_path_agrees_with_the_general_path(obj: dict[str, Any]) -> None:
    text = orjson.dumps(obj).decode()  # compact, as ``check_object`` stores it
    fast = rel_to_only(text, PARTNER)
    general = remark_text(text, PARTNER)
    if fast is not None:
        assert fast == general
    # and whatever path ``outgoing_text`` takes, the bytes are the general path's
    sent, dropped = outgoing_text(text, PARTNER, None, Definitions())
    if OTHER_DEF not in text:
        assert sent == general and dropped is None


def test_plain_rel_to_objects_take_the_text_path() -> None:
    for marks in ([], [TLP_IDS_V2["green"]], [TLP_IDS_V2["amber"]]):
        for rel in (["BENCH1"], ["NRD", "BENCH1", "GBR"], []):
            obj = {"type": "indicator", "id": "indicator--1", "object_marking_refs": marks,
                   REL: rel, "name": "a {braced} name, with \"quotes\" and ]"}
            text = orjson.dumps(obj).decode()
            fast = rel_to_only(text, PARTNER)
            assert fast is not None, text
            assert orjson.loads(fast)[REL] == [PARTNER]
            assert fast == remark_text(text, PARTNER)


def test_shapes_it_must_leave_to_the_general_path() -> None:
    base = {"type": "indicator", "id": "indicator--1",
            "object_marking_refs": [TLP_IDS_V2["green"]]}
    refused = [
        {**base, "extensions": {"x": {REL: ["NRD"]}}},              # no top-level key
        {"extensions": {"x": 1}, **base, REL: ["NRD"]},             # a '{' before it
        {**base, REL: ["NRD"], "x_tearline_source": "HUMINT-7"},   # an internal property
        {**base, REL: ["N]RD"]},                                   # ']' inside the list
        {**base, REL: [["NRD"]]},                                  # a nested list
        {**base, REL: "NRD"},                                      # not a list
        {**base, REL: ["NRD"], "created_by_ref": "identity--x"},   # an originator
        {**base, "object_marking_refs": [V1_GREEN], REL: ["NRD"]},  # TLP 1.0 id rewritten
        {**base, "object_marking_refs": [TLP_IDS_V2["green"], TLP_IDS_V2["amber"]],
         REL: ["NRD"]},                                             # several markings
        {**base, "object_marking_refs": [OTHER_DEF], REL: ["NRD"]},  # a definition to resolve
    ]
    for obj in refused:
        text = orjson.dumps(obj).decode()
        assert rel_to_only(text, PARTNER) is None, text
    # a key whose name ends in the REL TO key's, its quote escaped inside the name
    sneaky = '{"type":"indicator","k\\"x_tearline_releasability":["NRD"]}'
    assert rel_to_only(sneaky, PARTNER) is None
