"""Person names.

Without a name model, precision comes from context. A run of capitalised
words counts as a person only when something in the text says so:

* a title or role in front ("President Vladimir Putin", "Dr. Amal Haddad",
  "spokesman Dmitry Peskov", "Abu Mohammed al-Julani");
* a speech verb next to it ("Ahmed Khan said", "said Sarah Jones");
* an apposition that names a role ("John Smith, a police spokesman,");
* a first name the US Census knows in front of a surname ("Kareem Rush",
  "Sarah Palin"), when neither word is a place or an organisation's head
  and the pair is not the front of a longer name ("Beverly Hills", "Grant
  Park", "the Harry Winston store"); ordinary words need the other word to
  be a name ("Mark Hurd" yes, "Rose Garden" no).

Places, actors and venues found by the other extractors win over a person
span that overlaps them (``extract`` resolves that).

A name never crosses a line break (headlines and bylines sit on lines of
their own, and a name glued across them is nonsense). Outlets and agencies
take the same cues as people ("according to Crescent Watch", "told Northstar
Wire"), so a name ending in an organisation word is not a person; and a name
that continues a longer capitalised run ("Committee for State Protection
Ruslan Temirkhanov") keeps only its last two name words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tearline.fusion.extract._common import drop_overlaps, mention
from tearline.fusion.extract._wordlists import census_given_names, census_surnames, load_words
from tearline.fusion.extract.context import (
    CASELESS_STOP,
    ORG_TAIL_WORDS,
    is_ordinary_word,
    recase,
    title_case_line,
)
from tearline.fusion.extract.gate import Gated
from tearline.fusion.extract.places import DEMONYMS, city_population, country_index
from tearline.fusion.extract.starts import StartFinder
from tearline.model.mention import Mention, MentionKind

__all__ = ["canonical_people", "find_people", "person_key"]

_TITLES = (
    r"Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Sheikh|Shaykh|Imam|Mullah|Maulana|"
    r"Rabbi|Father|Rev|Reverend|Pope|King|Queen|Prince|Princess|President|Vice[- ]President|"
    r"Prime Minister|Premier|Chancellor|Minister|Secretary|Senator|Sen|Rep|Representative|"
    r"Governor|Gov|Mayor|Ambassador|General|Gen|Lieutenant|Lt|Colonel|Col|Major|Maj|Captain|"
    r"Capt|Sergeant|Sgt|Commander|Cmdr|Admiral|Adm|Judge|Justice|Prosecutor|Chief|Inspector|"
    r"Detective|Officer|Commissioner|Director|Emir|Amir|Caliph|Ayatollah|Patriarch|Bishop|"
    r"Coroner|Sheriff|Deputy|Coach|Msgr|Monsignor|Archbishop|Cardinal|Constable|Trooper|"
    r"Agent|Attorney|Superintendent|Dean|Lawyer|lawyer|Analyst|analyst|"
    r"spokesman|spokeswoman|spokesperson|leader|commander|founder|chief|minister|suspect|"
    r"gunman|attacker|bomber"
)
# Letters beyond ASCII so "Niinistö" is not cut to "Niinist"; inner capitals
# for "McCain", "LaCalamita", "O'Brien"; glued initials for "A.J.".
_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"
_LO = "a-zß-öø-ÿā-ž"
# A tokenised text spaces an initial's stop ("Eugene H . Nickerson"): that is an
# initial too when a capitalised word follows it.
_NAME_WORD = (
    rf"(?:(?:[{_UP}]\.){{1,3}}(?=\s)|[{_UP}][ \t]\.(?=[ \t]+[{_UP}][{_LO}])"
    rf"|[{_UP}][{_LO}]*(?:['’]?[{_UP}][{_LO}]+)?"
    rf"(?:['’][{_LO}]+)?(?:-[{_UP}]?[{_LO}]+)?(?![\w]))"
)
_PARTICLE = r"(?:al|el|bin|ibn|abu|Abu|de|van|von|der|da|di|la|le)[- ]"
_GAP = r"[ \t]+"  # inside a name: spaces only, never a line break
_NAME = rf"(?<![\w.]){_NAME_WORD}(?:{_GAP}(?:{_PARTICLE})?{_NAME_WORD}){{1,3}}"
# Abbreviated titles whose stop a tokenised text spaces off ("Mr . Gigante").
_ABBREVIATED = r"Mr|Mrs|Ms|Dr|Prof|Rev|Sen|Rep|Gov|Gen|Lt|Col|Maj|Capt|Sgt|Cmdr|Adm|Msgr"
_AFTER_TITLE = re.compile(
    rf"\b(?:(?:{_ABBREVIATED})[ \t]\.|(?:{_TITLES})\.?){_GAP}"
    rf"(?P<name>{_NAME_WORD}(?:{_GAP}(?:{_PARTICLE})?{_NAME_WORD}){{0,3}})"
)
_SAID_AFTER = re.compile(
    rf"(?P<name>{_NAME})\s+(?:said|says|told|added|stated|wrote|claimed|warned|denied)\b"
)
_SAID_BEFORE = re.compile(rf"\b(?:said|says|told|according to)\s+(?P<name>{_NAME})")
_APPOSITION = re.compile(
    rf"(?P<name>{_NAME}),\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,4}}"
    r"(?:spokesman|spokeswoman|official|minister|commander|leader|resident|witness|analyst|"
    r"officer|professor|director|member|chief|suspect|lawyer|journalist|survivor)\b"
)
_ABU = re.compile(
    rf"\b(?P<name>Abu{_GAP}{_NAME_WORD}(?:{_GAP}(?:{_PARTICLE})?{_NAME_WORD}){{0,2}})"
)
# Capitalised words that start sentences or name things, not people.
_NOT_NAMES = load_words("not_names")


_TITLE_WORD = re.compile(rf"(?:{_TITLES})\.?", re.IGNORECASE)
# Last words that make a capitalised run an organisation, not a person.
_ORG_HEAD_WORDS = """Watch Wire Observer Times Post News Gazette Courier Daily Herald Tribune
    Journal Press Agency Service Services Ministry Office Group Institute Centre Center Bureau
    Directorate Committee Council Network Media Television Radio Monitor Foundation Company
    Report Magazine Channel Ledger Express Mail Telegraph Standard Guardian Today Weekly
    Airlines Bank University Police Army Court Party Union Association Commission Survey
    Patrol Reporter Department Dept Administration Agency Authority Manager Counsel Assembly
    Motors Electric Systems Software Micro Labs Inc Corp Company Staff Affairs Security
    Defense Defence Health Justice Treasury Commerce Interior State Federal National
    Losses Gains Rejects Shares Stocks Markets Website Site Blog Technologies Technology
    Solutions Partners Capital Holdings Industries Enterprises Consulting Communications
    Networks Pharmaceuticals Entertainment Studios Records Foods Brands Airways Insurance"""
_ORG_HEADS = frozenset(_ORG_HEAD_WORDS.split())
_RUN_BEFORE = re.compile(r"[A-Z][\w'’-]*[ \t]+(?:(?:for|of|the|and|de)[ \t]+)*$")
_NAME_TOKEN = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"['’]s?$")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)$")


def _clean(text: str, start: int, end: int, *, trim_run: bool) -> tuple[int, int] | None:
    """Span of the person's name inside a matched span, or None.

    Offsets are taken from the tokens themselves, so the result is always a
    true slice of ``text`` however the words were spaced.
    """
    tokens = list(_NAME_TOKEN.finditer(text, start, end))
    inner = [i for i, t in enumerate(tokens[:-1]) if _POSSESSIVE.search(t.group())]
    if inner:  # "Intel's Waxman": the name is what follows the owner
        tokens = tokens[inner[-1] + 1 :]
    cut = _POSSESSIVE.search(tokens[-1].group()) if tokens else None
    if cut is not None:  # "Putin’s" is Putin
        end = tokens[-1].start() + cut.start()
        tokens = list(_NAME_TOKEN.finditer(text, tokens[0].start(), end))
    titled = [i for i, t in enumerate(tokens[:-1]) if _TITLE_WORD.fullmatch(t.group())]
    if titled:  # "Crown Prince Mohammed bin Salman": the name follows the last title
        tokens = tokens[titled[-1] + 1 :]
    while tokens and (tokens[0].group() in _NOT_NAMES or tokens[0].group() in _ORG_HEADS):
        tokens = tokens[1:]  # "General Manager A.J. Smith": the role is not the name
    if (
        len(tokens) > 1
        and is_ordinary_word(tokens[0].group())
        and _SENTENCE_START.search(text, max(0, tokens[0].start() - 3), tokens[0].start())
    ):
        tokens = tokens[1:]  # "Later V. Putin said": a sentence's first word is not a name
    if not tokens or any(t.group() in _ORG_HEADS or t.group() in _NOT_NAMES for t in tokens):
        return None
    capitals = [i for i, t in enumerate(tokens) if t.group()[:1].isupper()]
    if trim_run and len(capitals) > 2 and _RUN_BEFORE.search(text, max(0, start - 60), start):
        tokens = tokens[capitals[-2] :]
    return tokens[0].start(), tokens[-1].end()


_SPACED_STOP = re.compile(rf"\b([{_UP}]) \.(?= |$)")


def _spell(span: str) -> str:
    """A name's display spelling: single spaces, an initial's stop back on it ("H. Nickerson")."""
    return _SPACED_STOP.sub(r"\1.", " ".join(span.split()))


_GIVEN_NAME_TITLES = frozenset(["Dean"])


def _until_common_word(name: str) -> str:
    """A headline's titled name up to the first common word ("Obama Overturns ...")."""
    kept: list[str] = []
    for word in name.split():
        if is_ordinary_word(word) or is_ordinary_word(word.rstrip("s")):
            break
        kept.append(word)
    return " ".join(kept)


