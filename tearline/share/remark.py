"""What crosses to a partner is re-marked and sanitized for that partner (issue 9, 12).

The policy decides *whether* a partner receives an object; the tearline
sanitizer decides *what of it* crosses. Stored objects keep everything this
agency knows about them — which internal source it came from and of what kind,
our classification, the originator's REL TO list, the agency that created it.
A partner must receive none of that, and no protected value or source
designator may reach it inside the prose either. Every path that hands
objects to a partner (TAXII reads, ``export --as``, ``sync`` push, the
duty-to-warn bundle) calls ``remark_for_partner`` / ``remark_text``, which are
thin shells over ``warn.sanitize_stix.sanitize_for_partner``: one mechanism,
with the same guard the warning sanitizer uses.

What leaves, per object (details in ``warn.sanitize_stix``):

* internal properties (``x_tearline_source``, ``x_tearline_source_kind``,
  ``x_tearline_classification``, ``x_tearline_caveats``) are removed;
* the REL TO list becomes the receiving partner alone, and the markings one
  TLP marking-definition: the effective (most restrictive) level;
* ``created_by_ref`` and any reference to the originator's identity are
  replaced by a neutral "originator withheld" identity, unless the originator
  is this agency (which allows its own name on what it shares);
* every readable string is guarded: the object's own (non-public) source
  name, and what the caller gathered with ``sensitive_for`` (the protected
  fields of the report behind it), are cut wherever they appear.

Objects with none of these properties pass through as the stored text when
the caller has nothing sensitive for them, so the common case (indicators
from feeds) costs nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection

from tearline import settings
from tearline.ingest.stix import TLP_IDS_V2, TLP_MARKINGS
from tearline.ingest.stix_hints import marks_only_tlp, needs_remark, sole_marking
from tearline.share.definitions import Definitions, names_other_definitions, resolve
from tearline.warn.sanitize import Sensitive
from tearline.warn.sanitize_stix import INTERNAL_PROPERTIES, sanitize_for_partner
from tearline.warn.store import reports_sensitive

_IDENTITY_NS = uuid.UUID("1c3a5e8f-7b2d-4e6a-8f90-3d5b7c9e1a2f")  # as stix_export.identity_for
__all__ = ["INTERNAL_PROPERTIES", "WITHHELD_IDENTITY_ID", "needs_remark", "outgoing_text",
           "own_identity_id", "remark_for_partner", "remark_text", "sensitive_for",
           "withheld_identity"]

WITHHELD_IDENTITY_ID = f"identity--{uuid.uuid5(_IDENTITY_NS, 'originator withheld')}"


def own_identity_id() -> str:
    """This agency's identity id (``stix_export.identity_for(settings.OWNER_AGENCY)``)."""
    return _identity_id(settings.OWNER_AGENCY)


@lru_cache(maxsize=16)
def _identity_id(name: str) -> str:
    """Keyed by the name, so a changed setting takes effect; a uuid5 per object was a
    measurable part of re-marking a page."""
    return f"identity--{uuid.uuid5(_IDENTITY_NS, name)}"


def withheld_identity() -> dict[str, Any]:
    """The identity a partner sees in place of an originator it may not learn."""
    return {"type": "identity", "spec_version": "2.1", "id": WITHHELD_IDENTITY_ID,
            "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
            "name": "Originator withheld", "identity_class": "unknown"}


def sensitive_for(conn: Connection, object_ids: Iterable[str]) -> dict[str, Sensitive]:
    """What must be cut from each object's prose: protected values and hidden source names.

    Keyed by report id and STIX id; objects that are not reports get nothing.
    """
    return reports_sensitive(conn, sorted(set(object_ids)))


#: No protected value, source name, id or originator to cut (shared: ``Sensitive`` is frozen).
_NOTHING = Sensitive()


def remark_for_partner(obj: dict[str, Any], partner_code: str,
                       sensitive: Sensitive | None = None) -> dict[str, Any]:
    """A copy of ``obj`` fit to hand to ``partner_code`` (see the module docstring)."""
    out, _ = sanitize_for_partner(obj, partner_code, sensitive or _NOTHING,
                                  own_identity_id=own_identity_id(),
                                  withheld_identity_id=WITHHELD_IDENTITY_ID)
    return out


