"""Proposing hypotheses for a thread's ACH matrix, and a first reading of its evidence.

``ach --seed`` used to add one evidence row per origin cluster and no
hypothesis, and then report that no item changed "the leading hypothesis".
Heuer's method starts from the full set of reasonable explanations, so the
seed proposes them from what the thread holds:

* **the leading one**: an attack on the thread's main target (its most named
  venue and city) by its most named actor, or "carried out" once the thread
  reports an attack;
* **a different actor** for each party the thread's claims blame instead
  (attributions in report text, ``cues.find_blames``, and the parties of
  disinformation alarms), at most two;
* **a different target** for the same actor (named when the thread mentions
  another venue);
* **hoax or disinformation**: no real plot;
* **no attack**: a real plot that is abandoned or disrupted.

Then each evidence item (one per origin cluster) is read against each of
them from its fragments' own signals: does it name the actor, the target, an
attack or a plot (timeline events), a dismissal, a raid or arrest, another
party blamed or the actor's role denied. The rules are in ``_rate`` and are
deliberately plain: a proposal for the analyst to correct row by row (an
analyst's rating is never overwritten), not a judgement. Requests ask rather
than report and are rated N throughout (``corroboration.is_evidence``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tearline.assess.ach import AchMatrix, EvidenceItem, Hypothesis
from tearline.assess.ach_io import seed_evidence
from tearline.assess.alarms import Alarm, AlarmKind, party_name
from tearline.assess.config import load_config
from tearline.assess.corroboration import is_evidence
from tearline.assess.cues import find_blames, find_dismissals
from tearline.assess.state import FusionStateSpec, thread_fragments
from tearline.fusion.timeline import EventKind
from tearline.model.fragment import Fragment
from tearline.model.mention import MentionKind

__all__ = ["Proposal", "SeedReport", "propose_hypotheses", "seed_matrix"]

_PLOT = {EventKind.THREAT, EventKind.WARNING, EventKind.ALERT, EventKind.WINDOW}
_DISRUPTED = {EventKind.RAID, EventKind.ARREST}
_MAX_OTHER_ACTORS = 2


@dataclass(frozen=True, slots=True)
class Proposal:
    """A hypothesis the seed proposes, and what in the thread it came from."""

    key: str
    """``attack``, ``actor:<party>``, ``target``, ``hoax`` or ``no_attack``."""
    label: str
    basis: str

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "basis": self.basis}


@dataclass(slots=True)
class SeedReport:
    """What one ``--seed`` added: hypotheses, evidence rows and proposed ratings."""

    hypotheses: list[Hypothesis] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    rated: int = 0
    proposals: list[Proposal] = field(default_factory=list)


@dataclass(slots=True)
class _Thread:
    """The thread's main actor and target, and the per-fragment signals."""

    lead: set[str] = field(default_factory=set)
    """Mention values of the leading actor (and its parent group, whose name claims use)."""
    lead_name: str | None = None
    target_keys: set[tuple[str, str]] = field(default_factory=set)
    target_name: str | None = None
    other_target: tuple[str, str] | None = None
    other_target_name: str | None = None
    attacked: bool = False
    events: dict[str, set[EventKind]] = field(default_factory=dict)
    others: list[tuple[str, str, str]] = field(default_factory=list)
    """(party key, readable name, basis) of parties blamed instead."""


def _surface(counts: dict[str, Counter[str]], key: str) -> str:
    return counts[key].most_common(1)[0][0] if counts.get(key) else key.split(":")[-1]


def _catalog(state: FusionStateSpec) -> Any:
    """The state's actor catalog; for a thread's stored slice (``assess.query``),
    which carries none, the seeded one, so hypotheses name an actor as the
    catalog does rather than by one report's spelling of it."""
    catalog = getattr(state, "catalog", None)
    if catalog is not None:
        return catalog
    from tearline.fusion.catalog import load_catalog

    try:
        return load_catalog()
    except FileNotFoundError:  # no shared actor lists here: surface forms serve
        return None


