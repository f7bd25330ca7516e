"""The console end to end in headless Chromium: what an analyst sees and does.

Each step asserts on visible text (what a person reads), not on markup, and
saves a screenshot of the page as an artefact.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PARTNER, TEARLINE, USERS, LiveServer, shot
from tests.conftest import admin_env

pytestmark = pytest.mark.browser

PASTED = ("ALMATY, March 20 (Northstar Wire) — Police in Almaty said on Thursday they were "
          "still searching the Steppe Crown Hall after the attack claimed by Islamic State "
          "Khorasan Province, and that two more suspects had been detained near the hall.")


def _by(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def _text(driver: Any) -> str:
    return str(_by(driver, "body").text)


def _sign_in(driver: Any, server: LiveServer, user: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{server.base}/console")
    assert "Sign in to the console" in _text(driver)
    _by(driver, "input[name=username]").send_keys(user)
    _by(driver, "input[name=password]").send_keys(USERS[user][0])
    _new_page(driver, lambda: _by(driver, "form button[type=submit]").click())
    assert _by(driver, "#who .name").text == user, _text(driver)[:300]


def _new_page(driver: Any, action: Any) -> None:
    """Do ``action`` (a click that sends a form) and wait until the next page has loaded.

    Reading at once could still find the old page's elements, or none while it goes.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("tag name", "html")
    action()

    def gone(_: Any) -> bool:
        # Chromium answers a query on a node of the page being left either as a
        # stale element or, mid-navigation, as "node does not belong to the
        # document": both mean the old page is gone.
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 60).until(gone)
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def test_sign_in_board_ingest_thread_and_ach(driver: Any, live_server: LiveServer) -> None:
    _sign_in(driver, live_server, "ana")
    who = _by(driver, "#who").text
    assert "ana" in who and "admin, analyst" in who and "cleared TOP SECRET" in who
    body = _text(driver)
    assert "Threat board" in body
    assert "Islamic State Khorasan Province · Almaty · Steppe Crown Hall" in body
    banner = _by(driver, "#banner-top").text
    assert "TLP:" in banner and banner == _by(driver, "#banner-bottom").text
    shot(driver, "01-board")

    driver.get(f"{live_server.base}/console/ingest")
    _by(driver, "input[name=title]").send_keys("Almaty police still searching Steppe Crown Hall")
    _by(driver, "input[name=outlet]").send_keys("Northstar Wire")
    _by(driver, "input[name=date]").send_keys("2025-03-20")
    _by(driver, "textarea[name=body]").send_keys(PASTED)
    _new_page(driver, lambda: _by(driver, "#ingest-submit").click())
    results = _by(driver, "#results").text
    assert "pasted text" in results and "new" in results
    placed = _by(driver, "a.placed")
    assert placed.text.startswith(("joined thread", "opened thread"))
    shot(driver, "02-ingest-result")
    assert placed.text == f"joined thread {_public_short(live_server.db)}", results

    _new_page(driver, placed.click)
    assert "Almaty police still searching Steppe Crown Hall" in _text(driver)
    assert "Timeline" in _text(driver)
    svg = _by(driver, "#timeline svg")
    assert svg.get_attribute("aria-label") == "Warning timeline"
    graph = _by(driver, "#graph").text
    assert "Almaty" in graph and "actor:" not in graph and "place:city" not in graph
    grade = _by(driver, "#fragments details[open] td.grade").text
    assert re.fullmatch(r"[A-F][1-6]", grade), grade
    cases = _by(driver, "#cases").text
    assert "Duty-to-warn cases" in cases and "identified" in cases, cases
    shot(driver, "03-thread")

    _new_page(driver, lambda: _by(driver, "#ach-seed").click())
    matrix = _by(driver, "#ach-matrix")
    assert "H1" in matrix.text and "H2" in matrix.text
    from selenium.webdriver.support.ui import Select

    first = Select(_by(driver, "#ach-matrix select[aria-label='E1 against H2']"))
    first.select_by_visible_text("II")
    for _ in range(50):  # the change submits its form; wait for the new page
        try:
            chosen = Select(_by(driver, "#ach-matrix select[aria-label='E1 against H2']"))
            if chosen.first_selected_option.text == "II":
                break
        except Exception:
            pass
        time.sleep(0.1)
    assert Select(_by(driver, "#ach-matrix select[aria-label='E1 against H2']")) \
        .first_selected_option.text == "II"
    result = _by(driver, "#ach-result").text
    assert "Ranking:" in result and "H2" in result.split("Ranking:")[1]
    assert _by(driver, "#ach-sensitivity").text
    driver.execute_script("document.getElementById('ach').scrollIntoView()")
    shot(driver, "04-ach")


