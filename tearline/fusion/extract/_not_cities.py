"""Capitalised words that GeoNames lists as cities but reports use otherwise.

The list itself is data (``words/not_cities.txt``): months, weekdays,
ordinary capitalised nouns ("Mobile", "Nice", "Hall"), first names and
surnames ("Jackson", "Hassan") and country names that are also other things
("Chad", "Jordan") are never taken as one-word cities.
"""

from __future__ import annotations

from tearline.fusion.extract._wordlists import load_words

__all__ = ["NOT_CITIES"]

NOT_CITIES = load_words("not_cities")