def _study(state: FusionStateSpec, thread_id: str, alarms: Sequence[Alarm]) -> _Thread:
    frags = [f for f in thread_fragments(state, thread_id) if is_evidence(f.category)]
    out = _Thread()
    actors: Counter[str] = Counter()
    venues: Counter[str] = Counter()
    cities: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for f in frags:
        for m in state.mentions.get(f.id, ()):
            value = str(m.value)
            surface.setdefault(f"{m.kind.value}:{value}", Counter())[m.text] += 1
            if m.kind is MentionKind.ACTOR and not m.detail.get("candidate"):
                actors[value] += 1
            elif m.kind is MentionKind.VENUE:
                venues[value] += 1
            elif m.kind is MentionKind.PLACE and value.startswith("city:"):
                cities[value] += 1
    catalog = _catalog(state)
    if actors:
        lead = actors.most_common(1)[0][0]
        out.lead = {lead}
        actor = catalog.get(lead) if catalog is not None else None
        out.lead_name = actor.name if actor else _surface(surface, f"actor:{lead}")
        parent = catalog.parent(lead) if catalog is not None else None
        if parent:
            out.lead.add(parent)
    names = []
    # A named venue ("named:steppe-crown-hall") is the target; its type is the same place.
    named = Counter({v: n for v, n in venues.items() if v.startswith("named:")})
    if venues:
        venue = (named or venues).most_common(1)[0][0]
        out.target_keys.update(("venue", v) for v in venues if v == venue
                               or not v.startswith("named:"))
        names.append(_surface(surface, f"venue:{venue}"))
        if len(named) > 1:
            other = next(v for v, _ in named.most_common() if v != venue)
            out.other_target = ("venue", other)
            out.other_target_name = _surface(surface, f"venue:{other}")
    if cities:
        city = cities.most_common(1)[0][0]
        out.target_keys.add(("place", city))
        names.append(_surface(surface, f"place:{city}"))
    out.target_name = " in ".join(names) if names else None
    # An attack counts as reported once enough independent origins report it (the
    # assessment's own rule, ``likelihood.attack_min_clusters``); before that an
    # "attack" sentence is read as talk of a plot.
    need = int(load_config().likelihood["attack_min_clusters"])
    cluster_of = state.origins.cluster_of
    for e in state.threads.view(thread_id).timeline:
        for fid in e.fragment_ids:
            out.events.setdefault(fid, set()).add(e.kind)
        if e.kind is EventKind.ATTACK:
            out.attacked |= len({cluster_of(f) for f in e.fragment_ids}) >= need
    _other_parties(out, frags, state, alarms)
    return out


def _other_parties(out: _Thread, frags: Sequence[Fragment], state: FusionStateSpec,
                   alarms: Sequence[Alarm]) -> None:
    """Parties blamed instead of the leading actor: alarms first, then the claims."""
    seen: dict[str, tuple[str, str]] = {}
    for a in alarms:
        party = a.details.get("party") if a.kind is AlarmKind.DISINFORMATION else None
        if party and party.removeprefix("actor:") not in out.lead:
            seen.setdefault(party, (party_name(party, str(a.details.get("claim", ""))),
                                    f"disinformation alarm: {a.summary}"))
    blamed: Counter[str] = Counter()
    sentence: dict[str, str] = {}
    for f in frags:
        for b in find_blames(f.text, state.mentions.get(f.id, ())):
            if not b.negated and b.party.removeprefix("actor:") not in out.lead:
                blamed[b.party] += 1
                sentence.setdefault(b.party, b.text)
    catalog = _catalog(state)
    for party, n in blamed.most_common():
        if party.startswith("actor:") and catalog is not None:
            actor = catalog.get(party.removeprefix("actor:"))
            name = actor.name if actor else party.removeprefix("actor:")
        else:
            name = party_name(party, sentence[party])
        seen.setdefault(party, (name, f"blamed in {n} report(s): \"{sentence[party][:120]}\""))
    out.others = [(p, name, basis) for p, (name, basis) in seen.items()][:_MAX_OTHER_ACTORS]


def propose_hypotheses(state: FusionStateSpec, thread_id: str,
                       alarms: Sequence[Alarm] = ()) -> list[Proposal]:
    """The leading hypothesis and its rivals for one thread (see the module docstring)."""
    return _proposals(_study(state, thread_id, alarms))


def _proposals(t: _Thread) -> list[Proposal]:
    who = t.lead_name or "An unidentified group"
    where = f"the {t.target_name}" if t.target_name else "an unnamed target"
    if t.attacked:
        lead = Proposal("attack", f"{who} carried out the attack on {where}",
                        "the thread reports an attack; most named actor and target")
    else:
        lead = Proposal("attack", f"An attack on {where} is planned by "
                        f"{who[:1].lower() + who[1:] if not t.lead_name else who}",
                        "most named actor and target in the thread's reports")
    out = [lead]
    them = who if t.lead_name else "the group the reports point to"
    out += [Proposal(f"actor:{p}", f"{name[:1].upper() + name[1:]}, not {them}, is behind it",
                     basis)
            for p, name, basis in t.others]
    if t.target_name:
        instead = f" (such as {t.other_target_name})" if t.other_target_name else ""
        out.append(Proposal("target", f"{who} is after a different target than {where}"
                            f"{instead}", "the target is named by the reports themselves"))
    out.append(Proposal("hoax", "The reporting is a hoax or disinformation: there is no real "
                        "plot", "the rival every warning must beat"))
    out.append(Proposal("no_attack", "A real plot, but it is abandoned or disrupted: no attack "
                        "comes of it" if not t.attacked else "No attack took place: the "
                        "reports of one are wrong", "the null hypothesis"))
    return out