DRAFT = ('Our liaison notes say "they will strike the hall during the concert"; '
         "details at https://intel.example/item/7.")


def _step(driver: Any, name: str, fields: dict[str, str]) -> str:
    """Fill one step's form on the case page, send it and return the page's message."""
    from selenium.webdriver.support.ui import Select

    form = _by(driver, f"#form-{name}")
    for field, value in fields.items():
        from selenium.webdriver.common.by import By

        el = form.find_element(By.CSS_SELECTOR, f"[name={field}]")
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)
    _new_page(driver, lambda: _by(driver, f"#do-{name}").click())
    message = driver.find_elements("css selector", "#refusal, #done")
    return str(message[0].text) if message else ""


def test_duty_to_warn_case_from_thread_to_delivery(driver: Any, live_server: LiveServer) -> None:
    """Issue 13's flow past the thread: case, sanitized diff, a second user approves, delivery."""
    _sign_in(driver, live_server, "ana")
    driver.get(f"{live_server.base}/console/threads/a3ad4324")
    _new_page(driver, lambda: _by(driver, "#cases a.case-link").click())
    assert "Duty-to-warn case" in _by(driver, "#case-title").text
    assert _by(driver, "#case-state").text == "identified"
    shot(driver, "10-case-identified")
    case_url = driver.current_url.split("?")[0]

    said = _step(driver, "review", {"note": "Reporting checked against the thread",
                                    "proposal": "Warn the harbour police",
                                    "add_recipients": PARTNER})
    assert said == "Review recorded.", said
    assert "WARN1 (Harbour Police Service, warning-only)" in _by(driver, "#recipients").text
    # ana is no approver: the workflow's own sentence, and the case does not move.
    said = _step(driver, "approve", {"reason": "I reviewed it"})
    assert said.startswith("Refused: 'ana' may not do this: it needs the role 'approver'"), said
    assert _by(driver, "#case-state").text == "under review"

    _sign_in(driver, live_server, "abe")  # a different approver signs in
    driver.get(case_url)
    assert "abe" in _by(driver, "#who").text
    said = _step(driver, "approve", {"reason": "Specific, credible threat to the hall"})
    assert said == "Decision to warn approved.", said
    assert _by(driver, "#approved-by").text == "abe"
    assert _by(driver, "#case-state").text == "approved"

    _sign_in(driver, live_server, "ana")
    driver.get(case_url)
    said = _step(driver, "draft", {"instruction": "Raise protective security at the hall",
                                   "text": DRAFT})
    assert said.startswith("Draft saved"), said
    said = _step(driver, "sanitize", {})
    assert said == "Sanitized for every recipient.", said
    side = _by(driver, f"#sanitized-{PARTNER}")
    original = side.find_element("css selector", ".col.original").text
    releasable = side.find_element("css selector", ".col.releasable").text
    assert "https://intel.example/item/7" in original and "liaison notes" in original
    assert "intel.example" not in releasable and "liaison" not in releasable
    assert "quote withheld" in releasable and "Duty to warn: threat of" in releasable
    removals = side.find_element("css selector", "table.removals").text
    assert "URLs can reveal collection and are not actionable" in removals
    assert "direct quotation (intercepts and source words are never quoted)" in removals
    driver.execute_script("document.getElementById('sanitizer').scrollIntoView()")
    shot(driver, "11-case-sanitized-diff")

    _sign_in(driver, live_server, "abe")  # ana wrote the draft, so abe releases it
    driver.get(case_url)
    said = _step(driver, "release", {"reason": "Sanitized text approved for the police"})
    assert said == "Released for delivery.", said
    said = _step(driver, "deliver", {"to": PARTNER})
    assert said == "Delivery recorded.", said
    assert _by(driver, "#case-state").text == "delivered"
    delivered = _by(driver, "table.deliveries tbody").text
    assert re.search(r"taxii WARN1 [0-9a-f]{64} abe", delivered), delivered
    history = _by(driver, "#history").text
    for action in ("review", "approve", "draft", "sanitize", "release", "deliver"):
        assert f" {action} " in f" {history} ", action
    driver.execute_script("document.getElementById('deliveries').scrollIntoView()")
    shot(driver, "12-case-delivered")

    _sign_in(driver, live_server, "ana")
    driver.get(f"{live_server.base}/console/cases")
    listing = _by(driver, "#case-list").text
    assert "delivered" in listing and _public_short(live_server.db) in listing
    shot(driver, "13-cases")
    driver.get(f"{live_server.base}/console/insider")
    assert "Insider alerts" in _text(driver)
    assert driver.find_elements("css selector", "#insider-alerts")
    shot(driver, "14-insider-alerts")