def _names_place(name: str) -> bool:
    """Whether a cue-found name holds a country, nationality or big city ("California ...")."""
    words = name.split()
    countries = country_index()
    return any(
        w in countries or w in DEMONYMS or w in _STATES or city_population(w) >= 1_000_000
        for w in words
    )


_STATES = frozenset(
    str.split("""Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware
    Florida Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland
    Massachusetts Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio
    Oklahoma Oregon Pennsylvania Tennessee Texas Utah Vermont Virginia Wisconsin Wyoming""")
)


def person_key(name: str) -> str:
    """A key one person keeps across spellings: the surname, case-folded.

    "Putin’s", "V. Putin", "Vladimir Putin" and "VLADIMIR PUTIN" share it, so
    fusion can join them; the display value keeps the fullest spelling seen.
    """
    words = [w for w in re.split(r"[\s]+", name) if w and not w.endswith(".")]
    return _POSSESSIVE.sub("", words[-1]).casefold() if words else name.casefold()


def _scan(text: str, patterns: list[tuple[Gated, float, str]]) -> list[Mention]:
    out: list[Mention] = []
    lowered = text.lower()
    for pattern, confidence, kind in patterns:
        for match in pattern.finditer(text, lowered):
            span = _clean(text, *match.span("name"), trim_run=kind in ("speech", "apposition"))
            if span is None:
                continue
            start, end = span
            name = _spell(text[start:end])
            if len(name.split()) < (1 if kind in ("title", "kunya") else 2):
                continue
            if kind in ("speech", "apposition") and (
                title_case_line(text, start, end) or _names_place(name)
            ):
                continue  # "Stocks Post Modest Losses", "California Highway Patrol said"
            title = text[match.start() : match.start("name")].strip() if kind == "title" else ""
            if title in _GIVEN_NAME_TITLES and len(name.split()) == 1:
                # "Dean Smith's offense": a title word that is also a first name, with
                # one name word after it, is the person's whole name.
                start, name, title = match.start(), f"{title} {name}", ""
            if kind == "title" and title[:1].islower() and len(name.split()) < 2:
                continue  # "chief Intel rival": a lower-case role before one word is weak
            if kind == "title" and title_case_line(text, start, end):
                kept = _until_common_word(name)
                if not kept:
                    continue
                end = start + len(kept) if text[start : start + len(kept)] == kept else end
                name = kept
            out.append(
                mention(
                    MentionKind.PERSON,
                    text,
                    start,
                    end,
                    name,
                    confidence,
                    cue=kind,
                    title=title or None,
                )
            )
    return out