@dataclass(slots=True)
class _Signals:
    lead: bool = False
    blames_lead: bool = False
    rejects_lead: bool = False
    blames: set[str] = field(default_factory=set)
    rejects: set[str] = field(default_factory=set)
    target: bool = False
    other_target: bool = False
    attack: bool = False
    plot: bool = False
    disrupted: bool = False
    dismissal: bool = False
    reports: bool = False


def _signals(t: _Thread, frags: Sequence[Fragment], state: FusionStateSpec) -> _Signals:
    s = _Signals()
    for f in frags:
        if not is_evidence(f.category):
            continue
        s.reports = True
        mentions = state.mentions.get(f.id, ())
        for m in mentions:
            key = (m.kind.value, str(m.value))
            s.lead |= m.kind is MentionKind.ACTOR and str(m.value) in t.lead
            s.target |= key in t.target_keys
            s.other_target |= key == t.other_target
        for b in find_blames(f.text, mentions):
            party = b.party.removeprefix("actor:")
            if party in t.lead:
                s.rejects_lead |= b.negated
                s.blames_lead |= not b.negated
            elif b.negated:
                s.rejects.add(b.party)
            else:
                s.blames.add(b.party)
        kinds = t.events.get(f.id, set())
        attack = EventKind.ATTACK in kinds
        s.attack |= attack and t.attacked
        s.plot |= bool(kinds & _PLOT) or f.category in ("warning", "alert") or (
            attack and not t.attacked)
        s.disrupted |= bool(kinds & _DISRUPTED)
        s.dismissal |= EventKind.DENIAL in kinds or bool(find_dismissals(f.text))
    return s


def _rate(key: str, s: _Signals) -> str:
    """One proposed rating of an item (its signals) against one hypothesis (its key)."""
    if not s.reports:
        return "N"
    happened = s.attack or s.plot
    if key == "attack":
        if s.rejects_lead or (s.blames and not s.blames_lead):
            return "I"  # it puts the blame elsewhere
        if happened and s.lead and s.target:
            return "CC"
        if s.lead or (happened and s.target):
            return "C"
        return "I" if s.dismissal else "N"
    if key.startswith("actor:"):
        party = key.removeprefix("actor:")
        if party in s.blames:
            return "CC" if s.rejects_lead else "C"
        if party in s.rejects or (s.lead and happened):
            return "I"
        return "N"
    if key == "target":
        if s.other_target and happened and not s.target:
            return "C"
        return "I" if s.target and happened else "N"
    if key == "hoax":
        if s.attack:
            return "II"
        if s.disrupted:
            return "I"
        return "C" if s.dismissal else "I" if s.plot else "N"
    if key == "no_attack":
        if s.attack:
            return "II"
        return "C" if s.dismissal or s.disrupted else "I" if s.plot else "N"
    return "N"


def _next_id(matrix: AchMatrix) -> Callable[[], str]:
    taken = {h.id for h in matrix.hypotheses}

    def make() -> str:
        n = 1
        while f"H{n}" in taken:
            n += 1
        taken.add(f"H{n}")
        return f"H{n}"

    return make


def seed_matrix(matrix: AchMatrix, state: FusionStateSpec, thread_id: str,
                alarms: Sequence[Alarm] = ()) -> SeedReport:
    """Seed evidence (one row per origin cluster), hypotheses, and proposed ratings.

    Idempotent: a hypothesis whose label the matrix already has is not added
    again, and a cell already rated (by an analyst or an earlier seed) keeps
    its rating.
    """
    report = SeedReport(evidence=seed_evidence(matrix, state, thread_id))
    t = _study(state, thread_id, alarms)
    report.proposals = _proposals(t)
    by_label = {h.label: h for h in matrix.hypotheses}
    new_id = _next_id(matrix)
    targets: list[tuple[Hypothesis, str]] = []
    for p in report.proposals:
        h = by_label.get(p.label)
        if h is None:
            h = matrix.add_hypothesis(new_id(), p.label)
            report.hypotheses.append(h)
        targets.append((h, p.key))
    for item in matrix.evidence:
        frags = [state.fragments[i] for i in item.fragment_ids if i in state.fragments]
        if not frags:
            continue
        s = _signals(t, frags, state)
        for h, key in targets:
            if (item.id, h.id) not in matrix.ratings:
                matrix.rate(item.id, h.id, _rate(key, s))
                report.rated += 1
    return report
