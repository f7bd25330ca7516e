"""Issue 9's findings, one test each, through a real ``tearline serve`` on a loopback port.

Requests are written from the TAXII 2.1 specification with plain ``requests``
(the OASIS client hides status codes and headers these tests need). Each test
failed before the fix it names.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from tearline.ingest.run import ingest_file
from tearline.security.credentials import issue_partner_token, revoke_token
from tearline.security.users import add_user
from tearline.share.partners import update_partner
from tearline.store.db import make_engine
from tearline.store.schema import StixDiscrepancy
from tests.conftest import admin_env

from .conftest import (
    BACKENDS,
    PASSWORD,
    TEARLINE,
    TLP,
    Server,
    add_partners,
    fresh_db,
    indicator,
    migrated,
    serving,
    write_bundle,
)

TAXII = "application/taxii+json;version=2.1"
UNKNOWN_MD = "marking-definition--0b7e6c2f-44aa-4f6e-9b35-7a1d2c3e4f50"
ORCHID_EXT = "HOME-ORCHID-1"
PARTNER_EXT = "CORE1-LIAISON-7"
MULTI_CLEAR_RED = indicator(101, None, object_marking_refs=[TLP["clear"], TLP["red"]])
MULTI_RED_CLEAR = indicator(102, None, object_marking_refs=[TLP["red"], TLP["clear"]])
UNKNOWN_MARKED = indicator(103, None, object_marking_refs=[TLP["clear"], UNKNOWN_MD])
TOP_SECRET = indicator(104, "clear", x_tearline_classification="TOP SECRET")
EMBASSY = indicator(105, "green", name="Embassy alert: vehicle surveillance")
HIDDEN = indicator(106, "red")
V1 = indicator(107, "clear", modified="2025-03-01T00:00:00.000Z")
V2 = indicator(107, "red", modified="2025-03-02T00:00:00.000Z")


def _native(ext: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"external_id": ext, "title": title, "body": f"{title}, in detail.",
            "reported_at": "2025-03-05T08:00:00+00:00", "originator": "HOME",
            "tlp": "clear", "classification": "UNCLASSIFIED",
            "source": {"name": "HUMINT-ORCHID", "kind": "humint", "reliability": "B"},
            "credibility": 2, **extra}


def seed(db: str, tmp: Path) -> dict[str, str]:
    engine = migrated(db)
    with engine.begin() as conn:
        add_user(conn, "ana", actor="test", roles=["analyst"], clearance="CONFIDENTIAL",
                 password=PASSWORD)
        add_user(conn, "orchid", actor="test", roles=["analyst"], clearance="SECRET",
                 compartments=["NTK:ORCHID"], password=PASSWORD)
        add_user(conn, "sec", actor="test", roles=["approver"], clearance="SECRET",
                 password=PASSWORD)
        add_user(conn, "root", actor="test", roles=["admin", "approver"],
                 clearance="TOP SECRET", compartments=["NTK:*"], password=PASSWORD)
        add_partners(conn, {"CORE1": "core", "SEL1": "selective", "TIER1": "core",
                            "REV1": "core", "WARN1": "warning-only"})
        token = issue_partner_token(conn, "REV1", actor="test")
    feed = tmp / "native.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in (
        _native(ORCHID_EXT, "Orchid compartment: courier schedule", caveats=["NTK:ORCHID"]),
        _native(PARTNER_EXT, "Liaison note from partner one", originator="Partner One",
                tlp="amber", releasability=["CORE1"]),
    )) + "\n")
    objects = [MULTI_CLEAR_RED, MULTI_RED_CLEAR, UNKNOWN_MARKED, TOP_SECRET, EMBASSY, HIDDEN,
               V1, V2]
    for path in (feed, write_bundle(tmp / "issue9.json", objects)):
        assert ingest_file(engine, path).error is None
    engine.dispose()
    return {"token": token}


@pytest.fixture(scope="module", params=BACKENDS)
def srv(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("issue9")
    with fresh_db(request.param, tmp) as db:
        extra = seed(db, tmp)
        with serving(db) as server:
            server.extra = extra  # type: ignore[attr-defined]
            yield server


def get(srv: Server, path: str, who: str = "CORE1", **params: Any) -> requests.Response:
    return requests.get(f"{srv.collection_url('shared')}{path}", params=params,
                        auth=(who, PASSWORD), headers={"Accept": TAXII}, timeout=30)


def ids(srv: Server, who: str, **params: Any) -> set[str]:
    """Every object id the caller reads from ``shared``, following ``next``."""
    out: set[str] = set()
    params = {"match[version]": "all", **params}
    while True:
        r = get(srv, "objects/", who, **params)
        assert r.status_code == 200, r.text
        body = r.json()
        out |= {o["id"] for o in body.get("objects", [])}
        if not body.get("next"):
            return out
        params["next"] = body["next"]


def push(srv: Server, who: str, objects: list[dict[str, Any]],
         alias: str = "inbox") -> dict[str, Any]:
    r = requests.post(f"{srv.collection_url(alias)}objects/", auth=(who, PASSWORD),
                      data=json.dumps({"objects": objects}),
                      headers={"Accept": TAXII, "Content-Type": TAXII}, timeout=30)
    assert r.status_code == 202, r.text
    status: dict[str, Any] = r.json()
    return status


def report_stix_id(srv: Server, ext: str) -> str:
    r = requests.get(f"{srv.base}/api/v1/reports/{ext}", auth=("root", PASSWORD), timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["item"]["id"])


# -- 1: need-to-know compartments ---------------------------------------------------
def test_compartmented_report_is_served_only_inside_the_compartment(srv: Server) -> None:
    orchid = report_stix_id(srv, ORCHID_EXT)
    assert orchid in ids(srv, "orchid") and orchid in ids(srv, "root")
    for who in ("CORE1", "TIER1", "ana"):
        assert orchid not in ids(srv, who), who
        assert get(srv, f"objects/{orchid}/", who).status_code == 404
    out = subprocess.run([TEARLINE, "--db", srv.db, "export", "--stix", "--as", "CORE1"],
                         capture_output=True, check=True, timeout=120,
                         env={**os.environ, **admin_env(srv.db)})
    assert orchid not in out.stdout.decode()
    assert "Orchid compartment" not in out.stdout.decode()


# -- 2: several TLP markings -----------------------------------------------------------
def test_the_most_restrictive_marking_wins_in_any_order(srv: Server) -> None:
    seen = ids(srv, "CORE1")
    assert MULTI_CLEAR_RED["id"] not in seen
    assert MULTI_RED_CLEAR["id"] not in seen
    assert UNKNOWN_MARKED["id"] not in seen  # an unreadable marking means deny
    assert EMBASSY["id"] in seen  # the control: plain TLP:GREEN still flows


def test_an_unknown_marking_is_reported_to_the_sender(srv: Server) -> None:
    obj = indicator(120, None, object_marking_refs=[UNKNOWN_MD])
    status = push(srv, "CORE1", [obj])
    (entry,) = status["successes"]
    assert UNKNOWN_MD in entry["message"]


# -- 3: releases -----------------------------------------------------------------------
def _release(srv: Server, who: str, object_id: str, partner: str,
             **extra: Any) -> requests.Response:
    return requests.post(f"{srv.base}/api/v1/releases", auth=(who, PASSWORD), timeout=30,
                         json={"object_id": object_id, "partner": partner, **extra})


def test_an_approver_cannot_release_what_they_cannot_read(srv: Server) -> None:
    assert get(srv, f"objects/{TOP_SECRET['id']}/", "sec").status_code == 404
    r = _release(srv, "sec", TOP_SECRET["id"], "SEL1")
    assert r.status_code == 400 and r.json()["ok"] is False
    missing = _release(srv, "sec", "indicator--00000000-0000-4000-8000-999999999999", "SEL1")
    assert r.json()["error"].replace(TOP_SECRET["id"], "X") == \
        missing.json()["error"].replace("indicator--00000000-0000-4000-8000-999999999999", "X")
    assert TOP_SECRET["id"] not in ids(srv, "SEL1")


def test_a_release_may_not_widen_the_originators_releasability(srv: Server) -> None:
    note = report_stix_id(srv, PARTNER_EXT)
    refused = _release(srv, "root", note, "SEL1")
    assert refused.status_code == 403, refused.text
    assert "consent" in refused.json()["error"]
    assert note not in ids(srv, "SEL1")
    ok = _release(srv, "root", note, "SEL1",
                  originator_consent="Partner One desk officer, phone call 2025-03-06")
    assert ok.status_code == 201, ok.text
    assert note in ids(srv, "SEL1")


# -- 5: a partner cannot rewrite another agency's object ----------------------------
def test_a_partner_cannot_overwrite_our_object(srv: Server) -> None:
    forged = {**EMBASSY, "modified": "2025-04-01T00:00:00.000Z", "name": "All clear"}
    status = push(srv, "CORE1", [forged])
    assert status["success_count"] == 1
    for who in ("ana", "CORE1", "root"):
        r = get(srv, f"objects/{EMBASSY['id']}/", who)
        (obj,) = r.json()["objects"]
        assert obj["name"] == EMBASSY["name"], who
    versions = get(srv, f"objects/{EMBASSY['id']}/versions/", "root").json()["versions"]
    assert versions == [EMBASSY["modified"]]
    engine = make_engine(srv.db)
    with engine.connect() as conn:
        kept = conn.execute(select(StixDiscrepancy.sender, StixDiscrepancy.version)
                            .where(StixDiscrepancy.object_id == EMBASSY["id"])).all()
    engine.dispose()
    assert [tuple(k) for k in kept] == [("partner:CORE1", "2025-04-01T00:00:00.000Z")]


def test_an_identical_copy_from_a_second_sender_is_no_discrepancy(srv: Server) -> None:
    """Every Tearline partner pushes the same "originator withheld" identity with its objects."""
    from tearline.share.remark import withheld_identity

    same = withheld_identity()
    for who in ("CORE1", "SEL1"):
        assert push(srv, who, [same])["success_count"] == 1, who
    changed = {**same, "name": "someone else"}  # same id and version, other content
    assert push(srv, "SEL1", [changed])["success_count"] == 1  # told "stored" all the same
    engine = make_engine(srv.db)
    with engine.connect() as conn:
        kept = conn.execute(select(StixDiscrepancy.sender).where(
            StixDiscrepancy.object_id == same["id"])).scalars().all()
    engine.dispose()
    assert kept == ["partner:SEL1"]  # only the copy that differs is kept apart


def test_a_partner_may_version_its_own_object(srv: Server) -> None:
    own = indicator(130, "green")
    assert push(srv, "CORE1", [own])["success_count"] == 1
    newer = {**own, "modified": "2025-03-09T00:00:00.000Z", "name": "revised"}
    assert push(srv, "CORE1", [newer])["success_count"] == 1
    got = get(srv, f"objects/{own['id']}/", "ana").json()["objects"]
    assert [o["name"] for o in got] == ["revised"]
    clash = push(srv, "CORE1", [{**newer, "name": "changed without a new modified"}])
    assert clash["failure_count"] == 1


# -- 6: tier changes and revocations apply on the next request ---------------------------
def test_tier_change_and_revocation_apply_on_the_next_request(srv: Server) -> None:
    assert EMBASSY["id"] in ids(srv, "TIER1")
    token = srv.extra["token"]  # type: ignore[attr-defined]
    bearer = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    url = f"{srv.collection_url('shared')}objects/"
    assert requests.get(url, headers=bearer, timeout=30).status_code == 200
    engine = make_engine(srv.db)
    with engine.begin() as conn:
        update_partner(conn, "TIER1", actor="test", tier="selective")
        revoke_token(conn, token, actor="test")
    engine.dispose()
    assert EMBASSY["id"] not in ids(srv, "TIER1")
    assert requests.get(url, headers=bearer, timeout=30).status_code == 401


# -- 10: versions and existence ------------------------------------------------------
def test_latest_visible_version_is_served(srv: Server) -> None:
    r = get(srv, f"objects/{V1['id']}/", "CORE1")
    assert r.status_code == 200, r.text
    assert [o["modified"] for o in r.json()["objects"]] == [V1["modified"]]
    manifest = get(srv, "manifest/", "CORE1", **{"match[id]": V1["id"]}).json()
    assert [o["version"] for o in manifest["objects"]] == [V1["modified"]]
    assert get(srv, f"objects/{V1['id']}/versions/", "CORE1").json()["versions"] == \
        [V1["modified"]]


def test_a_push_does_not_reveal_a_hidden_object(srv: Server) -> None:
    reuse = {**HIDDEN, "name": "probe"}
    fresh = indicator(140, "green", name="probe")
    a, b = push(srv, "CORE1", [reuse]), push(srv, "CORE1", [fresh])
    assert a["successes"] == [{"id": reuse["id"], "version": reuse["modified"]}]
    assert b["successes"] == [{"id": fresh["id"], "version": fresh["modified"]}]
    assert get(srv, f"objects/{HIDDEN['id']}/", "root").json()["objects"][0]["name"] == \
        HIDDEN["name"]


def _next_token(srv: Server, who: str, **params: Any) -> tuple[str, list[str]]:
    r = get(srv, "objects/", who, limit=1, **params)
    assert r.status_code == 200 and r.json()["more"] is True, r.text
    return r.json()["next"], [o["id"] for o in r.json()["objects"]]


def test_next_tokens_are_opaque_and_good_only_for_their_caller(srv: Server) -> None:
    token, first = _next_token(srv, "CORE1")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    # Nothing the token stands for can be read from it: no id, time or counter.
    assert first[0].split("--")[1].encode() not in raw and b"2025-" not in raw
    assert token == _next_token(srv, "CORE1")[0]  # the same page answers the same
    assert token != _next_token(srv, "ana")[0]  # another caller's token for its first page
    nxt = get(srv, "objects/", "CORE1", limit=1, next=token)
    assert nxt.status_code == 200 and [o["id"] for o in nxt.json()["objects"]] != first
    for other in ("SEL1", "ana", "root"):  # root sees every row CORE1 does; still refused
        r = get(srv, "objects/", other, limit=1, next=token)
        assert r.status_code == 400, (other, r.text)
        assert r.headers["content-type"].startswith("application/taxii+json")
        assert r.json()["title"] == "Bad next token"


def _old_style(at: str, oid: str, version: str) -> str:
    """A token as this server used to issue them: readable, so a partner could write one."""
    return base64.urlsafe_b64encode(f"{at}|{oid}|{version}".encode()).decode().rstrip("=")


def test_forged_tokens_cannot_tell_a_hidden_row_from_a_missing_one(srv: Server) -> None:
    """Finding 10's side channel: status, body and ``next`` may not depend on hidden rows."""
    manifest = get(srv, "manifest/", "root", **{"match[id]": HIDDEN["id"]}).json()
    (entry,) = manifest["objects"]
    assert HIDDEN["id"] not in ids(srv, "CORE1")
    valid, _ = _next_token(srv, "CORE1")
    flipped = valid[:-2] + ("A" if valid[-2] != "A" else "B") + valid[-1]
    missing_id = "indicator--00000000-0000-4000-8000-999999999999"
    forged = {
        "hidden row": _old_style(entry["date_added"], HIDDEN["id"], entry["version"]),
        "missing row": _old_style(entry["date_added"], missing_id, entry["version"]),
        "hidden row, no tie": _old_style(entry["date_added"], HIDDEN["id"], "x"),
        "edited token": flipped,
        "another caller's": _next_token(srv, "root")[0],
        "random": base64.urlsafe_b64encode(os.urandom(45)).decode().rstrip("="),
    }
    answers = {}
    for name, token in forged.items():
        r = get(srv, "objects/", "CORE1", limit=1, next=token)
        answers[name] = (r.status_code, r.headers["content-type"], r.content)
    assert len(set(answers.values())) == 1, answers
    status, _, body = answers["hidden row"]
    assert status == 400 and b'"next"' not in body and b"objects" not in body
    for path in ("manifest/", f"objects/{EMBASSY['id']}/versions/"):
        a = get(srv, path, "CORE1", next=forged["hidden row"])
        b = get(srv, path, "CORE1", next=forged["missing row"])
        assert (a.status_code, a.content) == (b.status_code, b.content) and a.status_code == 400


