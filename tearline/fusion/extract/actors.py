"""Threat-actor mentions: catalog aliases found in text, plus candidates.

The scan walks word n-grams (longest first, up to eight words) and asks the
catalog for each n-gram's name key, which is a dict lookup. Three gates keep
precision up:

* every significant word of the span must be capitalised (so "the youth"
  in prose is not al-Shabaab's alias "The Youth");
* a short code (two or three capitals, such as "ADF" or "ISI") counts only
  when the text around it is not itself in capitals, and two-letter codes
  are ignored except "IS";
* a match that lands on a place name is left to the place extractor;
* a span never ends on a function word ("ISWAP AS THE" in capitals) and
  never starts with a government body's head ("Ministry of Defence" is a
  country's own ministry, not the sanctioned one a list names);
* a one-word ATT&CK codename ("Silence", "Equation") needs case
  evidence, since those names are ordinary words: a capital where an
  ordinary word would have none (mid-sentence, outside a title-case
  headline) or an unusual shape ("FIN7", "Lapsus$"). One-word matches
  through the loose skeleton key are never taken, because "Lapse" and
  "Lapsus" share one.

Three more rules came from session 4's tuning sets:

* a hit right after an Arabic organisational noun ("Kata'ib Hizballah",
  "Harakat Hezbollah al-Nujaba") is the tail of another group's name, not the
  group it spells: the whole name becomes a candidate instead;
* an alias several listed groups share ("Ansar al-Sharia") goes to the one
  whose names carry a place the text names ("... in Benghazi");
* a sentence about fiction ("the villain company in the television series")
  names no real actor.

Each resolved mention records the actor's parent group when the catalog
knows one (``parent``), so fusion can tell a branch and its core apart from
two rival groups.

Capitalised names ending in "Brigade", "Front", "Movement", "Army",
"Battalion" and the like that the catalog does not know become *candidate*
actors with a lower confidence; a fuzzy catalog match is tried first.
"""

from __future__ import annotations

import dataclasses
import re

import ahocorasick  # type: ignore[import-not-found]

from tearline.fusion.catalog import Catalog, Resolution, is_acronym, name_key
from tearline.fusion.extract._common import (
    JOINER,
    PARTICLES,
    WORD,
    alnum_spaced,
    drop_overlaps,
    is_capitalised,
    mention,
    sentence_at,
    shouting,
)
from tearline.fusion.extract._wordlists import census_given_names, census_surnames
from tearline.fusion.extract.context import (
    caseless_lines,
    is_ordinary_word,
    recase,
    threat_context,
    title_case_line,
)
from tearline.fusion.extract.gate import Gated
from tearline.fusion.extract.places import DEMONYMS, city_population, country_index
from tearline.fusion.extract.starts import StartFinder
from tearline.model.mention import Mention, MentionKind

__all__ = ["find_actors"]

_MAX_WORDS = 8
_HEADS = (
    "Brigade|Brigades|Front|Movement|Army|Battalion|Battalions|Group|Organi[sz]ation|Party|"
    "Cell|Cells|Network|Legion|Division|Council|Forces|Force|Squad|Squads|Militia|Faction|"
    "Resistance|Guards|Corps|Mujahideen|Mujahidin|Commando|Jamaat|Collective|Order|Cartel"
)
_CANDIDATE = re.compile(
    r"\b(?:[Tt]he\s+)?((?:[A-Z][\w'’\-]+\s+(?:(?:of|for|the|al|and|in)\s+){0,2}){1,5}(?:"
    + _HEADS
    + r"))\b"
)
_ROLE_LEAD = re.compile(
    r"(?:Members|Member|Fighters|Supporters|Leaders?|Commanders?|Militants|Officials|Spokesman|"
    r"Head|Chief|Founder|Statement|Units?|Elements|Remnants|Followers|Cells?|Gunmen)\s+"
    r"(?:of|from|for)\s+(?:the\s+)?"
)
_GENERIC_FIRST = frozenset(
    [
        "The",
        "A",
        "An",
        "This",
        "That",
        "Its",
        "Their",
        "His",
        "Her",
        "Our",
        "One",
        "National",
        "Islamic",
        "Terrorist",
        "Armed",
        "Militant",
        "Extremist",
        "Jihadist",
        "Rebel",
        "Islamist",
        "Unknown",
        "Unidentified",
        "Same",
        "Local",
        "Regional",
        "New",
        "Another",
        "Security",
        "Police",
        "Special",
        "Red",
        "UN",
        "U.N.",
        "United",
        "World",
        "International",
        "European",
        "US",
        "U.S.",
        "UK",
        "U.K.",
        "Royal",
    ]
)
# Function words that open questions and clauses ("Has Army units shelled ..."):
# a candidate group name never starts with one.
_FUNCTION_FIRST = frozenset(
    str.split("""Is Are Was Were Has Have Had Let Do Does Did Can May Might Must Shall Should
    Could Would Will If So Then When Where Why How What While Yet Be Been""")
)
_OWNER = re.compile(r"[A-Z][\w-]*['’]s\s+")


