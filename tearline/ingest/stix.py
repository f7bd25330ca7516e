"""Streaming STIX 2.1 bundles, checked object by object.

Large bundles (MITRE ATT&CK is 50 MB) are read with ijson's C backend one
object at a time, so memory stays near one batch of objects rather than the
whole parsed bundle. Each object is kept exactly as sent — custom objects and
unknown properties included — and only the properties Tearline relies on are
checked: a bad id or timestamp rejects the whole file, naming the object.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import ijson
import orjson

from tearline.errors import IngestError
from tearline.ingest.drafts import (
    CLASSIFICATIONS,
    CREDIBILITY,
    RELIABILITY,
    ReportDraft,
    SourceDraft,
)
from tearline.ingest.limits import check_depth, limit
from tearline.ingest.stix_hints import crosses_unchanged, prunable_refs

_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]+[a-z0-9]$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
_ID_RE = re.compile(rf"^(?P<type>[a-z][a-z0-9-]+[a-z0-9])--{_UUID}$")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
_TIMESTAMP_PROPS = (
    "created", "modified", "published", "valid_from", "valid_until", "first_seen",
    "last_seen", "first_observed", "last_observed", "start_time", "stop_time",
)

#: TLP marking-definition ids (2.0 and 1.0) to the TLP 2.0 level they mean.
TLP_MARKINGS = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
TLP_IDS_V2 = {
    level: mid for mid, level in list(TLP_MARKINGS.items())[:5]
}


@dataclass(slots=True)
class StixRow:
    """One checked object ready to store, with the key that versions it."""

    id: str
    version: str
    type: str
    spec_version: str
    content_hash: str
    json: str
    tlp: str | None = None
    rel_to: str = ""
    classification: str | None = None
    #: Need-to-know compartments from ``x_tearline_caveats``, "|NTK:A|" form.
    compartments: str = ""
    #: Who put it here: "" for this agency, "partner:CODE" for a partner's push or pull.
    sender: str = ""
    #: ``modified``/``created`` as a fixed-width UTC string that sorts as time does.
    version_key: str = ""
    #: Marking-definition ids that are not TLP: the object is then refused to partners.
    unknown_markings: tuple[str, ...] = ()
    #: Read hints (``ingest.stix_hints``): the ids pruning could act on, as a JSON list
    #: ("" for none, None for not worked out), and whether a partner gets the text as is.
    refs: str | None = None
    plain: bool = False


def looks_like_bundle(head: bytes) -> bool:
    """Tell a STIX bundle from a Tearline report by its first top-level keys.

    Uses ``basic_parse`` and counts depth itself: ``ijson.parse`` builds a
    prefix per event, which is quadratic on a deeply nested head.
    """
    depth, last_key = 0, None
    try:
        for event, value in ijson.basic_parse(head):
            if depth == 0 and event == "start_array":
                return False
            if depth == 1 and event == "map_key":
                if value in ("objects", "spec_version"):
                    return True
                last_key = value
            elif depth == 1 and last_key == "type" and event == "string":
                return bool(value == "bundle")
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
    except (ijson.JSONError, UnicodeDecodeError):
        pass  # a truncated head or broken JSON: let the full parser report it
    return False


@dataclass(frozen=True, slots=True)
class ObjectLimits:
    """The two input limits ``check_object`` applies, read once for a batch of objects.

    Reading them per object (two environment look-ups) was a tenth of the
    check's cost on a 5,000-object TAXII add.
    """

    depth: int
    size: int

    @classmethod
    def current(cls) -> ObjectLimits:
        return cls(limit("JSON_DEPTH"), limit("OBJECT_BYTES"))


#: Above this depth limit the recursive fast check would recurse too far: walk instead.
_RECURSIVE_DEPTH = 200


def _within(value: dict[str, Any] | list[Any], room: int) -> bool:
    """Is every container below ``value`` within ``room`` more levels? (recursive, bounded)"""
    for v in (value.values() if isinstance(value, dict) else value):
        if isinstance(v, (dict, list)) and (room <= 1 or not _within(v, room - 1)):
            return False
    return True


def _shallow(text: bytes | None, depth: int) -> bool:
    """Is the serialized object surely nested no deeper than ``depth``? (no walk)

    Nesting cannot exceed the number of opening brackets in the text (those
    inside strings only make the count larger), so a STIX object with a handful
    of lists passes on two ``count`` calls; any other object takes the walk.
    """
    return text is not None and text.count(b"{") + text.count(b"[") <= depth


def _serialized(obj: dict[str, Any]) -> bytes | None:
    """The object's compact JSON, or None when orjson refuses it.

    Serialized first so the depth and reference checks can read the text; an
    object orjson refuses goes the old way and meets the same error where it
    always did, after the property checks.
    """
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        return None


def check_object(obj: Any, where: str, path: str, limits: ObjectLimits | None = None
                 ) -> StixRow:
    """Validate the properties Tearline depends on and serialize the object once.

    ``limits`` (``ObjectLimits.current()``) saves reading the settings per object
    when a caller checks many.
    """
    if not isinstance(obj, dict):
        raise IngestError(path, where, f"expected a STIX object, got {type(obj).__name__}")
    lim = limits or ObjectLimits.current()
    serialized = _serialized(obj)
    if not _shallow(serialized, lim.depth) and (
            lim.depth > _RECURSIVE_DEPTH or not _within(obj, lim.depth)):
        check_depth(obj, path, where)  # the iterative walk, and its error
    otype = obj.get("type")
    if not isinstance(otype, str) or not _TYPE_RE.match(otype) or len(otype) > 250:
        raise IngestError(path, f"{where}.type", f"invalid STIX type {otype!r}")
    oid = obj.get("id")
    m = _ID_RE.match(oid) if isinstance(oid, str) else None
    if m is None:
        raise IngestError(
            path, f"{where}.id",
            f"invalid STIX id {oid!r}: expected '{otype}--' followed by an RFC 4122 UUID",
        )
    if m.group("type") != otype:
        raise IngestError(
            path, f"{where}.id", f"id {oid!r} does not start with its type {otype!r}"
        )
    spec = obj.get("spec_version", "2.1")
    if spec != "2.1":
        raise IngestError(
            path, f"{where}.spec_version",
            f"spec_version {spec!r} is not supported; Tearline reads STIX 2.1 "
            "(convert STIX 2.0 with the stix2-elevator tool)",
        )
    checked: object = None  # the last stamp found good: STIX repeats created as modified
    for prop in _TIMESTAMP_PROPS:
        if prop in obj:
            stamp = obj[prop]
            if stamp != checked or not isinstance(stamp, str):
                _check_timestamp(stamp, path, where, prop, oid)
                checked = stamp
    created, modified = obj.get("created"), obj.get("modified")
    if (isinstance(created, str) and isinstance(modified, str) and modified != created
            and version_key(modified) < version_key(created)):
        raise IngestError(
            path, f"{where}.modified ({oid})",
            f"modified {modified} is earlier than created {created}",
        )
    rel = obj.get("x_tearline_reliability")
    if rel is not None and rel not in RELIABILITY:
        raise IngestError(
            path, f"{where}.x_tearline_reliability ({oid})",
            f"unknown source reliability {rel!r}: use one of A, B, C, D, E, F",
        )
    cred = obj.get("x_tearline_credibility")
    if cred is not None and cred not in CREDIBILITY:
        raise IngestError(
            path, f"{where}.x_tearline_credibility ({oid})",
            f"unknown information credibility {cred!r}: use an integer 1 to 6",
        )
    classification = obj.get("x_tearline_classification")
    if classification is not None:
        if not isinstance(classification, str) or classification.upper() not in CLASSIFICATIONS:
            raise IngestError(
                path, f"{where}.x_tearline_classification ({oid})",
                f"unknown classification {classification!r}: use one of "
                + ", ".join(CLASSIFICATIONS),
            )
        classification = classification.upper()
    text = orjson.dumps(obj) if serialized is None else serialized
    if len(text) > lim.size:
        raise IngestError(path, where, f"the object is {len(text):,} bytes serialized, over "
                          f"the limit of {lim.size:,} (TEARLINE_MAX_OBJECT_BYTES)")
    tlp, unknown = _tlp_of(_marking_refs(obj, path, f"{where} ({oid})"), path,
                           f"{where} ({oid})")
    rel = obj.get("x_tearline_releasability")
    version = modified or created or ""
    json_text = text.decode()
    return StixRow(
        id=str(oid),
        version=version,
        version_key=version_key(version) if version else "",
        compartments=_compartments(obj.get("x_tearline_caveats"), path, f"{where} ({oid})"),
        unknown_markings=unknown,
        type=otype,
        spec_version=spec,
        content_hash=hashlib.blake2b(text, digest_size=16).hexdigest(),
        json=json_text,
        refs=prunable_refs(obj, text),
        plain=crosses_unchanged(json_text, TLP_MARKINGS),
        tlp=tlp,
        rel_to=f"|{'|'.join(rel)}|" if isinstance(rel, list) and rel else "",
        classification=classification,
    )


#: Stored TLP value for an object carrying a marking the policy cannot interpret.
UNKNOWN_TLP = "unknown"
_TLP_RANK = ("clear", "green", "amber", "amber+strict", "red")


def _marking_refs(obj: dict[str, Any], path: str, where: str) -> Any:
    """``object_marking_refs`` plus every ``marking_ref`` of ``granular_markings``.

    We serve and withhold whole objects, never single properties, so a marking
    that STIX scopes to some properties (a TLP:RED description inside a
    TLP:GREEN indicator) binds the whole object: the most restrictive one wins.
    ``lang`` entries and non-TLP definitions in ``granular_markings`` decide no
    access and are skipped.
    """
    refs = obj.get("object_marking_refs")
    granular = obj.get("granular_markings")
    if granular is None:
        return refs
    if not isinstance(granular, list) or not all(isinstance(g, dict) for g in granular):
        raise IngestError(path, f"{where}.granular_markings",
                          f"expected a list of granular markings, got {granular!r}")
    # Only TLP definitions restrict access here; a statement scoped to a property
    # (a copyright on the description) is shipped or dropped by
    # ``share.definitions`` like any other reference, and grants nothing.
    scoped = [g["marking_ref"] for g in granular if g.get("marking_ref") in TLP_MARKINGS]
    if not scoped:
        return refs
    if refs is not None and not isinstance(refs, list):
        return refs  # _tlp_of names the bad shape
    return [*(refs or []), *scoped]


def _tlp_of(refs: Any, path: str, where: str) -> tuple[str | None, tuple[str, ...]]:
    """The most restrictive TLP among ``object_marking_refs``, whatever their order.

    A reference that is not a TLP marking-definition cannot be interpreted by
    the policy, so the object's TLP becomes ``unknown`` (refused to partners
    unless an approver releases it) and the reference is reported back.
    """
    if refs is None:
        return None, ()
    if type(refs) is list and len(refs) == 1 and isinstance(refs[0], str):
        level = TLP_MARKINGS.get(refs[0])
        if level is not None:  # the usual case, one TLP marking: no sets, no sort
            return level, ()
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise IngestError(path, f"{where}.object_marking_refs",
                          f"expected a list of marking-definition ids, got {refs!r}")
    levels = [TLP_MARKINGS[r] for r in refs if r in TLP_MARKINGS]
    unknown = tuple(sorted({r for r in refs if r not in TLP_MARKINGS}))
    if unknown:
        return UNKNOWN_TLP, unknown
    if not levels:
        return None, ()
    return max(levels, key=_TLP_RANK.index), ()


def _compartments(caveats: Any, path: str, where: str) -> str:
    """Need-to-know compartments among ``x_tearline_caveats``, in the stored "|A|B|" form."""
    if caveats is None:
        return ""
    if not isinstance(caveats, list) or not all(isinstance(c, str) for c in caveats):
        raise IngestError(path, f"{where}.x_tearline_caveats",
                          f"expected a list of caveat strings, got {caveats!r}")
    codes = sorted({c for c in caveats if c.startswith("NTK:") and "|" not in c})
    return f"|{'|'.join(codes)}|" if codes else ""


def version_key(stamp: str) -> str:
    """A STIX timestamp as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn": text order is time order.

    STIX allows 0 to 9 fractional digits, so "...:00Z" and "...:00.5Z" compare
    the wrong way round as text; padding the fraction fixes that.
    """
    head, _, frac = stamp.rstrip("Zz").partition(".")
    return f"{head[:19]}.{frac[:9].ljust(9, '0')}"


def _check_timestamp(value: Any, path: str, at: str, prop: str, oid: object) -> None:
    """A STIX timestamp; the place is spelled out only for an error (it costs per object)."""
    if not isinstance(value, str) or not _TS_RE.match(value):
        raise IngestError(
            path, f"{at}.{prop} ({oid})",
            f"invalid timestamp {value!r}: STIX wants RFC 3339 in UTC, "
            "e.g. '2025-03-07T09:30:00.000Z'",
        )
    try:
        datetime.fromisoformat(value[:19])
    except ValueError as exc:
        raise IngestError(path, f"{at}.{prop} ({oid})",
                          f"invalid timestamp {value!r}: {exc}") from exc


def iter_bundle(fh: IO[bytes], path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, object) from a bundle file without loading it whole."""
    index = -1
    try:
        for index, obj in enumerate(ijson.items(fh, "objects.item", use_float=True)):
            yield index, obj
    except ijson.JSONError as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise IngestError(
            path, f"objects[{index + 1}] (near byte {fh.tell()})", f"broken JSON: {msg}"
        ) from exc
    except UnicodeDecodeError as exc:
        # yajl lets overlong sequences (0xC0/0xC1 leads) through; Python's decoder does not.
        raise IngestError(path, f"objects[{index + 1}] (near byte {fh.tell()})",
                          f"not valid UTF-8 ({exc.reason}); re-save the file as UTF-8") from exc
    if index < 0:
        raise IngestError(path, "objects", "the bundle has no objects")


