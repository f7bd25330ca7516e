"""Imported once by the extraction pool's fork server: every table built before any fork.

The pool's workers are forked from a server process started from a clean
interpreter (never from the fusing process, which holds the database
connection and the writer lock). Whatever a worker would otherwise load on
its first texts is built here, once, so every worker starts with it in
memory instead of building its own copy: the place automaton and word lists,
the boilerplate cues (``fuse`` strips boilerplate on the workers), and what
``fuse``'s per-fragment fusion inputs read (``threads.fragment_features``:
the thread and origin modules with numpy, wordfreq's table).

Several tables are loaded lazily, only by the first text that needs them
(the Census surnames by a one-word city, the city districts by a GeoNames
district, Webster's words by a capitalised word after a city), so a short
warm-up text misses them; they are asked for by name. Measured on ECB+ with
two workers: about 1.3 CPU-s per worker (imports 0.5, Census tables 0.6,
wordfreq 0.2) moved into this one process.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tearline.fusion.boilerplate import clean_fragment, strip_boilerplate
from tearline.fusion.extract import _wordlists, context, extract_text, people, places
from tearline.fusion.threads import fragment_features
from tearline.model.fragment import Fragment

_WHEN = datetime(2020, 1, 1, tzinfo=UTC)
extract_text("President Anna Berg said in Paris.", _WHEN, None)
strip_boilerplate("Follow us on Twitter.\nPresident Anna Berg said in Paris.")

_wordlists.census_surnames()
_wordlists.census_surnames(places._SURNAME_RANK)
_wordlists.census_given_names()
_wordlists.census_given_names(people._COMMON_GIVEN_RANK)
places.country_index()
places._region_index()
places._namesakes()
places._districts()
context.is_ordinary_word("word")

_sample = clean_fragment(Fragment(
    id="report--preload", title="Warning issued", reported_at=_WHEN, received_at=_WHEN,
    body="Officials said on Monday that gunmen attacked a police post in Paris, "
    "killing three people, according to Reuters.",
    originator="preload", source_name="preload", source_kind="news", source_agency="preload",
    reliability="F", credibility=6,
))  # fmt: skip
fragment_features(_sample, extract_text(_sample.text, _sample.anchor_time, None))
