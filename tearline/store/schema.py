"""The relational schema for the whole chain.

Shaped now for every stage even where behaviour comes later, so migrations
after this one add columns rather than reshape tables. Two rules shape it:

* protected fields (true source identity, collection method) live in
  ``report_protected``, never in ``reports``: code that serializes a report row
  cannot leak what it never loaded;
* decisions and the audit trail are appended, never updated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tearline.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON,
    }


class Source(Base):
    """A releasable source designator with its Admiralty reliability."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # humint|sigint|osint|liaison|internal
    agency: Mapped[str] = mapped_column(String(200), index=True)
    reliability: Mapped[str] = mapped_column(String(1))  # A-F
    created_at: Mapped[datetime]


class Report(Base):
    """One fragment: the releasable body and its markings. Never protected fields."""

    __tablename__ = "reports"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(16), default="report")
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16), default="en")
    reported_at: Mapped[datetime | None] = mapped_column(index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    originator: Mapped[str] = mapped_column(String(200), index=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    credibility: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str] = mapped_column(String(32))
    tlp: Mapped[str] = mapped_column(String(16), index=True)
    releasability: Mapped[list[Any]] = mapped_column(default=list)
    caveats: Mapped[list[Any]] = mapped_column(default=list)
    outlet: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(String(200))
    in_reply_to: Mapped[str | None] = mapped_column(String(200), index=True)
    deadline: Mapped[datetime | None]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    stix_id: Mapped[str | None] = mapped_column(String(80), index=True)
    ingest_file: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[datetime]


class ReportProtected(Base):
    """Source identity and collection method, apart from the releasable body.

    Only the sanitizer may read this table, and only to strip what it holds.
    """

    __tablename__ = "report_protected"
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    source_identity: Mapped[str | None] = mapped_column(Text)
    collection_method: Mapped[str | None] = mapped_column(Text)
    handling_notes: Mapped[str | None] = mapped_column(Text)


class StixObject(Base):
    """A STIX 2.1 object kept byte-faithfully (unknown properties and custom types too).

    Keyed by (id, version) so every version of an object survives; ``version``
    is ``modified`` or, for unversioned objects, ``created`` or empty.
    """

    __tablename__ = "stix_objects"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(80), index=True)
    spec_version: Mapped[str] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(32))
    # Markings lifted out of the JSON at ingest so the sharing policy can filter
    # in SQL: TLP 2.0 level (None = unmarked), "|NRD|ALB|"-style REL TO list.
    tlp: Mapped[str | None] = mapped_column(String(16))
    rel_to: Mapped[str] = mapped_column(String(400), default="")
    classification: Mapped[str | None] = mapped_column(String(32))
    # Need-to-know compartments ("|NTK:A|" form) and who put the object here
    # ("" = this agency, "partner:CODE" = pushed or pulled from that partner);
    # migration 0007_share.
    compartments: Mapped[str] = mapped_column(String(400), default="", server_default="")
    sender: Mapped[str] = mapped_column(String(160), default="", server_default="")
    # ``version`` as fixed-width text that sorts as time does (``ingest.stix.version_key``).
    version_key: Mapped[str] = mapped_column(String(40), default="", server_default="")
    added_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    added_at: Mapped[datetime] = mapped_column(index=True)
    json: Mapped[str] = mapped_column(Text)
    # Read hints, worked out once when the row is stored (``ingest.stix_hints``,
    # ``ingest.writer``; migration 0012_read_hints). Each defaults to the answer
    # that makes a read check for itself: "a newer version may exist", "unknown
    # references", "may need re-marking".
    has_newer: Mapped[bool] = mapped_column(default=True, server_default=true())
    refs: Mapped[str | None] = mapped_column(Text)
    plain: Mapped[bool] = mapped_column(default=False, server_default=false())


class IngestRecord(Base):
    """What each ingest run did with each file: the provenance of every row."""

    __tablename__ = "ingest_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text)
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # new|unchanged|rejected
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class Entity(Base):
    """A resolved thing fragments talk about: actor, person, place, venue type…"""

    __tablename__ = "entities"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="known")  # known|candidate
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Mention(Base):
    """A span of a report's text that refers to an entity or a value."""

    __tablename__ = "mentions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    entity_id: Mapped[str | None] = mapped_column(ForeignKey("entities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)


class ActorDecision(Base):
    """An analyst's confirm/merge/split of actors; wins over the algorithm."""

    __tablename__ = "actor_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))  # confirm|merge|split
    subject: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class OriginCluster(Base):
    """Fragments that rest on one upstream origin (circular reporting)."""

    __tablename__ = "origin_members"
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(String(80), index=True)
    reasons: Mapped[list[Any]] = mapped_column(default=list)


class Thread(Base):
    """A threat thread: fragments that point at the same threat."""

    __tablename__ = "threads"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ThreadMember(Base):
    __tablename__ = "thread_members"
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime]