# -- 11: conformance and errors --------------------------------------------------------
def test_versions_are_compared_as_times(srv: Server) -> None:
    early = indicator(150, "green", modified="2025-03-01T00:00:00Z")
    half = {**early, "modified": "2025-03-01T00:00:00.5Z", "name": "half a second later"}
    created_whole = indicator(151, "green", modified="2025-03-01T00:00:00.5Z")
    created_whole["created"] = "2025-03-01T00:00:00Z"
    status = push(srv, "ana", [early, half, created_whole], alias="shared")
    assert status["failure_count"] == 0, status
    last = get(srv, f"objects/{early['id']}/", "ana").json()["objects"]
    assert [o["modified"] for o in last] == [half["modified"]]
    first = get(srv, f"objects/{early['id']}/", "ana", **{"match[version]": "first"})
    assert [o["modified"] for o in first.json()["objects"]] == [early["modified"]]


def test_a_failure_entry_names_the_version(srv: Server) -> None:
    bad = indicator(152, "green")
    bad["modified"] = "2025-02-01T00:00:00.000Z"  # before created
    (entry,) = push(srv, "CORE1", [bad])["failures"]
    assert entry["id"] == bad["id"] and entry["version"] == bad["modified"]


@pytest.mark.parametrize(("path", "params"), [
    ("objects/", {"next": base64.urlsafe_b64encode(b"2025-01-01T00:00:00Z|9" * 40).decode()}),
    ("objects/", {"next": "9" * 5000}),
    ("objects/", {"added_after": "0001-01-01T00:00:00+14:00"}),
    ("objects/", {"match[version]": "2025-03-01T00:00:00+02:00"}),
    ("objects/", {"match[id]": "indicator--\x00"}),
    ("objects/indicator--\x00/", {}),
    ("manifest/", {"match[type]": "x\x00"}),
])
def test_bad_requests_get_a_taxii_error_not_a_500(srv: Server, path: str,
                                                  params: dict[str, str]) -> None:
    r = get(srv, path, "ana", **params)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/taxii+json")
    assert r.json()["http_status"] == "400"


