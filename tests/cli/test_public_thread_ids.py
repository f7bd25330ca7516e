"""No CLI output names a thread by its internal id (issue 9).

The internal id ``thread:report--<uuid>`` is built from the thread's opening
report, so printing it tells whoever reads the output that report's id. These
tests run the demo and then every command that names a thread, in text and
``--json`` (and the ACH exports), on the demo's threads and duty-to-warn
cases, and look for the internal form anywhere in what was printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tearline.cli import main

INTERNAL = "thread:report--"


def _run(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A database the demo filled, and the demo's own output."""
    db = str(tmp_path_factory.mktemp("ids") / "ids.db")
    return db, _run(db, "demo")


def _threads(db: str) -> list[dict[str, str]]:
    return [{"id": t["id"], "short": t["short"]} for t in json.loads(_run(db, "threads", "--json"))]


def test_demo_output_names_threads_by_public_short_ids(demo: tuple[str, str]) -> None:
    db, out = demo
    assert INTERNAL not in out
    shorts = {t["short"] for t in _threads(db)}
    # the "Next:" hint and the duty-to-warn table give the short id `thread` takes:
    # the public one's, not the first block of the opening report's id
    hint = out.split("Next:", 1)[1].split("thread", 1)[1].split()[0]
    assert hint in shorts
    cases = out.split("Duty to warn (ICD 191)", 1)[1].split("Next:", 1)[0]
    assert any(s in cases for s in shorts)


def test_no_command_prints_an_internal_thread_id(demo: tuple[str, str],
                                                 tmp_path: Path) -> None:
    db, _ = demo
    threads = _threads(db)
    cases = [c["short"] for c in json.loads(_run(db, "warn", "list", "--json"))]
    assert threads and cases, "the demo fuses threads and opens duty-to-warn cases"
    commands: list[tuple[str, ...]] = [
        ("threads",), ("threads", "--json"), ("alarms",), ("alarms", "--json"),
        ("warn", "list"), ("warn", "list", "--json"), ("warn", "scan"),
        ("warn", "scan", "--json"),
        ("export", "--stix", "--include", "threads", "--include", "assessments"),
    ]
    for c in cases:
        commands += [("warn", "show", c), ("warn", "show", c, "--json")]
    for t in threads[:2]:  # the two the demo's cases are on
        for ref in (t["short"], t["id"]):  # public ids, short and whole, are accepted
            commands += [("thread", ref), ("assess", ref), ("alarms", ref),
                         ("asof", ref, "--at", "2025-03-15T00:00:00Z"),
                         ("retro", ref, "--html", str(tmp_path / "retro.html"))]
        ref = t["short"]
        commands += [("thread", ref, "--json"), ("assess", ref, "--json"),
                     ("alarms", ref, "--json"),
                     ("asof", ref, "--at", "2025-03-15T00:00:00Z", "--json"),
                     *(("ach", ref, "--export", fmt) for fmt in ("md", "csv", "json", "html"))]
    for args in commands:
        out = _run(db, *args)
        assert INTERNAL not in out, args
    assert INTERNAL not in (tmp_path / "retro.html").read_text(encoding="utf-8")


def test_json_names_the_thread_by_the_public_id_it_was_asked_about(
        demo: tuple[str, str]) -> None:
    db, _ = demo
    t = _threads(db)[0]
    assert json.loads(_run(db, "assess", t["short"], "--json"))["thread_id"] == t["id"]
    asof = json.loads(_run(db, "asof", t["short"], "--at", "2025-03-15T00:00:00Z", "--json"))
    assert asof["thread_id"] == t["id"]
    ach = json.loads(_run(db, "ach", t["short"], "--export", "json"))
    assert ach["matrix"]["thread_id"] == t["id"]
    alarms = json.loads(_run(db, "alarms", t["short"], "--json"))
    assert alarms and {a["thread"] for a in alarms} == {t["id"]}
