"""The ingest writer: batched, dialect-aware writes inside one transaction per input file.

It lives in ``ingest/`` because only ingest (and what arrives like ingest:
TAXII adds and sync pulls) writes reports and STIX objects; ``store.writer``
still names it for older callers.

SQLite takes the rows through the driver's ``executemany`` and PostgreSQL
through ``COPY`` into a temporary table, because ORM inserts are an order of
magnitude too slow for a 25,000-object bundle. Both use "insert, ignore
conflicts" so re-ingesting the same content writes nothing.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Float, Integer, String, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tearline import settings
from tearline.errors import IngestError, StoreError
from tearline.ingest.drafts import ReportDraft, SourceDraft
from tearline.ingest.stix import StixRow
from tearline.security.audit import AuditTrail, lock_chain
from tearline.security.content import restore_if_tampered, seal, seal_stix
from tearline.store.rows import insert_ignore
from tearline.store.schema import Base, Report, ReportProtected, Source, StixObject

_TICK = timedelta(microseconds=1)
_CHUNK = 500  # ids per IN (...) lookup, under every backend's parameter limit
_STIX_COLS = ("id", "version", "type", "spec_version", "content_hash", "added_seq", "added_at",
              "json", "tlp", "rel_to", "classification", "compartments", "sender",
              "version_key", "has_newer", "refs", "plain")


def bulk_insert(conn: Connection, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert plain rows through the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    For the bulk rows fusion derives (a million mentions at 100,000 articles),
    where SQLAlchemy's per-row bind processing cost more than the database.
    JSON columns are encoded once with orjson (SQLAlchemy decodes them alike on
    read); only text, numbers, None and JSON values are taken — a column of
    another type is refused, because its stored form would be the driver's,
    not the ORM type's. Rows must all have the first row's columns.
    """
    if not rows:
        return 0
    table = model.__table__
    cols = list(rows[0])
    unknown = set(cols) - set(table.columns.keys())
    if unknown:
        raise StoreError(f"{model.__name__} has no column(s) {sorted(unknown)}")
    as_json = [isinstance(table.columns[c].type, JSON) for c in cols]
    for c in cols:
        kind = table.columns[c].type
        if not isinstance(kind, JSON | String | Integer | Float):
            raise StoreError(f"bulk_insert takes text, numbers and JSON; {model.__name__}.{c} "
                             f"is {kind!r}: write it with store.rows.insert_rows")
    tuples = _row_values(rows, cols, [i for i, j in enumerate(as_json) if j])
    names = ",".join(f'"{c}"' for c in cols)
    name = model.__tablename__
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
            for t in tuples:
                copy.write_row(t)
        return len(tuples)
    cur = raw.cursor()
    marks = ",".join("?" * len(cols))
    cur.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", tuples)
    return len(tuples)


def _row_values(rows: Sequence[Mapping[str, Any]], cols: list[str],
                json_at: list[int]) -> list[list[Any]]:
    """Each row's values in ``cols`` order, JSON columns (positions ``json_at``) encoded.

    One ``itemgetter`` per row and a loop over the JSON positions only: the
    per-cell generator this replaced cost more than SQLite's ``executemany``
    for fusion's mention rows (over 150,000 at 10,000 articles).
    """
    get = operator.itemgetter(*cols)
    dumps, opts = orjson.dumps, orjson.OPT_NON_STR_KEYS
    out: list[list[Any]] = []
    for r in rows:
        values = list(get(r)) if len(cols) > 1 else [get(r)]
        for i in json_at:
            v = values[i]
            if v is not None:
                values[i] = dumps(v, option=opts).decode()
        out.append(values)
    return out


