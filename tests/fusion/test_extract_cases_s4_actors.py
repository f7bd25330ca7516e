"""Actor case rows from session 4's tuning errors (actors-eval2 and actors-eval3).

One row per error class those sets showed, each sentence written for the test
in the shape of that error; none comes from ``actors-eval4``, which is only
scored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tearline.fusion.catalog import load_catalog
from tearline.fusion.extract import extract_text
from tearline.model.mention import Mention, MentionKind

ANCHOR = datetime(2024, 3, 24, tzinfo=UTC)


def _actors(text: str) -> list[Mention]:
    found = extract_text(text, ANCHOR, load_catalog())
    return [m for m in found if m.kind is MentionKind.ACTOR]


# -- an Arabic organisational noun opens another group's name -----------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kata'ib Hizballah drones struck the airfield, the statement said.", "Kata'ib Hizballah"),
        ("Harakat Hezbollah al-Nujaba threatened the bases.", "Harakat Hezbollah al-Nujaba"),
        ("Asa'ib Ahl al-Haq fighters paraded in the capital.", "Asa'ib Ahl al-Haq"),
    ],
)
def test_a_name_after_an_arabic_lead_is_not_the_group_it_spells(text: str, name: str) -> None:
    """The militia "Kata'ib Hizballah" is not Hizballah: the whole name is one
    candidate, and no mention resolves to Hizballah (ca:30)."""
    actors = _actors(text)
    assert [m.text for m in actors] == [name], actors
    assert all(m.value != "ca:30" for m in actors), actors


def test_hizballah_alone_is_still_hizballah() -> None:
    actors = _actors("Hizballah fired rockets at the border town, the army said.")
    assert [(m.text, m.value) for m in actors] == [("Hizballah", "ca:30")]


# -- a shared alias is settled by a place the text names ----------------------


@pytest.mark.parametrize(
    ("text", "actor_id"),
    [
        ("Fighters of Ansar al-Sharia seized a checkpoint outside Derna.", "un:QDe.145"),
        ("Ansar al-Sharia recruited students in Tunisia, officials said.", "un:QDe.143"),
    ],
)
def test_a_shared_alias_goes_to_the_group_of_the_place_named(text: str, actor_id: str) -> None:
    (m,) = _actors(text)
    assert m.value == actor_id and m.detail["method"] == "place", m


def test_a_shared_alias_with_no_place_stays_ambiguous() -> None:
    (m,) = _actors("Ansar al-Sharia denied any role in the attack.")
    assert m.detail["method"] == "ambiguous" and m.detail["alternatives"], m


# -- a sentence about fiction names no real actor -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "In the TV series, Evil Corp hides its crimes behind a consumer bank.",
        "Lazarus Group is the villain of a new spy novel set in Seoul.",
    ],
)
def test_a_sentence_about_fiction_has_no_actor(text: str) -> None:
    assert _actors(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Evil Corp laundered the proceeds through shell firms, the Treasury said.", "Evil Corp"),
        ("A series of bombings was claimed by Boko Haram in Borno.", "Boko Haram"),
    ],
)
def test_news_with_no_fiction_word_keeps_its_actor(text: str, name: str) -> None:
    assert [m.text for m in _actors(text)] == [name]


# -- a four-letter word in a line set in capitals -----------------------------


def test_a_capitalised_four_letter_word_in_a_shouted_line_is_a_word() -> None:
    """The word base in capitals ("BASE"); the lists write The Base in mixed case."""
    assert _actors("GUNMEN ATTACKED AN ARMY BASE IN THE NORTH, KILLING SIX SOLDIERS.") == []


def test_a_four_letter_code_the_lists_capitalise_survives_shouting() -> None:
    actors = _actors("AQIM FIGHTERS ATTACKED AN ARMY POST NEAR THE BORDER.")
    assert [m.text for m in actors] == ["AQIM"], actors


# -- a name's trailing sign ---------------------------------------------------


def test_a_trailing_sign_the_list_writes_stays_in_the_span() -> None:
    actors = _actors("Police arrested a teenager said to lead Lapsus$ from Oxford.")
    assert [m.text for m in actors] == ["Lapsus$"], actors


# -- shapes and words that say a codename is a group ----------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("APT41 reached dozens of state networks, the company said.", "APT41"),
        ("An advisory tied TA505 to the Clop extortion site.", "TA505"),
    ],
)
def test_a_capitals_and_digits_designator_needs_no_attack_word(text: str, name: str) -> None:
    assert [m.text for m in _actors(text)] == [name]


def test_a_codename_before_a_lower_case_group_noun_is_a_group() -> None:
    actors = _actors("Researchers said the Naikon group had spied on navies in the region.")
    assert [m.text for m in actors] == ["Naikon"], actors


def test_a_designator_next_to_a_vendor_name_vouches_for_it() -> None:
    """In "X / Y" the short code APT33 names the same actor as the word Elfin."""
    actors = _actors("APT33 / Elfin went after aviation firms, the vendor wrote.")
    assert [m.text for m in actors] == ["APT33", "Elfin"], actors


def test_a_word_and_a_number_is_a_name_unless_the_word_numbers_things() -> None:
    assert [m.text for m in _actors("Combat 18 was banned by the interior ministry.")] == [
        "Combat 18"
    ]
    assert _actors("Group 8 of the cup was decided on goal difference.") == []
