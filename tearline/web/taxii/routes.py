"""TAXII 2.1 endpoints: discovery, API root, collections, objects, manifest, status.

Handlers are thin: authenticate, find the collection the caller may use, turn
the query string into ``Filters``, run one SQL page, answer in the TAXII media
type. Pages of objects are assembled from the stored JSON text without
parsing it, which is what keeps a 1000-object page close to the cost of
reading the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from sqlalchemy import (
    Connection,
    Engine,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    null,
    select,
    type_coerce,
)
from sqlalchemy.types import TypeDecorator
from starlette.responses import Response

from tearline import __version__
from tearline.security.audit import record_now
from tearline.settings import input_limits
from tearline.share.definitions import Definitions, partner_definitions
from tearline.share.policy import Principal, PrincipalKind
from tearline.share.refs import WITHHOLDABLE, prune_texts, resolvable_for, sees_everything
from tearline.share.releases import has_live_release
from tearline.share.remark import outgoing_text, remark_text, sensitive_for
from tearline.store.fixed import FixedStatement
from tearline.store.schema import StixObject

from . import collections as cols
from . import status as status_store
from ._add import add_objects
from ._auth import authenticate
from ._guard import guarded
from ._media import (
    STIX_MEDIA,
    TAXII_MEDIA,
    TaxiiError,
    check_content_type,
    taxii_bytes,
    taxii_json,
)
from ._query import (
    Filters,
    delete_condition,
    encode_next,
    format_timestamp,
    parse_filters,
    run_page,
    run_page_raw,
)
from ._refs import referenced_object

API_ROOT = "api1"
DISCOVERY_PATH = "/taxii2/"
ROOT_PATH = f"/taxii2/{API_ROOT}/"
def _max_content_length() -> int:
    """Largest request body accepted, advertised on the API root.

    ``web.body_limit`` enforces it (``TEARLINE_MAX_REQUEST_BYTES``) on every route.
    """
    return input_limits()["REQUEST_BYTES"]


class TaxiiRoute(APIRoute):
    """Checks Accept before the handler and renders ``TaxiiError`` as a TAXII error
    (``_guard.guarded``); requests normally arrive through ``dispatch`` instead."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await guarded(request, lambda: inner(request))

        return handler


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _who(request: Request) -> Principal:
    """The caller as the database says now (tier, clearance, revocation apply at once)."""
    header = request.headers.get("authorization")
    return authenticate(_engine(request), header,
                        request.client.host if request.client else "-")


def _root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise TaxiiError(404, "API root not found", f"no API root {api_root!r}; try {ROOT_PATH}")


def _readable(request: Request, api_root: str, collection_id: str) -> tuple[
        Principal, cols.CollectionSpec]:
    _root(api_root)
    who = _who(request)
    spec = cols.find(collection_id, who)
    if not cols.can_read(spec, who):
        raise TaxiiError(403, "Forbidden", f"collection {spec.alias!r} is write-only for you")
    return who, spec


def _page_headers(first: Any, last: Any) -> dict[str, str]:
    return {"X-TAXII-Date-Added-First": format_timestamp(_stamp(first)),
            "X-TAXII-Date-Added-Last": format_timestamp(_stamp(last))}


def _page(rows: Sequence[Any], f: Filters, who: Principal
          ) -> tuple[Sequence[Any], bool, str | None]:
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    nxt = (encode_next(who, _stamp(rows[-1].added_at), rows[-1].added_seq)
           if more and rows else None)
    return rows, more, nxt


def _missing_unless_visible(conn: Connection, who: Principal, object_id: str) -> None:
    """404 unless the caller may see some version of the object, as it would be sent.

    TAXII 2.1 (sections 5.6 and 5.8) answers an empty envelope or versions
    resource when the object exists but the filters leave nothing, and 404 when
    the object is not there; an object the caller may not see is "not there",
    and so is one every visible version of which is withheld for a hidden
    reference (``share.refs``): the answer must not tell the two apart.
    """
    probe = Filters(versions=("all",), limit=_PROBE_VERSIONS)
    rows = run_page(conn, (StixObject.id, StixObject.json, StixObject.refs, StixObject.plain),
                    who, probe, object_id)
    if not rows or not any(t is not None for t in _outgoing_rows(conn, who, rows)):
        raise TaxiiError(404, "Object not found",
                         f"no object {object_id!r} in this collection matches")