def test_nul_in_a_status_id_or_user_name_is_not_a_500(srv: Server) -> None:
    r = requests.get(f"{srv.root}status/ab\x00cd/", auth=("ana", PASSWORD),
                     headers={"Accept": TAXII}, timeout=30)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/taxii")
    r = requests.get(f"{srv.root}collections/", auth=("an\x00a", PASSWORD),
                     headers={"Accept": TAXII}, timeout=30)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/taxii")


def test_revoking_a_huge_release_id_is_a_404_in_our_shape(srv: Server) -> None:
    r = requests.post(f"{srv.base}/api/v1/releases/{10**30}/revoke", auth=("root", PASSWORD),
                      json={}, timeout=30)
    assert r.status_code == 404, r.text
    assert r.json()["ok"] is False


# -- 7 and 4: reports ingested while serving; what a released warning carries -------------
def _wait_for(srv: Server, who: str, object_id: str, seconds: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = get(srv, f"objects/{object_id}/", who)
        # An object the caller may not see yet answers 200 with an empty envelope
        # (no "objects" member), exactly like one that does not exist.
        objects = r.json().get("objects") if r.status_code == 200 else None
        if objects:
            obj: dict[str, Any] = objects[0]
            return obj
        time.sleep(0.3)
    raise AssertionError(f"{object_id} never reached {who} over TAXII")


def test_reports_ingested_while_serving_reach_taxii(srv: Server, tmp_path: Path) -> None:
    feed = tmp_path / "late.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in (
        _native("HOME-LATE-1", "Filed after the server started"),
        _native("P1-WARN-1", "Threat to a visiting delegation", category="warning",
                originator="Partner One", tlp="amber", classification="CONFIDENTIAL",
                releasability=["CORE1", "WARN1"]),
    )) + "\n")
    engine = make_engine(srv.db)
    assert ingest_file(engine, feed).error is None
    engine.dispose()
    late = report_stix_id(srv, "HOME-LATE-1")
    assert _wait_for(srv, "CORE1", late)["name"] == "Filed after the server started"
    warning = report_stix_id(srv, "P1-WARN-1")
    ok = _release(srv, "root", warning, "WARN1")
    assert ok.status_code == 201, ok.text
    got = _wait_for(srv, "WARN1", warning)
    # Re-marked for the warning-only service: nothing of our collection, its own REL TO.
    for internal in ("x_tearline_source", "x_tearline_source_kind",
                     "x_tearline_classification"):
        assert internal not in got, internal
    assert got["x_tearline_releasability"] == ["WARN1"]
    assert got["created_by_ref"] != report_creator(srv, warning)
    assert "Partner One" not in json.dumps(got)


