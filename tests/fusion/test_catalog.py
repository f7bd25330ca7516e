"""Actor catalog: name keys, list parsing, merging, resolution, decisions."""

from __future__ import annotations

import pytest

from tearline.fusion.catalog import (
    Actor,
    Catalog,
    Decision,
    DecisionError,
    DecisionKind,
    SourceRecord,
    apply_decisions,
    load_catalog,
    merge_records,
    name_key,
    parse_name_field,
    shared_data_dir,
    skeleton_key,
    split_summary,
)
from tearline.fusion.catalog.build import ATTACK_FILE, CANADA_FILE, UN_FILE

_HAVE_DATA = all((shared_data_dir() / f).is_file() for f in (ATTACK_FILE, UN_FILE, CANADA_FILE))
needs_data = pytest.mark.skipif(
    not _HAVE_DATA,
    reason=f"shared actor lists not found under {shared_data_dir()} (TEARLINE_SHARED_DATA)",
)

ISKP_FORMS = [
    "ISIS-K",
    "IS-K",
    "ISKP",
    "ISIL-K",
    "ISISK",
    "IS Khorasan",
    "Islamic State Khorasan Province",
    "Islamic State Khurasan",
    "Daesh Khorasan",
    "Da'esh Khorasan",
    "Islamic State's Khorasan Province",
    "Khorasan branch of ISIS",
    "Khorasan Chapter of the Islamic State",
    "Islamic State of Iraq and the Levant – Khorasan",
    "Islamic State Wilayat Khorasan",
    "The Islamic State of Iraq and ash-Sham—Khorasan Province",
]


@pytest.mark.parametrize("form", ISKP_FORMS)
def test_khorasan_forms_share_one_key(form: str) -> None:
    assert name_key(form) == "isis khorasan"


@pytest.mark.parametrize(
    "form",
    [
        "ISIS",
        "ISIL",
        "IS",
        "Islamic State",
        "Daesh",
        "Da'esh",
        "Islamic State of Iraq and Syria",
        "Islamic State of Iraq and the Levant",
        "Islamic State of Iraq and al-Sham",
        "ISIS in Syria",
    ],
)
def test_core_islamic_state_forms(form: str) -> None:
    assert name_key(form) == "isis"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ISIS-Sinai", "Islamic State – Sinai Province"),
        ("ISWAP", "Islamic State West Africa Province"),
        ("ISIS-WA", "ISIS West Africa"),
        ("Al-Qaeda", "AL-QAIDA"),
        ("al-Qa'ida", "El Qaida"),
        ("Al Quaida", "al-Qaïda"),
        ("Jaish-e-Mohammed", "Jaish-i-Mohammad"),
        ("Hay’at Tahrir al-Sham", "Hayat Tahrir al-Sham"),
        ("Harakat ul-Ansar", "Harakat al-Ansar"),
    ],
)
def test_equivalent_spellings(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ISIS-K", "ISIS"),
        ("ISIS-K", "ISIS-Sinai"),
        ("ISWAP", "ISIS-K"),
        ("ISIS Sinai", "ISIS Syria"),
    ],
)
def test_provinces_stay_distinct(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("Hizballah", "Hezbollah"), ("Al-Murabitoun", "Al Mourabitoun")]
)
def test_skeleton_folds_vowel_variants(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)
    assert skeleton_key(a) == skeleton_key(b)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            "ISLAMIC STATE IN IRAQ AND THE LEVANT - KHORASAN (ISIL-K)",
            ["ISLAMIC STATE IN IRAQ AND THE LEVANT - KHORASAN", "ISIL-K"],
        ),
        (
            "Islamic State In Iraq And the Levant In South-East Asia\n                (ISIL-SEA, ISIL-South East Asia)",  # noqa: E501
            [
                "Islamic State In Iraq And the Levant In South-East Asia",
                "ISIL-SEA",
                "ISIL-South East Asia",
            ],
        ),
        (
            "Al-Qaida Organization in the Arabian Peninsula\n                        (AQAP)",
            ["Al-Qaida Organization in the Arabian Peninsula", "AQAP"],
        ),
        ("HARAKAT UL-MUJAHIDIN / HUM", ["HARAKAT UL-MUJAHIDIN", "HUM"]),
        (
            "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL) ; GREAT LAKES BUSINESS\nCOMPANY (GLBC)",
            ["COMPAGNIE AERIENNE DES GRANDS LACS", "CAGL", "GREAT LAKES BUSINESS COMPANY", "GLBC"],
        ),
        (
            "جبهة النصرة (the Victory Front; Jabhat al-Nusrah;\n   Jabhet al-Nusra; Al-Nusra Front)",  # noqa: E501
            ["the Victory Front", "Jabhat al-Nusrah", "Jabhet al-Nusra", "Al-Nusra Front"],
        ),
        (
            "Hay’at Tahrir al-Sham (HTS) (هيئة تحرير الشام\n (original script); Hayat\n Tahrir al-Sham)",  # noqa: E501
            ["Hay’at Tahrir al-Sham", "HTS", "Hayat Tahrir al-Sham"],
        ),
        ('"The Base"', ["The Base"]),
        ("LEADER (HONG KONG) INTERNATIONAL", ["LEADER INTERNATIONAL"]),
        (
            "Jaish-i-Mohammed (Mohammad, Muhammad)",
            ["Jaish-i-Mohammed", "Jaish-i-Mohammad", "Jaish-i-Muhammad"],
        ),
    ],
)
def test_parse_name_field(field: str, expected: list[str]) -> None:
    assert parse_name_field(field) == expected


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("N/A", []),
        ("Aryan Strike Force, ASF", ["Aryan Strike Force", "ASF"]),
        (
            "Imarat Kavkaz and Islamic Emirate of the Caucasus",
            ["Imarat Kavkaz", "Islamic Emirate of the Caucasus"],
        ),
        (
            "Basque Nation and Liberty, Basque Fatherland and Liberty and Basque Homeland and Freedom.",  # noqa: E501
            [
                "Basque Nation and Liberty",
                "Basque Fatherland and Liberty",
                "Basque Homeland and Freedom",
            ],
        ),
        (
            "The Abdullah Azzam Brigades; the Ziad al-Jarrah Battalion; and the Marwan Hadid Brigades.",  # noqa: E501
            [
                "The Abdullah Azzam Brigades",
                "the Ziad al-Jarrah Battalion",
                "the Marwan Hadid Brigades",
            ],
        ),
        ("Islamic Group, (IG).", ["Islamic Group", "IG"]),
        (
            "Salafist Group for Call and Combat (GSPC), the Salafist Group for Preaching and Combat",  # noqa: E501
            [
                "Salafist Group for Call and Combat",
                "GSPC",
                "the Salafist Group for Preaching and Combat",
            ],
        ),
    ],
)
def test_split_canadian_summary(summary: str, expected: list[str]) -> None:
    assert split_summary(summary) == expected


