"""The MISP crosswalk, designator-insensitive keys, exact-only codes and templates."""

from __future__ import annotations

import pytest

from tearline.fusion.catalog import (
    Actor,
    Catalog,
    SourceRecord,
    designator_key,
    is_structural,
    is_template,
    load_catalog,
    merge_records,
    name_key,
    shared_data_dir,
)
from tearline.fusion.catalog.build import MISP_FILE

needs_data = pytest.mark.skipif(
    not (shared_data_dir() / MISP_FILE).is_file(),
    reason=f"MISP galaxy not found under {shared_data_dir()} (TEARLINE_SHARED_DATA)",
)


@pytest.mark.parametrize(
    ("a", "b"),
    [("APT 28", "APT28"), ("APT-32", "apt32"), ("Storm-0558", "STORM 0558"), ("Group 8", "Group8")],
)
def test_codes_share_one_key_however_spaced(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("name", "loose"),
    [("Sofacy Group", "sofacy"), ("Sandworm Team", "sandworm"), ("Group 8", "group8")],
)
def test_designator_words_drop_unless_nothing_else_is_left(name: str, loose: str) -> None:
    assert designator_key(name_key(name)) == loose


def test_codes_and_templates_are_recognised() -> None:
    assert is_structural(name_key("Storm-0558")) and is_structural(name_key("UNC2452"))
    assert is_template(name_key("Salt Typhoon")) and is_template(name_key("Fancy Bear"))
    assert not is_structural(name_key("Lazarus Group")) and not is_template("lazarus")


SIBLINGS = Catalog(
    [
        Actor("attack:G1045", "Salt Typhoon", (), ("attack:G1045",), "intrusion-set"),
        Actor("attack:G0125", "Silk Typhoon", (), ("attack:G0125",), "intrusion-set"),
        Actor("misp:1", "Storm-0587", (), ("misp:1",), "intrusion-set"),
        Actor("misp:2", "Group 88", (), ("misp:2",), "intrusion-set"),
        Actor("un:QDe.1", "Harakat Sarat", (), ("un:QDe.1",)),
    ]
)


@pytest.mark.parametrize(
    "name", ["Satin Typhoon", "Swirl Typhoon", "Storm-0538", "Group 8", "Sarit"]
)
def test_template_and_code_siblings_never_fuzzy_match(name: str) -> None:
    assert SIBLINGS.resolve(name) is None


def test_misp_record_joins_the_attack_group_it_links_to() -> None:
    records = [
        SourceRecord("attack", "G0007", "APT28", ("Fancy Bear",), "intrusion-set", ("stix:x",)),
        SourceRecord("misp", "u1", "Sofacy", ("Pawn Storm",), "intrusion-set", ("attack:G0007",)),
        SourceRecord("misp", "u2", "Pawn Storm Two", (), "intrusion-set", ("stix:x",)),
        SourceRecord("misp", "u3", "Other", ("Fancy Bear",), "intrusion-set", ()),
    ]
    actors = {a.id: a for a in merge_records(records)}
    apt28 = actors["attack:G0007"]
    assert set(apt28.sources) == {"attack:G0007", "misp:u1", "misp:u2"}
    assert apt28.sources_of("Pawn Storm") == ("misp:u1",)
    assert apt28.sources_of("APT28") == ("attack:G0007",)
    assert "misp:u3" in {s for a in actors.values() for s in a.sources if a.id != apt28.id}


def test_a_name_two_lists_give_to_two_actors_comes_back_with_alternatives() -> None:
    catalog = Catalog(
        [
            Actor("attack:G0008", "Carbanak", (), ("attack:G0008",), "intrusion-set"),
            Actor("attack:G0046", "FIN7", ("Carbanak",), ("attack:G0046",), "intrusion-set"),
            Actor("misp:9", "Cleaver", ("Cobalt Gypsy",), ("misp:9",), "intrusion-set"),
            Actor("attack:G0049", "OilRig", ("Cobalt Gypsy",), ("attack:G0049",), "intrusion-set"),
        ]
    )
    carbanak = catalog.resolve("Carbanak")
    assert carbanak is not None and carbanak.alternatives == ("attack:G0046",)
    gypsy = catalog.resolve("Cobalt Gypsy")
    assert gypsy is not None and gypsy.method == "ambiguous" and len(gypsy.alternatives) == 1


@needs_data
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("APT 28", "APT28"),
        ("APT-32", "APT32"),
        ("Sofacy Group", "APT28"),
        ("APT29 / Cozy Bear", "APT29"),
        ("Fancy Bear (APT28)", "APT28"),
        ("Lazarus", "Lazarus Group"),
        ("Equation Group", "Equation"),
    ],
)
def test_seeded_catalog_resolves_the_issue_misses(query: str, expected: str) -> None:
    found = load_catalog().resolve(query)
    assert found is not None and found.name == expected and found.method != "ambiguous"


@needs_data
def test_seeded_catalog_keeps_siblings_apart_and_places_out() -> None:
    catalog = load_catalog()
    for a, b in [("Salt Typhoon", "Silk Typhoon"), ("Storm-0558", "Storm-0587")]:
        ra, rb = catalog.resolve(a), catalog.resolve(b)
        assert ra is not None and rb is not None and ra.actor_id != rb.actor_id
    assert catalog.resolve("Beijing") is None  # "Beijing Group" less its designator


@needs_data
def test_split_names_that_disagree_are_ambiguous() -> None:
    found = load_catalog().resolve("APT28 / APT29")
    assert found is not None and found.method == "ambiguous" and len(found.alternatives) == 1