def check_bundle_header(fh: IO[bytes], path: str) -> None:
    """Read the bundle's own type and id (they normally precede 'objects')."""
    seen: dict[str, Any] = {}
    try:
        for prefix, event, value in ijson.parse(fh):
            if prefix == "" and event == "map_key" and value == "objects" and "type" in seen:
                break
            if prefix in ("type", "id", "spec_version") and event == "string":
                seen[prefix] = value
    except ijson.JSONError as exc:
        raise IngestError(path, None, f"broken JSON: {str(exc).strip()[:200]}") from exc
    except UnicodeDecodeError as exc:
        raise IngestError(path, None, f"not valid UTF-8 ({exc.reason}); re-save the file "
                          "as UTF-8") from exc
    if seen.get("type") != "bundle":
        raise IngestError(path, "type", f"expected a STIX bundle, got type {seen.get('type')!r}")
    bid = seen.get("id")
    if not isinstance(bid, str) or not re.match(rf"^bundle--{_UUID}$", bid):
        raise IngestError(path, "id", f"invalid bundle id {bid!r}")
    if "spec_version" in seen and seen["spec_version"] != "2.1":
        raise IngestError(
            path, "spec_version",
            f"bundle spec_version {seen['spec_version']!r}: only STIX 2.1 is read",
        )


