"""Name keys for actor aliases.

Actor names reach us in many spellings: upper-case UN entries, Canadian
summaries with curly apostrophes, news text with "Al-Qaeda" where the list
says "AL-QAIDA", and the whole family of Islamic State labels (ISIS, ISIL,
IS, Daesh, Da'esh) with their province suffixes. Resolution therefore never
compares raw strings. It compares two keys:

``name_key``
    Case, punctuation, dashes, diacritics and apostrophes removed; Arabic
    article variants (El-/Al-/ul-) folded to ``al``; Persian ezafe connectors
    ("Jaish-e-Mohammed") dropped; a leading "the" dropped; and the Islamic
    State family rewritten to ``isis`` plus an optional region
    (``isis khorasan``). Two names with the same key are the same name.

``skeleton_key``
    The name key with vowels folded away inside each word. Transliterations
    of Arabic and Persian names differ mostly in vowels (Hizballah,
    Hezbollah, Hizbullah), so this catches them without fuzzy matching. It is
    looser, so resolution trusts it a little less.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "designator_key",
    "is_acronym",
    "is_structural",
    "is_template",
    "name_key",
    "skeleton_key",
    "split_names",
    "tokens",
]

# Characters that are apostrophes or transliteration marks for ayn/hamza.
_APOSTROPHES = "'’‘`´ʿʾʼ′"
_POSSESSIVE = re.compile(r"[" + _APOSTROPHES + r"]s\b", re.IGNORECASE)
_APOS = re.compile(r"[" + _APOSTROPHES + r"]")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Arabic article and connector spellings folded to one form.
_ARTICLE = {
    "el": "al",
    "ul": "al",
    "il": "al",
    "ol": "al",
    "ash": "al",
    "ad": "al",
    "ar": "al",
    "as": "al",
}
_CONNECTORS = {"e", "i"}
# Transliteration variants that the skeleton key would not fold (consonants differ).
_TOKEN_SYNONYMS = {
    "qaeda": "qaida",
    "quaida": "qaida",
    "qaida": "qaida",
    "qaedat": "qaidat",
    "khurasan": "khorasan",
    "daish": "daesh",
    "daesh": "daesh",
    "mohammad": "muhammad",
    "mohammed": "muhammad",
    "muhammed": "muhammad",
    "mohamed": "muhammad",
}

# Every spelling of the Islamic State's own name, longest first; each maps to "isis".
_IS_NAMES = [
    "al dawla al islamiya fi al iraq wa al sham",
    "islamic state of iraq and the levant",
    "islamic state in iraq and the levant",
    "islamic state of iraq and levant",
    "islamic state in iraq and levant",
    "islamic state of iraq and al sham",
    "islamic state in iraq and al sham",
    "islamic state of iraq and syria",
    "islamic state in iraq and syria",
    "islamic state",
    "isil",
    "isis",
    "is",
    "daesh",
]
_IS_PATTERN = re.compile(r"^(?:" + "|".join(re.escape(n) for n in _IS_NAMES) + r")(?= |$)")
# Branch labels written as one token: ISKP, ISWAP, ISISK, ISGS, ISCAP ...
_IS_GLUED = re.compile(r"^(?:isis|isil|is)(k|kp|wk|wap|wa|gs|cap|ca|sp|ea|sea|drc)$")
_REGION_CODES = {
    "k": "khorasan",
    "kp": "khorasan",
    "wk": "khorasan",
    "wa": "west africa",
    "wap": "west africa",
    "gs": "greater sahara",
    "cap": "central africa",
    "ca": "central africa",
    "sp": "sinai",
    "ea": "east asia",
    "sea": "south east asia",
    "drc": "democratic republic congo",
}
# Words that only say "branch of" and carry no identity inside an IS key.
_BRANCH_WORDS = {
    "of",
    "in",
    "the",
    "province",
    "wilayat",
    "wilayah",
    "branch",
    "chapter",
    "division",
    "state",
    "al",
    "and",
}
_IS_ALT = "|".join(re.escape(n) for n in _IS_NAMES)
# "Khorasan branch of ISIS", "South Asian chapter of ISIL".
_REGION_FIRST = re.compile(
    r"^(?P<region>.+?) (?:branch|chapter|province|wilayat|division) of (?:the )?(?:"
    + _IS_ALT
    + r")(?P<rest>(?: .*)?)$"
)
# Regions that name the core group's own territory rather than a branch.
_CORE_REGIONS = {"syria", "levant", "sham", "iraq syria", "iraq levant", "iraq sham"}
_REGION_SYNONYMS = {"south asian": "south asia", "khurasan": "khorasan"}


def tokens(text: str) -> list[str]:
    """Lower-case ASCII word tokens of ``text`` with apostrophes removed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _POSSESSIVE.sub("", text)
    text = _APOS.sub("", text)
    text = text.replace("&", " and ").lower()
    return [t for t in _NON_WORD.split(text) if t]


