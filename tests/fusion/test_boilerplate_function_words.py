"""Boilerplate rules count function words only up to the two they tell apart."""

from __future__ import annotations

import random

from tearline.fusion import boilerplate as B


def test_count_capped_at_two_equals_the_full_count_capped() -> None:
    rng = random.Random(3)
    pool = [*sorted(B._FUNCTION)[:12], "The", "OF", "Police", "said", "Paris", "Home", "World"]
    for _ in range(2000):
        words = [rng.choice(pool) for _ in range(rng.randint(0, 30))]
        full = sum(w.casefold() in B._FUNCTION for w in words)
        assert B._function_words(words) == min(2, full)


def test_line_decisions_unchanged_on_typical_lines() -> None:
    lines = {
        "Home | World | Politics | Business": True,
        "Home | the World | Politics | Business": True,
        "The police said the attack began at noon in the city centre.": False,
        "GLOBAL DISPATCH": True,
        "Related Stories From Our Partners Today — Read": False,
        "Sign up for our newsletter": True,
        "Paris Attack Latest News · Live Updates Today": True,
        "Follow Us On Twitter Facebook Instagram": True,
    }
    for line, furniture in lines.items():
        assert B.is_boilerplate_line(line) is furniture, line
    prose = ("Officials said on Monday that gunmen attacked a police post in the north "
             "of the country, killing three people.")
    assert B._is_prose(prose)
    assert not B._is_prose("Home World Politics Business Sport Culture Travel Money Life Style")
