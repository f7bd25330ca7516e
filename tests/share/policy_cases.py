"""One sharing scenario every read path is tested against (reusable by TAXII tests).

``seed(engine)`` stores partners of every tier, two local users, reports and
STIX objects under every kind of marking, explicit releases (one revoked) and a
duty-to-warn warning, all through the library's own write functions. ``EXPECTED``
says, by hand and not by calling the policy, who may see each object; a read
path passes when ``ids_for(...)`` of what it returned equals ``expected_ids``.

Usage from another test module::

    from tests.share.policy_cases import PRINCIPALS, expected_ids, seed
    s = seed(engine)
    for who in PRINCIPALS:
        got = {...ids your path returns when authenticated with s.tokens[who]...}
        assert got == expected_ids(s, who, kinds={"stix"})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine

from tearline.ingest.drafts import ReportDraft, SourceDraft
from tearline.ingest.stix import TLP_IDS_V2, check_object
from tearline.ingest.writer import Writer
from tearline.security.credentials import (
    issue_partner_token,
    issue_user_token,
    set_partner_password,
)
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.share.releases import list_releases, record_release, revoke_release
from tearline.store.schema import Warning

#: Strings stored only in report_protected; no response may ever contain them.
PROTECTED_SENTINELS = ("AGENT-NIGHTJAR-7731", "IMPLANT-ON-ROUTER-4412", "HANDLER-NOTE-0099")

PARTNERS = {"CORE1": "core", "CORE2": "core", "ASSOC1": "associate", "SEL1": "selective",
            "WARN1": "warning-only"}
USERS = {
    "chief": {"roles": ["admin", "approver", "analyst"], "clearance": "TOP SECRET",
              "compartments": ["NTK:ORCHID"]},
    "analyst": {"roles": ["analyst"], "clearance": "SECRET", "compartments": []},
}
PRINCIPALS = (*PARTNERS, *USERS)
PASSWORD = "correct horse battery staple"

ALL_USERS = {"chief", "analyst"}
COMMUNITY = {"CORE1", "CORE2", "ASSOC1"}

# key: (tlp, classification, REL TO, caveats, is a warning, released to, who may see)
CASES: dict[str, tuple[str, str, list[str], list[str], bool, list[str], set[str]]] = {
    "clear": ("clear", "UNCLASSIFIED", [], [], False, [], COMMUNITY | ALL_USERS),
    "green": ("green", "UNCLASSIFIED", [], [], False, [], COMMUNITY | ALL_USERS),
    "amber-rel": ("amber", "UNCLASSIFIED", ["CORE1", "ASSOC1"], [], False, [],
                  {"CORE1", "ASSOC1"} | ALL_USERS),
    "strict-rel": ("amber+strict", "UNCLASSIFIED", ["CORE1", "ASSOC1"], [], False, [],
                   {"CORE1"} | ALL_USERS),
    "red-rel": ("red", "UNCLASSIFIED", ["CORE1"], [], False, [], ALL_USERS),
    "red-released": ("red", "SECRET", [], [], False, ["CORE1"], {"CORE1"} | ALL_USERS),
    "amber-to-sel": ("amber", "UNCLASSIFIED", [], [], False, ["SEL1"], {"SEL1"} | ALL_USERS),
    "green-secret": ("green", "SECRET", [], [], False, [], ALL_USERS),
    "green-secret-rel": ("green", "SECRET", ["ASSOC1"], [], False, [], {"ASSOC1"} | ALL_USERS),
    "warning-released": ("amber", "UNCLASSIFIED", [], [], True, ["WARN1"], {"WARN1"} | ALL_USERS),
    "warning-unreleased": ("amber", "UNCLASSIFIED", [], [], True, [], ALL_USERS),
    "top-secret": ("amber", "TOP SECRET", ["CORE1"], [], False, [], {"chief", "CORE1"}),
    "compartment": ("green", "UNCLASSIFIED", [], ["NTK:ORCHID"], False, [], {"chief"}),
    "revoked": ("amber", "UNCLASSIFIED", [], [], False, ["CORE2"], ALL_USERS),
    "lowercase-rel": ("amber", "UNCLASSIFIED", ["core1"], [], False, [], ALL_USERS),
}
#: Cases stored only as native reports (STIX rows carry no caveats).
REPORT_ONLY = {"compartment"}


@dataclass
class Seeded:
    """What ``seed`` stored: object ids per case and kind, and credentials per principal."""

    ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, case) -> id
    tokens: dict[str, str] = field(default_factory=dict)
    release_ids: list[int] = field(default_factory=list)

    def case_of(self, object_id: str) -> tuple[str, str] | None:
        for key, oid in self.ids.items():
            if oid == object_id:
                return key
        return None


def _stix_object(case: str, n: int) -> dict[str, Any]:
    tlp, classification, rel, _, _, _, _ = CASES[case]
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
        "name": f"case {case}", "pattern": "[ipv4-addr:value = '203.0.113.7']",
        "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z",
        "object_marking_refs": [TLP_IDS_V2[tlp]],
        "x_tearline_classification": classification,
    }
    if rel:
        obj["x_tearline_releasability"] = rel
    return obj


def seed(engine: Engine) -> Seeded:
    """Store the scenario; returns ids and one bearer token per principal."""
    s = Seeded()
    now = datetime(2025, 3, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for code, tier in PARTNERS.items():
            create_partner(conn, code, f"Service {code}", tier, actor="setup")
            s.tokens[code] = issue_partner_token(conn, code, actor="setup", label="tests")
            set_partner_password(conn, code, PASSWORD, actor="setup")
        for name, spec in USERS.items():
            add_user(conn, name, actor="setup", password=PASSWORD, **spec)
            s.tokens[name] = issue_user_token(conn, name, actor="setup", label="tests")
        w = Writer(conn, "setup", "policy-cases")
        drafts = []
        for i, (case, (tlp, cls, rel, cav, warn, _, _)) in enumerate(CASES.items()):
            protected = dict(zip(("source_identity", "collection_method", "handling_notes"),
                                 PROTECTED_SENTINELS, strict=True))
            drafts.append(ReportDraft(
                title=f"Report {case}", body=f"Body of the {case} report.",
                originator="Home Service",
                source=SourceDraft(name="Source K", kind="humint", agency="Home Service",
                                   reliability="B"),
                reported_at=now.replace(day=1 + i), category="warning" if warn else "report",
                credibility=2, classification=cls, tlp=tlp, releasability=rel, caveats=cav,
                external_id=f"CASE-{case}", protected=protected))
        w.add_reports(drafts)
        for d, case in zip(drafts, CASES, strict=True):
            s.ids[("report", case)] = d.report_id()
        rows = []
        for n, case in enumerate(CASES):
            if case in REPORT_ONLY:
                continue
            obj = _stix_object(case, n)
            rows.append(check_object(orjson.loads(orjson.dumps(obj)), f"objects[{n}]", "cases"))
            s.ids[("stix", case)] = obj["id"]
        w.add_stix(rows)
        w.audit.flush(conn)
        for (kind, case), oid in s.ids.items():
            if kind == "stix" and CASES[case][4]:  # a warning: the case shares the STIX id
                conn.execute(Warning.__table__.insert().values(
                    id=oid, thread_id=None, state="released", created_at=now, updated_at=now,
                    payload={"tlp": "amber", "tearline": "Threat to the venue on 15 March."}))
        for (_kind, case), oid in s.ids.items():
            for code in CASES[case][5]:
                rel = record_release(conn, oid, code, approved_by="chief", reason="tests")
                s.release_ids.append(rel["id"])
        for rel in list_releases(conn, partner_code="CORE2"):
            revoke_release(conn, rel["id"], actor="chief", reason="withdrawn in tests")
    return s


def expected_ids(s: Seeded, who: str, kinds: set[str] | None = None) -> set[str]:
    """The ids ``who`` may see, from the hand-written table (not from the policy)."""
    return {oid for (kind, case), oid in s.ids.items()
            if (kinds is None or kind in kinds) and who in CASES[case][6]}
