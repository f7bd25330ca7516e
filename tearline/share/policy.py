"""The one policy function: may this principal see this object?

Every read path — REST, TAXII, export, CLI, console — asks ``decide`` (or uses
``sql_visibility``, its exact SQL twin, to filter in the database), so the
rules below are written once. Design invariant 2 in DESIGN.md.

Rules, in order:

* Local users of the owning agency need clearance at or above the object's
  classification and every need-to-know compartment (``NTK:…`` caveats).
* Partners see nothing classified above UNCLASSIFIED unless its REL TO list
  names them, never TLP:RED unless explicitly released, and by tier:

  - core: TLP:CLEAR/GREEN, or anything up to AMBER+STRICT whose REL TO names them;
  - associate: TLP:CLEAR/GREEN, or AMBER whose REL TO names them;
  - selective: only what an approver explicitly released to them;
  - warning-only: only released duty-to-warn warnings (with the facet objects
    made for them, which ``releases`` marks as part of their warning).

  An explicit release (an approver's recorded decision) opens an object to
  core, associate and selective partners, and a *warning* to any tier.
  Objects under a need-to-know compartment reach partners only by release.
* Anything the rules do not allow is refused: unknown tiers, unmarked objects
  (treated as ``settings.DEFAULT_TLP``) and anonymous principals.

Values are compared exactly, never case-folded: TLP levels are lower case and
classifications upper case, as the store writes them. A value spelled any other
way is unknown and refused, because SQLite and PostgreSQL fold non-ASCII case
differently from Python and the SQL twin must agree with ``decide`` row for row.
For the same reason a partner code is only ever "named" by a REL TO list when it
is a well-formed code (``PARTNER_CODE_RE``), and an empty TLP or classification
is unknown rather than missing (``None`` is missing).

The compartment ``NTK:*`` stands for every compartment; only the instance
owner's own principal (``local_owner``) holds it by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, false, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from tearline import settings
from tearline.model.marking import ALL_COMPARTMENTS as ALL_COMPARTMENTS
from tearline.model.marking import CLASSIFICATION_ORDER as CLASSIFICATION_ORDER
from tearline.model.marking import COMPARTMENT_PREFIX as COMPARTMENT_PREFIX
from tearline.model.marking import PARTNER_CODE_RE as PARTNER_CODE_RE
from tearline.model.marking import TLP_ORDER as TLP_ORDER
from tearline.model.marking import Marking as Marking
from tearline.model.marking import format_rel_to as format_rel_to
from tearline.model.marking import parse_rel_to as parse_rel_to
from tearline.model.principal import Principal as Principal
from tearline.model.principal import PrincipalKind as PrincipalKind
from tearline.model.principal import Tier as Tier
from tearline.model.principal import actor_name as actor_name
from tearline.model.principal import local_owner as local_owner

# The vocabulary above lives in ``tearline.model`` (so the store and security
# layers can use it without importing the policy); it is re-exported here
# because every caller has always imported it from this module.

@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _rank(order: tuple[str, ...], value: str | None, unknown: int) -> int:
    """Position of ``value`` in ``order``, compared exactly (see the module docstring)."""
    try:
        return order.index(value) if value is not None else unknown
    except ValueError:
        return unknown


def _code_ok(code: str) -> bool:
    return bool(PARTNER_CODE_RE.match(code))


def decide(principal: Principal, marking: Marking) -> Decision:
    """The single decision every read path relies on (see the module docstring)."""
    classification = "UNCLASSIFIED" if marking.classification is None else marking.classification
    cls_rank = _rank(CLASSIFICATION_ORDER, classification, len(CLASSIFICATION_ORDER))
    if principal.kind is PrincipalKind.USER:
        if cls_rank > _rank(CLASSIFICATION_ORDER, principal.clearance, -1):
            return Decision(False, f"needs clearance {classification!r}")
        if ALL_COMPARTMENTS in principal.compartments:
            return Decision(True, "cleared user holding every compartment")
        missing = marking.compartments - principal.compartments
        if missing:
            return Decision(False, f"needs compartment(s) {', '.join(sorted(missing))}")
        return Decision(True, "cleared user with need to know")

    code, tier = principal.id, principal.tier
    released = code in marking.released_to
    if tier is Tier.WARNING_ONLY:
        if released and marking.is_warning:
            return Decision(True, "released duty-to-warn warning")
        return Decision(False, "warning-only partners receive released warnings only")
    if tier is Tier.SELECTIVE:
        return Decision(released, "explicitly released" if released
                        else "selective partners receive only explicit releases")
    if tier not in (Tier.CORE, Tier.ASSOCIATE):
        return Decision(False, f"unknown tier {tier!r}")
    if released:
        return Decision(True, "explicitly released")
    if marking.compartments:
        return Decision(False, "need-to-know compartments are not shared without a release")
    level = settings.DEFAULT_TLP if marking.tlp is None else marking.tlp
    tlp = _rank(TLP_ORDER, level, len(TLP_ORDER))
    named = _code_ok(code) and code in marking.releasability
    if tlp <= TLP_ORDER.index("green") and cls_rank == 0:
        return Decision(True, "community TLP, unclassified")
    ceiling = TLP_ORDER.index("amber+strict" if tier is Tier.CORE else "amber")
    if named and tlp <= ceiling:
        return Decision(True, f"REL TO {code}, within the {tier.value} tier's TLP ceiling")
    if named:
        return Decision(False, f"TLP {level!r} is above the {tier.value} tier's ceiling")
    return Decision(False, f"not releasable to {code}")


def sql_visibility(principal: Principal, *, tlp: Any, classification: Any, rel_to: Any,
                   released: ColumnElement[bool] | None = None,
                   is_warning: ColumnElement[bool] | None = None,
                   compartments: Any = None) -> ColumnElement[bool]:
    """The same rules as ``decide`` as a SQL condition, for filtering large collections.

    ``rel_to`` is a "|A|B|" string column; ``released`` an EXISTS over releases
    for this partner; ``compartments`` a "|NTK:A|NTK:B|" string column (None:
    the rows carry none). Kept next to ``decide`` and tested against it so the
    two cannot drift apart.

    A user holds every compartment a row needs when deleting each held one
    from the row's list (``replace(c, '|NTK:A|', '|')``, one after another)
    leaves a bare ``|``; the stored list is sorted and de-duplicated, so
    neighbours never share a bar that a replacement could swallow.

    REL TO is tested with ``instr(rel_to, '|CODE|') > 0`` (``strpos`` on
    PostgreSQL), not ``LIKE``: LIKE is case-insensitive on SQLite and treats
    ``_`` and ``%`` as wildcards, either of which would name partners the list
    does not name.
    """
    released = released if released is not None else false()
    is_warning = is_warning if is_warning is not None else false()
    no_compartments: ColumnElement[bool] = (
        literal(True) if compartments is None else _coalesce(compartments, "") == "")
    if principal.kind is PrincipalKind.USER:
        allowed = CLASSIFICATION_ORDER[: _rank(CLASSIFICATION_ORDER, principal.clearance, -1) + 1]
        if not allowed:
            return false()
        cleared = or_(classification.is_(None), classification.in_(_fixed(allowed)))
        if compartments is None or ALL_COMPARTMENTS in principal.compartments:
            return cleared
        rest: Any = _coalesce(compartments, "")
        for held in sorted(principal.compartments):
            if held.startswith(COMPARTMENT_PREFIX) and "|" not in held:
                rest = func.replace(rest, f"|{held}|", "|")
        return and_(cleared, or_(no_compartments, rest == "|"))
    tier = principal.tier
    if tier is Tier.WARNING_ONLY:
        return and_(released, is_warning)
    if tier is Tier.SELECTIVE:
        return released
    if tier not in (Tier.CORE, Tier.ASSOCIATE):
        return false()
    eff_tlp = _coalesce(tlp, settings.DEFAULT_TLP)
    unclassified = or_(classification.is_(None), classification == "UNCLASSIFIED")
    ceiling = TLP_ORDER[: TLP_ORDER.index("amber+strict" if tier is Tier.CORE else "amber") + 1]
    named: ColumnElement[bool] = false()
    if _code_ok(principal.id):
        needle = f"|{principal.id}|"
        named = and_(rel_to.is_not(None), _Position(rel_to, literal(needle)) > 0)
    # The column tests first and the release EXISTS last: both engines evaluate OR
    # terms in order, so a row the markings already allow never runs the subquery.
    return or_(
        and_(no_compartments, or_(
            and_(eff_tlp.in_(_fixed(("clear", "green"))), unclassified),
            and_(named, eff_tlp.in_(_fixed(ceiling))),
        )),
        released,
    )


class _Position(FunctionElement[int]):
    """Where a text first occurs in another, from 1 (0: nowhere), exactly: byte for
    byte, case kept, no wildcards. SQLite's ``instr``, PostgreSQL's ``strpos``.

    It asks of ``rel_to`` what ``replace(rel_to, needle, '') <> rel_to`` asked
    without building the replaced string: a tenth of a partner's TAXII page SQL
    went to that test on the rows it rejects (session 9, callgrind).
    """

    type = Integer()
    inherit_cache = True


@compiles(_Position)
def _instr(element: _Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_Position, "postgresql")
def _strpos(element: _Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def _fixed(values: Sequence[str]) -> list[Any]:
    """An IN list of constants as plain bound parameters.

    A list of bare values becomes one "expanding" parameter, which SQLAlchemy
    renders into the SQL text again on every execution; on a TAXII page that
    re-rendering of the policy condition cost more than the rows it filtered.
    """
    return [literal(v) for v in values]


def _coalesce(col: Any, default: str) -> Any:
    return func.coalesce(col, literal(default))