#: Versions of one object read to tell "withheld" from "filtered out" (see above).
_PROBE_VERSIONS = 50


def _outgoing_rows(conn: Connection, who: Principal, rows: Sequence[Any]) -> list[str | None]:
    """``_outgoing`` over result rows with ``id``, ``json``, ``refs`` and ``plain``."""
    return _outgoing(conn, who, [r.id for r in rows], [r.json for r in rows],
                     [r.refs for r in rows], [r.plain for r in rows])


def _outgoing(conn: Connection, who: Principal, ids: Sequence[str],
              stored: Sequence[str | None], refs: Sequence[str | None], plains: Sequence[Any],
              *, defs: Definitions | None = None, sens: Mapping[str, Any] | None = None,
              withheld: dict[str, dict[str, str]] | None = None,
              any_release: bool = True,
              hinted: Sequence[int] | None = None) -> list[str | None]:
    """What crosses for each row: its JSON re-marked for a partner (its markings
    resolvable, ``share.definitions``), references to hidden objects pruned
    (``share.refs``); None where the object is withheld, or the row has no JSON
    (a manifest row of a type that is never withheld).

    The rows come as parallel columns (ids, stored JSON, and the read hints
    ``refs`` and ``plain`` of ``ingest.stix_hints``): a page's 1,000 rows are
    walked once per column in C rather than attribute by attribute. ``defs``
    is read here for a partner when the caller has not; ``any_release`` is
    ``releases.has_live_release`` as the caller read it for this request.
    ``hinted``, when given, are the only rows that may be other than plain,
    name anything prunable or be reports (``_partner_hints``): the rest are
    sent as stored without a look.
    """
    partner = who.kind is PrincipalKind.PARTNER
    if partner and defs is None:
        defs = partner_definitions(conn, who, any_release=any_release)
    texts: list[str | None]
    # A stored ``refs`` hint lists every id the stored text could have pruned. It
    # still covers the re-marked text: re-marking only drops properties, and the
    # ids it writes in (this agency's identity, "originator withheld") are
    # served to every partner (``resolvable_for``), so never hidden. Pruning
    # itself always parses the text that is sent, so the hint only says which
    # texts to parse.
    texts, hints = list(stored), list(refs)
    if defs is not None:
        # Only rows not stored as "plain" (``ingest.stix_hints``), and reports with
        # prose to guard, go through ``outgoing_text``: most of a page is neither,
        # and picking the few by index keeps the per-row loop out of Python.
        rows: Sequence[int] = range(len(ids)) if hinted is None else hinted
        pick = [i for i in rows if not plains[i]]
        if sens:
            guarded = [i for i in rows if plains[i] and (s := sens.get(ids[i]))
                       and (s.protected or s.source_names)]
            if guarded:
                pick = sorted({*pick, *guarded})
        pid = who.id
        for i in pick:
            text = texts[i]
            if text is None:
                continue
            oid = ids[i]
            out, dropped = outgoing_text(text, pid, sens.get(oid) if sens else None, defs)
            if dropped and withheld is not None:
                withheld[oid] = dropped
            texts[i] = out
    if sees_everything(who):
        return texts
    if None in texts:
        keep = [i for i, t in enumerate(texts) if t is not None]
        if not keep:
            return texts
        sent = [texts[i] for i in keep]
        sent_hints: list[str | None] = [hints[i] for i in keep]
    else:
        keep, sent, sent_hints = None, texts, hints
    pruned = prune_texts(conn, who, sent,  # type: ignore[arg-type]  # no None left in sent
                         resolvable_for(who, defs.allowed if defs else ()),
                         visible=frozenset(ids), stored_refs=sent_hints,
                         any_release=any_release,
                         candidates=hinted if keep is None else None)
    if keep is None:
        return pruned
    out_texts: list[str | None] = [None] * len(texts)
    for i, t in zip(keep, pruned, strict=True):
        out_texts[i] = t
    return out_texts


class _RawStamp(TypeDecorator[Any]):
    """``added_at`` as the driver returns it, unconverted (see ``_OBJ_COLS``)."""

    impl = String
    cache_ok = True


