"""The tearline sanitizer: what may go to a recipient, and a record of everything held back.

Pure: from the facts fusion found on a thread (``Facts``), the values that
must never leave (``Sensitive``: protected fields, source names, internal
ids, originators), a recipient tier and the analyst's own wording, it builds
the releasable warning and lists every removal and generalization with its
reason, for a side-by-side view.

Two layers, because each alone is not enough:

1. *Construction.* The warning text is written from templates over the
   actionable facets (who, what, where, when, how) at the precision the tier
   allows; fragment text is never copied. The analyst's free text goes
   through rules that drop URLs, quotations (an intercept is quoted), internal
   reference numbers, collection-method words and originator names.
2. *The guard.* Every sensitive value is then looked for in every output
   string with letter case, spacing, line breaks, punctuation and URL
   escapes ignored (``squash``), so a value embedded in a word, split across
   lines or percent-encoded in a URL is still found and cut out. The guard
   repeats until nothing is found, so a cut can never join two halves into a
   new match.

``squash`` is public so tests state the no-leak property with the same
notion of "appears" the guard enforces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from tearline.warn.config import WarnConfig, load_warn_config

__all__ = ["Facts", "Removal", "SanitizedWarning", "Sensitive", "guard", "needles_for",
           "sanitize", "squash", "squash_map"]

#: Shown where something was cut; it has no letters or digits, so it never
#: forms part of a match itself.
CUT = "▮"

_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+", re.I)
_QUOTE = re.compile(r"[\"“”„«»][^\"“”„«»]*[\"“”„«»]|(?<!\w)['‘’][^'‘’\n]{2,}?['‘’](?!\w)")
_STIX_ID = re.compile(r"\b[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f-]{27}\b", re.I)
_THREAD_ID = re.compile(r"\bthread:\S+", re.I)
_REFERENCE = re.compile(r"\b[A-Z]{1,6}(?:-[A-Z0-9]{1,8})*-\d{2,}(?:-\d+)*\b")
_METHOD = re.compile(
    r"\b(?:intercept\w*|sigint|humint|osint|signals intelligence|human sources?|"
    r"(?:our |a |the )?sources?|debrief\w*|case officers?|handsets?|wiretap\w*|"
    r"surveillance|liaison (?:notes?|reporting)|collection)\b", re.I)

HARM_PHRASES = {
    "intentional_killing": "an attack intended to kill",
    "serious_bodily_injury": "an attack intended to cause serious injury",
    "kidnapping": "a kidnapping",
}


def _fold(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", ch).casefold() if c.isalnum())


def squash_map(text: str) -> tuple[str, list[int]]:
    """``text`` with case, spacing and punctuation folded away, and where each char came from.

    Percent-escapes (``%41``) are decoded first so a value hidden in a URL
    is seen; the map points back into the original string.
    """
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        ch, span = text[i], 1
        if ch == "%":
            m = re.match(r"(?:%[0-9A-Fa-f]{2})+", text[i:])
            if m:
                decoded = unquote(m.group(0))
                if "\ufffd" not in decoded:
                    for c in _fold(decoded):
                        out.append(c)
                        where.append(i)
                    i += len(m.group(0))
                    continue
        for c in _fold(ch):
            out.append(c)
            where.append(i)
        i += span
    return "".join(out), where


def squash(text: str) -> str:
    """The folded form in which the sanitizer looks for sensitive values."""
    return squash_map(text)[0]


@dataclass(frozen=True, slots=True)
class Facts:
    """The actionable facets of a thread, already resolved to names (no fragment text)."""

    harm: str
    actors: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    country: str | None = None
    venue_types: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    window_start: datetime | None = None
    window_end: datetime | None = None
    venues: tuple[str, ...] = ()
    """Named venues (Steppe Crown Hall): only tiers with place precision "named" get them."""


@dataclass(frozen=True, slots=True)
class Sensitive:
    """Everything that must never appear in what leaves, whatever the recipient."""

    protected: tuple[str, ...] = ()
    """Source identities, collection methods, handling notes (``report_protected``)."""
    source_names: tuple[str, ...] = ()
    internal_ids: tuple[str, ...] = ()
    """Fragment ids, external ids, STIX ids, thread ids of the thread's reporting."""
    originators: tuple[str, ...] = ()
    """Originating agencies; released only to the tiers ``originator_tiers`` names."""


@dataclass(frozen=True, slots=True)
class Removal:
    """One thing held back or made vaguer, with its reason (internal view only).

    ``original`` is the analyst's own wording that was cut (a URL, a quote);
    for a value the guard found it is only a length, never the value.
    """

    kind: str
    original: str
    replacement: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "original": self.original,
                "replacement": self.replacement, "reason": self.reason}