# Every match of a pattern that opens with ``_NAME`` begins at a capital (each
# branch of ``_NAME_WORD`` opens with one) with no word character or stop
# before it; ``re`` finds those fast when the capital comes first. ``_NAME`` is
# two name words at least, so the capital's word (letters, apostrophes, stops,
# hyphens, or a spaced stop: "H .") must be followed by a gap, maybe a particle,
# and another capital: that look-ahead (zero-width, so no start is swallowed)
# keeps a lone capitalised word from being tried, most of the candidates.
_NAME_STARTS = StartFinder(
    re.compile(rf"[{_UP}](?<![\w.].)(?=[\w'’.-]*(?:[ \t]\.)?{_GAP}(?:{_PARTICLE})?[{_UP}])")
)
_PATTERNS = [
    (Gated(_AFTER_TITLE), 0.85, "title"),
    (Gated(_SAID_AFTER, _NAME_STARTS), 0.7, "speech"),
    (Gated(_SAID_BEFORE), 0.7, "speech"),
    (Gated(_APPOSITION, _NAME_STARTS), 0.75, "apposition"),
    (Gated(_ABU), 0.7, "kunya"),
]


def _caseless_lines(text: str) -> list[Mention]:
    """Titled names in lines written all in lower case or all in capitals."""
    out: list[Mention] = []
    offset = 0
    for line in text.split("\n"):
        if (line.islower() or line.isupper()) and sum(c.isalpha() for c in line) >= 12:
            recased = recase(line)
            for m in _scan(recased, _PATTERNS[:1]):
                words = m.text.split()
                while words and words[-1].lower() in CASELESS_STOP:
                    words.pop()
                if not words:
                    continue
                end = m.start + len(" ".join(words)) if len(words) > 1 else m.start + len(words[0])
                raw = text[offset + m.start : offset + end]
                if raw != line[m.start : end]:
                    continue
                name = " ".join(recased[m.start : end].split())
                out.append(
                    mention(
                        MentionKind.PERSON, text, offset + m.start, offset + end, name,
                        0.7, cue="title", title=m.detail.get("title"), recased=True,
                    )
                )  # fmt: skip
        offset += len(line) + 1
    return out


