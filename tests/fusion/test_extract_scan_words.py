"""``actors._scan_catalog`` finding words as it needs them gives what listing them all gave."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tearline.fusion.catalog import Catalog, load_catalog
from tearline.fusion.catalog.model import Resolution
from tearline.fusion.extract import actors as A
from tearline.fusion.extract._common import JOINER, WORD, is_capitalised, mention
from tearline.fusion.extract.places import country_index
from tearline.model.mention import Mention, MentionKind

_MAX_WORDS, DEMONYMS, _SYMBOLS = A._MAX_WORDS, A.DEMONYMS, A._SYMBOLS
_name_like, name_key, _plausible = A._name_like, A.name_key, A._plausible
_names_other_thing, _after_arabic_lead, _by_place = (
    A._names_other_thing, A._after_arabic_lead, A._by_place)
_candidate_starts = A._candidate_starts


def _old_lowercase_tail(
    text: str,
    words: list[re.Match[str]],
    start: int,
    last: int,
    found: Resolution,
    catalog: Catalog,
) -> tuple[int, Resolution, int] | None:
    """A longer name made by the next one or two words written in lower case.

    News copy lower-cases branch names ("Islamic State khorasan"); when the
    longer key names a different, more specific actor, it wins.
    """
    for extra in (1, 2):
        if last + extra >= len(words):
            return None
        gap = text[words[last + extra - 1].end() : words[last + extra].start()]
        if not JOINER.fullmatch(gap) or not words[last + extra].group().islower():
            return None
        end = words[last + extra].end()
        other = catalog.lookup_key(name_key(text[start:end]))
        if other is not None and other.actor_id != found.actor_id:
            return end, other, extra
    return None


def _old_scan_catalog(text: str, catalog: Catalog) -> list[Mention]:
    words = list(WORD.finditer(text))
    places = country_index()
    starts = _candidate_starts(text, catalog)
    out: list[Mention] = []
    # Visit only the words the automaton admitted, in order; a match skips the
    # words it covers (the per-word loop over every word cost more than the lookups).
    position = {m.start(): k for k, m in enumerate(words)}
    free = 0
    for i in sorted(position[s] for s in starts if s in position):
        if i < free or not is_capitalised(words[i].group()):
            continue
        matched = 0
        limit = min(_MAX_WORDS, catalog.max_tokens, len(words) - i)
        # Extend only across joiners that may sit inside a name.
        reach = 1
        while reach < limit and JOINER.fullmatch(
            text[words[i + reach - 1].end() : words[i + reach].start()]
        ):
            reach += 1
        for n in range(reach, 0, -1):
            # ``_name_like`` says no to a span whose last word is in lower case; asked
            # here first, without its word split, since most of the n-grams end so.
            if not is_capitalised(words[i + n - 1].group()):
                continue
            start, end = words[i].start(), words[i + n - 1].end()
            if not _name_like(text, start, end):
                continue
            span = text[start:end]
            if span in places or span in DEMONYMS:
                continue
            key = name_key(span)
            found = catalog.lookup_key(key)
            if found is None:
                continue
            if len(key.split()) == 1 and (
                found.method == "skeleton" or not _plausible(text, start, end, found, catalog)
            ):
                continue
            if _names_other_thing(text, start, end) or _after_arabic_lead(text, start):
                continue
            longer = _old_lowercase_tail(text, words, start, i + n - 1, found, catalog)
            if longer is not None:  # "Islamic State khorasan" is the Khorasan branch
                end, found, n = longer[0], longer[1], n + longer[2]
            found = _by_place(text, start, end, found, catalog)
            actor = catalog.get(found.actor_id)
            if (
                text[end : end + 1] in _SYMBOLS
                and actor is not None
                and any(name.endswith(text[end]) for name in actor.names())
            ):
                end += 1  # "LAPSUS$": the sign is part of the name the list writes
            parent = catalog.parent(found.actor_id)
            out.append(
                mention(
                    MentionKind.ACTOR,
                    text,
                    start,
                    end,
                    found.actor_id,
                    found.confidence,
                    name=found.name,
                    method=found.method,
                    alternatives=list(found.alternatives),
                    **({"parent": parent} if parent else {}),
                )
            )
            matched = n
            break
        free = i + (matched or 1)
    return out


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _texts(catalog: Catalog) -> list[str]:
    names = sorted({n for a in list(catalog)[:400] for n in a.names()})
    rng = random.Random(7)
    fill = ["said", "the", "in", "Paris", "on", "Monday", "attack", "İstanbul", "group",
            "khorasan", "of", "-", "'s", "LAPSUS$", "Islamic", "State", "al", "Qaeda", "."]
    out = ["Islamic State khorasan claimed it.", "LAPSUS$ leaked data.", "Hamas",
           "İİİ Hezbollah and Al Qaeda in the Arabian Peninsula", "the Lazarus Group"]
    for _ in range(300):
        words = [rng.choice(names) if rng.random() < 0.3 else rng.choice(fill)
                 for _ in range(rng.randint(1, 25))]
        out.append(rng.choice([" ", "  ", " - ", "\n"]).join(words))
    return out


def _same(a: list[Mention], b: list[Mention]) -> None:
    assert [m.to_dict() for m in a] == [m.to_dict() for m in b]


def test_generated_texts(catalog: Catalog) -> None:
    found = 0
    for text in _texts(catalog):
        new = A._scan_catalog(text, catalog)
        _same(new, _old_scan_catalog(text, catalog))
        found += len(new)
    assert found > 100


def test_ecb_texts(shared_data: Path, catalog: Catalog) -> None:
    lines = (shared_data / "news-events" / "ecbplus_docs.jsonl").read_text("utf-8").splitlines()
    for line in lines[:300]:
        text = json.loads(line)["text"]
        _same(A._scan_catalog(text, catalog), _old_scan_catalog(text, catalog))
