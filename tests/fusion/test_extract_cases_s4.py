"""Case rows from session 4's tuning errors (fresh2, fresh, tune and eval).

Each sentence is written for the test in the shape of one error class those
sets showed; none is taken from ``fresh3``, which is only scored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tearline.fusion.extract import extract_text
from tearline.model.mention import Mention, MentionKind

ANCHOR = datetime(2024, 3, 24, tzinfo=UTC)


def _of(kind: MentionKind, text: str) -> list[Mention]:
    return [m for m in extract_text(text, ANCHOR, None) if m.kind is kind]


def _places(text: str) -> dict[str, tuple[str, str]]:
    return {m.text: (str(m.detail.get("type")), str(m.detail.get("country")))
            for m in _of(MentionKind.PLACE, text)}  # fmt: skip


# -- places: a shared city name follows the report's other places ------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # Ontario's Richmond Hill is twice the Queens one; a New York story means Queens.
        ("A woman was struck on 101st Avenue in Richmond Hill, in Queens, New York.",
         "Richmond Hill"),
        # Brownsville, Texas is the larger namesake; beside Brooklyn it is the neighbourhood.
        ("Shots were fired from a roof in Brownsville and hit a car in Brooklyn.", "Brownsville"),
    ],
)  # fmt: skip
def test_a_namesake_in_the_reports_own_city_wins_over_a_bigger_one(text: str, name: str) -> None:
    found = {m.text: m for m in _of(MentionKind.PLACE, text)}
    assert found[name].detail["type"] == "region"
    assert found[name].detail["country"] == "US"
    assert found[name].detail["city"] == "city:5128581"  # New York City


def test_a_far_bigger_city_keeps_its_name_in_a_report_about_elsewhere() -> None:
    """Paris, Texas exists, but is a hundredth of Paris: a Texas story's Paris stays in France."""
    assert _places("The Houston firm opened an office in Paris.")["Paris"] == ("city", "FR")


def test_a_place_then_a_district_is_a_neighbourhood_of_that_city() -> None:
    got = _places("Police searched a building in Brownsville , Brooklyn on Monday .")
    assert got["Brownsville"] == ("region", "US")


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("He moved to Paris, Texas in 1990.", "Paris", "city"),  # a state qualifies, not a district
        ("Flights to London, Paris and Rome were cancelled.", "London", "city"),  # a list
    ],
)
def test_a_state_or_a_list_after_the_comma_leaves_the_city(text: str, name: str, kind: str) -> None:
    assert _places(text)[name][0] == kind


def test_the_region_of_a_city_is_a_region() -> None:
    got = {m.text: m for m in _of(MentionKind.PLACE, "Five families ran the New York region.")}
    assert got["New York"].detail["type"] == "region"
    assert got["New York"].detail["city"] == "city:5128581"


# -- places: titles and industries are not places -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "His career was capped by this year's box office dud `` Australia . ''",
        'Her next film, "Casablanca", opens in May.',
        "She rose to fame in Hollywood musicals of the 1940s.",
        'A career of Hollywood "aqua - musicals" followed.',
        "He was at home in Hollywood 's studios.",
    ],
)
def test_a_quoted_title_or_the_film_industry_is_not_a_place(text: str) -> None:
    assert _of(MentionKind.PLACE, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The ceremony will be held in Hollywood on Sunday.",
        'He said the trip to "Paris and Rome" was cancelled.',  # the quote holds more than a name
    ],
)
def test_a_place_in_hollywood_or_inside_a_longer_quote_is_a_place(text: str) -> None:
    assert _of(MentionKind.PLACE, text) != []


# -- people --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Judge Eugene H . Nickerson ruled on Friday.", "Eugene H. Nickerson"),
        ("The jury heard Mr . Gigante was ill.", "Gigante"),
        ("Dr . Regina Benjamin was nominated.", "Regina Benjamin"),
    ],
)
def test_a_tokenised_initial_or_title_stop_still_gives_the_name(text: str, value: str) -> None:
    assert [m.value for m in _of(MentionKind.PERSON, text)] == [value]


@pytest.mark.parametrize(
    "text",
    [
        "After Vito Genovese died, the Genovese clan lost ground.",
        "The Gambino crime family was weakened by the trial.",
        "He is best known for his role as spin doctor Malcolm Tucker.",
        "She starred as Mary Poppins in the revival.",
    ],
)
def test_a_family_or_a_played_character_is_not_a_person(text: str) -> None:
    names = [m.text for m in _of(MentionKind.PERSON, text)]
    assert "Genovese" not in names and "Gambino" not in names
    assert "Malcolm Tucker" not in names and "Mary Poppins" not in names


def test_a_person_named_near_a_family_word_is_still_a_person() -> None:
    """Only the surname that heads "clan"/"family" goes; its members stay people."""
    assert [
        m.value for m in _of(MentionKind.PERSON, "Senator Ted Kennedy said his family was fine.")
    ] == ["Ted Kennedy"]


def test_a_quoted_name_of_several_words_stays_the_place() -> None:
    """Scare quotes round "South Sudan" name the country, not a title or Sudan's south."""
    assert _places('The government denied any bombing in "South Sudan . "') == {
        "South Sudan": ("country", "SS")
    }


def test_a_city_the_report_names_again_keeps_its_default() -> None:
    """GeoNames files a district of New York under "New York City" too; the city stays the city."""
    text = "New York City officers patrol New York and its suburbs."
    got = {m.text: m for m in _of(MentionKind.PLACE, text)}
    assert got["New York City"].value == "city:5128581"
    assert got["New York City"].detail["type"] == "city"