# Words that end names of places, buildings and bodies, never a person's.
_PLACE_HEADS = frozenset(
    str.split("""Square Garden Gardens Park Street St Avenue Ave Road Rd Boulevard Blvd Lane
    Drive Way Place Heights Hills Hill Beach Bay Valley County Township Parish Borough Island
    Islands Lake River Mountain Mountains Mount Falls Springs Point Harbor Harbour Station
    Airport Bridge Center Centre Mall Plaza Hospital Clinic School Academy College University
    Church Cathedral Chapel Mosque Temple Stadium Arena Field Theatre Theater Hotel Museum
    Library Prison Jail Courthouse Tower Towers Building Hall Memorial Foundation Institute
    Trust Fund Awards Award Prize Show Festival Cup Series Trophy Highway Freeway Expressway
    Canyon Creek Forest Woods Ranch Farm Estate Village Town City Cinema Studios Records""")
)
_COMMON_GIVEN_RANK = 400
_DATE_ABBREVIATIONS = frozenset(
    str.split("Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun")
    + str.split("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec")
)
_PAIR = re.compile(
    rf"(?<![\w.'’-])(?P<first>[{_UP}][{_LO}]+)"
    rf"(?P<middle>(?:[ \t]+(?:[{_UP}][ \t]?\.|[{_UP}][{_LO}]+)){{0,2}})"
    rf"[ \t]+(?P<last>[{_UP}][{_LO}]+(?:['’]?[{_UP}][{_LO}]+)?(?:-[{_UP}][{_LO}]+)?)(?![\w-])"
)
_BEFORE_PAIR = re.compile(
    r"(?:\b(?:the|The|a|an|An|A)[ \t]+|[{_UP}][\w.'’-]*[ \t]+)$".replace("{_UP}", _UP)
)
_AFTER_PAIR = re.compile(rf"(?:['’]s)?[ \t]+(?P<next>[{_UP}][\w'’-]*)")