def report_from_stix(obj: dict[str, Any], identities: dict[str, str]) -> ReportDraft:
    """Project a STIX ``report`` SDO into a fragment so fusion sees liaison notes too."""
    author = identities.get(obj.get("created_by_ref", ""), "Unknown partner")
    try:
        refs = _marking_refs(obj, "", "report")
    except IngestError:
        refs = [None]  # an unreadable marking: counted as unknown below, so RED
    levels = [TLP_MARKINGS[m] for m in refs or () if isinstance(m, str) and m in TLP_MARKINGS]
    unknown = any(not (isinstance(m, str) and m in TLP_MARKINGS) for m in refs or ())
    # The most restrictive marking wins; one the policy cannot read counts as RED.
    tlp = "red" if unknown else max(levels, key=_TLP_RANK.index) if levels else "amber"
    published = obj.get("published") or obj.get("created")
    return ReportDraft(
        title=obj.get("name", "(untitled STIX report)"),
        body=obj.get("description") or obj.get("name", ""),
        originator=author,
        source=SourceDraft(
            name=obj.get("x_tearline_source", author),
            kind=obj.get("x_tearline_source_kind", "liaison"),
            agency=author,
            reliability=obj.get("x_tearline_reliability", "F"),
        ),
        reported_at=datetime.fromisoformat(published) if published else None,
        category="report",
        credibility=int(obj.get("x_tearline_credibility", 6)),
        classification=str(obj.get("x_tearline_classification", "UNCLASSIFIED")).upper(),
        tlp=tlp,
        releasability=list(obj.get("x_tearline_releasability", [])),
        external_id=obj.get("x_tearline_external_id") or next(
            (ref["external_id"] for ref in obj.get("external_references", [])
             if isinstance(ref, dict) and ref.get("external_id")), None),
        tags=list(obj.get("labels", [])),
        stix_id=obj["id"],
    )