class Assessment(Base):
    """A versioned thread assessment; a new row per recomputation, never an update."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime]
    as_of: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    likelihood: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AchMatrix(Base):
    """Analysis of Competing Hypotheses state for a thread (hypotheses, evidence, ratings)."""

    __tablename__ = "ach_matrices"
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), primary_key=True)
    updated_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Partner(Base):
    """A partner service and its trust tier; the policy function reads this."""

    __tablename__ = "partners"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(8))
    service: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16))  # core|associate|selective|warning-only
    channels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    taxii_url: Mapped[str | None] = mapped_column(Text)
    credentials: Mapped[dict[str, Any]] = mapped_column(default=dict)  # hashed secrets only
    created_at: Mapped[datetime]


class Release(Base):
    """An explicit release of one object to one partner (approver-driven)."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_id: Mapped[str] = mapped_column(String(120), index=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    approved_by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Warning(Base):
    """A duty-to-warn case (ICD 191): trigger, decision, delivery, follow-ups."""

    __tablename__ = "warnings"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    thread_id: Mapped[str | None] = mapped_column(ForeignKey("threads.id"), index=True)
    state: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WarningEvent(Base):
    """Each decision and delivery on a warning, appended."""

    __tablename__ = "warning_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    warning_id: Mapped[str] = mapped_column(ForeignKey("warnings.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    compartments: Mapped[list[Any]] = mapped_column(default=list)
    clearance: Mapped[str] = mapped_column(String(32), default="UNCLASSIFIED")
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class ApiToken(Base):
    """A user's bearer token, stored as its SHA-256 (see ``security.credentials``)."""

    __tablename__ = "api_tokens"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only, hash-chained: each row's hash covers the previous row's hash."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str | None] = mapped_column(String(48))
    object_id: Mapped[str | None] = mapped_column(String(120), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class StixSeal(Base):
    """What a stored STIX object's JSON was, kept apart from its row (migration 0010).

    ``stix_objects.content_hash`` sits beside the JSON, so one UPDATE changes
    both. A seal row is written with the object and its batch is anchored in
    the audit chain (a ``stix.seal`` entry with the batch digest), which the
    signed checkpoints cover: editing the object, or its seal, or both, is
    named by ``tearline audit verify --content`` (``security.content``).
    Append-only at the database level like ``audit_log``.
    """

    __tablename__ = "stix_seals"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(40))
    #: SHA-256 of the object's JSON text exactly as stored.
    digest: Mapped[str] = mapped_column(String(64))
    #: The write batch; its ``stix.seal`` audit entry holds the digest of all its seals.
    batch: Mapped[str] = mapped_column(String(32), index=True)


class SyncState(Base):
    """Per remote collection, how far federation has pulled (TAXII added_after)."""

    __tablename__ = "sync_state"
    remote: Mapped[str] = mapped_column(Text, primary_key=True)
    collection: Mapped[str] = mapped_column(String(120), primary_key=True)
    added_after: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime]


Index("ix_stix_type_added", StixObject.type, StixObject.added_seq)


class FusionState(Base):
    """The incremental fusion indexes, saved so new fragments attach without a rebuild."""

    __tablename__ = "fusion_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    updated_at: Mapped[datetime]
    fragment_count: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- indexes and tables the migrations had and the models lacked (issue 8) -------------
# Migration 0004 created these keyset-paging and release-lookup indexes; declaring
# them here makes the models the one description of the schema again (the test
# tests/store/test_schema.py compares a migrated database with these models).
Index("ix_stix_added_at_seq", StixObject.added_at, StixObject.added_seq)
Index("ix_stix_type_at_seq", StixObject.type, StixObject.added_at, StixObject.added_seq)
Index("ix_stix_seals_object", StixSeal.object_id, StixSeal.version)
Index("ix_releases_object_partner", Release.object_id, Release.partner_code)
#: One row per (thread, version): two writers can never both append "version 1"
#: (migration 0006_arch; the unit of work's lock keeps them from trying).
Index("ux_assessments_thread_version", Assessment.thread_id, Assessment.version, unique=True)


class TaxiiStatus(Base):
    """One TAXII add-objects request's outcome (migration 0004_taxii).

    Declared with the other models, not in ``web/taxii``, so the schema is
    complete whether or not the web app was imported.
    """

    __tablename__ = "taxii_status"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal: Mapped[str] = mapped_column(String(160))
    collection: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    request_timestamp: Mapped[datetime]
    total_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer)
    failure_count: Mapped[int] = mapped_column(Integer)
    pending_count: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StixDiscrepancy(Base):
    """A partner's copy of an object another identity owns, kept apart (migration 0007_share).

    A partner may not add versions to an object it did not create; what it
    sent is its assertion, recorded here with the sender so an analyst sees
    the disagreement instead of a silently replaced object.
    """

    __tablename__ = "stix_discrepancies"
    __table_args__ = (UniqueConstraint("object_id", "version", "sender", "content_hash"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(160))
    reason: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(32))
    json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]


class LoginAttempt(Base):
    """Failed (and, after failures, successful) logins: what rate limits and lockouts count."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(default=False)


class InsiderAlert(Base):
    """An insider-threat alert about one user's reads (``security.insider``)."""

    __tablename__ = "insider_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    score: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class InstanceSetting(Base):
    """Values an instance draws once and keeps for life (``security.instance``).

    The instance secret (the key thread ids, console sessions and TAXII
    ``next`` tokens derive from, unless the environment gives one) and the
    instance identity: every ``serve`` worker over the database, and every
    restart, reads the same ones.
    """

    __tablename__ = "instance_settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