def _join_codes(raw: list[str]) -> list[str]:
    """Glue a short letter token to the number after it: "apt 28" → "apt28".

    Codes are written "APT28", "APT 28", "APT-28" and "Storm-0558"; one key
    for all of them needs the split closed again.
    """
    out: list[str] = []
    for tok in raw:
        if out and tok.isdigit() and out[-1].isalpha() and len(out[-1]) <= 6:
            out[-1] += tok
        else:
            out.append(tok)
    return out


def _fold_tokens(raw: list[str]) -> list[str]:
    raw = _join_codes(raw)
    out: list[str] = []
    for i, tok in enumerate(raw):
        if tok in _CONNECTORS and 0 < i < len(raw) - 1:
            continue
        if tok in _ARTICLE and i < len(raw) - 1 and len(raw) > 1:
            tok = "al"
        out.append(_TOKEN_SYNONYMS.get(tok, tok))
    if len(out) > 1 and out[0] == "the":
        out = out[1:]
    return out


def _islamic_state_key(joined: str) -> str:
    """Rewrite any Islamic State spelling to ``isis`` plus its branch region."""
    first, _, rest = joined.partition(" ")
    glued = _IS_GLUED.match(first)
    if glued:
        region_words = [_REGION_CODES[glued.group(1)], *rest.split()]
    elif (match := _IS_PATTERN.match(joined)) is not None:
        region_words = joined[match.end() :].split()
    elif (front := _REGION_FIRST.match(joined)) is not None:
        region_words = front.group("region").split() + front.group("rest").split()
    else:
        return joined
    words = [w for w in region_words if w not in _BRANCH_WORDS]
    region = " ".join(words)
    region = _REGION_CODES.get(region, region) if len(words) == 1 else region
    region = _REGION_SYNONYMS.get(region, region)
    if region in _CORE_REGIONS:
        region = ""
    return f"isis {region}".strip()


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The exact-match key of a name: equal keys mean the same name.

    Cached because the extractor asks for the key of every n-gram it scans.
    """
    folded = _fold_tokens(tokens(name))
    if not folded:
        return ""
    return _islamic_state_key(" ".join(folded))


_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def skeleton_key(name: str) -> str:
    """The name key with vowels and doubled letters folded inside each word.

    The first letter of every word is kept so that "Ansar" and "Nasr" stay
    apart; words of three letters or fewer are kept whole because acronyms
    and short particles lose all identity without their vowels.
    """
    key = name_key(name)
    out = []
    for word in key.split():
        if len(word) <= 3 or word.isdigit() or word == "isis":
            out.append(word)
            continue
        body = _VOWELS.sub("", word[1:])
        out.append(_DOUBLES.sub(r"\1", word[0] + body.replace("kh", "k").replace("q", "k")))
    return " ".join(out)


def is_acronym(text: str) -> bool:
    """True for short all-capital labels such as "AQAP", "ISIL-K" or "MS-13"."""
    letters = [c for c in text if c.isalpha()]
    if not letters or len(text) > 12 or " " in text.strip():
        return False
    return all(c.isupper() for c in letters) or (
        len(letters) <= 5 and sum(c.isupper() for c in letters) >= len(letters) - 1
    )


# Words that only say "this is a group": "Sofacy Group", "Sandworm Team".
_DESIGNATORS = frozenset({"group", "team", "gang", "crew", "actor", "apt"})


@lru_cache(maxsize=65536)
def designator_key(key: str) -> str:
    """A name key without designator words, for a second, looser lookup.

    "sofacy group" → "sofacy", "equation group" → "equation", "apt group
    lazarus" → "lazarus". A key that would keep no word with letters
    ("group 8" is ``group8``) is returned unchanged.
    """
    words = key.split()
    kept = [w for w in words if w not in _DESIGNATORS]
    if not kept or not any(c.isalpha() for w in kept for c in w) or kept == words:
        return key
    return " ".join(kept)


_CODE = re.compile(r"^[a-z]{1,8}\d+[a-z]?$|^\d+$")


def is_structural(key: str) -> bool:
    """True for keys built around a code (Storm-0558, DEV-0537, UNC2452, TA505,
    APT28, G0007, FIN7, Group 8, Team 8): one digit off is another actor."""
    return any(_CODE.match(w) and any(c.isdigit() for c in w) for w in key.split())


# Vendor naming schemes: a qualifier word plus a family word. Siblings
# ("Salt Typhoon", "Silk Typhoon") differ by one word and are different actors.
_TEMPLATE_FAMILIES = frozenset(
    str.split("""typhoon blizzard sandstorm sleet tempest cyclone hail dust flood rain tsunami
    panda bear kitten chollima spider jackal tiger buffalo crane leopard ocelot hawk lynx wolf""")
)


def is_template(key: str) -> bool:
    """True for templated vendor names (colour + Typhoon, animal + Panda ...)."""
    words = key.split()
    return len(words) >= 2 and words[-1] in _TEMPLATE_FAMILIES


_SPLIT = re.compile(r"\s+/\s+|/|\s*\(([^()]*)\)\s*")


def split_names(name: str) -> list[str]:
    """The names packed into "X / Y" or "X (Y)"; a plain name gives itself."""
    if "/" not in name and "(" not in name:
        return [name]
    parts = [p.strip() for p in _SPLIT.split(name) if p and p.strip()]
    return parts or [name]