@dataclass(slots=True)
class SanitizedWarning:
    """What may go to one recipient tier, and what was removed to get there."""

    tier: str
    headline: str
    text: str
    instruction: str
    facets: dict[str, Any]
    removals: list[Removal] = field(default_factory=list)

    def releasable(self) -> dict[str, Any]:
        """The part that leaves: no removals, no case file."""
        return {"tier": self.tier, "headline": self.headline, "text": self.text,
                "instruction": self.instruction, "facets": self.facets}

    def to_dict(self) -> dict[str, Any]:
        return {**self.releasable(), "removals": [r.to_dict() for r in self.removals]}


# -- free text rules -------------------------------------------------------------------------
def _sub(pattern: re.Pattern[str], text: str, kind: str, reason: str, replacement: str,
         removals: list[Removal]) -> str:
    def repl(m: re.Match[str]) -> str:
        removals.append(Removal(kind, m.group(0), replacement, reason))
        return replacement

    return pattern.sub(repl, text)


def _names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    parts = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not parts:
        return None
    return re.compile("|".join(re.escape(p) for p in parts), re.I)


_CONTROL = re.compile(r"[^\S\n]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


_LOCALITY = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s+){1,3}(?:district|quarter|neighbou?rhood|street|avenue|road|"
    r"square|boulevard|lane|park|estate)\b|\b(?:district|quarter|neighbou?rhood)\s+of\s+"
    r"(?:[A-Z][\w'’-]+\s*){1,3}")


def _generalize_places(text: str, facts: Facts, place: str, removals: list[Removal]) -> str:
    """Below "named" precision the analyst's words may not name the venue or the street."""
    if place == "named":
        return text
    names = _names_pattern(facts.venues)
    if names:
        text = _sub(names, text, "generalized", "named venue above this tier's precision",
                    "the target", removals)
    return _sub(_LOCALITY, text, "generalized", "locality within the city above this tier's "
                "precision", "a part of the city", removals)


def _clean_free_text(text: str, sensitive: Sensitive, originators_allowed: bool,
                     removals: list[Removal]) -> str:
    # Control characters are not text (and are not allowed in XML, so a CAP
    # alert carrying one would be invalid); other blanks become plain spaces.
    text = _CONTROL.sub(lambda m: " " if m.group(0).isspace() else "", text)
    text = _sub(_URL, text, "url", "URLs can reveal collection and are not actionable",
                CUT, removals)
    text = _sub(_QUOTE, text, "quote", "direct quotation (intercepts and source words are "
                "never quoted)", f"{CUT}quote withheld{CUT}", removals)
    for pattern in (_STIX_ID, _THREAD_ID, _REFERENCE):
        text = _sub(pattern, text, "reference", "agency-internal reference or id", CUT,
                    removals)
    names = _names_pattern(sensitive.source_names)
    if names:
        text = _sub(names, text, "source", "source designator", "information", removals)
    if not originators_allowed:
        names = _names_pattern(sensitive.originators)
        if names:
            text = _sub(names, text, "originator", "originator identity not released to "
                        "this tier", "a partner service", removals)
    return _sub(_METHOD, text, "method", "collection method", "information", removals)


# -- the guard ----------------------------------------------------------------------------------
def needles_for(sensitive: Sensitive, originators_allowed: bool) -> list[tuple[str, str]]:
    """(kind, squashed value) for every value the guard must cut, for one recipient."""
    if not (sensitive.protected or sensitive.source_names or sensitive.internal_ids
            or (sensitive.originators and not originators_allowed)):
        return []  # most objects crossing to a partner: nothing to cut, nothing to build
    groups = [("protected", sensitive.protected), ("source", sensitive.source_names),
              ("reference", sensitive.internal_ids)]
    if not originators_allowed:
        groups.append(("originator", sensitive.originators))
    out = []
    for kind, values in groups:
        for v in values:
            s = squash(v or "")
            if s:
                out.append((kind, s))
    return out


def guard(text: str, needles: Sequence[tuple[str, str]], removals: list[Removal],
          where: str) -> str:
    """Cut every squashed occurrence of every needle out of ``text`` until none is left."""
    while True:
        flat, index = squash_map(text)
        cut: set[int] = set()
        kinds: set[str] = set()
        for kind, needle in needles:
            start = flat.find(needle)
            while start != -1:
                first, last = index[start], index[start + len(needle) - 1]
                cut.update(range(first, last + 1))
                kinds.add(kind)
                start = flat.find(needle, start + 1)
        if not cut:
            return text
        # The removal names what kind of value was cut, never the value: the case
        # file is read by users who may not see protected fields.
        removals.append(Removal(",".join(sorted(kinds)), f"{len(cut)} character(s)", CUT,
                                f"sensitive value found in the {where} (guard)"))
        text = "".join(CUT if i in cut else ch for i, ch in enumerate(text)
                       if i not in cut or i == min(cut) or (i - 1) not in cut)