def _insert_ignore_ids(conn: Connection, model: type[Base],
                       rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """INSERT ... ON CONFLICT DO NOTHING for many rows; the primary keys it stored.

    ``store.rows.insert_ignore`` only counts; the batched report write needs
    to know which of the batch were new, to audit exactly those.
    """
    if not rows:
        return set()
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    table: Any = model.__table__
    pk = next(iter(table.primary_key.columns))
    stmt = ins(table).on_conflict_do_nothing().returning(pk)
    return {str(r[0]) for r in conn.execute(stmt, [dict(r) for r in rows])}


def _sqlite_stamps(start: datetime, n: int) -> list[str]:
    """``n`` times one microsecond apart from ``start``, in the ORM type's SQLite text form.

    What ``UTCDateTime`` would store ("YYYY-MM-DD HH:MM:SS.ffffff", UTC), made
    without a datetime sum and a ``strftime`` per row: the seconds are
    formatted once and only the microseconds counted on.
    """
    out: list[str] = []
    at = start.astimezone(UTC)
    while len(out) < n:
        head = at.strftime("%Y-%m-%d %H:%M:%S.")
        first = at.microsecond
        last = min(1_000_000, first + n - len(out))
        out.extend([f"{head}{us:06d}" for us in range(first, last)])
        at = at.replace(microsecond=0) + timedelta(seconds=1)
    return out


class Writer:
    """Everything one input file writes, committed or rolled back together."""

    def __init__(self, conn: Connection, actor: str, file_label: str) -> None:
        self.conn = conn
        self.actor = actor
        self.file_label = file_label
        self.now = datetime.now(UTC)
        self.audit = AuditTrail()
        self.notes: list[str] = []
        self._sources: dict[str, str | None] = {}
        self._noted: set[str] = set()  # sources whose stored grade was compared
        self._next_seq: int | None = None
        self._next_at = self.now
        self._stix_locked = False
        #: Ids ``stored_hashes`` found with no version at all, under the STIX lock, and
        #: not written since: their new rows cannot supersede or be superseded.
        self._absent: set[str] = set()

    # -- sources and reports -------------------------------------------------
    def _load_sources(self, sources: Sequence[SourceDraft]) -> set[str]:
        """Look up (and create) the batch's unseen sources in a few statements.

        Returns the ids created here, so the caller can audit each creation at
        the point the one-by-one loop did: just before the first report that
        names the source.
        """
        unseen: dict[str, SourceDraft] = {}
        for src in sources:
            if src.id not in self._sources:
                unseen.setdefault(src.id, src)
        if not unseen:
            return set()
        ids = list(unseen)
        stored: dict[str, str] = {}
        for i in range(0, len(ids), _CHUNK):
            for sid, grade in self.conn.execute(
                select(Source.id, Source.reliability).where(Source.id.in_(ids[i:i + _CHUNK]))
            ):
                stored[sid] = grade
        created = [sid for sid in ids if sid not in stored]
        insert_ignore(self.conn, Source, [{
            "id": sid, "name": unseen[sid].name, "kind": unseen[sid].kind,
            "agency": unseen[sid].agency, "reliability": unseen[sid].reliability,
            "created_at": self.now,
        } for sid in created])
        for sid in ids:
            self._sources[sid] = stored.get(sid)
        return set(created)

    def add_reports(self, drafts: Sequence[ReportDraft]) -> tuple[int, int]:
        """Store fragments (and their protected fields apart); returns (new, unchanged).

        Batched (issue 10: one INSERT per report made ingest slower than
        fusion): sources, reports and protected fields go in a few statements
        per batch, then the audit entries and notes are recorded in the order
        the one-by-one loop gave them, so the chain reads the same.
        """
        new = 0
        for i in range(0, len(drafts), settings.WRITE_BATCH):
            new += self._add_batch(drafts[i:i + settings.WRITE_BATCH])
        return new, len(drafts) - new

    def _add_batch(self, drafts: Sequence[ReportDraft]) -> int:
        created = self._load_sources([d.source for d in drafts])
        ids = [d.report_id() for d in drafts]
        rows: dict[str, dict[str, Any]] = {}
        for d, rid in zip(drafts, ids, strict=True):
            rows.setdefault(rid, {
                "id": rid, "content_hash": d.content_hash(), "category": d.category,
                "external_id": d.external_id, "title": d.title, "body": d.body,
                "language": d.language, "reported_at": d.reported_at,
                "received_at": d.received_at or d.reported_at or self.now,
                "originator": d.originator, "source_id": d.source.id,
                "credibility": d.credibility, "classification": d.classification,
                "tlp": d.tlp, "releasability": d.releasability, "caveats": d.caveats,
                "outlet": d.outlet, "url": d.url, "byline": d.byline,
                "in_reply_to": d.in_reply_to, "deadline": d.deadline, "tags": d.tags,
                "stix_id": d.stix_id, "ingest_file": self.file_label, "ingested_at": self.now,
            })
        inserted = _insert_ignore_ids(self.conn, Report, list(rows.values()))
        # A repeated id in the batch is stored once, by its first draft, as before.
        first = {rid: k for k, rid in reversed(list(enumerate(ids)))}
        fresh = [k for k, rid in enumerate(ids) if rid in inserted and first[rid] == k]
        # One statement per set of protected fields given (a multi-row INSERT
        # needs every row to name the same columns).
        protected: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for k in fresh:
            if drafts[k].protected:
                protected.setdefault(tuple(sorted(drafts[k].protected)), []).append(
                    {"report_id": ids[k], **drafts[k].protected})
        for group in protected.values():
            insert_ignore(self.conn, ReportProtected, group)
        known = self._stored_texts([rid for k, rid in enumerate(ids)
                                    if k not in set(fresh) and not drafts[k].stix_id])
        fresh_set = set(fresh)
        for k, (d, rid) in enumerate(zip(drafts, ids, strict=True)):
            src = d.source
            if src.id in created:
                created.discard(src.id)
                self.audit.record(self.actor, "source.create", "source", src.id,
                                  reliability=src.reliability)
            elif src.id not in self._noted:
                self._noted.add(src.id)
                stored = self._sources[src.id]
                if stored is not None and stored != src.reliability:
                    self.notes.append(
                        f"source {src.id!r} is graded {src.reliability} here but stored as "
                        f"{stored}; kept the stored grade (a regrade is a recorded decision)"
                    )
            if k in fresh_set:
                self.audit.record(self.actor, "report.create", "report", rid,
                                  file=self.file_label, tlp=d.tlp, sha256=seal(d.title, d.body))
            elif not d.stix_id and known.get(rid) != (d.title, d.body):
                note = restore_if_tampered(self.conn, rid, d.title, d.body, self.actor,
                                           self.file_label)
                if note:
                    self.notes.append(note)
                    known[rid] = (d.title, d.body)
        return len(fresh)

    def _stored_texts(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Stored (title, body) of reports already there, to find altered ones in bulk."""
        want = list(dict.fromkeys(ids))
        out: dict[str, tuple[str, str]] = {}
        for i in range(0, len(want), _CHUNK):
            for rid, title, body in self.conn.execute(
                select(Report.id, Report.title, Report.body)
                .where(Report.id.in_(want[i:i + _CHUNK]))
            ):
                out[rid] = (title, body)
        return out

    # -- STIX objects --------------------------------------------------------
    def stored_hashes(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The stored content hash of each of these (id, version) that is stored.

        Read under the STIX write lock, so the answer holds until commit: no
        other writer can add a version of these ids meanwhile. Ids with no
        stored version at all are remembered, which spares ``add_stix`` the
        has_newer update for their new rows (a TAXII add is mostly such ids).
        """
        self.lock_stix()
        wanted = set(keys)
        ids = sorted({oid for oid, _ in keys})
        found: dict[tuple[str, str], str] = {}
        held: set[str] = set()
        for oid, version, h in self._versions_of(ids):
            held.add(oid)
            if (oid, version) in wanted:
                found[(oid, version)] = h
        self._absent.update(oid for oid in ids if oid not in held)
        return found

    def _versions_of(self, ids: list[str]) -> Iterable[Sequence[Any]]:
        """(id, version, content_hash) of every stored version of ``ids``.

        By id alone (the primary key's prefix), the wanted versions kept in
        Python: a row-value IN is several times slower.
        """
        if not ids:
            return []
        among, value = self._among(ids)
        return self.conn.exec_driver_sql(
            f"SELECT id, version, content_hash FROM stix_objects WHERE {among}", value)

    def _among(self, ids: list[str]) -> tuple[str, Any]:
        """``id`` among ``ids`` as one array parameter: the condition and its bound value.

        One JSON array on SQLite, one array on PostgreSQL: an expanding IN of 900
        ids cost more to render and bind than to run.
        """
        if self.conn.dialect.name == "postgresql":
            return "id = ANY(%(ids)s)", {"ids": ids}
        return "id IN (SELECT value FROM json_each(?))", (orjson.dumps(ids).decode(),)

    def add_stix(self, rows: Sequence[StixRow]) -> tuple[int, int]:
        """Store a batch of checked objects; same (id, version) with other content is refused."""
        if not rows:
            return 0, 0
        if self._next_seq is None:
            self.lock_stix()
            seq_max, at_max = self.conn.execute(
                select(func.max(StixObject.added_seq), func.max(StixObject.added_at))
            ).one()
            self._next_seq = (seq_max or 0) + 1
            self._next_at = max(self.now, at_max + _TICK) if at_max else self.now
        seq0, at0 = self._next_seq, self._next_at
        self._next_seq += len(rows)
        self._next_at = at0 + _TICK * len(rows)
        # Each object gets its own added_at, one microsecond apart and after
        # everything stored, so TAXII date_added is strictly increasing and a
        # client resuming from a date_added never skips a tie.
        if self.conn.dialect.name == "postgresql":
            inserted = self._copy_pg(self._stix_tuples(rows, seq0, [
                at0 + _TICK * i for i in range(len(rows))], (False, True)))
        else:
            inserted = self._executemany_sqlite(self._stix_tuples(
                rows, seq0, _sqlite_stamps(at0, len(rows)), (0, 1)))
        if inserted < len(rows):
            self._check_conflicts(rows)
        recheck = self._may_be_versions(rows)
        if inserted and recheck:
            self._mark_superseded(recheck)
        if inserted:  # seals kept apart from the rows (security.content)
            seal_stix(self.conn, self.audit, self.actor,
                      [(r.id, r.version, r.json) for r in rows],
                      all_new=inserted == len(rows))
        return inserted, len(rows) - inserted

    @staticmethod
    def _stix_tuples(rows: Sequence[StixRow], seq0: int, stamps: Sequence[Any],
                     flags: tuple[Any, Any]) -> list[tuple[Any, ...]]:
        """The ``_STIX_COLS`` values of each row, its ``added_at`` taken from ``stamps``.

        ``flags`` is how the driver is given false and true: SQLite gets 0 and 1,
        which it stores for a bool anyway, because pysqlite looks for an adapter
        for every ``bool`` it binds, and that cost more than binding the row's JSON.
        """
        no, yes = flags
        return [
            (r.id, r.version, r.type, r.spec_version, r.content_hash, seq0 + i, at, r.json,
             r.tlp, r.rel_to, r.classification, r.compartments, r.sender, r.version_key,
             no, r.refs, yes if r.plain else no)
            for i, (r, at) in enumerate(zip(rows, stamps, strict=True))
        ]

    def _may_be_versions(self, rows: Sequence[StixRow]) -> list[str]:
        """The ids of ``rows`` whose has_newer flags a write may have changed, sorted.

        All of them but those ``stored_hashes`` found absent that occur once here;
        every id written is then no longer absent.
        """
        counts = Counter(r.id for r in rows)
        absent = self._absent
        out = sorted(oid for oid, n in counts.items() if n > 1 or oid not in absent)
        absent.difference_update(counts)
        return out

    def lock_stix(self) -> None:
        """Hold the STIX write lock until commit, so date_added order is commit order.

        Without it two writers read the same maximum, interleave their
        ``added_at`` ranges and commit in either order: a reader that has
        passed a date_added then misses rows that become visible later with an
        earlier one (issue 9, finding 8). PostgreSQL takes a transaction-level
        advisory lock; SQLite takes its one write lock now by starting a write.
        Taken once per writer, before its first look-up or write of STIX rows.
        """
        if self._stix_locked:
            return
        self._stix_locked = True
        if self.conn.dialect.name == "postgresql":
            # Keyed by schema, like the unit of work's lock: databases sharing one
            # server (schemas of their own) must not wait on each other's writes.
            # The audit chain's lock is taken first, always: a transaction that
            # audits and then stores STIX (a delivery, a release) and a plain add
            # (which stores, then audits) would otherwise take the two in opposite
            # orders and deadlock. Both are transaction locks, so re-taking the
            # chain lock later in the same transaction is free.
            lock_chain(self.conn)
            self.conn.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(7340099, hashtext(current_schema()))")
        else:
            self.conn.exec_driver_sql("DELETE FROM stix_objects WHERE 1 = 0")

    def _mark_superseded(self, ids: list[str]) -> None:
        """Set ``has_newer`` on every version of these ids that a newer one now follows.

        TAXII's default ``match[version]=last`` then skips its per-row "is there a
        newer version?" lookup for rows without the flag (``web.taxii._query``). New
        rows go in with the flag clear and this fixes both directions: older versions
        already stored, and a stored-late version older than one already held. It runs
        under the STIX write lock (``lock_stix``), so no concurrent add can slip a
        newer version in unseen; a flag left set after a DELETE only costs the lookup.
        """
        newer = ("EXISTS (SELECT 1 FROM stix_objects AS n WHERE n.id = stix_objects.id "
                 "AND n.version_key > stix_objects.version_key)")
        among, value = self._among(ids)
        # TRUE is 1 to SQLite (3.23 and later) and a boolean to PostgreSQL.
        self.conn.exec_driver_sql(
            f"UPDATE stix_objects SET has_newer = TRUE WHERE {among} AND NOT has_newer "
            f"AND {newer}", value)

    def _executemany_sqlite(self, tuples: list[tuple[Any, ...]]) -> int:
        raw = self.conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        placeholders = ",".join("?" * len(_STIX_COLS))
        cur.executemany(
            f"INSERT INTO stix_objects ({','.join(_STIX_COLS)}) VALUES ({placeholders}) "
            "ON CONFLICT DO NOTHING",
            tuples,
        )
        return int(cur.rowcount)

    def _copy_pg(self, tuples: list[tuple[Any, ...]]) -> int:
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS _stix_in "
                "(LIKE stix_objects INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            cur.execute("TRUNCATE _stix_in")
            with cur.copy(f"COPY _stix_in ({','.join(_STIX_COLS)}) FROM STDIN") as copy:
                for t in tuples:
                    copy.write_row(t)
            cur.execute(
                f"INSERT INTO stix_objects ({','.join(_STIX_COLS)}) "
                f"SELECT {','.join(_STIX_COLS)} FROM _stix_in ON CONFLICT DO NOTHING"
            )
            return int(cur.rowcount)

    def _check_conflicts(self, rows: Sequence[StixRow]) -> None:
        want = {(r.id, r.version): r.content_hash for r in rows}
        keys = list(want)
        for i in range(0, len(keys), 400):
            chunk = keys[i:i + 400]
            stored = self.conn.execute(
                select(StixObject.id, StixObject.version, StixObject.content_hash).where(
                    tuple_(StixObject.id, StixObject.version).in_(chunk)
                )
            )
            for oid, version, h in stored:
                if want[(oid, version)] != h:
                    raise IngestError(
                        self.file_label, oid,
                        f"an object with id {oid} and modified {version or '(none)'} is "
                        "already stored with different content; a changed object needs "
                        "a new 'modified' timestamp",
                    )

    def finish(self, summary: dict[str, Any]) -> None:
        self.audit.record(self.actor, "ingest.file", "file", self.file_label, **summary)
        self.audit.flush(self.conn)