# Function words a name never ends on, and government bodies' first words: a
# list's "Ministry of National Defence" (a sanctioned state organ) is never a
# report's own "Ministry of Defence".
_NOT_LAST = frozenset(str.split("the as and of in for to a an on at by or with from than"))
_STATE_BODY_FIRST = frozenset(str.split("Ministry Department Office Bureau Embassy Consulate"))


def _name_like(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    words = WORD.findall(span)
    if not words or not is_capitalised(words[0]) or not is_capitalised(words[-1]):
        return False
    if len(words) > 1 and words[-1].lower() in _NOT_LAST:
        return False  # "ISWAP AS THE" in a line set in capitals is ISWAP
    if words[0].title() in _STATE_BODY_FIRST:
        return False
    for word in words:
        if not is_capitalised(word) and word.lower() not in PARTICLES and len(word) > 2:
            return False
    letters = [c for c in span if c.isalpha()]
    if len(letters) <= 3 and all(c.isupper() for c in letters) and not _DESIGNATOR.fullmatch(span):
        if len(letters) <= 2 and span != "IS":
            return False
        if shouting(text, start, end):
            return False
    return True


_SENTENCE_LEAD = re.compile(r"(?:^|[.!?:;\n\"“‘'(\[—–-])\s*$")
_PLAIN_WORD = re.compile(r"[A-Z][a-z]+")
_SYMBOLS = frozenset("$@#&*+!")
# ATT&CK names its groups and campaigns with ordinary words ("Silence",
# "Equation", "Cleaver"); listed terrorist entities rarely collide so.
_CODENAME_KINDS = frozenset({"intrusion-set", "campaign"})


def _case_evidence(text: str, start: int, end: int) -> bool:
    """Whether a one-word codename match is a name rather than an ordinary word.

    A capital letter proves something only where an ordinary word would be
    written in lower case: mid-sentence, in a line that is not itself in
    title case. Unusual shapes ("APT28", "FIN7", "Lapsus$") always count.
    """
    if not _PLAIN_WORD.fullmatch(text[start:end]) or text[end : end + 1] in _SYMBOLS:
        return True
    if _SENTENCE_LEAD.search(text, max(0, start - 40), start) is not None:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    words = [w for w in WORD.findall(text[line_start : None if line_end < 0 else line_end])
             if len(w) > 3]  # fmt: skip
    capitals = sum(1 for w in words if w[0].isupper())
    return capitals < 0.6 * len(words)


# A designator: capitals then digits ("APT41", "TA505", "FIN7", "UNC3886"). No
# dictionary word and no ordinary acronym has that shape, and the catalog holds
# no product or aircraft code ("F16", "MH17", "G20"), so such a hit needs no
# further evidence.
_DESIGNATOR = re.compile(r"[A-Z]{2,}-?\d{1,5}")
# A lower-case group noun right after a name says it names a group: "the Naikon
# group", "Sandworm hackers", "the Turla operators".
_GROUP_NOUN_AFTER = re.compile(
    r"[ \t]+(?:group|hackers|hacking\s+group|gang|crew|operators|actors?|cluster|unit)\b"
)


_NUMBERS_THINGS = frozenset(
    _HEADS.replace("Organi[sz]ation", "Organisation|Organization").split("|")
    + str.split("""Team Unit Cluster Phase Round Level Stage Area Section Chapter Room Grade
    Class Zone Sector Station Gate Terminal Route Channel Track Block Ward District""")
)


def _named_elsewhere(text: str, actor_names: tuple[str, ...], span: str) -> bool:
    """Whether another long name or designator of the same actor appears in the text.

    A designator counts however short ("APT33 / Elfin"), as a whole word so
    that "APT3" is not found inside "APT33".
    """
    for n in actor_names:
        if n == span or not (len(n) >= 6 or _DESIGNATOR.fullmatch(n)):
            continue
        if re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", text):
            return True
    return False


def _plausible(text: str, start: int, end: int, found: Resolution, catalog: Catalog) -> bool:
    """Whether a one-word catalog hit is a mention of that actor.

    Short words ("Is", "Let", "Has", "Lt") count only written as an acronym;
    acronyms ("RIM", "AAA") and dictionary words ("Base", "Federation",
    "Mirage") need the sentence to speak of attacks or intrusions, or the
    actor to be named in full elsewhere in the text; a codename that is an
    ordinary word also needs case evidence (``_case_evidence``).
    """
    actor = catalog.get(found.actor_id)
    if actor is None:
        return True
    if text.startswith(("The ", "the "), start):
        start += 4
    span = text[start:end]
    if _DESIGNATOR.fullmatch(span):
        return True  # "APT41 compromised dozens of networks": the shape is the evidence
    if text[max(0, start - 4) : start] == "The " and any(
        n.startswith(("The ", "the ")) and name_key(n) == found.matched for n in actor.names()
    ):
        return True  # "The Base", written as the list writes it
    letters = [c for c in span if c.isalpha()]
    acronym = bool(letters) and (
        all(c.isupper() for c in letters) or (span in actor.names() and is_acronym(span))
    )
    if acronym and len(letters) >= 4 and shouting(text, start, end):
        # A line in capitals: "HEZBOLLAH" is Hezbollah if the lists write it so,
        # and "BASE" is the word base, not "The Base", unless a list writes it in
        # capitals (four letters is already a word: "BASE", "IRON"; "ISIS",
        # "AQIM" stay codes because the lists spell them so).
        key = name_key(span)
        acronym = any(n.isupper() and name_key(n) == key for n in actor.names())
    if len(letters) <= 4 and not acronym:
        return False
    span_words = WORD.findall(span)
    # "Combat 18": a word and a number together is no phrase of the dictionary,
    # unless the word numbers things ("Group 8" of a tournament, "Unit 42").
    numbered = any(w.isdigit() for w in span_words) and span_words[0] not in _NUMBERS_THINGS
    ordinary = (
        not acronym and all(is_ordinary_word(w) or len(w) <= 3 for w in span_words) and not numbered
    )
    if ordinary and actor.kind in _CODENAME_KINDS and not _case_evidence(text, start, end):
        return False
    adjective = span.endswith("ic")  # "Islamic Republic", "Atlantic Council"
    if (ordinary or adjective) and re.match(r"[ \t]+[A-Z]", text[end : end + 3]):
        return False  # "Silicon Valley", "Islamic Republic": the front of another name
    if not acronym and not ordinary:
        if actor.kind not in _CODENAME_KINDS or not _PLAIN_WORD.fullmatch(span):
            return True  # "Hezbollah", "Al-Shabaab": listed names no dictionary has
        # A vendor codename in no dictionary may still be a moon, a first name
        # or a brand ("Callisto", "Akira"): it needs the sentence to say so.
        return (
            threat_context(text, start, end)
            or _GROUP_NOUN_AFTER.match(text, end) is not None
            or any(len(n) >= 5 and n != span and n in text for n in actor.names())
        )
    return threat_context(text, start, end) or _named_elsewhere(text, actor.names(), span)


# Things a name can label that no armed group is: "the Al Furqan mosque",
# "NASA's Dragonfly mission", "the Iridium satellite".
_THING_AFTER = frozenset(
    str.split(
        """mosque mosques church temple shrine school university hospital museum library
        mission probe satellite spacecraft telescope field festival stadium airport
        restaurant hotel costume film movie album song game novel musical show
        infestation infestations moon moons crater prize award brand"""
    )
)
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][\w-]*)")
_PREV_WORD = re.compile(r"([A-Z][a-z]+)[ \t]+$")