def _is_place_word(word: str) -> bool:
    return (
        word in country_index()
        or word in DEMONYMS
        or word in _STATES
        or city_population(word) >= 100_000
    )


def _given_name_pairs(text: str) -> list[Mention]:
    """ "Kareem Rush", "Eric Allen Kirkpatrick": a Census first name, then a surname.

    The weakest cue, so every word around the pair is asked: the front
    word must be a known first name and not a place ("Virginia Beach"), no
    word may head a place or an organisation's name, nothing capitalised
    or an article may stand right before it (the pair would be the tail of
    another name, or a brand: "the Harry Winston store"), and the next word
    must not continue it into a place or body ("Beverly Hills Hotel"). When
    both words are ordinary English words ("Rose Garden", "Will Power"),
    it is not taken.
    """
    given, surnames = census_given_names(), census_surnames()
    out: list[Mention] = []
    for match in _PAIR.finditer(text):
        first, last = match.group("first"), match.group("last")
        middles = [w for w in match.group("middle").split() if not w.endswith(".")]
        middles = [w for w in middles if len(w) > 1]  # "H ." splits into "H" and "."
        words = [first, *middles, last]
        if first not in given or any(
            w in _NOT_NAMES
            or w in _ORG_HEADS
            or w in _PLACE_HEADS
            or w in ORG_TAIL_WORDS  # "Bradley Braves": a team
            or _TITLE_WORD.fullmatch(w)
            for w in words
        ):
            continue
        if _is_place_word(first) or (
            _is_place_word(last) and not (last in country_index() and last in surnames)
        ):
            continue  # "Beverly Hills", "Tyler Texas"; but "Eddie Jordan" is a person
        if any(w not in given and w not in surnames for w in middles):
            continue  # "Jeb Stuart Magruder", but not "Anne Frank House"
        if is_ordinary_word(first) and (is_ordinary_word(last) or last not in surnames):
            continue
        if is_ordinary_word(last) and last not in surnames:
            continue  # "Pierre Thomas Placed", "Young Guns": a word, not a surname
        if any(w in _DATE_ABBREVIATIONS for w in words):
            continue  # "Thu Jun 4"
        if (
            is_ordinary_word(first)
            and first not in census_given_names(_COMMON_GIVEN_RANK)
            and _SENTENCE_START.search(text, max(0, match.start() - 3), match.start())
        ):
            continue  # "So Stefanski said": a sentence's first word is not a first name
        start, end = match.span()
        if _BEFORE_PAIR.search(text, max(0, start - 40), start) and not _SENTENCE_START.search(
            text, max(0, start - 3), start
        ):
            continue
        after = _AFTER_PAIR.match(text, end)
        if after is not None and "\n" not in text[end : after.start("next")]:
            nxt = after.group("next")
            if (
                nxt in _PLACE_HEADS
                or nxt in _ORG_HEADS
                or (nxt[:1].isupper() and not (is_ordinary_word(nxt) or nxt in _NOT_NAMES))
            ):
                continue  # "Kraft Foods Inc", "Ben Taub Hospital", a longer run of names
        if title_case_line(text, start, end) and is_ordinary_word(first):
            continue  # headlines capitalise everything
        name = _spell(text[start:end])
        out.append(mention(MentionKind.PERSON, text, start, end, name, 0.6, cue="given-name"))
    return out


def canonical_people(people: list[Mention]) -> list[Mention]:
    """Give every mention of one person in a text the fullest name seen.

    "Putin" and "V. Putin" after "Vladimir Putin" become "Vladimir Putin";
    the surname key (``person_key``) decides, and an initial must agree with
    the full name's first name.
    """
    full: dict[str, str] = {}
    for m in people:
        key = person_key(str(m.value))
        if len(str(m.value).split()) > len(full.get(key, "").split()):
            full[key] = str(m.value)
    out = []
    for m in people:
        key = person_key(str(m.value))
        value, best = str(m.value), full.get(key, str(m.value))
        first = value.split()[0]
        if best != value and (len(value.split()) == 1 or (first.endswith(".") and
                                                          best.startswith(first[0]))):  # fmt: skip
            value = best
        detail = {**m.detail, "key": key}
        out.append(Mention(m.kind, m.text, m.start, m.end, value, m.confidence, detail))
    return out


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # ``re``'s \\w