def test_board_updates_without_reload(driver: Any, live_server: LiveServer,
                                      tmp_path: Path) -> None:
    _sign_in(driver, live_server, "ana")
    before = _by(driver, "#live").get_attribute("data-fragments")
    article = tmp_path / "late.md"
    article.write_text("# Hamburg transit police raise alert level\nOutlet: Vantage Daily\n"
                       "Date: 2025-03-21\n\nHAMBURG — Transit police raised the alert level "
                       "at the Nordkai Transit Hub on Friday.\n")
    done = subprocess.run([*TEARLINE, "--db", live_server.db,
                           "ingest", str(article)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **admin_env(live_server.db)})
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline:
        status = _by(driver, "#live-status").text
        if status.startswith("Updated:"):
            break
        time.sleep(0.5)
    assert status.startswith("Updated:"), status
    assert f"{int(before or 0) + 1} fragment(s)" in status
    shot(driver, "05-board-live")


def test_clearance_cuts_the_board_and_banner(driver: Any, live_server: LiveServer) -> None:
    _sign_in(driver, live_server, "ana")
    full = _text(driver)
    _sign_in(driver, live_server, "una")
    who = _by(driver, "#who").text
    assert "cleared UNCLASSIFIED" in who
    body = _text(driver)
    assert "UNCLASSIFIED" in _by(driver, "#banner-top").text
    assert len(body) < len(full)
    shot(driver, "06-board-unclassified")


def test_partners_and_audit_pages(driver: Any, live_server: LiveServer) -> None:
    _sign_in(driver, live_server, "ana")
    driver.get(f"{live_server.base}/console/audit")
    assert "Hash chain verified" in _text(driver)
    assert "console.login" in _text(driver)
    shot(driver, "07-audit")
    driver.get(f"{live_server.base}/console/partners")
    assert "Partners" in _text(driver) and "Sync status" in _text(driver)
    shot(driver, "08-partners")
    driver.get(f"{live_server.base}/docs")
    time.sleep(1.5)
    assert "Tearline" in _text(driver)  # Swagger UI rendered from the packaged script
    shot(driver, "09-docs")


def _public_short(db: str) -> str:
    """The demo thread's short id as the console shows it (keyed per instance)."""
    from tearline.fusion.query import public_thread_id, short_id
    from tearline.store.db import make_engine

    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return short_id(public_thread_id(
                conn, "thread:report--a3ad4324-e880-53d7-93af-288454209398"))
    finally:
        engine.dispose()