def remark_text(text: str, partner_code: str, sensitive: Sensitive | None = None) -> str:
    """``remark_for_partner`` over stored JSON text; untouched when nothing needs it."""
    if not needs_remark(text) and not (sensitive and (sensitive.protected
                                                      or sensitive.source_names)):
        return text
    return orjson.dumps(remark_for_partner(orjson.loads(text), partner_code,
                                           sensitive)).decode()


def outgoing_text(text: str, partner_code: str, sensitive: Sensitive | None,
                  definitions: Definitions) -> tuple[str, dict[str, str] | None]:
    """One stored object as it crosses to ``partner_code``: re-marked, markings resolvable.

    Exactly ``resolve(remark_text(text, ...), ...)`` (its text, and its dropped
    references or None), for the per-object loop of a page. Most objects of a
    page need neither step (one TLP marking, nothing internal), and for those
    the two cheap text tests are all that runs: no ``Resolved`` is built and
    no function is entered that would only hand the text back. Calling the
    two steps for each of a page's 1,000 rows was a measurable part of a
    core partner's page.
    """
    prose = sensitive is not None and bool(sensitive.protected or sensitive.source_names)
    remark = prose or needs_remark(text)
    if not remark and marks_only_tlp(text, TLP_MARKINGS):
        # ``crosses_unchanged``, the test ``stix_objects.plain`` stores: a page skips
        # this call for such rows. Split so that ``needs_remark`` runs once.
        return text, None
    if remark and (sensitive is None or not _has_needles(sensitive)):
        fast = rel_to_only(text, partner_code)
        if fast is not None:
            return fast, None
    if remark:
        text = orjson.dumps(remark_for_partner(orjson.loads(text), partner_code,
                                               sensitive)).decode()
    if not names_other_definitions(text):
        return text, None
    res = resolve(text, partner_code, definitions)
    return res.text, res.dropped or None


def _has_needles(sensitive: Sensitive) -> bool:
    """Whether the guard would search the object's prose for anything (``needles_for``)."""
    return bool(sensitive.protected or sensitive.source_names or sensitive.internal_ids
                or sensitive.originators)


_REL_KEY = '"x_tearline_releasability":'
_TEARLINE_KEY = '"x_tearline_'


def rel_to_only(text: str, partner_code: str) -> str | None:
    """``remark_text`` of an object whose only change is its REL TO list, done on the text.

    Most objects a partner is sent re-marked carry nothing of ours but the REL TO
    list, which becomes the partner alone. Parsing, re-marking and serializing
    such an object was most of what re-marking cost a partner's TAXII page
    (session 9 profile of the server); for these the list is cut out of the
    text and the partner's written in. None when the text is not plainly of that
    shape, and the caller takes the general path. The shape, every part checked
    on the compact JSON the store keeps (``ingest.stix.check_object``):

    * the only ``"x_tearline_`` in the text is the REL TO key, so no internal
      property (and no source name to guard) is there, at any depth;
    * that key is a top-level one: preceded by ``{`` or ``,`` (so its quote is
      no escaped one inside a string) with no ``{`` before it but the opening
      one, so no nested object holds it;
    * its list closes at the first ``]`` (the cut parses as a JSON list on its
      own, which fails for a ``]`` inside a string or a nested list);
    * no ``created_by_ref`` (the originator is left to the general path);
    * at most one marking-definition named anywhere, and that one the TLP 2.0
      id of its level, which re-marking would write back unchanged.

    Then re-marking sets that one list and leaves every other byte, so the result
    is the text with the list replaced (byte for byte ``remark_text``'s output on
    text as the store writes it; ``tests/share/test_remark_text_path.py``).
    """
    at = text.find(_REL_KEY)
    if at < 1 or text.count(_TEARLINE_KEY) != 1 or text[at - 1] not in "{,":
        return None
    if text.find("{", 1, at) >= 0 or '"created_by_ref"' in text:
        return None
    start = at + len(_REL_KEY)
    if not text.startswith("[", start):
        return None
    end = text.find("]", start) + 1
    try:
        if end <= 0 or not isinstance(orjson.loads(text[start:end]), list):
            return None
    except orjson.JSONDecodeError:
        return None
    mid = sole_marking(text)
    if mid is None or (mid and TLP_IDS_V2.get(TLP_MARKINGS.get(mid, "")) != mid):
        return None
    return text[:start] + orjson.dumps([partner_code]).decode() + text[end:]
