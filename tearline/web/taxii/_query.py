"""TAXII filters and pagination as one SQL query per page.

Every read (objects, manifest, one object, versions) is the same shape:
the policy's SQL condition for the caller, the TAXII ``match[...]`` and
``added_after`` filters, then a keyset page ordered by ``(added_at,
added_seq)`` — the time the object was added here, with the insertion
sequence breaking ties, so the order is strict and a ``next`` token is the
position of the last row returned, sealed for the caller (``_tokens``). One
extra row is fetched to know whether there is ``more``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from tearline.ingest.stix import version_key
from tearline.share.policy import Principal
from tearline.share.releases import has_live_release, visible_stix_filter
from tearline.store.db import driver_rows
from tearline.store.schema import StixObject
from tearline.store.types import UTCDateTime

from ._media import TaxiiError
from ._tokens import bad_token, open_token, seal

#: Largest page a client may ask for; bigger ``limit`` values are cut to this.
MAX_PAGE = 1000
#: Page size when the client names none.
DEFAULT_PAGE = 1000
_KEYWORDS = ("first", "last", "all")
_STIX_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@dataclass(frozen=True, slots=True)
class Filters:
    """The parsed query string of one TAXII read."""

    added_after: datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    limit: int = DEFAULT_PAGE
    #: The keyset position a ``next`` token stood for: (added_at, added_seq).
    after: tuple[datetime, int] | None = None


def parse_timestamp(value: str, name: str) -> datetime:
    """An RFC 3339 timestamp from a query parameter (400 naming the parameter if not)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    head, dot, frac = text.partition(".")
    if dot:  # Python wants at most six fractional digits
        digits = "".join(ch for ch in frac if ch.isdigit())
        rest = frac[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    try:
        dt = datetime.fromisoformat(text)
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise TaxiiError(400, "Bad filter", f"{name}={value!r} is not an RFC 3339 timestamp "
                         "between years 0001 and 9999, such as 2025-03-07T09:30:00.000Z") \
            from exc


def _stix_timestamp(value: str, name: str) -> str:
    """A ``match[version]`` timestamp as STIX writes them: UTC, ending in Z (400 if not)."""
    text = value.strip()
    if not _STIX_TS_RE.match(text):
        raise TaxiiError(400, "Bad filter", f"{name}={value!r} is not a STIX timestamp: "
                         "versions are UTC and end in Z, such as 2025-03-07T09:30:00.000Z")
    parse_timestamp(text, name)
    return text


def format_timestamp(dt: datetime) -> str:
    """TAXII timestamps: UTC with microseconds, so a client can hand them back exactly."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _split(params: Mapping[str, str], key: str) -> tuple[str, ...]:
    raw = params.get(key)
    if raw is None:
        return ()
    return tuple(v.strip() for v in raw.split(",") if v.strip())


def encode_next(who: Principal, at: datetime, seq: int) -> str:
    """A ``next`` token for the position after (``at``, ``seq``), sealed for ``who``."""
    return seal(who, at, seq)


def parse_filters(params: Mapping[str, str], who: Principal | None = None, *,
                  default_version: str = "last",
                  allow: Sequence[str] = ("id", "type", "version", "spec_version")) -> Filters:
    """Read ``added_after``, ``match[...]``, ``limit`` and ``next``.

    Unknown ``match[...]`` fields are ignored, as the specification asks of
    servers that do not support a filter. A ``next`` token is opened for
    ``who`` (without a caller, any token is refused).
    """
    added_after = params.get("added_after")
    limit_raw = params.get("limit")
    limit = DEFAULT_PAGE
    if limit_raw not in (None, ""):
        try:
            limit = int(limit_raw)
        except ValueError as exc:
            raise TaxiiError(400, "Bad limit", f"limit={limit_raw!r} is not a whole number") \
                from exc
        if limit < 1:
            raise TaxiiError(400, "Bad limit", f"limit must be at least 1, got {limit}")
    versions = _split(params, "match[version]") if "version" in allow else ()
    versions = tuple(v if v in _KEYWORDS else _stix_timestamp(v, "match[version]")
                     for v in versions)
    token = params.get("next")
    return Filters(
        added_after=parse_timestamp(added_after, "added_after") if added_after else None,
        ids=_split(params, "match[id]") if "id" in allow else (),
        types=_split(params, "match[type]") if "type" in allow else (),
        versions=versions or (default_version,),
        spec_versions=_split(params, "match[spec_version]") if "spec_version" in allow else (),
        limit=min(limit, MAX_PAGE),
        after=_open_next(who, token) if token else None,
    )


def _open_next(who: Principal | None, token: str) -> tuple[datetime, int]:
    if who is None:
        raise bad_token()
    return open_token(who, token)


def _version_forms(value: str) -> list[str]:
    """``value`` as a sortable version key (``ingest.stix.version_key``): any spelling matches."""
    return [version_key(value)]


def _version_condition(versions: tuple[str, ...], who: Principal | None = None,
                       stamps: Any = None, any_release: bool = True) -> ColumnElement[bool] | None:
    """``first``/``last``/timestamps, compared as times (``version_key``), not as text.

    With a caller, ``first`` and ``last`` are among the versions *it may see*:
    a partner shown v1 but not v2 gets v1 as the latest (finding 10), and the
    answer says nothing about the hidden one. ``stamps`` (a bound parameter)
    stands for the version keys named by timestamp, when they are not in
    ``versions`` themselves.
    """
    if "all" in versions:
        return None
    def seen(alias: Any) -> list[ColumnElement[bool]]:
        return [visible_stix_filter(who, alias, any_release=any_release)] if who else []

    newer, older = aliased(StixObject), aliased(StixObject)
    parts: list[ColumnElement[bool]] = []
    if "last" in versions:
        # ``has_newer`` is clear on a row no newer version follows (``ingest.writer``):
        # most rows, which then need no lookup; set, the lookup decides.
        parts.append(or_(StixObject.has_newer.is_(False),
                         ~exists().where(newer.id == StixObject.id,
                                         newer.version_key > StixObject.version_key,
                                         *seen(newer))))
    if "first" in versions:
        parts.append(~exists().where(older.id == StixObject.id,
                                     older.version_key < StixObject.version_key,
                                     *seen(older)))
    if stamps is None:
        named = [f for v in versions if v not in _KEYWORDS for f in _version_forms(v)]
        stamps = named or None
    if stamps is not None:
        parts.append(StixObject.version_key.in_(stamps))
    return or_(*parts) if parts else None


def page_query(cols: Sequence[Any], who: Principal, f: Filters,
               object_id: str | None = None) -> Select[Any]:
    """One page of the caller's view, filtered; ``limit + 1`` rows to detect ``more``.

    The statement with its values bound; ``run_page`` runs the same statement
    built once per shape, which is what the routes use.
    """
    stmt, params = _shaped(tuple(cols), who, f, object_id, any_release=True)
    return stmt.params(params)


def run_page(conn: Connection, cols: Sequence[Any], who: Principal, f: Filters,
             object_id: str | None = None) -> Sequence[Row[Any]]:
    """The rows of one page (see ``page_query``)."""
    stmt, params = _shaped(tuple(cols), who, f, object_id, has_live_release(conn, who))
    return conn.execute(stmt, params).all()


def run_page_raw(conn: Connection, cols: Sequence[Any], who: Principal, f: Filters,
                 object_id: str | None = None, *,
                 any_release: bool | None = None) -> Sequence[Any]:
    """``run_page`` as the driver's own tuples, for the objects page.

    Building SQLAlchemy rows was a sixth of a 1,000-object page, and the page
    needs no type processing: its columns are text, integers and a flag, and
    ``added_at`` is read raw (``routes._RawStamp``). The driver's cursor is read
    to the end and the result closed here. ``any_release`` is what the caller
    read with ``has_live_release`` for this request (None: read it here).
    """
    if any_release is None:
        any_release = has_live_release(conn, who)
    stmt, params = _shaped(tuple(cols), who, f, object_id, any_release)
    return driver_rows(conn, stmt, params)


def _shaped(cols: tuple[Any, ...], who: Principal, f: Filters, object_id: str | None,
            any_release: bool) -> tuple[Select[Any], dict[str, Any]]:
    """The cached statement for this request's shape, and the values to bind into it.

    ``any_release`` is read for this request (``releases.has_live_release``): a
    partner holding no live release gets the statement without release terms.
    """
    stamps = tuple(k for v in f.versions if v not in _KEYWORDS for k in _version_forms(v))
    keywords = tuple(v for v in f.versions if v in _KEYWORDS)
    shape = (cols, who, object_id is not None, bool(f.ids), bool(f.types),
             bool(f.spec_versions), f.added_after is not None, keywords, bool(stamps),
             f.after is not None, any_release)
    params: dict[str, Any] = {"limit": f.limit + 1}
    if object_id is not None:
        params["object_id"] = object_id
    for name, values in (("ids", f.ids), ("types", f.types),
                         ("spec_versions", f.spec_versions), ("stamps", stamps)):
        if values:
            params[name] = list(values)
    if f.added_after is not None:
        params["added_after"] = f.added_after
    if f.after is not None:
        params["after_at"], params["after_seq"] = f.after
    return _statement(*shape), params


@lru_cache(maxsize=256)
def _statement(cols: tuple[Any, ...], who: Principal, by_id: bool, ids: bool, types: bool,
               spec_versions: bool, added_after: bool, keywords: tuple[str, ...],
               stamps: bool, after: bool, any_release: bool) -> Select[Any]:
    """A page statement with every value a bound parameter, built once per shape.

    Building the policy condition and the version subqueries costs more Python
    than running the query on a warm page, so each (caller, filter shape) gets
    its statement once; SQLAlchemy then reuses its compiled form as well.
    """
    q = select(*cols)
    if after:  # first, and as a range SQLite and PostgreSQL can seek in the (at, seq) index
        at = bindparam("after_at", type_=UTCDateTime())
        q = q.where(StixObject.added_at >= at,
                    or_(StixObject.added_at > at,
                        StixObject.added_seq > bindparam("after_seq", type_=BigInteger())))
    q = q.where(visible_stix_filter(who, any_release=any_release))
    if by_id:
        q = q.where(StixObject.id == bindparam("object_id"))
    if ids:
        q = q.where(StixObject.id.in_(bindparam("ids", expanding=True)))
    if types:
        q = q.where(StixObject.type.in_(bindparam("types", expanding=True)))
    if spec_versions:
        q = q.where(StixObject.spec_version.in_(bindparam("spec_versions", expanding=True)))
    if added_after:
        q = q.where(StixObject.added_at > bindparam("added_after", type_=UTCDateTime()))
    cond = _version_condition(keywords, who,
                              bindparam("stamps", expanding=True) if stamps else None,
                              any_release)
    if cond is not None:
        q = q.where(cond)
    return q.order_by(StixObject.added_at, StixObject.added_seq).limit(bindparam("limit"))


def delete_condition(object_id: str, f: Filters) -> ColumnElement[bool]:
    """Rows a DELETE removes: this id, narrowed by ``match[version]``/``match[spec_version]``."""
    conds: list[ColumnElement[bool]] = [StixObject.id == object_id]
    if f.spec_versions:
        conds.append(StixObject.spec_version.in_(f.spec_versions))
    cond = _version_condition(f.versions)
    if cond is not None:
        conds.append(cond)
    return and_(*conds)