def _record(source: str, ref: str, name: str, *aliases: str) -> SourceRecord:
    return SourceRecord(source, ref, name, aliases, "entity")


def test_merge_rules_are_conservative() -> None:
    records = [
        _record("un", "1", "Al-Qaida", "The Base", "Al Qaeda"),
        _record("ca", "1", "Al Qaida", "The Base", "Islamic Army"),
        _record("ca", "2", "The Base"),  # a different group that shares a name
        _record("un", "2", "The Houthis", "ANSARALLAH"),
        _record("ca", "3", "Ansarallah"),
    ]
    actors = {a.id: a for a in merge_records(records)}
    assert set(actors["un:1"].sources) == {"un:1", "ca:1"}
    assert actors["ca:2"].sources == ("ca:2",)
    houthis = next(a for a in actors.values() if "un:2" in a.sources)
    assert set(houthis.sources) == {"un:2", "ca:3"}


def _small() -> Catalog:
    return Catalog(
        [
            Actor("a:1", "Alpha Front", ("Alpha Liberation Front", "ALF"), ("ca:1",)),
            Actor("a:2", "Beta Brigade", ("Islamic Jihad",), ("ca:2",)),
            Actor("a:3", "Gamma Army", ("Islamic Jihad",), ("ca:3",)),
            Actor("a:4", "Islamic State", ("ISIS",), ("ca:4",)),
        ]
    )


def test_resolution_methods() -> None:
    catalog = _small()
    exact = catalog.resolve("alpha-front")
    assert exact is not None and (exact.actor_id, exact.method, exact.confidence) == (
        "a:1",
        "exact",
        1.0,
    )
    ambiguous = catalog.resolve("Islamic Jihad")
    assert ambiguous is not None and ambiguous.method == "ambiguous" and ambiguous.confidence <= 0.5
    assert set((ambiguous.actor_id, *ambiguous.alternatives)) == {"a:2", "a:3"}
    fuzzy = catalog.resolve("Alpha Liberacion Front")
    assert fuzzy is not None and fuzzy.method == "fuzzy" and fuzzy.actor_id == "a:1"
    assert catalog.resolve("Paris") is None
    assert catalog.resolve("ISIS-Sinai") is None  # no fuzzing across IS branches


