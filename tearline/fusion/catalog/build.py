"""Seeding the catalog from the public lists, merging, and caching.

The lists are MITRE ATT&CK, the UN Security Council consolidated list, Public
Safety Canada's listed entities and MISP's threat-actor galaxy (CC0/BSD).
Every name keeps the source records that asserted it (``Actor.provenance``).

Merging across sources is deliberately conservative, because a wrong merge
silently fuses two actors' histories while a missed merge only leaves an
analyst a "merge" decision to make. Two records from different sources join
when:

* their main names have the same name key or skeleton key; or
* one's main name is among the other's aliases *and* the match is mutual
  (the other's main name, or another long alias, appears on both sides); or
* one record has no aliases at all, its main name is among the other's
  aliases, and no other record of its own source also claims that key;
* a MISP threat-actor record links to exactly one ATT&CK group (a ``refs``
  page, a ``G0006`` synonym or a ``related`` STIX id), or to several of
  which exactly one shares a name with it. MISP records otherwise join
  only on an identical main-name key: their synonym lists are long and
  loose, and alias-overlap rules would chain unrelated groups together.

The last rule joins "Ansarallah" (Canada) with "The Houthis" (UN, a.k.a.
ANSARALLAH) but not Canada's neo-Nazi "The Base" with al-Qaida, because
Canada's own al-Qaida record also lists "The Base". Records of one source
are never merged with each other: a source listing two entities means two.

Parsing the 50 MB ATT&CK bundle takes about a second, so the merged actor
list is cached as JSON in the user cache directory, keyed by the input
files' sizes and modification times.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from tearline import settings
from tearline.fusion.catalog.model import Actor, Catalog
from tearline.fusion.catalog.normalize import name_key, skeleton_key
from tearline.fusion.catalog.sources import (
    SourceRecord,
    read_attack,
    read_canada,
    read_misp,
    read_un,
)

__all__ = [
    "ATTACK_FILE",
    "CANADA_FILE",
    "MISP_FILE",
    "UN_FILE",
    "build_actors",
    "cache_dir",
    "load_catalog",
    "load_records",
    "merge_records",
    "shared_data_dir",
]

log = logging.getLogger(__name__)

ATTACK_FILE = "attack/enterprise-attack-18.1.reconstructed-stix21.json"
UN_FILE = "actor-lists/un-sc-consolidated-2024-09-26.xml"
CANADA_FILE = "actor-lists/misp-galaxy-terrorist-groups-canada.json"
MISP_FILE = "actor-lists/misp-galaxy-threat-actor.json"
_FILES = (ATTACK_FILE, UN_FILE, CANADA_FILE, MISP_FILE)
_CACHE_VERSION = "7"
_SOURCE_ORDER = ("attack", "un", "ca", "misp")
_DISPLAY_ORDER = ("attack", "ca", "misp", "un")
_MIN_SUPPORT_KEY = 4
_NEAR_NAME = 85


def shared_data_dir() -> Path:
    """Where the shared public data lives (``TEARLINE_SHARED_DATA`` or ``../shared/data``)."""
    return settings.shared_data_dir()


def cache_dir() -> Path:
    """Per-user cache directory (``settings.cache_dir``: ``TEARLINE_CACHE_DIR`` or XDG cache)."""
    return settings.cache_dir()


def load_records(data_dir: Path) -> list[SourceRecord]:
    """Every record of the three lists, in source order."""
    records: list[SourceRecord] = []
    records.extend(read_attack(data_dir / ATTACK_FILE))
    records.extend(read_un(data_dir / UN_FILE))
    records.extend(read_canada(data_dir / CANADA_FILE))
    records.extend(read_misp(data_dir / MISP_FILE))
    return records


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _keys(record: SourceRecord) -> set[str]:
    return {k for k in (name_key(n) for n in (record.name, *record.aliases)) if k}


def merge_records(records: Sequence[SourceRecord]) -> list[Actor]:
    """Group records of the same actor across sources into ``Actor`` values."""
    keys = [_keys(r) for r in records]
    names = [name_key(r.name) for r in records]
    skeletons = [skeleton_key(r.name) for r in records]
    claims: dict[tuple[str, str], int] = {}
    for record, record_keys in zip(records, keys, strict=True):
        for key in record_keys:
            claims[(record.source, key)] = claims.get((record.source, key), 0) + 1
    by_key: dict[str, list[int]] = {}
    for i, record_keys in enumerate(keys):
        for key in record_keys:
            by_key.setdefault(key, []).append(i)
    by_skeleton: dict[str, list[int]] = {}
    for i, skel in enumerate(skeletons):
        if len(skel) >= 4:
            by_skeleton.setdefault(skel, []).append(i)

    loose = [
        {skeleton_key(n) for n in (r.name, *r.aliases) if len(name_key(n)) >= 6} for r in records
    ]
    groups = _UnionFind(len(records))
    for i, record in enumerate(records):
        peers = set(by_key.get(names[i], ())) | set(by_skeleton.get(skeletons[i], ()))
        for key in keys[i]:
            for j in by_key.get(key, ()):
                # Near-identical main names that also share any other name
                # ("Harakat ul-Mudjahidin"/"HARAKAT UL-MUJAHIDIN", both "HuM").
                if j not in peers and fuzz.ratio(names[i], names[j]) >= _NEAR_NAME:
                    peers.add(j)
        for j in peers:
            other = records[j]
            if other.source == record.source:
                continue
            if "misp" in (record.source, other.source):
                if names[i] == names[j]:
                    groups.union(i, j)
                continue
            if names[i] == names[j] or skeletons[i] == skeletons[j]:
                groups.union(i, j)
                continue
            if fuzz.ratio(names[i], names[j]) >= _NEAR_NAME and keys[i] & keys[j]:
                groups.union(i, j)
                continue
            if names[i] in keys[j] and (loose[i] & loose[j]) - {skeletons[i]}:
                groups.union(i, j)
                continue
            # names[i] is one of j's aliases.
            shared = {k for k in keys[i] & keys[j] if len(k) >= _MIN_SUPPORT_KEY} - {names[i]}
            if (
                names[j] in keys[i]
                or shared
                or (
                    names[i] in keys[j]
                    and not record.aliases
                    and claims[(record.source, names[i])] == 1
                    and claims[(other.source, names[i])] == 1
                )
            ):
                groups.union(i, j)

    _link_misp(records, keys, groups)
    clusters: dict[int, list[int]] = {}
    for i in range(len(records)):
        clusters.setdefault(groups.find(i), []).append(i)
    return [_actor([records[i] for i in members]) for members in clusters.values()]


def _link_misp(records: Sequence[SourceRecord], keys: list[set[str]], groups: _UnionFind) -> None:
    """Join MISP records to the ATT&CK groups they point at (see module docstring)."""
    targets: dict[str, int] = {}
    for i, record in enumerate(records):
        if record.source == "attack":
            targets[f"attack:{record.ref}"] = i
            targets.update((link, i) for link in record.links)
    for i, record in enumerate(records):
        if record.source != "misp" or not record.links:
            continue
        linked = sorted({targets[link] for link in record.links if link in targets})
        if len(linked) > 1:
            linked = [j for j in linked if keys[i] & keys[j]]
        if len(linked) == 1:
            groups.union(i, linked[0])
        elif linked:
            log.debug("MISP %s links to several ATT&CK groups; left unmerged", record.name)


def _actor(members: list[SourceRecord]) -> Actor:
    members.sort(key=lambda r: (_SOURCE_ORDER.index(r.source), r.ref))
    first = members[0]
    # Display the name a reader knows best: ATT&CK's, then Canada's mixed-case
    # names, then the UN's (which are written in capitals at source).
    shown = min(members, key=lambda r: _DISPLAY_ORDER.index(r.source))
    display = shown.name
    # The id comes from the record that carries the displayed name when a
    # higher-priority source has it too, so "Al Qaida" is not filed under a
    # group that merged into it (the UN's Egyptian Islamic Jihad entry).
    same = [r for r in members if name_key(r.name) == name_key(display)]
    first = same[0] if same else shown
    seen = {display}
    aliases: list[str] = []
    asserted: dict[str, list[str]] = {}
    for record in members:
        for text in (record.name, *record.aliases):
            who = asserted.setdefault(text, [])
            if f"{record.source}:{record.ref}" not in who:
                who.append(f"{record.source}:{record.ref}")
            if text not in seen:
                seen.add(text)
                aliases.append(text)
    kind = "intrusion-set" if any(r.kind == "intrusion-set" for r in members) else first.kind
    return Actor(
        id=f"{first.source}:{first.ref}",
        name=display,
        aliases=tuple(aliases),
        sources=tuple(f"{r.source}:{r.ref}" for r in members),
        kind=kind,
        provenance=tuple((name, tuple(who)) for name, who in asserted.items()),
    )


def _fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256(_CACHE_VERSION.encode())
    for rel in _FILES:
        stat = (data_dir / rel).stat()
        digest.update(f"{rel}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def _read_cache(path: Path) -> list[Actor] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Actor.from_dict(a) for a in data["actors"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, actors: Iterable[Actor]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"actors": [a.to_dict() for a in actors]}), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a read-only home must not stop analysis
        log.warning("could not write actor catalog cache %s: %s", path, exc)


def build_actors(data_dir: Path | None = None, *, use_cache: bool = True) -> list[Actor]:
    """Merged actors from the shared lists, from the cache when it is fresh."""
    root = data_dir or shared_data_dir()
    cache = cache_dir() / f"actor-catalog-{_fingerprint(root)}.json"
    if use_cache:
        cached = _read_cache(cache)
        if cached is not None:
            return cached
    actors = merge_records(load_records(root))
    if use_cache:
        _write_cache(cache, actors)
    return actors


@lru_cache(maxsize=4)
def _load(data_dir: Path, use_cache: bool) -> Catalog:
    return Catalog(build_actors(data_dir, use_cache=use_cache))


def load_catalog(data_dir: Path | None = None, *, use_cache: bool = True) -> Catalog:
    """The seeded catalog (memoized per data directory for the process).

    Raises ``FileNotFoundError`` naming the missing file when the shared data
    is absent, so callers and tests can say what to install.
    """
    root = (data_dir or shared_data_dir()).resolve()
    for rel in _FILES:
        if not (root / rel).is_file():
            raise FileNotFoundError(f"actor list missing: expected {root / rel!s}")
    return _load(root, use_cache)
