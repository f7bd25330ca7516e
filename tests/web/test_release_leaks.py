"""An approver's release list shows only releases of objects that approver may read.

Through a real ``tearline serve`` on a loopback port. ``chief`` (TOP SECRET,
NTK:ORCHID) releases a TOP SECRET report and an ORCHID-compartment report to
CORE1; ``deputy`` is an approver cleared SECRET without the compartment. The
release list used to hand ``deputy`` both rows, naming two report ids it may
not read (and, by the partner code, who got them). Each row is now put
through the same ``decide`` as reading the object, and a hidden release's
revoke answers exactly as a release that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tearline.security.credentials import issue_user_token
from tearline.security.users import add_user
from tearline.share.releases import record_release
from tests.share.policy_cases import PASSWORD, Seeded, seed
from tests.taxii.conftest import BACKENDS, Server, fresh_db, migrated, serving

API = "/api/v1"
HIDDEN = ("top-secret", "compartment")


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path
           ) -> Iterator[tuple[Server, Seeded, dict[str, int]]]:
    with fresh_db(request.param, tmp_path) as db:
        engine = migrated(db)
        s = seed(engine)
        rids: dict[str, int] = {}
        with engine.begin() as conn:
            add_user(conn, "deputy", actor="setup", password=PASSWORD,
                     roles=["approver", "analyst"], clearance="SECRET")
            s.tokens["deputy"] = issue_user_token(conn, "deputy", actor="setup", label="t")
            for case in (*HIDDEN, "green-secret"):
                rel = record_release(conn, s.ids[("report", case)], "CORE1",
                                     approved_by="chief", reason="tests")
                rids[case] = int(rel["id"])
        engine.dispose()
        with serving(db) as srv:
            yield srv, s, rids


def _call(srv: Server, s: Seeded, who: str, method: str, path: str) -> requests.Response:
    return requests.request(method, f"{srv.base}{API}{path}", timeout=60,
                            headers={"Authorization": f"Bearer {s.tokens[who]}"})


def test_an_approver_lists_no_release_of_what_it_may_not_read(
        served: tuple[Server, Seeded, dict[str, int]]) -> None:
    srv, s, rids = served
    mine = _call(srv, s, "deputy", "GET", "/releases?active=false")
    assert mine.status_code == 200, mine.text
    listed = {i["id"] for i in mine.json()["items"]}
    assert rids["green-secret"] in listed
    for case in HIDDEN:
        oid = s.ids[("report", case)]
        assert rids[case] not in listed and oid.removeprefix("report--") not in mine.text
        # Asking by the hidden object's id answers as for an id that names nothing.
        by_id = _call(srv, s, "deputy", "GET", f"/releases?object_id={oid}")
        assert by_id.status_code == 200 and by_id.json()["items"] == []
    assert mine.json()["count"] == len(listed)
    # The cleared approver still sees every one of them.
    full = {i["id"] for i in _call(srv, s, "chief", "GET", "/releases").json()["items"]}
    assert set(rids.values()) <= full


def test_revoking_a_hidden_release_is_a_release_that_does_not_exist(
        served: tuple[Server, Seeded, dict[str, int]]) -> None:
    srv, s, rids = served
    missing = _call(srv, s, "deputy", "POST", "/releases/987654/revoke")
    hidden = _call(srv, s, "deputy", "POST", f"/releases/{rids['top-secret']}/revoke")
    assert missing.status_code == hidden.status_code == 404
    assert hidden.json() == {**missing.json(), **{k: v.replace("987654",
                             str(rids["top-secret"])) for k, v in missing.json().items()
                             if isinstance(v, str)}}
    # Still active: the refused revoke changed nothing.
    still = _call(srv, s, "chief", "GET", f"/releases?object_id={s.ids[('report', 'top-secret')]}")
    assert [i["id"] for i in still.json()["items"]] == [rids["top-secret"]]