def test_decisions_win_and_replay_in_order() -> None:
    catalog = _small()
    decided = apply_decisions(
        catalog,
        [
            Decision(DecisionKind.CONFIRM, "a:2", alias="Islamic Jihad", user="ann"),
            Decision(DecisionKind.MERGE, "a:3", target_id="a:2"),
            Decision(DecisionKind.SPLIT, "a:1", alias="ALF", new_actor_id="a:9"),
        ],
    )
    assert catalog.resolve("Islamic Jihad").method == "ambiguous"  # input unchanged
    found = decided.resolve("Islamic Jihad")
    assert found is not None and (found.actor_id, found.method) == ("a:2", "decision")
    assert decided.canonical_id("a:3") == "a:2"
    assert decided.resolve("Gamma Army").actor_id == "a:2"
    assert decided.resolve("ALF").actor_id == "a:9"
    assert "ALF" not in decided.get("a:1").aliases


@pytest.mark.parametrize(
    "decision",
    [
        Decision(DecisionKind.MERGE, "nope", target_id="a:1"),
        Decision(DecisionKind.SPLIT, "a:1", alias="Alpha Front"),
        Decision(DecisionKind.SPLIT, "a:1", alias="Not An Alias"),
        Decision(DecisionKind.CONFIRM, "a:1", alias=""),
    ],
)
def test_bad_decisions_raise_or_skip(decision: Decision) -> None:
    with pytest.raises(DecisionError):
        apply_decisions(_small(), [decision])
    assert len(apply_decisions(_small(), [decision], strict=False)) == 4


def test_decision_round_trip() -> None:
    d = Decision(
        DecisionKind.SPLIT, "a:1", alias="ALF", new_actor_id="a:9", user="bo", reason="distinct"
    )
    assert Decision.from_dict(d.to_dict()) == d


@pytest.fixture(scope="module")
def seeded() -> Catalog:
    if not _HAVE_DATA:
        pytest.skip(f"shared actor lists not found under {shared_data_dir()}")
    return load_catalog()


@needs_data
@pytest.mark.parametrize("form", ISKP_FORMS)
def test_seeded_khorasan_is_one_actor(seeded: Catalog, form: str) -> None:
    core, iskp = seeded.resolve("ISIS"), seeded.resolve(form)
    assert iskp is not None and core is not None
    assert iskp.actor_id == seeded.resolve("ISIL-K").actor_id != core.actor_id
    assert iskp.actor_id not in {
        seeded.resolve("ISIS-Sinai").actor_id,
        seeded.resolve("ISWAP").actor_id,
    }


@needs_data
@pytest.mark.parametrize(
    ("query", "expected_name"),
    [
        ("Daesh", "Islamic State"),
        ("Al-Qaeda", "Al Qaida"),
        ("al-Qa'ida", "Al Qaida"),
        ("Hezbollah", "Hizballah"),
        ("Houthis", "Ansarallah"),
        ("APT28", "APT28"),
        ("Fancy Bear", "APT28"),
        ("Sandworm Team", "Sandworm Team"),
        ("HTS", "Al-Nusrah Front for the People of the Levant"),
        ("Jabhat al-Nusra", "Al-Nusrah Front for the People of the Levant"),
        ("Lashkar e Taiba", "Lashkar-e-Tayyiba"),
        ("Shabab", "Al Shabaab"),
    ],
)
def test_seeded_resolution(seeded: Catalog, query: str, expected_name: str) -> None:
    found = seeded.resolve(query)
    assert found is not None and found.name == expected_name


@needs_data
@pytest.mark.parametrize(
    "name", ["Paris", "Moscow", "Hong Kong", "Prime Minister", "Red Cross", "Sapporo"]
)
def test_seeded_non_actors(seeded: Catalog, name: str) -> None:
    assert seeded.resolve(name) is None


@needs_data
def test_seeded_merges_across_sources(seeded: Catalog) -> None:
    iskp = seeded.get(seeded.resolve("ISKP").actor_id)
    assert {s.split(":")[0] for s in iskp.sources} == {"un", "ca"}
    the_base = seeded.resolve("The Base")
    assert the_base.alternatives  # the neo-Nazi group and al-Qaida's alias stay apart
