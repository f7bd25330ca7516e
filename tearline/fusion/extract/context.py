"""Context tests shared by the extractors: what the words around a span say.

Gazetteer and catalog hits are cheap and plentiful; precision comes from
asking the surrounding text whether a hit is really a name of that kind.
These helpers answer the recurring questions:

* is this line a title-case headline, where a capital letter proves nothing
  ("Stocks Post Modest Losses", "Manhattan Metro")?
* is this place word the front of an organisation's or a masthead's name
  ("The New York Times", "France Telecom", "Toronto Raptors") or the tail of
  a geographic feature's ("Gulf of Aden", "University of Hull")?
* does the sentence talk about violence or intrusion, which a short or
  ordinary-word actor name needs before it counts ("Base", "RIM", "Play")?
"""

from __future__ import annotations

import re
from functools import lru_cache

from tearline.fusion.extract._common import WORD, sentence_at

__all__ = [
    "CASELESS_STOP",
    "ORG_TAIL_WORDS",
    "broadcaster_before",
    "caseless_lines",
    "feature_of_before",
    "is_ordinary_word",
    "opponent_team",
    "org_word_after",
    "recase",
    "threat_context",
    "title_case_line",
]

# Small words a title-case headline leaves in lower case.
_HEADLINE_SMALL = frozenset(
    str.split("a an and as at but by for from in into of on or the to up via vs with")
)


def _line(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : None if line_end < 0 else line_end]


def title_case_line(text: str, start: int, end: int) -> bool:
    """True when the line around the span capitalises nearly every word.

    Headlines and bylines are set that way; there a capitalised word is not
    evidence of a name, so cue-less name patterns must stand down.
    """
    return _title_case(_line(text, start, end))


@lru_cache(maxsize=256)
def _title_case(line: str) -> bool:
    """``title_case_line`` for one line: extractors ask it about the same lines many times."""
    words = [w for w in WORD.findall(line) if w[0].isalpha()]
    content = [w for w in words if w.lower() not in _HEADLINE_SMALL]
    if len(content) < 3:
        return False
    capitals = sum(1 for w in content if w[0].isupper())
    return capitals >= 0.8 * len(content)


# Words that, right after a place name, make it the front of another name:
# mastheads, companies, teams' and institutions' own names.
ORG_TAIL_WORDS = frozenset(
    str.split("""Times Post Herald Tribune Journal Gazette Chronicle Observer Reporter Daily Courier
    Telegraph Guardian Independent Examiner Inquirer Sun Star Mirror Express Standard
    Record Register Review Magazine News Press Wire Radio Television TV Telecom Telecoms
    Airways Airlines Air Motors Electric Energy Gas Bank Group Holdings Inc Corp Company
    Stock Exchange University College Institute Symphony Philharmonic Orchestra Opera
    Ballet Club FC United City's Giants Knicks Yankees Mets Rangers Kings Lakers Raptors
    Wizards Colts Saints Falcons Jets Islanders Sharks Bulls Bears Cubs Reds Braves
    Pirates Patriots Eagles Packers Magic Heat Nets Celtics Pistons Rockets Spurs Suns
    Mavericks Warriors Clippers Jazz Hawks Hornets Bucks Cavaliers Thunder Blazers
    Timberwolves Grizzlies Pelicans Marlins Nationals Royals Twins Tigers Mariners
    Orioles Dodgers Padres Phillies Steelers Ravens Browns Bengals Titans Texans Chiefs
    Broncos Raiders Chargers Cowboys Redskins Seahawks Cardinals Rams Vikings Lions
    Buccaneers Panthers Dolphins Bills Penguins Flyers Capitals Canadiens Senators
    Oilers Flames Canucks Predators Blues Avalanche Ducks Stars Wild Sox Red White Blue Angels
    Astros Athletics Brewers Rockies Diamondbacks Indians Guardians Rays Jays Expos Bruins
    Sabres Blackhawks Coyotes Hurricanes Lightning Devils Kraken Jaguars Galaxy Sounders
    Timbers Dynamo Fed""")
)
# A broadcaster's call letters before a place make a station's name ("NBC New York").
_BROADCASTER_BEFORE = re.compile(
    r"\b(?:NBC|CBS|ABC|FOX|Fox|CNN|BBC|ITV|Sky|PBS|NPR|CTV|CBC|W[A-Z]{2,3}|K[A-Z]{2,3})\d*[ \t]+$"
)


def broadcaster_before(text: str, start: int) -> bool:
    """Whether the place follows a broadcaster's name ("NBC New York", "Fox 5 Atlanta")."""
    return _BROADCASTER_BEFORE.search(text, max(0, start - 12), start) is not None


_ORG_AFTER = re.compile(r"(?:\s|['’]s\s)+([A-Z0-9][\w'’]*)")
_TEAM_NUMBER = re.compile(r"\d+(?:ers|s)$")  # "Philadelphia 76ers"