def test_a_released_report_crosses_taxii_without_its_protected_values(
        srv: Server, tmp_path: Path) -> None:
    """The sanitizer's guard runs on TAXII too, not only on ``export --as`` (issue 12).

    The analyst's prose names the protected source and collection method; the
    partner's copy must carry neither, while the rest of the report crosses.
    """
    feed = tmp_path / "leaky.jsonl"
    feed.write_text(json.dumps(_native(
        "HOME-LEAKY-1", "Courier seen near the depot",
        body="Courier seen near the depot, per VELVETGLOVE (hotel wiretap), on Tuesday.",
        tlp="red", protected={"source_identity": "VELVETGLOVE",
                              "collection_method": "hotel wiretap"})) + "\n")
    engine = make_engine(srv.db)
    assert ingest_file(engine, feed).error is None
    engine.dispose()
    report = report_stix_id(srv, "HOME-LEAKY-1")
    assert _release(srv, "root", report, "CORE1").status_code == 201
    got = json.dumps(_wait_for(srv, "CORE1", report))
    assert "Courier seen near the depot" in got
    for secret in ("VELVETGLOVE", "hotel wiretap", "HUMINT-ORCHID"):
        assert secret.lower() not in got.lower(), secret
    # Our own user sees the stored text unchanged: the guard is for what crosses.
    own = get(srv, f"objects/{report}/", "root").json()["objects"][0]
    assert "VELVETGLOVE" in own["description"]