# -- facets at the tier's precision ---------------------------------------------------------------
def _window(facts: Facts, time_precision: str, removals: list[Removal]) -> dict[str, str] | None:
    if facts.window_start is None and facts.window_end is None:
        return None
    fmt = "%Y-%m-%d %H:%M UTC" if time_precision == "hour" else "%Y-%m-%d"
    out = {}
    for key, when in (("start", facts.window_start), ("end", facts.window_end)):
        if when is not None:
            out[key] = when.strftime(fmt)
    if time_precision != "hour":
        removals.append(Removal("generalized", "window times", "dates only",
                                "time of day above this tier's precision"))
    return out


def _facets(facts: Facts, precision: dict[str, str], removals: list[Removal]) -> dict[str, Any]:
    facets: dict[str, Any] = {
        "harm": facts.harm,
        "actor": list(facts.actors[:1]),
        "city": list(facts.cities[:1]),
        "country": facts.country,
        "target_type": [v.replace("_", " ") for v in facts.venue_types[:2]],
        "modality": [m.replace("_", " ") for m in facts.modalities[:2]],
        "window": _window(facts, precision.get("time", "day"), removals),
    }
    if precision.get("place") == "named":
        facets["venue"] = list(facts.venues[:1])
    elif facts.venues:
        # Below "named" the kind of target (actionable) and the city stay; the
        # venue's name goes (the removal does not repeat it: it is what is held back).
        removals.append(Removal("generalized", "named venue", "target type and city",
                                "place above this tier's precision"))
    for key, values, label in (("actor", facts.actors, "actor"), ("city", facts.cities, "city")):
        for extra in values[len(facets[key]):]:
            removals.append(Removal("generalized", extra, "", f"only the main {label} is kept"))
    return facets


def _compose(facets: dict[str, Any], sender: str) -> tuple[str, str]:
    harm = HARM_PHRASES.get(str(facets["harm"]), "an attack")
    where = ", ".join(facets["city"]) or (facets["country"] or "an unknown place")
    target = " or ".join(facets["target_type"])
    if facets.get("venue"):
        target = f"{target or 'venue'} ({facets['venue'][0]})"
    actor = facets["actor"][0] if facets["actor"] else "an armed group"
    window = facets["window"] or {}
    when = (f" between {window['start']} and {window['end']}" if "start" in window
            and "end" in window else f" until {window['end']}" if "end" in window else "")
    how = (" using " + " and ".join(facets["modality"])) if facets["modality"] else ""
    headline = f"Duty to warn: threat of {harm} in {where}"
    text = (f"{sender} has information indicating a threat of {harm} by {actor}"
            f"{' against a ' + target if target else ''} in {where}{when}{how}. "
            "This warning is given under a duty to warn; it is sanitized to protect "
            "sources and methods and is not to be attributed further.")
    return headline, text


def sanitize(facts: Facts, sensitive: Sensitive, tier: str, *, draft: str = "",
             instruction: str = "", sender: str | None = None,
             config: WarnConfig | None = None) -> SanitizedWarning:
    """The releasable warning for ``tier``, with every removal and generalization listed."""
    cfg = config or load_warn_config()
    sender = sender or str(cfg.recipients.get("sender_name", "Our service"))
    originators_allowed = tier in cfg.sanitize.get("originator_tiers", [])
    removals: list[Removal] = []
    facets = _facets(facts, cfg.precision(tier), removals)
    needles = needles_for(sensitive, originators_allowed)
    # Facet values come from fusion, not from fragment prose, but a name can
    # still coincide with a protected value: such a facet is dropped whole.
    for key in ("actor", "city", "target_type", "modality", "venue"):
        if key not in facets:
            continue
        kept = []
        for value in facets[key]:
            if guard(value, needles, [], "facet") == value:
                kept.append(value)
            else:
                removals.append(Removal("facet", value, "", "facet matches a sensitive value"))
        facets[key] = kept
    if facets["country"] and guard(facets["country"], needles, [], "facet") != facets["country"]:
        removals.append(Removal("facet", facets["country"], "", "facet matches a sensitive value"))
        facets["country"] = None
    headline, text = _compose(facets, guard(sender, needles, removals, "sender"))
    # The guard runs before the rules too: a rule cutting part of a protected
    # value (a case-file number inside it) would otherwise hide the rest from it.
    first = [n for n in needles if n[0] == "protected"]
    place = cfg.precision(tier).get("place", "city")
    if draft.strip():
        draft = guard(draft, first, removals, "draft")
        draft = _clean_free_text(draft, sensitive, originators_allowed, removals)
        text = f"{text}\n\n{_generalize_places(draft, facts, place, removals)}"
    instruction = _clean_free_text(guard(instruction, first, removals, "instruction"),
                                   sensitive, originators_allowed, removals)
    instruction = _generalize_places(instruction, facts, place, removals)
    return SanitizedWarning(
        tier=tier,
        headline=guard(headline, needles, removals, "headline"),
        text=guard(text, needles, removals, "text"),
        instruction=guard(instruction, needles, removals, "instruction"),
        facets=facets, removals=removals,
    )