def org_word_after(text: str, end: int) -> bool:
    """Whether the word after a place name turns it into an organisation's name."""
    match = _ORG_AFTER.match(text, end)
    if match is None or "\n" in text[end : match.start(1)]:
        return False
    return match.group(1) in ORG_TAIL_WORDS or _TEAM_NUMBER.match(match.group(1)) is not None


_SPORTS = re.compile(
    r"\b(?:game|games|season|playoffs?|points|rebounds|yards|touchdowns?|quarterback|coach|"
    r"scored|victory|win|wins|loss|losses|league|seeded|innings|goals?|match)\b",
    re.IGNORECASE,
)
_OPPONENT = re.compile(
    r"\b(?:against|over|beat|beats|beating|defeated|vs\.?|versus|to|play|plays|face|faces)\s+"
    # "against Detroit and Carolina": the second of two opponents is one too.
    r"(?:[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*)?\s*(?:,|\band\b|\bor\b)\s*)?$"
)


def opponent_team(text: str, start: int) -> bool:
    """Whether a place name is a sports opponent ("a victory over Detroit")."""
    if _OPPONENT.search(text, max(0, start - 40), start) is None:
        return False
    s, e = sentence_at(text, start)
    return _SPORTS.search(text, s, e) is not None


_FEATURE_OF = re.compile(
    r"\b(?:Gulf|Bay|Sea|Strait|Straits|Isle|Isles|Lake|Cape|University|College|Bank|Museum|"
    r"Institute|Duke|Duchess|Earl|Archbishop|Bishop|Battle|Siege|Treaty|Declaration|Port)"
    r"\s+of\s+(?:the\s+)?$"
)


def feature_of_before(text: str, start: int) -> bool:
    """Whether the place is the tail of another name ("Gulf of Aden", "University of Hull")."""
    return _FEATURE_OF.search(text, max(0, start - 30), start) is not None


# Words that place a sentence in the world of attacks, armed groups and intrusions.
_THREAT = re.compile(
    r"\b(?:attack\w*|bomb\w*|blast\w*|explos\w*|militan\w*|terror\w*|insurg\w*|jihad\w*|"
    r"rebel\w*|guerr?ill\w*|gunm[ae]n|fighters?|armed|kill\w*|claim\w* responsibility|"
    r"hostage\w*|kidnap\w*|theft\w*|thie\w*|heist\w*|stole\w*|breach\w*|fraud\w*|"
    r"suicide|extremis\w*|hack\w*|malware|"
    r"ransomware|phishing|intrusions?|espionage|cyber\w*|threat actors?|apt|spy\w*|"
    r"wipers?|backdoors?|botnets?|exploit\w*|ddos|denial-of-service|spear-?phishing|"
    r"mercenar\w*|paramilitar\w*|shell(?:ed|ing)|ambush\w*|abduct\w*|massacre\w*|"
    r"fighting|clashes|drones?|disarm\w*|"
    r"operatives?|sanction\w*|proscribed|al[- ]qa[ei]da|"
    r"taliban|islamic state|isis|isil|daesh)\b",
    re.IGNORECASE,
)


def threat_context(text: str, start: int, end: int) -> bool:
    """Whether the sentence around a span speaks of attacks, armed groups or intrusions."""
    s, e = sentence_at(text, start)
    sentence = text[s:e]
    local = sentence[: start - s] + " " + sentence[end - s :]
    return _THREAT.search(local) is not None


@lru_cache(maxsize=1)
def _ordinary() -> frozenset[str]:
    from english_words import get_english_words_set  # type: ignore[import-untyped]

    words = get_english_words_set(["web2"], lower=False)
    return frozenset(w for w in words if w.islower())


def is_ordinary_word(word: str) -> bool:
    """Whether ``word`` is a common English word: lower-case in Webster's 2nd (web2).

    The list keeps proper nouns capitalised, so "bush", "delta", "base" are
    common words and "Paris", "Athens" are not.

    "Base", "Federation", "Mirage", "Play" are; "Hezbollah", "Kimsuky" are
    not. An actor name that is an ordinary word needs more than a capital.
    """
    return word.lower() in _ordinary()


_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z][\w'’]*")
CASELESS_STOP = frozenset(
    str.split("""said says told and the of in on at to for from with was is has had will would who
    which that this after before over under by as but or not his her their its""")
)


def recase(text: str) -> str:
    """``text`` lower-cased with content words capitalised, same length.

    For lines written all in lower case or all in capitals, where case says
    nothing: the name patterns then see every content word as a candidate,
    and each extractor decides what a bare capital is worth there.
    """

    def cap(match: re.Match[str]) -> str:
        word = match.group()
        return word if word in CASELESS_STOP else word[:1].upper() + word[1:]

    return _LOWER_WORD.sub(cap, text.lower())


def caseless_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) of every line written all in lower case (12 letters or more)."""
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        if line.islower() and sum(c.isalpha() for c in line) >= 12:
            out.append((offset, line))
        offset += len(line) + 1
    return out