def _names_other_thing(text: str, start: int, end: int) -> bool:
    """Whether a catalog hit is part of something else's name, whatever its length.

    A person ("Emma Lazarus", "Akira Kurosawa", a listed man's namesake "James
    Mason" with no attack in the sentence) or a thing ("Al Furqan mosque",
    "Dragonfly mission"): the words right around the hit say so.
    """
    after = _NEXT_WORD.match(text, end)
    if after is not None and after.group(1).lower() in _THING_AFTER:
        return True
    before = _PREV_WORD.search(text, max(0, start - 20), start)
    span_words = WORD.findall(text[start:end])
    given, surnames = census_given_names(), census_surnames()
    if len(span_words) == 1 and _PLAIN_WORD.fullmatch(span_words[0]):
        if before is not None and before.group(1) in given:
            return True  # "Emma Lazarus": a surname after a first name
        nxt = after.group(1) if after is not None else ""
        if nxt[:1].isupper() and nxt in surnames and not is_ordinary_word(nxt):
            return True  # "Akira Kurosawa": a first name before a surname
    # "James Mason" the film actor, not the listed namesake
    return (
        len(span_words) == 2
        and span_words[0] in given
        and span_words[1] in surnames
        and not threat_context(text, start, end)
    )


# Arabic nouns that open a group's name ("battalions of", "army of", "movement of",
# "brigades of", "league of the people of"): "Kata'ib Hizballah" is a militia of
# its own, not Hizballah.
_ARABIC_LEAD = (
    r"(?:Kata['’]?ib|Katibat|Liwa['’]?|Saraya|Jaysh|Jaish|Harakat|Asa['’]?ib|Faylaq|"
    r"Jund|Jabhat|Tanzim)"
)
_ARABIC_BEFORE = re.compile(r"(?<![\w'’-])" + _ARABIC_LEAD + r"[ \t]+$")
_ARABIC_NAME = re.compile(
    r"(?<![\w'’-])("
    + _ARABIC_LEAD
    + r"(?:[ \t]+(?:(?:al|el|ul|wal|bil)-)?[A-Z][\w'’]*(?:-[A-Za-z][\w'’]*)*){1,4})"
)