def _surname_hits(text: str, surnames: list[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, surname) as ``finditer`` of ``(?<![\\w'’.-])(s1|s2|…)(?![\\w-])`` gives them.

    Done with ``str.find`` rather than a pattern compiled per text (the
    surnames differ from text to text, so ``re``'s cache never helps, and the
    pattern, opening with a look-behind, was tried at every position). Same
    rules: left to right, no overlaps, the first surname in order that fits
    at a position wins, neither end touching a word character (nor, before
    it, an apostrophe, stop or hyphen; after it, a hyphen).
    """
    starts: set[int] = set()
    for surname in surnames:
        at = text.find(surname)
        while at >= 0:
            starts.add(at)
            at = text.find(surname, at + 1)
    resume = 0
    for start in sorted(starts):
        if start < resume or (
            start > 0 and (_is_word_char(text[start - 1]) or text[start - 1] in "'’.-")
        ):
            continue
        for surname in surnames:
            end = start + len(surname)
            if text.startswith(surname, start) and not (
                end < len(text) and (_is_word_char(text[end]) or text[end] == "-")
            ):
                yield start, end, surname
                resume = end
                break


def _repeats(text: str, found: list[Mention]) -> list[Mention]:
    """Later bare surnames of people the text has already named in full.

    Reports introduce a person once with a cue ("said Matt Eastwood") and
    then use the surname alone ("Eastwood added"); that surname is the same
    person. Only full names (two words or more) lend their surname, and a
    surname that is a common word ("Page", "Gray") is left alone.
    """
    surnames: dict[str, str] = {}
    for m in found:
        words = str(m.value).split()
        last = words[-1] if len(words) >= 2 else ""
        if len(last) > 2 and not is_ordinary_word(last):
            surnames.setdefault(words[-1], str(m.value))
    if not surnames:
        return []
    out = []
    for start, end, surname in _surname_hits(text, list(surnames)):
        if any(m.start <= start < m.end for m in found):
            continue
        value = surnames[surname]
        given = value[: -len(surname)]
        if text[max(0, start - len(given)) : start] == given:
            start -= len(given)  # "Warren Jeffs" again, in a headline with no cue: all of it
            if any(m.start < end and start < m.end for m in found):
                continue
        out.append(mention(MentionKind.PERSON, text, start, end, value, 0.6, cue="repeat"))
    return out


_HOUSEHOLD_AFTER = re.compile(
    r"[ \t]+(?:crime[ \t]+|mob[ \t]+)?(?:clan|clans|family|families|dynasty)\b"
)
_ROLE_BEFORE = re.compile(
    r"\b(?:role|roles|played|plays|playing|portrayed|portrays|portraying|starring|starred|"
    r"stars|cast)\b[^.!?\n]{0,40}?\bas[ \t]+(?:(?:[a-z][\w'’-]*|-)[ \t]+){0,4}$"
)


def _not_a_person(text: str, m: Mention) -> bool:
    """Whether the words around a name make it something other than a living person.

    "the Genovese clan", "the Gambino crime family": a surname that names a
    family or a mob is the group, not one of its members. "his role as spin
    doctor Malcolm Tucker", "starring as Doctor Who": a name an actor plays is
    a character (the labels' rule: fictional characters are not people).
    """
    if _HOUSEHOLD_AFTER.match(text, m.end):
        return True
    return _ROLE_BEFORE.search(text, max(0, m.start - 90), m.start) is not None


def find_people(text: str) -> list[Mention]:
    """Person-name mentions; value is the name without its title."""
    found = drop_overlaps(_scan(text, _PATTERNS) + _caseless_lines(text) + _given_name_pairs(text))
    found = drop_overlaps(found + _repeats(text, found))
    return canonical_people([m for m in found if not _not_a_person(text, m)])
