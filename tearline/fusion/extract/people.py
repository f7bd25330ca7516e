"""Person names.

Without a name model, precision comes from context. A run of capitalised
words counts as a person only when something in the text says so:

* a title or role in front ("President Vladimir Putin", "Dr. Amal Haddad",
  "spokesman Dmitry Peskov", "Abu Mohammed al-Julani");
* a speech verb next to it ("Ahmed Khan said", "said Sarah Jones");
* an apposition that names a role ("John Smith, a police spokesman,").

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

from tearline.fusion.extract._common import drop_overlaps, mention
from tearline.model.mention import Mention, MentionKind

__all__ = ["find_people"]

_TITLES = (
    r"Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Sheikh|Shaykh|Imam|Mullah|Maulana|"
    r"Rabbi|Father|Rev|Reverend|Pope|King|Queen|Prince|Princess|President|Vice[- ]President|"
    r"Prime Minister|Premier|Chancellor|Minister|Secretary|Senator|Sen|Rep|Representative|"
    r"Governor|Gov|Mayor|Ambassador|General|Gen|Lieutenant|Lt|Colonel|Col|Major|Maj|Captain|"
    r"Capt|Sergeant|Sgt|Commander|Cmdr|Admiral|Adm|Judge|Justice|Prosecutor|Chief|Inspector|"
    r"Detective|Officer|Commissioner|Director|Emir|Amir|Caliph|Ayatollah|Patriarch|Bishop|"
    r"spokesman|spokeswoman|spokesperson|leader|commander|founder|chief|minister|suspect|"
    r"gunman|attacker|bomber"
)
_NAME_WORD = r"(?:[A-Z][a-z'’]+(?:-[A-Z]?[a-z'’]+)?|[A-Z]\.)"
_PARTICLE = r"(?:al|el|bin|ibn|abu|Abu|de|van|von|der|da|di|la|le)[- ]"
_GAP = r"[ \t]+"  # inside a name: spaces only, never a line break
_NAME = rf"{_NAME_WORD}(?:{_GAP}(?:{_PARTICLE})?{_NAME_WORD}){{1,3}}"
_AFTER_TITLE = re.compile(
    rf"\b(?:{_TITLES})\.?{_GAP}(?P<name>{_NAME_WORD}(?:{_GAP}(?:{_PARTICLE})?{_NAME_WORD}){{0,3}})"
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
_NOT_NAMES = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "He",
        "She",
        "They",
        "We",
        "A",
        "An",
        "In",
        "On",
        "At",
        "But",
        "And",
        "Officials",
        "Police",
        "Authorities",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "State",
        "Islamic",
        "Russian",
        "Interior",
        "Ministry",
        "Government",
        "Security",
        "Council",
        "Army",
        "Front",
        "Moscow",
        "Investigators",
        "Witnesses",
    ]
)


_TITLE_WORD = re.compile(rf"(?:{_TITLES})\.?", re.IGNORECASE)
# Last words that make a capitalised run an organisation, not a person.
_ORG_HEAD_WORDS = """Watch Wire Observer Times Post News Gazette Courier Daily Herald Tribune
    Journal Press Agency Service Services Ministry Office Group Institute Centre Center Bureau
    Directorate Committee Council Network Media Television Radio Monitor Foundation Company
    Report Magazine Channel Ledger Express Mail Telegraph Standard Guardian Today Weekly
    Airlines Bank University Police Army Court Party Union Association Commission"""
_ORG_HEADS = frozenset(_ORG_HEAD_WORDS.split())
_RUN_BEFORE = re.compile(r"[A-Z][\w'’-]*[ \t]+(?:(?:for|of|the|and|de)[ \t]+)*$")
_NAME_TOKEN = re.compile(r"\S+")


def _clean(text: str, start: int, end: int, *, trim_run: bool) -> tuple[int, int] | None:
    """Span of the person's name inside a matched span, or None.

    Offsets are taken from the tokens themselves, so the result is always a
    true slice of ``text`` however the words were spaced.
    """
    tokens = list(_NAME_TOKEN.finditer(text, start, end))
    titled = [i for i, t in enumerate(tokens[:-1]) if _TITLE_WORD.fullmatch(t.group())]
    if titled:  # "Crown Prince Mohammed bin Salman": the name follows the last title
        tokens = tokens[titled[-1] + 1 :]
    while tokens and tokens[0].group() in _NOT_NAMES:
        tokens = tokens[1:]
    if not tokens or tokens[-1].group() in _NOT_NAMES or tokens[-1].group() in _ORG_HEADS:
        return None
    capitals = [i for i, t in enumerate(tokens) if t.group()[:1].isupper()]
    if trim_run and len(capitals) > 2 and _RUN_BEFORE.search(text, max(0, start - 60), start):
        tokens = tokens[capitals[-2] :]
    return tokens[0].start(), tokens[-1].end()


def find_people(text: str) -> list[Mention]:
    """Person-name mentions; value is the name without its title."""
    out: list[Mention] = []
    for pattern, confidence, kind in (
        (_AFTER_TITLE, 0.85, "title"),
        (_SAID_AFTER, 0.7, "speech"),
        (_SAID_BEFORE, 0.7, "speech"),
        (_APPOSITION, 0.75, "apposition"),
        (_ABU, 0.7, "kunya"),
    ):
        for match in pattern.finditer(text):
            span = _clean(text, *match.span("name"), trim_run=kind != "kunya")
            if span is None:
                continue
            start, end = span
            name = " ".join(text[start:end].split())
            if len(name.split()) < (1 if kind in ("title", "kunya") else 2):
                continue
            title = None
            if kind == "title":
                title = text[match.start() : match.start("name")].strip()
            out.append(
                mention(
                    MentionKind.PERSON, text, start, end, name, confidence, cue=kind, title=title
                )
            )
    return drop_overlaps(out)
