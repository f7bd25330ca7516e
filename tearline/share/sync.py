"""Federation: pull from and push to another agency's TAXII 2.1 server.

Each run is incremental and safe to repeat:

* **Pull.** For every collection the remote lets us read, objects added after
  the remembered ``added_after`` (``sync_state``, per remote API root and
  collection) are fetched page by page (``next`` tokens) and stored through
  the ingest ``Writer`` exactly as sent, markings included. The new
  ``added_after`` — the largest ``X-TAXII-Date-Added-Last`` seen — is saved
  only after the last page, so an interrupted run repeats pages (harmless:
  stored objects are skipped) instead of skipping any.
* **Push.** What the policy lets *that partner* see (``stix_visibility`` for
  its principal, the same condition its own TAXII reads would get) and that is
  new since the last push — added later, or released to it since — goes to
  the remote's writable collection. Only stored STIX objects are sent;
  protected fields live in ``report_protected``, which nothing here reads.

Transient failures (connection errors, 429, 5xx) are retried with exponential
backoff; anything else stops the run with a sentence saying what to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import requests
from sqlalchemy import Connection, Engine, Select, and_, exists, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from tearline.errors import ConfigError, IngestError, SyncError
from tearline.ingest.stix import TLP_MARKINGS, StixRow, check_object
from tearline.ingest.writer import Writer
from tearline.share.definitions import Definitions, partner_definitions, references_of, resolve
from tearline.share.policy import Principal, Tier
from tearline.share.receive import fragments_from_partner
from tearline.share.refs import prune_texts, resolvable_for
from tearline.share.remark import own_identity_id, remark_text, sensitive_for
from tearline.share.stix_export import reference_text
from tearline.share.stix_store import publish_reports, stix_visibility, store_from_partner
from tearline.store.rows import update_rows
from tearline.store.schema import Partner, Release, StixObject, SyncState
from tearline.store.types import UTCDateTime

T = TypeVar("T")
PAGE = 1000
PUSH_BATCH = 500


@dataclass
class SyncOptions:
    """One sync run: which partner, where, with what credentials, which directions."""

    partner: str
    url: str | None = None
    user: str | None = None
    password: str | None = None
    token: str | None = None
    pull: bool = True
    push: bool = True
    retries: int = 4
    backoff: float = 0.5
    #: Called with each ``requests`` response; lets tests record the wire.
    on_response: Callable[[requests.Response], None] | None = None


@dataclass
class SyncResult:
    remote: str
    pulled: dict[str, dict[str, int]] = field(default_factory=dict)
    pushed: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"remote": self.remote, "pulled": self.pulled, "pushed": self.pushed}

    def summary(self) -> str:
        got = sum(c["new"] for c in self.pulled.values())
        sent = sum(c["sent"] for c in self.pushed.values())
        return (f"{self.remote}: pulled {got} new object(s) from {len(self.pulled)} "
                f"collection(s), pushed {sent} object(s) to {len(self.pushed)} collection(s)")


class _BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


class _Remote:
    """The remote API root, with retries and the date-added headers taxii2-client drops."""

    def __init__(self, url: str, opts: SyncOptions, auth: dict[str, Any]) -> None:
        self.opts = opts
        self.partner = opts.partner
        self.last_added: str | None = None
        self.session_auth = auth
        root = self._root(url)
        self.root = root
        self.url = root.url
        session = root._conn.session
        session.hooks["response"].append(self._hook)

    def _hook(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        last = resp.headers.get("X-TAXII-Date-Added-Last")
        if last and (self.last_added is None or _instant(last) > _instant(self.last_added)):
            self.last_added = last
        if self.opts.on_response is not None:
            self.opts.on_response(resp)

    def _root(self, url: str) -> ApiRoot:
        try:
            server = self.call(lambda: Server(url, **self.session_auth), f"discovery at {url}")
            self.call(lambda: server.refresh(), f"discovery at {url}")
            root = server.default or (server.api_roots[0] if server.api_roots else None)
            if root is None:
                raise SyncError(f"{url} lists no API roots")
            return ApiRoot(root.url, conn=server._conn)
        except (SyncError, TAXIIServiceException, requests.HTTPError):
            return ApiRoot(url, **self.session_auth)  # the URL may be the API root itself

    def call(self, fn: Callable[[], T], what: str) -> T:
        delay = self.opts.backoff
        for attempt in range(self.opts.retries + 1):
            try:
                return fn()
            except requests.HTTPError as exc:
                code = exc.response.status_code if exc.response is not None else 0
                if code not in (429, 500, 502, 503, 504) or attempt == self.opts.retries:
                    raise SyncError(f"{what}: the remote answered HTTP {code}") from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.opts.retries:
                    raise SyncError(f"{what}: {exc.__class__.__name__} after "
                                    f"{attempt + 1} attempts") from exc
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")


def _auth_for(conn: Connection, opts: SyncOptions) -> dict[str, Any]:
    if opts.token:
        return {"auth": _BearerAuth(opts.token)}
    if opts.user and opts.password:
        return {"user": opts.user, "password": opts.password}
    from tearline.share.partners import outbound_credentials

    found = outbound_credentials(conn, opts.partner)
    if found is None:
        raise ConfigError(f"no credentials for {opts.partner}'s TAXII server: pass --user and "
                          "--password (or --token), or record outbound credentials on the "
                          "partner")
    return {"user": found[0], "password": found[1]}


def _instant(stamp: str) -> datetime:
    """A date-added header as a time: servers differ in how many digits they send."""
    from tearline.ingest.stix import version_key

    return datetime.fromisoformat(version_key(stamp)[:26]).replace(tzinfo=UTC)


# -- state -------------------------------------------------------------------------
def _state(conn: Connection, remote: str, key: str) -> str | None:
    return conn.execute(select(SyncState.added_after).where(
        SyncState.remote == remote, SyncState.collection == key)).scalar()


def _save_state(conn: Connection, remote: str, key: str, value: str) -> None:
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    row = {"remote": remote, "collection": key, "added_after": value,
           "updated_at": datetime.now(UTC)}
    conn.execute(ins(SyncState).values(**row).on_conflict_do_update(
        index_elements=["remote", "collection"],
        set_={"added_after": value, "updated_at": row["updated_at"]}))


# -- pull --------------------------------------------------------------------------
def _pull_one(engine: Engine, remote: _Remote, col: Collection, actor: str) -> dict[str, int]:
    with engine.connect() as conn:
        since = _state(conn, remote.url, col.id)
    remote.last_added = None
    pages: Iterator[dict[str, Any]] = as_pages(
        col.get_objects, per_request=PAGE, **({"added_after": since} if since else {}))
    counts = {"new": 0, "unchanged": 0, "rejected": 0}
    label = f"taxii-pull:{remote.url}collections/{col.id}/"
    while True:
        page = remote.call(lambda: next(pages, None), f"get objects from {col.id}")
        if page is None:
            break
        rows: list[StixRow] = []
        for i, obj in enumerate(page.get("objects", [])):
            try:
                rows.append(check_object(obj, f"objects[{i}]", label))
            except IngestError:
                counts["rejected"] += 1
                continue
        with engine.begin() as conn:
            writer = Writer(conn, actor, label)
            # The partner's objects are its assertions, and its reports our fragments
            # with it as originator (issue 9, findings 5 and 9).
            outcome = store_from_partner(writer, rows, f"partner:{remote.partner}")
            fragments_from_partner(writer, outcome.new, remote.partner)
            writer.finish({"kind": "taxii-pull", "new": len(outcome.new),
                           "unchanged": len(outcome.unchanged)})
        counts["new"] += len(outcome.new)
        counts["unchanged"] += len(outcome.unchanged) + len(outcome.conflicts)
    if remote.last_added:
        with engine.begin() as conn:
            _save_state(conn, remote.url, col.id, remote.last_added)
    return counts


# -- push --------------------------------------------------------------------------
def push_query(who: Principal, cursor: str | None,
               last_run: datetime | None) -> Select[str, datetime, int]:
    """What a push sends ``who``: what it may see, new since ``cursor`` or released since.

    ``cursor`` is the saved "added_at|added_seq" of the last row pushed (None on
    a first run). Kept apart from the sending so the read-path property test
    checks exactly the rows a push would send.
    """
    q = select(StixObject.json, StixObject.added_at, StixObject.added_seq).where(
        stix_visibility(who))
    if cursor:
        at_text, _, seq = cursor.partition("|")
        at = datetime.fromisoformat(at_text)
        newer = tuple_(StixObject.added_at, StixObject.added_seq) > tuple_(
            _typed(at), _typed_int(int(seq)))
        released_since = exists().where(
            Release.object_id == StixObject.id, Release.partner_code == who.id,
            Release.revoked_at.is_(None), Release.at >= last_run)
        q = q.where(or_(newer, released_since) if last_run else newer)
    return q.order_by(StixObject.added_at, StixObject.added_seq)


def push_batch(conn: Connection, who: Principal, defs: Definitions, texts: Sequence[str],
               withheld: dict[str, dict[str, str]] | None = None) -> list[str | None]:
    """What a push sends ``who`` for these stored texts (None: withheld).

    Each is re-marked for the partner (finding 4) with its markings resolvable
    there (``definitions``, the dropped ones into ``withheld``), then no
    reference to an object the partner may not see is left (``refs``, finding
    10; one query for the batch). The read-path property test calls it on
    ``push_query``'s rows, so it checks what a push really sends.
    """
    out: list[str] = []
    for text in texts:
        sens = None
        head = orjson.loads(text)
        if head.get("type") == "report":  # its prose gets the sanitizer's guard
            oid = str(head.get("id"))
            sens = sensitive_for(conn, [oid]).get(oid)
        res = resolve(remark_text(text, who.id, sens), who.id, defs)
        if res.dropped and withheld is not None:
            withheld[str(head.get("id"))] = res.dropped
        out.append(res.text)
    return prune_texts(conn, who, out, resolvable_for(who, defs.allowed))


def _push_one(engine: Engine, remote: _Remote, col: Collection,
              who: Principal) -> dict[str, int]:
    key = f"push:{col.id}"
    started = datetime.now(UTC)
    with engine.connect() as conn:
        cursor = _state(conn, remote.url, key)
        last_run = conn.execute(select(SyncState.updated_at).where(
            SyncState.remote == remote.url, SyncState.collection == key)).scalar()
    q = push_query(who, cursor, last_run)
    sent = failed = refs_sent = 0
    last: tuple[datetime, int] | None = None

    def save() -> None:
        # After each batch the remote confirmed: rows come in mark order, so every
        # row up to ``last`` (released-since ones included) has been sent, and a
        # run killed later resumes after it instead of from the start. The run's
        # start time is the "released since" point, as at the end of a full run.
        with engine.begin() as conn:
            value = f"{last[0].isoformat()}|{last[1]}" if last else (cursor or "")
            _save_state(conn, remote.url, key, value)
            update_rows(conn, SyncState, and_(SyncState.remote == remote.url,
                                              SyncState.collection == key), updated_at=started)

    withheld: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        defs = partner_definitions(conn, who)
        shipped: set[str] = set()  # ids the remote was sent in this run
        batch: list[str] = []
        wanted: set[str] = set()

        def flush() -> None:
            nonlocal sent, failed, refs_sent, batch, wanted
            refs = [t for r in sorted(wanted - shipped)
                    if (t := _reference(conn, r, defs)) is not None]
            if refs:  # what the batch points at goes first: no dangling reference
                refs_sent += _send(remote, col, refs)[0]
            shipped.update(wanted)
            s, f = _send(remote, col, batch)
            sent, failed, batch, wanted = sent + s, failed + f, [], set()

        result = conn.execute(q.execution_options(yield_per=PUSH_BATCH))
        for part in result.partitions(PUSH_BATCH):
            outgoing = push_batch(conn, who, defs, [str(row[0]) for row in part], withheld)
            for row, out in zip(part, outgoing, strict=True):
                mark = (row[1], int(row[2]))
                last = mark if last is None or mark > last else last
                if out is None:
                    continue
                obj = orjson.loads(out)
                batch.append(out)
                wanted |= references_of(obj)
                shipped.add(str(obj.get("id")))
                if len(batch) >= PUSH_BATCH:
                    flush()
                    save()
        if batch:
            flush()
    save()
    if withheld:
        with engine.begin() as conn:
            from tearline.security.audit import record_now

            record_now(conn, f"sync:{who.id}", "sync.markings_withheld", "partner", who.id,
                       markings_withheld=withheld)
    return {"sent": sent, "failed": failed, "references": refs_sent}


def _reference(conn: Connection, ref: str, defs: Definitions) -> str | None:
    """What a pushed object references, as the remote should hold it.

    Our own identity and TLP definitions as stored, if they are, so a later
    push never sends the same id with other content; else as built.
    """
    if ref in TLP_MARKINGS or ref == own_identity_id():
        stored = conn.execute(select(StixObject.json).where(StixObject.id == ref)
                              .order_by(StixObject.version_key.desc()).limit(1)).scalar()
        if stored is not None:
            return str(stored)
    return reference_text(ref, defs.allowed)


def _typed(at: datetime) -> Any:
    from sqlalchemy import literal

    return literal(at, UTCDateTime())


def _typed_int(n: int) -> Any:
    from sqlalchemy import literal

    return literal(n)


def _send(remote: _Remote, col: Collection, texts: list[str]) -> tuple[int, int]:
    body = b'{"objects":[' + b",".join(t.encode() for t in texts) + b"]}"
    status = remote.call(lambda: col.add_objects(body.decode(), wait_for_completion=True,
                                                 poll_interval=0.2),
                         f"add objects to {col.id}")
    return int(status.success_count or 0), int(status.failure_count or 0)


# -- entry point --------------------------------------------------------------------
def run_sync(engine: Engine, opts: SyncOptions) -> SyncResult:
    """Pull then push with one partner's TAXII server; see the module docstring."""
    with engine.connect() as conn:
        partner = conn.execute(select(Partner.code, Partner.tier, Partner.taxii_url)
                               .where(Partner.code == opts.partner)).first()
        if partner is None:
            raise ConfigError(f"no partner with code {opts.partner!r}; add it first "
                              "(`tearline partners add`)")
        url = opts.url or partner.taxii_url
        if not url:
            raise ConfigError(f"partner {opts.partner} has no TAXII URL: pass --url")
        auth = _auth_for(conn, opts)
    remote = _Remote(url, opts, auth)
    result = SyncResult(remote.url)
    collections = remote.call(lambda: list(remote.root.collections), "list collections")
    actor = f"sync:{opts.partner}"
    if opts.pull:
        for col in collections:
            if col.can_read:
                result.pulled[col.id] = _pull_one(engine, remote, col, actor)
    if opts.push:
        publish_reports(engine, actor)  # native reports get their STIX form first
        who = Principal.partner(partner.code, Tier(partner.tier))
        for col in collections:
            if col.can_write:
                result.pushed[col.id] = _push_one(engine, remote, col, who)
    body = orjson.dumps(result.to_dict()).decode()
    with engine.begin() as conn:
        from tearline.security.audit import record_now

        record_now(conn, actor, "sync.run", "partner", opts.partner, result=body[:2000])
    return result