#: A page of objects needs ``added_at`` only for its first and last rows (the
#: date-added headers and the ``next`` position), so the page statement leaves it
#: out and ``_added_at`` reads those two afterwards by ``added_seq``: each column
#: of a 1,000-row page is a thousand column reads of the driver, and this one cost
#: more than the lookup. No type either: an id names its type.
_OBJ_COLS = (StixObject.json, StixObject.id, StixObject.added_seq)
#: Position of ``added_seq`` in a page row, and of its read hint (``_page_cols``).
_SEQ, _HINT = 2, 3
#: A partner's page reads both hints of ``ingest.stix_hints`` (``plain`` and
#: ``refs``), as one column that is NULL on the usual row: plain, naming nothing
#: prunable, and no report (whose prose may need the guard, ``sensitive_for``).
#: Otherwise "1" or "0" for ``plain``, then ``refs``, with "~" for a NULL one (a
#: stored ``refs`` is "" or a JSON list). Two columns cost the driver two reads on
#: every row, where the NULL costs one; and the page's Python then visits only
#: the rows with a hint (``_partner_hints``).
_PARTNER_HINT = case(
    (and_(StixObject.plain, StixObject.refs == literal(""),
          StixObject.type != literal("report")), null()),
    else_=case((StixObject.plain, literal("1")), else_=literal("0"))
    + func.coalesce(StixObject.refs, literal("~"))).label("hint")


#: ``added_at`` as the driver returns it, last in a page row read ``timed``.
_RAW_AT = type_coerce(StixObject.added_at, _RawStamp()).label("added_at")


def _page_cols(who: Principal, timed: bool = False) -> tuple[Any, ...]:
    """The page columns ``who``'s page reads: ``refs`` when something may be hidden
    from it, the partner hint (``refs`` and ``plain``) when it is a partner, and
    ``added_at`` last when ``timed`` (see ``objects_page``)."""
    if who.kind is PrincipalKind.PARTNER:
        cols: tuple[Any, ...] = (*_OBJ_COLS, _PARTNER_HINT)
    else:
        cols = _OBJ_COLS if sees_everything(who) else (*_OBJ_COLS, StixObject.refs)
    return (*cols, _RAW_AT) if timed else cols


def _partner_hints(hints: Sequence[str | None]
                   ) -> tuple[list[bool], list[str | None], list[int]]:
    """``plain`` and ``refs`` of each row of a partner's page, from ``_PARTNER_HINT``,
    and the rows that have a hint: the only ones re-marking, the guard or pruning
    may touch, and the only ones that can be reports."""
    plains = [True] * len(hints)
    refs: list[str | None] = [""] * len(hints)
    hinted = [(i, h) for i, h in enumerate(hints) if h is not None]
    for i, hint in hinted:
        plains[i] = hint[0] == "1"
        refs[i] = None if hint[1:] == "~" else hint[1:]
    return plains, refs, [i for i, _ in hinted]


#: ``added_at`` (raw) of up to three rows named by their ``added_seq``: a fixed shape
#: (a page asks for at most three, repeated to fill), as an expanding IN is
#: rendered anew on every execution.
_AT_BY_SEQ = FixedStatement(
    select(StixObject.id, StixObject.added_seq, _RAW_AT)
    .where(StixObject.added_seq.in_([bindparam("s0"), bindparam("s1"), bindparam("s2")])),
    raw=True)


def _added_at(conn: Connection, rows: Sequence[tuple[str, int]]) -> list[Any] | None:
    """The raw ``added_at`` of each of up to three (id, added_seq) rows of a page, in
    order; None when one of them is no longer there (deleted since the page read).

    The writer gives every row its own ``added_seq`` under the STIX lock; the id
    is matched too, so even a store whose sequence repeated would not hand back
    another row's time.
    """
    if not rows:
        return []
    seqs = [q for _, q in rows] + [rows[-1][1]] * (3 - len(rows))
    found = {(i, q): at for i, q, at in
             _AT_BY_SEQ.rows(conn, {"s0": seqs[0], "s1": seqs[1], "s2": seqs[2]})}
    if any(r not in found for r in rows):
        return None
    return [found[r] for r in rows]