def _after_arabic_lead(text: str, start: int) -> bool:
    """Whether a hit follows an Arabic organisational noun: the tail of a longer name."""
    return _ARABIC_BEFORE.search(text, max(0, start - 12), start) is not None


def _is_place_word(word: str) -> bool:
    return word in country_index() or city_population(word) > 0


def _by_place(text: str, start: int, end: int, found: Resolution, catalog: Catalog) -> Resolution:
    """Settle an alias several listed groups share by a place the text names.

    The UN lists "Ansar al-Sharia" under its Benghazi, Derna and Tunisian
    groups and as an AQAP alias; a report on an attack in Benghazi means the
    Benghazi group. Only a unique answer counts: when no candidate's names
    carry a place of the text, or two do, the resolution stays ambiguous.
    """
    if found.method != "ambiguous":
        return found
    span_words = set(WORD.findall(text[start:end]))
    present = {w for w in WORD.findall(text[:start] + " " + text[end:]) if w[:1].isupper()}
    present -= span_words
    hits = []
    for actor_id in (found.actor_id, *found.alternatives):
        actor = catalog.get(actor_id)
        if actor is None:
            continue
        words = {w for n in actor.names() for w in WORD.findall(n)} & present
        # A qualifier is a place the gazetteer knows, or whatever a longer name of
        # this group adds to the shared alias ("Ansar al-Sharia Derna": Derna,
        # which the gazetteer spells Darnah).
        qualifiers = {
            w
            for n in actor.names()
            if name_key(n).startswith(found.matched + " ")
            for w in WORD.findall(n)
            if w[:1].isupper() and not is_ordinary_word(w)
        }
        if any(_is_place_word(w) or w in qualifiers for w in words - span_words):
            hits.append(actor)
    if len(hits) != 1:
        return found
    chosen = hits[0]
    others = tuple(a for a in (found.actor_id, *found.alternatives) if a != chosen.id)
    return dataclasses.replace(
        found,
        actor_id=chosen.id,
        name=chosen.name,
        confidence=max(found.confidence, 0.75),
        method="place",
        alternatives=others,
    )


