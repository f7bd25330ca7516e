"""The sanitizer's no-leak property, on SQLite and PostgreSQL.

Whatever a fragment says and whatever an analyst types, no protected value,
source name or internal id of any fragment of the thread appears in any
sanitized output — the text, the STIX bundle, the CAP alert and its text and
HTML, the briefing — even when the value is embedded in a word, written in
another case, split across lines, or percent-encoded inside a URL.

The values are stored for real (``report_protected``, ``sources``,
``reports``) and read back by ``warn.store.thread_sensitive``, the same path
the workflow uses, so the property covers the gathering as well as the cut.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import quote
from xml.etree import ElementTree

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert

from tearline.store import schema as S
from tearline.warn.briefing import briefing_html
from tearline.warn.cap import cap_alert, cap_html, cap_text
from tearline.warn.sanitize import Facts, sanitize, squash
from tearline.warn.stix import warning_bundle
from tearline.warn.store import thread_sensitive

WHEN = datetime(2025, 3, 5, 16, tzinfo=UTC)
THREAD = "thread:report--00000000-0000-4000-8000-000000000001"
SENDER = "Meridian Joint Intelligence Centre"

# Values with at least three letters: the guard cuts any value, but a value of
# one letter, or of digits only, would also "appear" by coincidence in a date
# or a generated id, which says nothing about a leak.
_value = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")),
                 min_size=3, max_size=30).filter(
    lambda v: sum(ch.isalpha() for ch in squash(v)) >= 3)
#: Machine-made STIX and CAP fields (generated ids, timestamps, enumerations):
#: they carry no words from any fragment, so they are not where a leak could be.
_MACHINE_KEYS = frozenset({"id", "type", "spec_version", "created", "modified", "published",
                           "created_by_ref", "object_refs", "object_marking_refs",
                           "extension_type", "extension_types", "extensions",
                           "identity_class", "threat_actor_types", "report_types",
                           "extension_properties", "schema", "version"})
_CAP_MACHINE = frozenset({"identifier", "sent", "effective", "onset", "expires", "status",
                          "msgType", "scope", "category", "urgency", "severity", "certainty",
                          "language", "responseType", "valueName"})


def _content(node: object, key: str = "") -> list[str]:
    """Every string a reader sees in a JSON document, machine fields left out."""
    if key in _MACHINE_KEYS:
        return []
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _content(v, k)]
    if isinstance(node, list):
        return [s for v in node for s in _content(v, key)]
    return [str(node)] if isinstance(node, str) else []


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(page: str) -> str:
    p = _Text()
    p.feed(page)
    return "\n".join(p.parts)


def _cap_text_fields(xml: bytes) -> str:
    root = ElementTree.fromstring(xml)
    return "\n".join(el.text or "" for el in root.iter()
                     if el.tag.split("}")[-1] not in _CAP_MACHINE)


def _disguise(value: str, how: int) -> str:
    """The value as a careless writer would smuggle it in."""
    if how == 0:
        return f"xx{value}yy"  # inside a word
    if how == 1:
        return value.swapcase()  # in another case
    if how == 2:
        mid = len(value) // 2
        return f"{value[:mid]}\n{value[mid:]}"  # split across lines
    if how == 3:
        return f"https://files.example/{quote(value)}?q={quote(value.upper())}"  # in a URL
    return f"“{value}”"  # quoted


@st.composite
def _case(draw: st.DrawFn) -> dict[str, object]:
    protected = draw(st.lists(_value, min_size=1, max_size=3))
    source = draw(_value)
    external = "EXT-" + draw(st.from_regex(r"[A-Z]{2,4}-20[0-9]{2}-[0-9]{3,4}", fullmatch=True))
    secrets = [*protected, source, external]
    pieces = [_disguise(v, draw(st.integers(0, 4))) for v in secrets]
    filler = draw(st.lists(st.text(max_size=20), min_size=len(pieces), max_size=len(pieces)))
    draft = " ".join(p for pair in zip(filler, pieces, strict=True) for p in pair)
    instruction = draw(st.sampled_from(pieces)) + " " + draw(st.text(max_size=30))
    city = draw(st.sampled_from(["Almaty", "Hamburg", *(secrets[:1])]))
    return {"protected": protected, "source": source, "external": external,
            "draft": draft, "instruction": instruction, "city": city}


def _store(engine: Engine, c: dict[str, object]) -> None:
    with engine.begin() as conn:
        for table in (S.ThreadMember, S.ReportProtected, S.Report, S.Source, S.Thread):
            conn.execute(delete(table))
        conn.execute(insert(S.Source), [{"id": "src-1", "name": c["source"], "kind": "humint",
                                         "agency": SENDER, "reliability": "B",
                                         "created_at": WHEN}])
        conn.execute(insert(S.Thread), [{"id": THREAD, "title": "t", "status": "open",
                                         "created_at": WHEN, "updated_at": WHEN, "state": {}}])
        protected = list(c["protected"])  # type: ignore[call-overload]
        for i, value in enumerate(protected):
            rid = f"report--00000000-0000-4000-8000-{i:012d}"
            conn.execute(insert(S.Report), [{
                "id": rid, "content_hash": f"h{i}", "category": "report",
                "external_id": c["external"] if i == 0 else None, "title": "t",
                "body": "b", "language": "en", "reported_at": WHEN, "received_at": WHEN,
                "originator": "Northern Reach Directorate", "source_id": "src-1",
                "credibility": 2, "classification": "SECRET", "tlp": "red",
                "releasability": [], "caveats": [], "tags": [], "ingested_at": WHEN}])
            conn.execute(insert(S.ReportProtected), [{"report_id": rid,
                                                      "source_identity": value,
                                                      "collection_method": None,
                                                      "handling_notes": None}])
            conn.execute(insert(S.ThreadMember), [{"thread_id": THREAD, "report_id": rid,
                                                   "score": 1.0, "added_at": WHEN}])


def _outputs(c: dict[str, object], engine: Engine, tier: str) -> list[str]:
    with engine.connect() as conn:
        sensitive = thread_sensitive(conn, THREAD, SENDER)
    facts = Facts("intentional_killing", ("Islamic State Khorasan Province",),
                  (str(c["city"]),), "KZ", ("concert_hall",), ("firearms",), WHEN, WHEN)
    s = sanitize(facts, sensitive, tier, draft=str(c["draft"]),
                 instruction=str(c["instruction"]), sender=SENDER)
    rel = s.releasable()
    window = {"start": WHEN.isoformat(), "end": WHEN.isoformat()}
    bundle = warning_bundle("report--00000000-0000-4000-8000-0000000000aa", rel, sender=SENDER,
                            recipient="CSP", modified=WHEN, created=WHEN)
    return ["\n".join(_content(rel)), "\n".join(_content(bundle)),
            _cap_text_fields(cap_alert("report--x", rel, sender="w@x.example", sent=WHEN,
                                       window=window)),
            cap_text(rel, window), _html_text(cap_html(rel, window)),
            _html_text(briefing_html(rel, recipient="CSP", classification="UNCLASSIFIED",
                                     tlp="amber", window=window, sender=SENDER))]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(c=_case(), tier=st.sampled_from(["warning-only", "public", "core", "selective"]))
def test_no_protected_value_source_or_id_in_any_output(engine: Engine, c: dict[str, object],
                                                       tier: str) -> None:
    _store(engine, c)
    secrets = [*c["protected"], c["source"], c["external"]]  # type: ignore[misc]
    # A value that the outputs' own wording already holds ("tlp" in "TLP:AMBER",
    # "ert" in "alert") appears whatever the sanitizer does, so it says nothing
    # about a leak: such draws are skipped, judged against the same outputs made
    # from no fragment text at all.
    template = _outputs({**c, "draft": "", "instruction": "", "city": "Almaty"}, engine, tier)
    for value in secrets:
        assume(all(squash(value) not in squash(t) and value.lower() not in t.lower()
                   for t in template))
    for out in _outputs(c, engine, tier):
        flat = squash(out)
        for value in secrets:
            assert squash(value) not in flat, (value, out)
            assert value.lower() not in out.lower()


# -- the release path of plain reports --------------------------------------------------------
PARTNER = "SEL"
REPORT = "report--00000000-0000-4000-8000-0000000000bb"


def _store_released_report(engine: Engine, c: dict[str, object], tier: str) -> None:
    """A report whose own prose carries its protected values and source, released to SEL."""
    from tearline import settings as tl_settings
    from tearline.security.users import add_user
    from tearline.share.partners import create_partner
    from tearline.share.releases import record_release

    with engine.begin() as conn:
        for table in (S.Release, S.ReportProtected, S.Report, S.Source, S.Partner, S.User):
            conn.execute(delete(table))
        add_user(conn, "chief", actor="test", roles=("approver", "analyst"),
                 clearance="TOP SECRET")
        create_partner(conn, PARTNER, "Selective Service", tier, actor="chief")
        conn.execute(insert(S.Source), [{"id": "src-1", "name": c["source"], "kind": "humint",
                                         "agency": SENDER, "reliability": "B",
                                         "created_at": WHEN}])
        protected = list(c["protected"])  # type: ignore[call-overload]
        conn.execute(insert(S.Report), [{
            "id": REPORT, "content_hash": "h-rel", "category": "report",
            "external_id": None,
            # ingest refuses NUL characters on both backends, so no report holds one
            "title": str(c["instruction"]).replace("\x00", ""),
            "body": str(c["draft"]).replace("\x00", ""),
            "language": "en", "reported_at": WHEN, "received_at": WHEN,
            "originator": tl_settings.OWNER_AGENCY, "source_id": "src-1", "credibility": 2,
            "classification": "SECRET", "tlp": "amber", "releasability": [], "caveats": [],
            "tags": [], "ingested_at": WHEN}])
        conn.execute(insert(S.ReportProtected), [{
            "report_id": REPORT, "source_identity": protected[0],
            "collection_method": protected[1] if len(protected) > 1 else None,
            "handling_notes": protected[2] if len(protected) > 2 else None}])
        record_release(conn, REPORT, PARTNER, approved_by="chief", reason="property test")


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(c=_case(), tier=st.sampled_from(["selective", "associate", "core"]))
def test_a_released_report_reaches_the_partner_without_protected_values_or_its_source(
        engine: Engine, c: dict[str, object], tier: str) -> None:
    """``export --as`` a partner: the released report crosses, sanitized by ``warn``."""
    import orjson

    from tearline.security.credentials import principal_for_partner
    from tearline.share.stix_export import iter_export

    _store_released_report(engine, c, tier)
    with engine.connect() as conn:
        who = principal_for_partner(conn, PARTNER)
        assert who is not None
        objects = [orjson.loads(b) for b in iter_export(conn, who)]
    shipped = [o for o in objects if o.get("id") == REPORT]
    assert len(shipped) == 1, "the released report must still cross"
    out = "\n".join(s for o in objects for s in _content(o))
    flat = squash(out)
    for value in [*c["protected"], c["source"]]:  # type: ignore[misc]
        assert squash(value) not in flat, (value, out)
        assert value.lower() not in out.lower()
