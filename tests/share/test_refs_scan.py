"""``share.refs.candidate_refs``: the text scan that lets ``prune_texts`` skip parsing.

The scan may over-approximate (nested references, look-alike keys) or give up
(None), but it must never miss an id that ``references`` finds in the parsed
object, and it must agree with ``might_refer`` on whether there is anything to
prune at all: otherwise a reference to a hidden object would cross unpruned.
Checked on arbitrary JSON, with keys that end in ``_ref``/``_refs`` and values
full of quotes, backslashes and brackets, and end to end against the
parse-everything pruning that ``prune_texts`` replaced.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.share import refs as refs_mod
from tearline.share.policy import Principal
from tearline.share.refs import candidate_refs, might_refer, prune, references

KEYS = ["source_ref", "target_ref", "object_refs", "where_sighted_refs", "sighting_of_ref",
        "created_by_ref", "object_marking_refs", "marking_ref", "x_mitre_modified_by_ref",
        "external_references", "granular_markings", "name", 'odd"_ref', "a\\_refs", "_ref",
        "type", "description"]
IDS = ["indicator--1", "identity--2", 'malware--"3', "tool--\\4", "x]y", "[z", "", "é--5"]
texts = st.one_of(st.sampled_from(IDS), st.text(alphabet='ab"\\[]{},:_ref', max_size=8))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-9, 99), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=12)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=7)
scalars = st.one_of(st.none(), st.integers(-9, 99), texts)


def _stix_shaped(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    """``prune`` expects the shapes STIX gives references: one id, or a list of ids."""
    out = {k: (v or [None])[0] if k.endswith("_ref") and isinstance(v, list) else v
           for k, v in obj.items()}
    return {**out, "type": kind}


flat_objects = st.builds(
    _stix_shaped,
    st.dictionaries(st.sampled_from(KEYS), st.one_of(scalars, st.lists(texts, max_size=4)),
                    max_size=7),
    st.sampled_from(["relationship", "sighting", "report", "observed-data", "indicator"]))


@settings(max_examples=600, deadline=None)
@given(obj=objects)
def test_the_scan_never_misses_a_reference(obj: dict[str, Any]) -> None:
    text = orjson.dumps(obj).decode()
    found = candidate_refs(text)
    if found is None:
        return  # the caller parses: nothing can be missed
    if might_refer(text):
        assert references(obj) <= found
    else:
        assert found == set()


def test_an_attack_style_object_needs_no_parse() -> None:
    """ATT&CK puts ``x_mitre_modified_by_ref`` on every object: scanned, not parsed."""
    obj = {"type": "attack-pattern", "id": "attack-pattern--1", "created_by_ref": "identity--m",
           "object_marking_refs": ["marking-definition--s"],
           "external_references": [{"source_name": "mitre-attack"}],
           "x_mitre_modified_by_ref": "identity--m", "name": 'say "hi"\\'}
    assert candidate_refs(orjson.dumps(obj).decode()) == {"identity--m"}
    rel = {"type": "relationship", "source_ref": "a--1", "target_ref": "b--2",
           "object_refs": ["c--3", "d--4"]}
    assert candidate_refs(orjson.dumps(rel).decode()) == {"a--1", "b--2", "c--3", "d--4"}


def test_escapes_make_the_scan_give_up() -> None:
    assert candidate_refs(orjson.dumps({"source_ref": 'a"b'}).decode()) is None
    assert candidate_refs(orjson.dumps({'k"_ref': "x"}).decode()) is None
    assert candidate_refs(orjson.dumps({"object_refs": ["a]", "b"]}).decode()) is None


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(flat_objects, max_size=6), hidden=st.sets(st.sampled_from(IDS)))
def test_prune_texts_matches_parsing_everything(batch: list[dict[str, Any]], hidden: set[str],
                                                monkeypatch_hidden: Any) -> None:
    """The same answers as parsing every text that might refer and pruning it."""
    monkeypatch_hidden["hidden"] = hidden
    texts = [orjson.dumps(o).decode() for o in batch]
    want: list[str | None] = []
    for t in texts:
        if not might_refer(t):
            want.append(t)
            continue
        obj = orjson.loads(t)
        kept = prune(obj, hidden & references(obj))
        want.append(None if kept is None else t if kept is obj else orjson.dumps(kept).decode())
    who = Principal.user("reader", "SECRET")
    assert refs_mod.prune_texts(None, who, texts) == want  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def monkeypatch_hidden() -> Any:
    """``hidden_refs`` answered from a set instead of the database."""
    state: dict[str, set[str]] = {"hidden": set()}
    real = refs_mod.hidden_refs

    def fake(conn: Any, who: Any, ids: Any, resolvable: Any = frozenset(),
             *, any_release: bool = True) -> set[str]:
        return {i for i in ids if i in state["hidden"]} - set(resolvable)

    refs_mod.hidden_refs = fake  # type: ignore[assignment]
    yield state
    refs_mod.hidden_refs = real  # type: ignore[assignment]