# A sentence about a film, a series or a novel: its "Evil Corp" or "SPECTRE" is
# the story's, not a listed group. (Not "series" alone: "a series of bombings".)
_FICTION = re.compile(
    r"\b(?:fictional|villains?|sitcom|superhero(?:es)?|(?:television|TV|Netflix|HBO)\s+"
    r"(?:series|show|drama)|in\s+the\s+(?:film|movie|novel|comic|cartoon)s?)\b",
    re.IGNORECASE,
)


def _fiction(text: str, start: int) -> bool:
    s, e = sentence_at(text, start)
    return _FICTION.search(text, s, e) is not None


_AUTOMATA: dict[int, tuple[Catalog, ahocorasick.Automaton]] = {}


def _automaton(catalog: Catalog) -> ahocorasick.Automaton:
    """Aho-Corasick over the first word of every catalog name, lower-cased, as a whole word.

    One pass over the lower-cased text finds the few words that can start
    an actor name; the n-gram lookups run only there. Each word is stored
    with a space on both sides and the text is read with every character
    that is not alphanumeric turned into a space (``alnum_spaced``), so the
    automaton itself keeps to whole words: asking ``isalnum`` of the
    neighbours of its every hit, inside words too, cost more than the pass.
    Built once per catalog (catalogs are immutable).
    """
    cached = _AUTOMATA.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    automaton = ahocorasick.Automaton()
    for word in catalog.first_tokens() - {"the"}:  # "The Base" is found at "Base"
        spaced = alnum_spaced(word)
        # A token with a separator inside would match other separators there.
        automaton.add_word(f" {spaced} ", (len(spaced), None if spaced == word else word))
    automaton.make_automaton()
    if len(_AUTOMATA) > 8:
        _AUTOMATA.clear()
    _AUTOMATA[id(catalog)] = (catalog, automaton)
    return automaton


def _candidate_starts(text: str, catalog: Catalog) -> set[int]:
    """Offsets of words whose folded form starts like a catalog name.

    Names are keyed on their ASCII-folded lower case (``tokens``): words
    with letters beyond ASCII are always admitted rather than folded here,
    and so are glued Islamic State labels (ISKP, ISWAP), keyed by rewriting.
    A whole word is one with no alphanumeric character on either side.
    """
    probe = text.lower()
    starts: set[int] = set()
    if not probe.isascii():
        starts.update(m.start() for m in _NON_ASCII_WORD.finditer(probe))
    # In " " + spaced, a hit " word " ending at e puts the word at e - len - 1 of probe.
    for last, (length, word) in _automaton(catalog).iter(" " + alnum_spaced(probe) + " "):
        start = last - length - 1
        if word is None or probe.startswith(word, start):
            starts.add(start)
    starts.update(m.start() for m in _IS_WORD.finditer(probe))
    return starts


# "is" at a word start, written literal first ("(?<!\w)is" read backwards) so
# ``re`` can skip to each "is" instead of trying every position.
_IS_WORD = re.compile(r"is(?<!\w..)\w*")
_NON_ASCII_WORD = re.compile(r"(?<![\w])[a-z0-9]*[^\x00-\x7f\W]")


