"""Person names.

Without a name model, precision comes from context. A run of capitalised
words counts as a person only when something in the text says so:

* a title or role in front ("President Vladimir Putin", "Dr. Amal Haddad",
  "spokesman Dmitry Peskov", "Abu Mohammed al-Julani");
* a speech verb next to it ("Ahmed Khan said", "said Sarah Jones");
* an apposition that names a role ("John Smith, a police spokesman,").

Places, actors and venues found by the other extractors win over a person
span that overlaps them (``extract`` resolves that).
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
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE})?{_NAME_WORD}){{1,3}}"
_AFTER_TITLE = re.compile(
    rf"\b(?:{_TITLES})\.?\s+(?P<name>{_NAME_WORD}(?:\s+(?:{_PARTICLE})?{_NAME_WORD}){{0,3}})"
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
_ABU = re.compile(rf"\b(?P<name>Abu\s+{_NAME_WORD}(?:\s+(?:{_PARTICLE})?{_NAME_WORD}){{0,2}})")
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


_TITLE_WORD = re.compile(rf"(?:{_TITLES})\.?")


def _clean(name: str) -> str:
    words = name.split()
    while words and (words[0] in _NOT_NAMES or _TITLE_WORD.fullmatch(words[0])):
        words = words[1:]
    return " ".join(words)


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
            raw = match.group("name")
            name = _clean(raw)
            if len(name.split()) < (1 if kind in ("title", "kunya") else 2):
                continue
            if name.split()[-1] in _NOT_NAMES:
                continue
            start = match.start("name") + raw.index(name)
            end = start + len(name)
            title = None
            if kind == "title":
                title = text[match.start() : match.start("name")].strip()
            out.append(
                mention(
                    MentionKind.PERSON, text, start, end, name, confidence, cue=kind, title=title
                )
            )
    return drop_overlaps(out)
