"""A real ``tearline serve`` on the demo data, and headless Debian Chromium to drive it.

The browser is the system's ``chromium`` through ``chromedriver`` (installed
by ``./dev``); nothing is downloaded. Locally a missing browser skips these
tests with the reason; with ``CI=true`` it fails them. Screenshots of every
main page are written to ``.artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tearline.security.users import add_user
from tearline.settings import REPO_ROOT
from tearline.share.partners import create_partner
from tearline.store.db import make_engine
from tests.conftest import IN_CI, admin_env

#: How tests run the command line: this interpreter, so the tree under test is used.
TEARLINE = [sys.executable, "-c", "from tearline.cli import main; main()"]
ARTIFACTS = REPO_ROOT / ".artifacts" / "screenshots"
USERS = {"ana": ("ana-pass-1", ["analyst", "admin"], "TOP SECRET"),
         "abe": ("abe-pass-2", ["approver", "analyst"], "SECRET"),
         "una": ("una-pass-3", ["analyst"], "UNCLASSIFIED")}
PARTNER = "WARN1"


@dataclass
class LiveServer:
    base: str
    db: str
    proc: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: str) -> None:
    done = subprocess.run([*TEARLINE, *args], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                shared_data: Path) -> Iterator[LiveServer]:
    db = str(tmp_path_factory.mktemp("browser") / "demo.db")
    _run("--db", db, "demo")
    engine = make_engine(db)
    with engine.begin() as conn:
        for name, (password, roles, clearance) in USERS.items():
            add_user(conn, name, actor="test", roles=roles, clearance=clearance,
                     compartments=["*"] if "admin" in roles else [], password=password)
        # A warning-only partner to warn over TAXII (the demo has no partners).
        create_partner(conn, PARTNER, "Harbour Police Service", "warning-only", actor="test")
    engine.dispose()
    port = _free_port()
    proc = subprocess.Popen([*TEARLINE, "--db", db, "serve",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE,
                            env={**os.environ, **admin_env(db)})  # serve needs an admin token
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            raise RuntimeError(f"tearline serve exited: {err}")
        try:
            httpx.get(f"{base}/console/login", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("tearline serve did not start within 180 s") from None
            time.sleep(0.2)
    try:
        yield LiveServer(base, db, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _browser_problem() -> str | None:
    for exe in ("chromium", "chromedriver"):
        if shutil.which(exe) is None:
            return f"{exe} is not installed (./dev test installs Debian's chromium and " \
                   "chromium-driver)"
    return None


@pytest.fixture(scope="session")
def driver() -> Iterator[object]:
    problem = _browser_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true but {problem}")
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-gpu"):
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield browser
    finally:
        browser.quit()


def shot(driver: object, name: str) -> Path:
    """Save a full-window screenshot of the current page as an artefact."""
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path

