"""The assessment commands through click's runner on the demo database."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from tearline.assess.cli import COMMANDS


class _Obj:
    def __init__(self, engine) -> None:
        self.engine = engine

    def principal(self, *roles: str) -> object:  # the CLI's acting user (security.identity)
        from tearline.share.policy import local_owner

        return local_owner()


def _group() -> click.Group:
    group = click.Group("t")
    for cmd in COMMANDS:
        group.add_command(cmd)
    return group


def test_commands_run_and_store(demo) -> None:
    runner = CliRunner()
    obj = _Obj(demo.engine)
    out = runner.invoke(_group(), ["assess", "NRD-SIG-2025-0224", "--json"], obj=obj)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["stored_version"] >= 1 and data["confidence"] in ("low", "moderate", "high")
    out = runner.invoke(_group(), ["assess", "NRD-SIG-2025-0224", "--override", "0.3"], obj=obj)
    assert out.exit_code != 0 and "--reason" in out.output
    out = runner.invoke(_group(), ["ach", "CSP-STM-2025-0316", "--add-hypothesis", "H1",
                                   "ISIS-K cell", "--add-evidence", "E1", "intercepts",
                                   "--fragment", "NRD-SIG-2025-0318", "--rate", "E1", "H1", "CC",
                                   "--export", "csv"], obj=obj)
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1].startswith("E1,intercepts,A2")
    out = runner.invoke(_group(), ["ach", "CSP-STM-2025-0316", "--rate", "E1", "H1", "XX"],
                        obj=obj)
    assert out.exit_code != 0 and "CC, C, N, I, II, NA" in out.output
    out = runner.invoke(_group(), ["alarms", "CSP-STM-2025-0309", "--json"], obj=obj)
    kinds = {a["kind"] for a in json.loads(out.output)}
    assert {"dismissal", "warning_fatigue"} <= kinds
    out = runner.invoke(_group(), ["asof", "NRD-SIG-2025-0224", "--at", "2025-02-25"], obj=obj)
    assert out.exit_code == 0 and "1 fragments" in out.output
