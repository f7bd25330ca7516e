"""Every ``tearline`` command in the README runs, as written, on the demo database.

The README is the first thing a new user tries; an example that fails
without saying why is a bug. Commands are read from the README's bash blocks
(comments stripped by the shell lexer), run from a scratch folder where
``demo.db`` is a fresh ``tearline demo``, and must exit 0. ``serve`` must come
up and answer before it is stopped; prompts get a password on standard input.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tearline.settings import REPO_ROOT

TEARLINE = [sys.executable, "-c", "from tearline.cli import main; main()"]
PROMPT_ANSWERS = "readme-pass-1\nreadme-pass-1\n"


def readme_commands() -> list[list[str]]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "tearline":
                out.append(words[1:])
    return out


def test_the_readme_has_commands_to_run() -> None:
    commands = readme_commands()
    assert len(commands) >= 15
    assert all(c[:2] == ["--db", "demo.db"] for c in commands), "examples use the demo db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    port = str(_free_port())
    args = [port if a == "8400" else a for a in args]
    proc = subprocess.Popen([*TEARLINE, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/console/login", timeout=2)
                assert r.status_code == 200
                return
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "serve did not answer within 120 s"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr:
            proc.stderr.close()


def test_every_readme_command_runs_on_the_demo(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "tearline").symlink_to(REPO_ROOT / "tearline")  # for relative example paths
    done = subprocess.run([*TEARLINE, "--db", "demo.db", "demo"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    failures = []
    env = dict(os.environ)
    for args in readme_commands():
        if "serve" in args:
            _serve(args, tmp_path, env)
            continue
        done = subprocess.run([*TEARLINE, *args], cwd=tmp_path, input=PROMPT_ANSWERS,
                              capture_output=True, text=True, timeout=900, env=env)
        if "set-up done" in done.stdout:  # the README's `export TEARLINE_TOKEN=…` step
            env["TEARLINE_TOKEN"] = done.stdout.strip().splitlines()[-1]
        if done.returncode != 0:
            failures.append(f"tearline {shlex.join(args)} → {done.returncode}: "
                            f"{(done.stderr or done.stdout)[-600:]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("command", [["threads"], ["reports"], ["thread", "x"], ["sources"]])
def test_a_read_on_a_missing_database_refuses(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "typo.db"
    done = subprocess.run([*TEARLINE, "--db", str(db), *command], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "no database at" in done.stderr and "Traceback" not in done.stderr
    assert not db.exists()
