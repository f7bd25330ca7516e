"""``export --stix --include`` carries threads and assessments, cut by the policy.

Threads become ``grouping`` objects over their member reports, assessments
``note`` objects with the likelihood and confidence. The bundle validates
(``stix2-validator``; our own objects in strict mode), no reference dangles,
and a partner's bundle says nothing about members it may not see.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from stix2validator import ValidationOptions, validate_instance

from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse
from tests.cli.people_helpers import run, run_json

#: Objects this export adds (report and identity objects keep their own, older form).
OURS = ("grouping", "note", "extension-definition", "marking-definition")


def _export(engine: Engine, tmp_path: Path, *args: str,
            env: dict[str, str] | None = None) -> dict:
    out = tmp_path / f"bundle{len(list(tmp_path.iterdir()))}.json"
    code, stdout, stderr = run(engine, "export", "--stix", "--out", str(out), *args, env=env)
    assert code == 0, stdout + stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _assert_valid(bundle: dict) -> None:
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors][:5]
    mine = {**bundle, "objects": [o for o in bundle["objects"] if o["type"] in OURS]}
    strict = validate_instance(mine, ValidationOptions(version="2.1", strict=True))
    assert strict.is_valid, [str(e) for e in strict.errors][:5]
    ids = {o["id"] for o in bundle["objects"]}
    for o in bundle["objects"]:
        if o["type"] in ("grouping", "note"):
            dangling = [r for r in [*o["object_refs"], *o["object_marking_refs"],
                                    o["created_by_ref"], *o.get("extensions", {})]
                        if r not in ids]
            assert not dangling, (o["id"], dangling)


def test_threads_and_assessments_export_as_groupings_and_notes(engine: Engine,
                                                                tmp_path: Path) -> None:
    assert not ingest_paths(engine, [SCENARIO_DIR]).rejected
    fuse(engine)
    plain = _export(engine, tmp_path)
    assert not [o for o in plain["objects"] if o["type"] in ("grouping", "note")]
    bundle = _export(engine, tmp_path, "--include", "assessments")
    _assert_valid(bundle)
    groupings = [o for o in bundle["objects"] if o["type"] == "grouping"]
    notes = [o for o in bundle["objects"] if o["type"] == "note"]
    threads = run_json(engine, "threads")
    assert len(groupings) == len(threads) == len(notes)
    for t in threads:
        shown = run_json(engine, "thread", t["id"])
        g = next(o for o in groupings if o["name"] == t["title"])
        members = {m["report_id"] for m in shown["members"]}
        assert set(g["object_refs"]) == members
        ext = next(iter(g["extensions"].values()))
        assert ext["thread_id"] == t["id"]
        assert ext["independent_origins"] == t["independent_origins"]
        latest = run_json(engine, "assess", t["id"], "--no-save")
        note = next(n for n in notes if n["object_refs"] == [g["id"]])
        assert latest["likelihood"] in note["abstract"]
        assert note["confidence"] == {"low": 15, "moderate": 50, "high": 85}[
            latest["confidence"]]
    # the same thread exports under the same id every time
    again = _export(engine, tmp_path, "--include", "threads")
    assert {o["id"] for o in again["objects"] if o["type"] == "grouping"} == \
        {g["id"] for g in groupings}
    assert not [o for o in again["objects"] if o["type"] == "note"]


def _admin(engine: Engine) -> dict[str, str]:
    from tearline.security.credentials import issue_user_token
    from tearline.security.users import add_user

    with engine.begin() as conn:
        add_user(conn, "chief", actor="test", clearance="TOP SECRET",
                 roles=["admin", "approver", "analyst"], compartments=["*"])
        return {"TEARLINE_TOKEN": issue_user_token(conn, "chief", actor="test")}


def test_partner_export_applies_the_policy_to_threads(engine: Engine, tmp_path: Path) -> None:
    assert not ingest_paths(engine, [SCENARIO_DIR]).rejected
    fuse(engine)
    env = _admin(engine)
    code, out, err = run(engine, "partners", "add", "NRD", "--name",
                         "Northern Reach Directorate", "--tier", "core", env=env)
    assert code == 0, out + err
    seen = {r["id"] for r in run_json(engine, "reports", "--as", "NRD", env=env)}
    threads = run_json(engine, "threads", env=env)
    members = {t["id"]: {m["report_id"] for m in run_json(engine, "thread", t["id"],
                                                           env=env)["members"]}
               for t in threads}
    # a thread holding anything the partner may not see does not go; one whose every
    # member it may see goes whole (the demo has at least one of the first kind)
    whole = {t for t, ids in members.items() if not ids - seen}
    assert len(whole) < len(members)
    bundle = _export(engine, tmp_path, "--include", "assessments", "--as", "NRD", env=env)
    groupings = [o for o in bundle["objects"] if o["type"] == "grouping"]
    assert len(groupings) == len(whole)
    assert {frozenset(g["object_refs"]) for g in groupings} == {
        frozenset(members[t]) for t in whole}
    before = {g["id"] for g in groupings}
    # released by an approver, a thread goes, naming only the members the partner sees
    tid = max(members, key=lambda t: len(members[t] & seen))
    hidden = members[tid] - seen
    assert members[tid] & seen and hidden
    code, out, err = run(engine, "release", tid, "--to", "NRD", "--reason", "joint op",
                         env=env)
    assert code == 0, out + err
    bundle = _export(engine, tmp_path, "--include", "assessments", "--as", "NRD", env=env)
    _assert_valid(bundle)
    [g] = [o for o in bundle["objects"] if o["type"] == "grouping" and o["id"] not in before]
    assert set(g["object_refs"]) == members[tid] & seen
    text = json.dumps(bundle)
    assert not [h for h in hidden if h in text], "nothing about members it may not see"
    # an assessment counts every member, so it does not go while some are hidden
    assert not [o for o in bundle["objects"] if o["type"] == "note"
                and g["id"] in o.get("object_refs", [])]
    ext = next(iter(g["extensions"].values()))
    assert "classification" not in ext and "independent_origins" not in ext
    assert "SECRET" not in text