def _lowercase_tail(
    text: str,
    words: _WordsFrom,
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
        nxt = words.get(last + extra)
        if nxt is None:
            return None
        gap = text[words[last + extra - 1].end() : nxt.start()]
        if not JOINER.fullmatch(gap) or not nxt.group().islower():
            return None
        end = nxt.end()
        other = catalog.lookup_key(name_key(text[start:end]))
        if other is not None and other.actor_id != found.actor_id:
            return end, other, extra
    return None


class _WordsFrom:
    """The words (``WORD`` matches, as ``finditer`` makes them) from one word start on.

    Found as they are asked for: most candidate starts are rejected on their
    first word, and listing every word of the text (with a start-to-index
    table) for the few dozen starts tried was a third of ``_scan_catalog``.
    ``finditer`` searches on from where each match ended, and so does ``get``.
    """

    __slots__ = ("_text", "_words")

    def __init__(self, text: str, first: re.Match[str]) -> None:
        self._text = text
        self._words = [first]

    def get(self, k: int) -> re.Match[str] | None:
        """The ``k``-th word from the first (0 is the first), or None past the text's end."""
        words = self._words
        while len(words) <= k:
            nxt = WORD.search(self._text, words[-1].end())
            if nxt is None:
                return None
            words.append(nxt)
        return words[k]

    def __getitem__(self, k: int) -> re.Match[str]:
        got = self.get(k)
        if got is None:
            raise IndexError(k)
        return got


_WORD_CHAR = re.compile(r"\w")


def _scan_catalog(text: str, catalog: Catalog) -> list[Mention]:
    places = country_index()
    starts = _candidate_starts(text, catalog)
    out: list[Mention] = []
    # Visit only the words the automaton admitted, in order; a match skips the
    # words it covers (the per-word loop over every word cost more than the lookups).
    free = -1  # offset before which a match already covered the words
    for s in sorted(starts):
        if s < free:
            continue
        first = WORD.match(text, s)
        # Only a start of a whole word (a run of word characters) is one of ``finditer``'s.
        if first is None or (s > 0 and _WORD_CHAR.match(text, s - 1)):
            continue
        if not is_capitalised(first.group()):
            continue
        words = _WordsFrom(text, first)
        i = 0  # word indices below count from this start (``words[0]`` is ``first``)
        matched = 0
        limit = min(_MAX_WORDS, catalog.max_tokens)
        # Extend only across joiners that may sit inside a name.
        reach = 1
        while reach < limit and (nxt := words.get(reach)) is not None and JOINER.fullmatch(
            text[words[reach - 1].end() : nxt.start()]
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
            longer = _lowercase_tail(text, words, start, i + n - 1, found, catalog)
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
        if matched:
            free = words[matched - 1].end()
    return out


# Heads that name armed groups; the others ("Party", "Council", "Group",
# "Network", "Division", "Army") name parties, boards, companies and armies
# as often, so they need the sentence to speak of attacks.
# Both patterns run only on texts holding one of their words (a head noun, an
# Arabic lead); the Arabic one only where a lead begins, the candidate one only
# at a capital or a "t" that starts a word (where "[Tt]he" or "[A-Z]" opens it).
_ARABIC_GATED = Gated(_ARABIC_NAME)
_CANDIDATE_GATED = Gated(_CANDIDATE, StartFinder(re.compile(r"[A-Zt](?<!\w.)")))
_ARMED_HEADS = frozenset(
    str.split("""Brigade Brigades Battalion Battalions Front Legion Militia Mujahideen
    Mujahidin Jamaat
    Squad Squads Commando Faction Resistance Cell Cells""")
)


def _arabic_candidates(text: str, lowered: str, catalog: Catalog | None,
                       taken: list[Mention]) -> list[Mention]:
    """Names opened by an Arabic organisational noun ("Asa'ib Ahl al-Haq").

    Only an exact catalog name resolves one: a fuzzy match would turn
    "Kata'ib Hizballah" into Hizballah, the very confusion this avoids.
    """
    out: list[Mention] = []
    for match in _ARABIC_GATED.finditer(text, lowered):
        start, end = match.span(1)
        if any(not (end <= m.start or start >= m.end) for m in taken):
            continue
        if title_case_line(text, start, end):
            continue
        span = text[start:end]
        found = catalog.resolve(span) if catalog is not None else None
        if found is not None and found.method in ("exact", "decision"):
            out.append(_resolved(text, start, end, found))
            continue
        out.append(_unlisted(text, start, end, "candidate:" + name_key(span).replace(" ", "-")))
    return out


def _resolved(text: str, start: int, end: int, found: Resolution) -> Mention:
    """A candidate span the catalog resolved: a listed actor, held below list confidence."""
    return mention(
        MentionKind.ACTOR,
        text,
        start,
        end,
        found.actor_id,
        min(found.confidence, 0.8),
        name=found.name,
        method=found.method,
        alternatives=list(found.alternatives),
    )


def _unlisted(text: str, start: int, end: int, value: str) -> Mention:
    """A candidate span no list names: kept at low confidence so fusion can still key on it."""
    return mention(
        MentionKind.ACTOR,
        text,
        start,
        end,
        value,
        0.35,
        name=text[start:end],
        method="candidate",
        candidate=True,
    )


def _candidates(text: str, catalog: Catalog | None, taken: list[Mention]) -> list[Mention]:
    lowered = text.lower()  # both gates read it
    out: list[Mention] = _arabic_candidates(text, lowered, catalog, taken)
    for match in _CANDIDATE_GATED.finditer(text, lowered):
        start, end = match.span(1)
        if "\n" in text[start:end] or title_case_line(text, start, end):
            continue  # headline fragments ("Pulls Gun On And Handcuffs Guards")
        head = text[start:end].split()[-1]
        if head not in _ARMED_HEADS and not threat_context(text, start, end):
            continue  # "Democratic Party", "World Boxing Council", "Vodafone Group"
        # "Members of the Northern Shield Battalion": drop the role noun in front.
        lead = _ROLE_LEAD.match(text, start, end)
        if lead:
            start = lead.end()
        if any(not (end <= m.start or start >= m.end) for m in taken):
            continue
        owner = _OWNER.match(text, start, end)
        if owner is not None:  # "Sudan's Rapid Support Forces": the group follows its owner
            start = owner.end()
        span = text[start:end]
        first = span.split()[0]
        if (
            first in _GENERIC_FIRST
            or first in _FUNCTION_FIRST
            or first in DEMONYMS
            or first in country_index()
        ):
            continue
        if len(span.split()) < 2:
            continue
        found = catalog.resolve(span) if catalog is not None else None
        if found is not None and found.method in ("fuzzy", "exact", "skeleton", "decision"):
            out.append(_resolved(text, start, end, found))
            continue
        cand = catalog.candidate(span) if catalog is not None else None
        value = (
            cand.actor_id if cand is not None else "candidate:" + name_key(span).replace(" ", "-")
        )
        out.append(_unlisted(text, start, end, value))
    return out


def _lower_case_lines(text: str, catalog: Catalog) -> list[Mention]:
    """Catalog names in lines written all in lower case ("lazarus group", "hezbollah").

    The line is recased and scanned like any other; since a capital proves
    nothing there, a one-word hit counts only when no dictionary has the
    word and it is no short code ("kimsuky" yes, "base" or "is" never).
    """
    out: list[Mention] = []
    for offset, line in caseless_lines(text):
        for m in _scan_catalog(recase(line), catalog):
            words = WORD.findall(m.text)
            if len(words) == 1 and (is_ordinary_word(words[0]) or len(words[0]) <= 4):
                continue
            start, end = offset + m.start, offset + m.end
            if all(is_ordinary_word(w) for w in words) and not threat_context(text, start, end):
                continue  # "a sea turtle nested": ordinary words, no attack

            detail = {**m.detail, "recased": True}
            out.append(Mention(m.kind, text[start:end], start, end, m.value, m.confidence, detail))
    return out


def find_actors(text: str, catalog: Catalog | None) -> list[Mention]:
    """Known actors (resolved to catalog ids) and candidate group names."""
    known = (
        drop_overlaps(_scan_catalog(text, catalog) + _lower_case_lines(text, catalog))
        if catalog is not None
        else []
    )
    found = drop_overlaps(known + _candidates(text, catalog, known))
    return [m for m in found if not _fiction(text, m.start)]