def _stamp(value: Any) -> datetime:
    """A raw ``added_at`` (SQLite text or a PostgreSQL datetime) as an aware UTC time."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    when: datetime = value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
#: The JSON only of types ``share.refs`` may withhold: the rest are listed unread.
_MANIFEST_COLS = (StixObject.id, StixObject.version, StixObject.added_at, StixObject.added_seq,
                  case((StixObject.type.in_(sorted(WITHHOLDABLE)), StixObject.json),
                       else_=None).label("json"), StixObject.refs, StixObject.plain)


def _listed(conn: Connection, who: Principal, rows: Sequence[Any]) -> list[Any]:
    """Manifest or versions rows, without those ``objects`` would withhold (``share.refs``)."""
    if sees_everything(who) or all(r.json is None for r in rows):
        return list(rows)
    texts = _outgoing_rows(conn, who, rows)
    return [r for r, t in zip(rows, texts, strict=True) if t is not None or r.json is None]


def _audit_read(conn: Connection, request: Request, who: Principal, action: str,
                ids: Sequence[str], **extra: Any) -> None:
    """Every TAXII read is an audit entry (who, how many, which ids), like REST reads.

    Written and committed on the connection that read the page: a second pool
    checkout (and, on PostgreSQL, its pre-ping) per page was a measurable part
    of a page's cost. The chain lock is taken only here, so it is held for no
    longer than when the entry had its own transaction.
    """
    record_now(conn, status_store.principal_key(who), action, "stix",
               request.url.path[-120:], count=len(ids), ids=list(ids[:50]), **extra)
    conn.commit()


@dataclass(frozen=True, slots=True)
class ObjectsPage:
    """One objects page as it will be sent: texts, their ids, date-added bounds, ``next``."""

    texts: Sequence[str]
    ids: Sequence[str]
    first: Any
    last: Any
    next: str | None
    #: Audit detail: markings withheld per object, objects withheld for hidden references.
    extra: dict[str, Any]


def objects_page(conn: Connection, who: Principal, f: Filters,
                 object_id: str | None = None, *, timed: bool = False) -> ObjectsPage | None:
    """The caller's page of objects, re-marked and pruned; None when no row matched.

    Everything the objects route sends but the HTTP and the audit row, so the
    in-process benchmark (``bench/taxii_page_cpu.py``) times what a request does.
    The page statement leaves ``added_at`` out (see ``_OBJ_COLS``) and reads it
    for the two or three rows that need it afterwards; if one of them was
    deleted in between, the page is read again ``timed``, with ``added_at`` in
    its one statement.
    """
    partner = who.kind is PrincipalKind.PARTNER
    # Read once for the whole page: the page, its definitions and its hidden
    # references then share one answer (and a release made meanwhile applies
    # on the next request, as it would anyway).
    any_release = has_live_release(conn, who)
    hinted_cols = len(_page_cols(who)) > _HINT
    raw = run_page_raw(conn, _page_cols(who, timed), who, f, object_id,
                       any_release=any_release)
    if not raw:
        return None
    more = len(raw) > f.limit
    raw = raw[: f.limit]
    cols = tuple(zip(*raw, strict=True))
    stored, ids, seqs = cols[0], cols[1], cols[_SEQ]
    nothing: tuple[None, ...] = (None,) * len(raw)
    # The read-hint column: ``refs`` for a user, ``_PARTNER_HINT`` for a partner.
    hint_col: Sequence[str | None] = cols[_HINT] if hinted_cols else nothing
    refs = hint_col
    withheld: dict[str, dict[str, str]] = {}
    if partner:
        plains, refs, hinted = _partner_hints(hint_col)
        defs = partner_definitions(conn, who, any_release=any_release)
        # A released report's own prose may still hold a protected value or the
        # name of a hidden source: the sanitizer's guard cuts them (issue 12).
        # A stored id starts with its own type (``ingest.stix.check_object``),
        # and every report row has a hint.
        sens = sensitive_for(conn, [ids[i] for i in hinted if ids[i].startswith("report--")])
        texts = _outgoing(conn, who, ids, stored, refs, plains, defs=defs, sens=sens,
                          withheld=withheld, any_release=any_release, hinted=hinted)
    else:
        texts = _outgoing(conn, who, ids, stored, refs, nothing, any_release=any_release)
    extra: dict[str, Any] = {"markings_withheld": withheld} if withheld else {}
    kept = (range(len(texts)) if None not in texts
            else [i for i, t in enumerate(texts) if t is not None])
    # The times of the first and last rows sent, and of the last row read (the
    # position ``next`` stands for), in one lookup.
    ends = [i for i in (*kept[:1], *kept[-1:], len(raw) - 1 if more else None)
            if i is not None]
    times = ([cols[-1][i] for i in ends] if timed
             else _added_at(conn, [(ids[i], seqs[i]) for i in ends]))
    if times is None:  # a row of the page was deleted before its time was read
        return objects_page(conn, who, f, object_id, timed=True)
    ats = dict(zip(ends, times, strict=True))
    nxt = encode_next(who, _stamp(ats[len(raw) - 1]), seqs[-1]) if more else None
    first, last = (ats[kept[0]], ats[kept[-1]]) if kept else (None, None)
    if len(kept) == len(texts):
        return ObjectsPage(texts, ids, first, last, nxt, extra)  # type: ignore[arg-type]
    extra["withheld_for_hidden_refs"] = len(raw) - len(kept)  # share.refs
    return ObjectsPage([texts[i] for i in kept], [ids[i] for i in kept],  # type: ignore[misc]
                       first, last, nxt, extra)


def _objects_response(request: Request, who: Principal, f: Filters,
                      object_id: str | None = None) -> Response:
    with _engine(request).connect() as conn:
        page = objects_page(conn, who, f, object_id)
        if page is None and object_id is not None:
            ref = referenced_object(conn, who, object_id)
            if ref is not None:  # a referenced identity or marking-definition (finding 12)
                text, at = ref
                if who.kind is PrincipalKind.PARTNER:
                    text = remark_text(text, who.id)
                _audit_read(conn, request, who, "taxii.read", [object_id], referenced=True)
                return taxii_bytes(('{"more":false,"objects":[' + text + "]}").encode(),
                                   _page_headers(at, at))
            _missing_unless_visible(conn, who, object_id)
        if page is None:
            # Audited too: an empty answer still tells the caller something (a probe
            # of filters, ids or times leaves a trace for the insider alerts).
            _audit_read(conn, request, who, "taxii.read", [])
            return taxii_bytes(b'{"more":false}')
        if not page.texts and object_id is not None:
            _missing_unless_visible(conn, who, object_id)
        _audit_read(conn, request, who, "taxii.read", page.ids, **page.extra)
    head = '{"more":true,"next":"' + page.next + '"' if page.next else '{"more":false'
    if not page.texts:
        return taxii_bytes((head + "}").encode())
    body = head + ',"objects":[' + ",".join(page.texts) + "]}"
    return taxii_bytes(body.encode(), _page_headers(page.first, page.last))


def make_router() -> APIRouter:
    """All TAXII routes, mounted by ``tearline.web.app.make_app``."""
    router = APIRouter(route_class=TaxiiRoute, tags=["TAXII 2.1"])

    @router.get(DISCOVERY_PATH)
    def discovery(request: Request) -> Response:
        _who(request)
        base = str(request.base_url).rstrip("/")
        return taxii_json({
            "title": "Tearline TAXII 2.1",
            "description": "Intelligence shared under this agency's sharing policy.",
            "default": f"{base}{ROOT_PATH}",
            "api_roots": [f"{base}{ROOT_PATH}"],
        })

    @router.get("/taxii2/{api_root}/")
    def api_root(request: Request, api_root: str) -> Response:
        _root(api_root)
        _who(request)
        return taxii_json({
            "title": "Tearline sharing", "description": f"Tearline {__version__}",
            "versions": [TAXII_MEDIA], "max_content_length": _max_content_length(),
        })

    @router.get("/taxii2/{api_root}/status/{status_id}/")
    def get_status(request: Request, api_root: str, status_id: str) -> Response:
        _root(api_root)
        who = _who(request)
        with _engine(request).connect() as conn:
            return taxii_json(status_store.load(conn, status_id, who))

    @router.get("/taxii2/{api_root}/collections/")
    def list_collections(request: Request, api_root: str) -> Response:
        _root(api_root)
        who = _who(request)
        found = [cols.to_resource(c, who) for c in cols.visible_collections(who)]
        return taxii_json({"collections": found} if found else {})

    @router.get("/taxii2/{api_root}/collections/{collection_id}/")
    def get_collection(request: Request, api_root: str, collection_id: str) -> Response:
        _root(api_root)
        who = _who(request)
        return taxii_json(cols.to_resource(cols.find(collection_id, who), who))

    @router.get("/taxii2/{api_root}/collections/{collection_id}/manifest/")
    def manifest(request: Request, api_root: str, collection_id: str) -> Response:
        who, _ = _readable(request, api_root, collection_id)
        f = parse_filters(request.query_params, who)
        with _engine(request).connect() as conn:
            rows, more, nxt = _page(run_page(conn, _MANIFEST_COLS, who, f), f, who)
            rows = _listed(conn, who, rows)
            _audit_read(conn, request, who, "taxii.manifest", [r.id for r in rows])
        if not rows:
            return taxii_json({"more": more, "next": nxt} if nxt else {"more": False})
        out: dict[str, Any] = {"more": more}
        if nxt:
            out["next"] = nxt
        out["objects"] = [
            {"id": r.id, "date_added": format_timestamp(r.added_at),
             "version": r.version or format_timestamp(r.added_at), "media_type": STIX_MEDIA}
            for r in rows
        ]
        return taxii_json(out, headers=_page_headers(rows[0].added_at, rows[-1].added_at))

    @router.get("/taxii2/{api_root}/collections/{collection_id}/objects/")
    def get_objects(request: Request, api_root: str, collection_id: str) -> Response:
        who, _ = _readable(request, api_root, collection_id)
        return _objects_response(request, who, parse_filters(request.query_params, who))

    @router.post("/taxii2/{api_root}/collections/{collection_id}/objects/")
    async def post_objects(request: Request, api_root: str, collection_id: str) -> Response:
        _root(api_root)
        check_content_type(request.headers.get("content-type"))
        body = await request.body()
        from starlette.concurrency import run_in_threadpool

        def work() -> dict[str, Any]:
            who = _who(request)
            spec = cols.find(collection_id, who)
            if not cols.can_write(spec, who):
                raise TaxiiError(403, "Forbidden", f"you may not add to {spec.alias!r}")
            return add_objects(_engine(request), who, spec, body)

        return taxii_json(await run_in_threadpool(work), status=202)

    @router.get("/taxii2/{api_root}/collections/{collection_id}/objects/{object_id}/")
    def get_object(request: Request, api_root: str, collection_id: str,
                   object_id: str) -> Response:
        who, _ = _readable(request, api_root, collection_id)
        f = parse_filters(request.query_params, who, allow=("version", "spec_version"))
        return _objects_response(request, who, f, object_id)

    @router.delete("/taxii2/{api_root}/collections/{collection_id}/objects/{object_id}/")
    def delete_object(request: Request, api_root: str, collection_id: str,
                      object_id: str) -> Response:
        _root(api_root)
        who = _who(request)
        spec = cols.find(collection_id, who)
        if not cols.can_delete(who) or not cols.can_read(spec, who):
            raise TaxiiError(403, "Forbidden", "only this agency's users with a deleting role "
                             "may delete objects")
        f = parse_filters(request.query_params, who, default_version="all",
                          allow=("version", "spec_version"))
        with _engine(request).begin() as conn:
            gone = conn.execute(
                delete(StixObject).where(delete_condition(object_id, f))
                .returning(StixObject.version)
            ).scalars().all()
            if not gone:
                raise TaxiiError(404, "Object not found", f"no object {object_id!r} matches")
            record_now(conn, status_store.principal_key(who), "taxii.delete", "stix",
                       object_id, versions=sorted(gone))
        return Response(status_code=200, media_type=TAXII_MEDIA)

    @router.get("/taxii2/{api_root}/collections/{collection_id}/objects/{object_id}/versions/")
    def versions(request: Request, api_root: str, collection_id: str,
                 object_id: str) -> Response:
        who, _ = _readable(request, api_root, collection_id)
        f = parse_filters(request.query_params, who, default_version="all",
                          allow=("spec_version",))
        with _engine(request).connect() as conn:
            rows = run_page(conn, _MANIFEST_COLS, who, f, object_id)
            if not rows:
                _missing_unless_visible(conn, who, object_id)
                return taxii_json({"more": False})  # filters left no version: empty resource
            rows, more, nxt = _page(rows, f, who)
            rows = _listed(conn, who, rows)
            if not rows:  # every version withheld: "not there", as for GET objects/{id}/
                _missing_unless_visible(conn, who, object_id)
                return taxii_json({"more": more, "next": nxt} if nxt else {"more": False})
        out: dict[str, Any] = {"more": more}
        if nxt:
            out["next"] = nxt
        out["versions"] = [r.version or format_timestamp(r.added_at) for r in rows]
        return taxii_json(out, headers=_page_headers(rows[0].added_at, rows[-1].added_at))

    @router.api_route("/taxii2/{rest:path}", methods=["GET", "POST", "DELETE", "PUT", "PATCH"],
                      include_in_schema=False)
    def not_found(rest: str) -> Response:
        raise TaxiiError(404, "Not found", f"no TAXII endpoint at /taxii2/{rest}")

    return router
