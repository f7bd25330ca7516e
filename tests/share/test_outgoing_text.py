"""``remark.outgoing_text`` sends the very bytes the two-step path sent (issue 9).

The TAXII page loop used to call ``resolve(remark_text(...))`` for every row;
``outgoing_text`` skips both calls when neither could change the text. That
is only a speed-up if not one output byte moves, so these tests hold the new
function to the old composition (written out here as it stood) over every
object of the ATT&CK collection, a synthetic collection shaped like the
TAXII benchmark's, and generated objects mixing everything re-marking and
definition resolution act on: internal properties, REL TO lists, several or
foreign TLP markings, non-TLP definitions allowed, withheld or not held,
granular markings, originators, and a report's sensitive values.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.ingest.stix import TLP_MARKINGS
from tearline.settings import shared_data_dir
from tearline.share.definitions import Definitions, resolve
from tearline.share.remark import needs_remark, outgoing_text, own_identity_id, remark_for_partner
from tearline.warn.sanitize import Sensitive

PARTNER = "BENCH1"
TLP = list(TLP_MARKINGS)
ATTACK_MARKING = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"
ALLOWED_DEF = "marking-definition--11111111-1111-4111-8111-111111111111"
WITHHELD_DEF = "marking-definition--22222222-2222-4222-8222-222222222222"
UNKNOWN_DEF = "marking-definition--33333333-3333-4333-8333-333333333333"
DEFS = [
    Definitions(),
    Definitions(allowed={ALLOWED_DEF: "{}", ATTACK_MARKING: "{}"},
                held={ALLOWED_DEF, ATTACK_MARKING, WITHHELD_DEF}),
    Definitions(allowed={ALLOWED_DEF: "{}"}, held={ALLOWED_DEF, WITHHELD_DEF, ATTACK_MARKING}),
]


def old_remark_text(text: str, partner: str, sensitive: Sensitive | None) -> str:
    """``remark.remark_text`` as the page loop called it before ``outgoing_text``."""
    if not needs_remark(text) and not (sensitive and (sensitive.protected
                                                      or sensitive.source_names)):
        return text
    return orjson.dumps(remark_for_partner(orjson.loads(text), partner, sensitive)).decode()


def old_outgoing(text: str, sensitive: Sensitive | None,
                 defs: Definitions) -> tuple[str, dict[str, str] | None]:
    res = resolve(old_remark_text(text, PARTNER, sensitive), PARTNER, defs)
    return res.text, res.dropped or None


def assert_same(texts: list[str], sensitive: Sensitive | None = None) -> int:
    """Every text, under every definitions table: same bytes, same dropped references."""
    changed = 0
    for defs in DEFS:
        for text in texts:
            want = old_outgoing(text, sensitive, defs)
            assert outgoing_text(text, PARTNER, sensitive, defs) == want, text
            changed += want[0] != text
    return changed


def synthetic(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Objects like ``bench/taxii.py``'s collection (markings, NTK, REL TO, two TLPs)."""
    rnd = random.Random(seed)
    kinds = ["indicator"] * 6 + ["malware", "attack-pattern", "relationship", "identity"]
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        obj: dict[str, Any] = {"type": kind, "spec_version": "2.1",
                               "id": f"{kind}--{uuid.UUID(int=rnd.getrandbits(128), version=4)}",
                               "created": "2025-01-01T00:00:00.000Z",
                               "modified": "2025-01-01T00:00:00.000Z",
                               "object_marking_refs": [TLP[1] if i % 3 else TLP[2]]}
        if i % 7 == 0:
            obj["x_tearline_caveats"] = ["NTK:ORCHID"]
        if i % 11 == 0:
            obj["x_tearline_releasability"] = [PARTNER, "OTHER"]
        if i % 13 == 0:
            obj["object_marking_refs"] = [TLP[2], TLP[1]][:: 1 if i % 2 else -1]
        if kind == "relationship" and len(out) > 1:
            obj.update(relationship_type="uses", source_ref=out[-1]["id"],
                       target_ref=out[-2]["id"])
        else:
            obj["name"] = f"synthetic {kind} {i}"
        out.append(obj)
    return out


def test_synthetic_collection_is_byte_identical() -> None:
    texts = [orjson.dumps(o).decode() for o in synthetic(3000)]
    assert assert_same(texts) > 0  # some objects really are re-marked


def test_attack_collection_is_byte_identical() -> None:
    path = shared_data_dir() / "attack" / "enterprise-attack-18.1.reconstructed-stix21.json"
    if not path.exists():
        pytest.skip(f"ATT&CK data not at {path}")
    objects = orjson.loads(path.read_bytes())["objects"]
    texts = [orjson.dumps(o).decode() for o in objects]
    assert len(texts) > 20_000
    assert assert_same(texts) > 0  # ATT&CK's statement marking is resolved or dropped


def test_a_reports_sensitive_values_are_cut_the_same_way() -> None:
    report = {"type": "report", "spec_version": "2.1",
              "id": "report--44444444-4444-4444-8444-444444444444",
              "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
              "name": "Seen by source NIGHTJAR", "published": "2025-01-01T00:00:00Z",
              "description": "NIGHTJAR reported 10.1.2.3 via cable FOXTROT-9",
              "object_refs": ["indicator--55555555-5555-4555-8555-555555555555"],
              "object_marking_refs": [TLP[1]]}
    text = orjson.dumps(report).decode()
    sens = Sensitive(protected=("FOXTROT-9",), source_names=("NIGHTJAR",))
    assert assert_same([text], sens) == len(DEFS)
    assert "NIGHTJAR" not in outgoing_text(text, PARTNER, sens, DEFS[0])[0]
    assert assert_same([text], Sensitive()) == 0  # nothing to cut: passes as stored


_refs = st.sampled_from([*TLP, ALLOWED_DEF, WITHHELD_DEF, UNKNOWN_DEF, ATTACK_MARKING])
_objects = st.fixed_dictionaries(
    {"type": st.sampled_from(["indicator", "report", "marking-definition", "identity"]),
     "id": st.sampled_from([f"indicator--{uuid.UUID(int=7, version=4)}", ALLOWED_DEF,
                            WITHHELD_DEF])},
    optional={
        "object_marking_refs": st.lists(_refs, max_size=4),
        "granular_markings": st.lists(st.fixed_dictionaries(
            {"marking_ref": _refs, "selectors": st.just(["name"])}), max_size=3),
        "created_by_ref": st.sampled_from([own_identity_id(),
                                           "identity--66666666-6666-4666-8666-666666666666"]),
        "x_tearline_source": st.sampled_from(["HUMINT-7", "Reuters"]),
        "x_tearline_source_kind": st.sampled_from(["osint", "humint"]),
        "x_tearline_classification": st.just("SECRET"),
        "x_tearline_caveats": st.just(["NTK:ORCHID"]),
        "x_tearline_releasability": st.lists(st.sampled_from([PARTNER, "OTHER"]), max_size=2),
        "name": st.text(max_size=30) | st.sampled_from(["from HUMINT-7", "Reuters says"]),
        "object_refs": st.lists(st.sampled_from(
            ["identity--66666666-6666-4666-8666-666666666666", ALLOWED_DEF]), max_size=2),
    })


@settings(max_examples=400, deadline=None)
@given(obj=_objects, protected=st.lists(st.sampled_from(["HUMINT-7", "secret x"]), max_size=2))
def test_generated_objects_are_byte_identical(obj: dict[str, Any], protected: list[str]) -> None:
    text = orjson.dumps(obj).decode()
    assert_same([text])
    assert_same([text], Sensitive(protected=tuple(protected)))
