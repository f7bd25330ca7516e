"""Duty-to-warn case pages: the whole workflow through console forms, on both backends.

Every step is a real POST with the page's CSRF token, acting as the signed-in
user; the expected refusals are the workflow's own rules (roles, a second
person, a waiver's justification), checked by the sentence the page shows and
by the case row staying as it was. Visibility is checked against the case's
thread: both demo cases are built from SECRET reporting, so an UNCLASSIFIED
analyst must not see them at all.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.store import schema as S
from tests.web.console.conftest import USERS, Console, csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MORE_USERS = {"abe": ("abe-pw", ["approver", "analyst"], "SECRET"),
              "ivy": ("ivy-pw", ["approver", "analyst"], "TOP SECRET")}
DRAFT = ('Our liaison notes say "they will strike the hall at the concert" — see '
         "https://intel.example/item/7 for the intercept.")


@pytest.fixture
def cases(console: Console) -> Console:
    with console.engine.begin() as conn:
        for name, (pw, roles, clearance) in MORE_USERS.items():
            add_user(conn, name, actor="test", roles=roles, clearance=clearance, password=pw)
        create_partner(conn, "WARN1", "Harbour Police Service", "warning-only", actor="test")
    return console


def sign_in(console: Console, user: str) -> TestClient:
    if user in USERS:
        return console.signed_in(user)
    c = console.client()
    r = c.post("/console/login", data={"username": user, "password": MORE_USERS[user][0],
                                       "csrf": csrf_of(c.get("/console/login").text)})
    assert r.status_code == 303, r.text
    return c


def _case_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(S.Warning.id).order_by(S.Warning.id)).scalars())


def _state(engine: Engine, case_id: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(S.Warning.state).where(S.Warning.id == case_id)).scalar())


def _events(engine: Engine, case_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(S.WarningEvent)
                                .where(S.WarningEvent.warning_id == case_id)).scalar() or 0)


def _refusal(text: str) -> str:
    m = re.search(r'id="refusal"[^>]*>Refused: (.*?)</p>', text, re.S)
    return html.unescape(m.group(1)) if m else ""


class Actor:
    """One signed-in browser session working on one case."""

    def __init__(self, console: Console, user: str, case_id: str) -> None:
        self.client = sign_in(console, user)
        self.case_id = case_id

    def page(self) -> str:
        r = self.client.get(f"/console/cases/{self.case_id}")
        assert r.status_code == 200, r.text[-500:]
        return r.text

    def post(self, step: str, **data: str | list[str]) -> tuple[int, str]:
        token = csrf_of(self.page())
        r = self.client.post(f"/console/cases/{self.case_id}/{step}",
                             data={"csrf": token, **data})
        if r.status_code == 303:
            assert r.headers["location"].startswith(f"/console/cases/{self.case_id}?done=")
            return 303, self.client.get(r.headers["location"]).text
        return r.status_code, r.text


def test_the_whole_case_workflow_through_console_forms(cases: Console) -> None:
    engine = cases.engine
    cid = _case_ids(engine)[0]
    sam, abe = Actor(cases, "sam", cid), Actor(cases, "abe", cid)

    listing = sam.client.get("/console/cases")
    assert listing.status_code == 200 and f'data-case="{cid}"' in listing.text
    assert "identified" in listing.text

    status, page = sam.post("review", note="checked <script>alert(1)</script> the reporting",
                            proposal="warn the police", add_recipients=["WARN1"])
    assert status == 303 and _state(engine, cid) == "under_review"
    assert "<script>alert(1)</script>" not in page  # report-ish text is escaped
    assert "checked &lt;script&gt;alert(1)&lt;/script&gt; the reporting" in page
    assert "WARN1 (Harbour Police Service, warning-only)" in html.unescape(page)

    # sam is no approver: refused with the workflow's sentence, nothing written.
    before = _events(engine, cid)
    status, page = sam.post("approve", reason="I think so")
    assert status == 409
    assert "'sam' may not do this: it needs the role 'approver'" in _refusal(page)
    assert _state(engine, cid) == "under_review" and _events(engine, cid) == before

    status, page = abe.post("approve", reason="credible, specific threat to the hall")
    assert status == 303 and _state(engine, cid) == "approved"
    assert re.search(r'id="approved-by">abe<', page)

    # The analyst also pastes a protected field of the thread's own reporting.
    with engine.connect() as conn:
        secrets = [v for row in conn.execute(select(
            S.ReportProtected.source_identity, S.ReportProtected.collection_method,
            S.ReportProtected.handling_notes)) for v in row if v]
        protected = conn.execute(
            select(S.ReportProtected.collection_method)
            .join(S.ThreadMember, S.ThreadMember.report_id == S.ReportProtected.report_id)
            .join(S.Warning, S.Warning.thread_id == S.ThreadMember.thread_id)
            .where(S.Warning.id == cid, S.ReportProtected.collection_method.is_not(None))
            .order_by(S.ReportProtected.report_id)).scalars().first()
    assert protected, "the fixture's case thread carries protected fields"
    status, page = sam.post("draft", instruction="Raise protective security at the hall",
                            text=f"{DRAFT} Confirmed: {protected}.",
                            window_end="2025-03-22T18:00")
    assert status == 303 and _state(engine, cid) == "drafted"
    status, page = sam.post("sanitize")
    assert status == 303 and _state(engine, cid) == "sanitized"

    # The side-by-side view: the draft as written on the left, the releasable text on
    # the right, and every cut with the sanitizer's reason.
    side = html.unescape(page.split('id="sanitized-WARN1"')[1].split('id="deliveries"')[0])
    original, rest = side.split("Releasable to WARN1", 1)
    releasable, removals = rest.split('class="removals"', 1)
    assert "https://intel.example/item/7" in original and "liaison notes" in original
    assert "https://intel.example" not in releasable and "liaison" not in releasable
    assert "they will strike the hall" not in releasable
    assert "quote withheld" in releasable
    # A protected value the analyst pasted is cut by the guard, and named only by kind.
    assert protected in original and protected not in releasable + removals
    assert re.search(r"<td>protected</td><td class=\"prose\">\d+ character\(s\)</td>"
                     r"<td>▮</td><td>sensitive value found in the draft \(guard\)</td>",
                     removals), removals
    for secret in secrets:  # nothing protected reaches the page but what the analyst typed
        assert secret == protected or html.escape(secret) not in page, secret
    for cut, reason in (("https://intel.example/item/7", "URLs can reveal collection and "
                         "are not actionable"),
                        ('"they will strike the hall at the concert"', "direct quotation "
                         "(intercepts and source words are never quoted)"),
                        ("liaison notes", "collection method")):
        assert re.search(rf'<td class="prose">{re.escape(cut)}</td><td>[^<]*</td>'
                         rf"<td>{re.escape(reason)}</td>", removals), cut
    with engine.connect() as conn:
        payload = conn.execute(select(S.Warning.payload).where(S.Warning.id == cid)).scalar()
    kept = payload["sanitized"]["WARN1"]
    assert kept["headline"] in releasable  # the stored result is what the page shows
    removals = removals.split("</table>")[0]
    assert f"{len(kept['removals'])} removal(s) and generalization(s)" in removals
    assert removals.count("<tr><td>") == len(kept["removals"]) > 0

    status, page = sam.post("release", reason="go")
    assert status == 409 and "needs the role 'approver'" in _refusal(page)
    status, page = abe.post("release", reason="sanitized text approved")
    assert status == 303 and _state(engine, cid) == "released"
    with engine.connect() as conn:
        released = conn.execute(select(S.Release.partner_code).where(
            S.Release.object_id == cid, S.Release.revoked_at.is_(None))).scalars().all()
    assert released == ["WARN1"]

    status, page = sam.post("deliver", to="WARN1", channel="taxii")
    assert status == 303 and _state(engine, cid) == "delivered"
    with engine.connect() as conn:
        event = conn.execute(select(S.WarningEvent.detail).where(
            S.WarningEvent.warning_id == cid, S.WarningEvent.action == "deliver")).scalar_one()
        stored = conn.execute(select(S.StixObject.id).where(S.StixObject.id == cid)).all()
    assert stored, "the TAXII delivery stores the warning bundle under the case id"
    deliveries = page.split('id="deliveries"')[1].split("<h3>")[0]
    row = re.search(r"<td>taxii</td><td>WARN1</td><td class=\"id\">([0-9a-f]{64})</td>"
                    r"<td>sam</td>", deliveries)
    assert row and row.group(1) == event["sha256"]

    status, page = sam.post("ack", by="WARN1", note="received by the duty officer")
    assert status == 303 and "received by the duty officer" in page
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    future = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    status, page = sam.post("followup", direction="out", party="WARN1",
                            text="Did you raise the alert level?", deadline=past)
    assert status == 303
    status, page = sam.post("followup", direction="in", party="WARN1",
                            text="They ask for the time window", deadline=future)
    assert status == 303 and _state(engine, cid) == "follow_up"
    rows = re.findall(r'<tr id="followup-(\d+)" class="([^"]*)">(.*?)</tr>', page, re.S)
    by_text = {("raise the alert" in r[2]): r for r in rows}
    assert by_text[True][1] == "overdue" and "OVERDUE" in by_text[True][2]
    assert by_text[False][1] == "" and ">open<" in by_text[False][2]
    assert "has not answered our follow-up" in page  # the case alarm
    status, page = sam.post("followup", party="WARN1", text="Alert level raised",
                            answers=by_text[True][0])
    assert status == 303
    answered = re.search(rf'<tr id="followup-{by_text[True][0]}" class="([^"]*)">(.*?)</tr>',
                         page, re.S)
    assert answered and answered.group(1) == "" and "answered" in answered.group(2)

    status, page = sam.post("respond", by="WARN1", kind="accepted", text="Patrols doubled.")
    assert status == 303 and "Patrols doubled." in page
    status, page = sam.post("close", outcome="averted", reason="no attack; venue protected")
    assert status == 303 and _state(engine, cid) == "closed"
    assert "averted — no attack; venue protected (sam)" in html.unescape(page)

    with engine.connect() as conn:
        actions = list(conn.execute(select(S.AuditEntry.action, S.AuditEntry.actor)
                                    .where(S.AuditEntry.object_id == cid)))
    assert ("warning.approve", "abe") in actions and ("warning.release", "abe") in actions
    assert ("warning.approve.refused", "sam") in actions


def test_second_person_rules_and_the_waiver(cases: Console) -> None:
    engine = cases.engine
    first, second = _case_ids(engine)[:2]
    ivy, abe = Actor(cases, "ivy", first), Actor(cases, "abe", first)
    assert ivy.post("review", note="looked", proposal="warn")[0] == 303
    status, page = ivy.post("approve", reason="my own proposal")
    assert status == 409
    assert "'ivy' drafted the proposal and may not approve it too" in _refusal(page)
    assert _state(engine, first) == "under_review"
    assert abe.post("approve", reason="agreed")[0] == 303
    assert abe.post("draft", instruction="Close the venue", text="")[0] == 303
    assert abe.post("sanitize")[0] == 303
    status, page = abe.post("release", reason="my own draft")
    assert status == 409 and "'abe' wrote this draft and may not approve it too" in \
        _refusal(page)
    assert _state(engine, first) == "sanitized"

    # A waiver: a justification from warn.toml and a rationale, by a second person.
    sam, abe2 = Actor(cases, "sam", second), Actor(cases, "abe", second)
    assert sam.post("review", note="victims informed already")[0] == 303
    page = abe2.page()
    options = re.findall(r'<option value="([a-z_]+)">[a-z ]+: ', page.split('id="form-waive"')[1]
                         .split("</form>")[0])
    assert "already_aware" in options and len(options) >= 5
    status, page = abe2.post("waive", justification="", rationale="x")
    assert status == 409 and "is not an ICD 191 waiver justification" in _refusal(page)
    status, page = abe2.post("waive", justification="already_aware", rationale="  ")
    assert status == 409 and "needs a written rationale" in _refusal(page)
    assert _state(engine, second) == "under_review"
    status, page = abe2.post("waive", justification="already_aware",
                             rationale="The venue's security team briefed us on this threat.")
    assert status == 303 and _state(engine, second) == "waived"
    waiver = html.unescape(re.search(r'id="waiver">(.*?)</td>', page, re.S).group(1))
    assert "already aware" in waiver and "briefed us on this threat" in waiver
    assert "Approved by abe" in waiver


def sam_sees_case_on_thread(console: Console, tid: str, case_id: str) -> bool:
    page = console.signed_in("sam").get(f"/console/threads/{tid}")
    return page.status_code == 200 and f'href="/console/cases/{case_id}"' in page.text


def test_case_pages_show_only_what_the_user_may_see(cases: Console) -> None:
    engine = cases.engine
    ids = _case_ids(engine)
    una = cases.signed_in("una")  # UNCLASSIFIED; both cases come from SECRET reporting
    listing = una.get("/console/cases")
    assert listing.status_code == 200
    assert "No duty-to-warn case that you may see" in listing.text
    assert not any(i in listing.text for i in ids)
    for cid in ids:
        short = cid.removeprefix("report--")[:8]
        for ref in (cid, short):
            r = una.get(f"/console/cases/{ref}")
            assert r.status_code == 404 and "that you may see" in r.text
        before = _events(engine, cid)
        token = csrf_of(una.get("/console").text)
        r = una.post(f"/console/cases/{cid}/review", data={"csrf": token, "note": "x"})
        assert r.status_code == 404 and _events(engine, cid) == before

    # Nor through the thread page: una may not open the SECRET case's thread at all.
    with engine.connect() as conn:
        tid = conn.execute(select(S.Warning.thread_id).where(S.Warning.id == ids[0])).scalar()
    assert una.get(f"/console/threads/{tid}").status_code == 404
    assert sam_sees_case_on_thread(cases, str(tid), ids[0])

    # rae (SECRET, no role) may see the case but not act on it.
    rae = Actor(cases, "rae", ids[0])
    assert "identified" in rae.page()
    status, page = rae.post("review", note="peeking")
    assert status == 409 and "needs the role 'analyst' or 'approver'" in _refusal(page)
    # The page is marked as its thread: SECRET.
    assert 'aria-label="Classification of this page">SECRET' in rae.page()

    # A form without this session's CSRF token is refused and changes nothing.
    sam = cases.signed_in("sam")
    r = sam.post(f"/console/cases/{ids[0]}/review", data={"note": "no token"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = sam.post(f"/console/cases/{ids[0]}/review", data={"note": "forged", "csrf": "x" * 40})
    assert r.status_code == 403 and _state(engine, ids[0]) == "identified"
    r = sam.get("/console/cases/" + "x" * 500)
    assert r.status_code == 404 and "that you may see" in r.text
    token = csrf_of(sam.get("/console").text)
    r = sam.post(f"/console/cases/{ids[0]}/launch", data={"csrf": token})
    assert r.status_code == 404 and "not a step" in r.text
    with engine.connect() as conn:
        reads = conn.execute(select(S.AuditEntry.actor, S.AuditEntry.action).where(
            S.AuditEntry.action.in_(("warning.read", "warning.read.denied",
                                     "warning.list")))).all()
    assert ("una", "warning.read.denied") in reads and ("una", "warning.list") in reads
    assert ("rae", "warning.read") in reads


def test_insider_alerts_page_is_admin_only_shows_evidence_and_is_audited(
        cases: Console) -> None:
    from tearline.security.audit import record_now
    from tearline.security.insider import scan

    engine = cases.engine
    with engine.begin() as conn:
        for i in range(7):
            record_now(conn, "una", "report.read.denied", "report", f"report--secret-{i}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        found = scan(conn, now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1),
                     now + timedelta(hours=1), actor="test")
    assert any(a.kind == "refused" and a.username == "una" for a in found)

    assert cases.signed_in("una").get("/console/insider").status_code == 403
    assert sign_in(cases, "abe").get("/console/insider").status_code == 403
    sam = cases.signed_in("sam")
    page = sam.get("/console/insider")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "refused" in text and "una was refused 7 reads" in text
    assert "Evidence: 7 read entries in the audit log for this hour" in text
    assert text.count("report.read.denied") >= 7 and "report--secret-6" in text
    assert "No insider alert matches" in sam.get("/console/insider?username=nobody").text
    with engine.connect() as conn:
        seen = conn.execute(select(S.AuditEntry.actor, S.AuditEntry.detail).where(
            S.AuditEntry.action == "insider.read")).all()
    assert seen and seen[0][0] == "sam"
    detail = seen[0][1] if isinstance(seen[0][1], dict) else json.loads(seen[0][1])
    assert detail["count"] >= 1 and detail["via"] == "console"
    audit = sam.get("/console/audit").text
    assert 'href="/console/insider"' in audit