def report_creator(srv: Server, object_id: str) -> str:
    r = get(srv, f"objects/{object_id}/", "root")
    return str(r.json()["objects"][0]["created_by_ref"])


# -- 8: incremental pulls under 16 concurrent writers ---------------------------------
def test_incremental_reader_loses_nothing_under_concurrent_adds(srv: Server) -> None:
    writers, per = 16, 50
    batches = [[indicator(10_000 + w * per + i, "green") for i in range(per)]
                for w in range(writers)]
    wanted = {o["id"] for b in batches for o in b}
    seen: list[str] = []
    done = threading.Event()
    start = get(srv, "objects/", "ana").headers.get("X-TAXII-Date-Added-Last")

    def read_new(after: str | None) -> str | None:
        params: dict[str, Any] = {"added_after": after} if after else {}
        while True:
            r = get(srv, "objects/", "ana", **params)
            assert r.status_code == 200, r.text
            body = r.json()
            seen.extend(o["id"] for o in body.get("objects", []) if o["id"] in wanted)
            after = r.headers.get("X-TAXII-Date-Added-Last", after)
            if not body.get("next"):
                return after
            params = {**params, "next": body["next"]}

    def reader() -> None:
        after = start
        while not done.is_set():
            after = read_new(after)
        read_new(after)

    t = threading.Thread(target=reader)
    t.start()
    outcomes: list[int] = []

    def write(batch: list[dict[str, Any]]) -> None:
        outcomes.append(push(srv, "ana", batch, "shared")["success_count"])

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for w in threads:
        w.start()
    for w in threads:
        w.join()
    done.set()
    t.join(timeout=120)
    assert outcomes == [per] * writers
    assert len(seen) == len(set(seen)), "an object was read twice"
    assert set(seen) == wanted, f"missed {len(wanted - set(seen))} of {len(wanted)}"
