"""Every TAXII 2.1 endpoint and filter, through the OASIS client against ``tearline serve``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from tearline.web.taxii import INBOX, SHARED

from .conftest import (
    AMBER_CORE_ID,
    AMBER_ID,
    GREEN_IDS,
    PASSWORD,
    RED_ID,
    RELEASED_ID,
    SECRET_ID,
    VERSIONED_ID,
    VERSIONS,
    indicator,
)
from .conftest import Server as Running

MEDIA = "application/taxii+json;version=2.1"


def shared(srv: Running, user: str = "ana") -> Collection:
    return Collection(srv.collection_url("shared"), user=user, password=PASSWORD)


def ids_of(envelope: dict[str, Any]) -> list[str]:
    return [o["id"] for o in envelope.get("objects", [])]


def all_objects(col: Collection, per_request: int = 0, **filters: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in as_pages(col.get_objects, per_request=per_request, **filters):
        out.extend(page.get("objects", []))
    return out


# -- discovery, API root, collections ----------------------------------------------
def test_discovery_lists_the_api_root(server: Running) -> None:
    s = Server(server.discovery, user="ana", password=PASSWORD)
    assert s.title == "Tearline TAXII 2.1"
    assert [r.url for r in s.api_roots] == [server.root]
    assert s.default.url == server.root


def test_api_root_information(server: Running) -> None:
    root = ApiRoot(server.root, user="ana", password=PASSWORD)
    assert root.versions == [MEDIA]
    assert root.max_content_length > 10_000_000


@pytest.mark.parametrize(("user", "expected"), [
    ("ana", {"shared": (True, True)}),
    ("reader", {"shared": (True, False)}),
    ("CORE1", {"shared": (True, False), "inbox": (False, True)}),
    ("WARN1", {"shared": (True, False)}),
])
def test_collections_reflect_the_callers_rights(server: Running, user: str,
                                                expected: dict[str, tuple[bool, bool]]) -> None:
    root = ApiRoot(server.root, user=user, password=PASSWORD)
    got = {c.alias: (c.can_read, c.can_write) for c in root.collections}
    assert got == expected
    one = Collection(server.collection_url("shared"), user=user, password=PASSWORD)
    assert one.id == SHARED.id and one.title == SHARED.title
    assert one.media_types == ["application/stix+json;version=2.1"]


# -- get objects: the policy decides the view --------------------------------------
def test_local_user_sees_within_clearance(server: Running) -> None:
    got = {o["id"] for o in all_objects(shared(server))}
    assert {*GREEN_IDS, AMBER_CORE_ID, AMBER_ID, RED_ID, RELEASED_ID, VERSIONED_ID} <= got
    assert SECRET_ID not in got  # ana is cleared to CONFIDENTIAL only
    top = {o["id"] for o in all_objects(shared(server, "root"))}
    assert SECRET_ID in top


@pytest.mark.parametrize(("partner", "must", "never"), [
    ("CORE1", {*GREEN_IDS, AMBER_CORE_ID, VERSIONED_ID}, {AMBER_ID, RED_ID, SECRET_ID,
                                                         RELEASED_ID}),
    ("SEL1", {RELEASED_ID}, {*GREEN_IDS, AMBER_CORE_ID, AMBER_ID, RED_ID, SECRET_ID}),
    ("WARN1", set(), {*GREEN_IDS, AMBER_CORE_ID, AMBER_ID, RED_ID, SECRET_ID, RELEASED_ID}),
])
def test_partner_views_follow_the_policy(server: Running, partner: str, must: set[str],
                                         never: set[str]) -> None:
    got = {o["id"] for o in all_objects(shared(server, partner))}
    assert must <= got
    assert not (never & got)
    if partner == "SEL1":
        assert got == {RELEASED_ID}
    if partner == "WARN1":
        assert got == set()


def test_bearer_token_authenticates_a_partner(server: Running) -> None:
    token = server.token  # type: ignore[attr-defined]
    r = requests.get(server.collection_url("shared") + "objects/",
                     headers={"Accept": MEDIA, "Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200
    assert AMBER_CORE_ID in ids_of(r.json())


def test_pagination_is_complete_strict_and_headed(server: Running) -> None:
    col = shared(server)
    everything = all_objects(col)
    paged = all_objects(col, per_request=7)
    assert [o["id"] for o in paged] == [o["id"] for o in everything]
    assert len({(o["id"], o.get("modified")) for o in paged}) == len(paged)
    url = server.collection_url("shared") + "objects/"
    r = requests.get(url, params={"limit": 7}, auth=("ana", PASSWORD),
                     headers={"Accept": MEDIA}, timeout=10)
    env = r.json()
    assert r.headers["Content-Type"] == MEDIA
    assert env["more"] is True and len(env["objects"]) == 7 and env["next"]
    first, last = r.headers["X-TAXII-Date-Added-First"], r.headers["X-TAXII-Date-Added-Last"]
    assert first <= last and last.endswith("Z")
    r2 = requests.get(url, params={"limit": 7, "next": env["next"]}, auth=("ana", PASSWORD),
                      headers={"Accept": MEDIA}, timeout=10)
    assert r2.headers["X-TAXII-Date-Added-First"] >= last
    assert not set(ids_of(env)) & set(ids_of(r2.json()))


# -- filters -------------------------------------------------------------------------
def test_match_type_and_id(server: Running) -> None:
    col = shared(server)
    types = {o["type"] for o in all_objects(col, type="indicator")}
    assert types == {"indicator"}
    both = {o["type"] for o in all_objects(col, type=["indicator", "malware"])}
    assert both == {"indicator", "malware"}
    assert ids_of(col.get_objects(id=GREEN_IDS[0])) == [GREEN_IDS[0]]
    assert sorted(ids_of(col.get_objects(id=GREEN_IDS[:2]))) == sorted(GREEN_IDS[:2])


def test_match_version(server: Running) -> None:
    col = shared(server)

    def mods(**f: Any) -> list[str]:
        return sorted(o["modified"] for o in col.get_objects(id=VERSIONED_ID, **f)["objects"])

    assert mods() == [VERSIONS[-1]]  # default: last
    assert mods(version="last") == [VERSIONS[-1]]
    assert mods(version="first") == [VERSIONS[0]]
    assert mods(version="all") == VERSIONS
    assert mods(version=VERSIONS[1]) == [VERSIONS[1]]
    assert mods(version="2025-03-02T00:00:00Z") == [VERSIONS[1]]  # another spelling
    assert mods(version=[VERSIONS[0], "last"]) == [VERSIONS[0], VERSIONS[-1]]


def test_match_spec_version(server: Running) -> None:
    col = shared(server)
    assert len(all_objects(col, spec_version="2.1")) == len(all_objects(col))
    assert col.get_objects(spec_version="2.0") == {"more": False}


def test_added_after(server: Running) -> None:
    col = shared(server)
    manifest = []
    for page in as_pages(col.get_manifest, per_request=5):
        manifest.extend(page["objects"])
    dates = [m["date_added"] for m in manifest]
    assert dates == sorted(dates)
    pivot = dates[len(dates) // 2]
    assert len(set(dates)) == len(dates)  # one timestamp per object, strictly increasing
    after = all_objects(col, added_after=pivot)
    assert after and len(after) == sum(1 for d in dates if d > pivot)


# -- manifest, one object, versions ---------------------------------------------------
def test_manifest(server: Running) -> None:
    env = shared(server).get_manifest(type="indicator", version="all")
    entries = {(m["id"], m["version"]) for m in env["objects"]}
    assert {(VERSIONED_ID, v) for v in VERSIONS} <= entries
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in env["objects"])


def test_get_object_and_versions(server: Running) -> None:
    col = shared(server)
    env = col.get_object(VERSIONED_ID)
    assert [o["modified"] for o in env["objects"]] == [VERSIONS[-1]]
    assert [o["modified"] for o in col.get_object(VERSIONED_ID, version="all")["objects"]] \
        == VERSIONS
    assert col.object_versions(VERSIONED_ID)["versions"] == VERSIONS
    assert col.object_versions(VERSIONED_ID, limit=2) == {
        "more": True, "next": col.object_versions(VERSIONED_ID, limit=2)["next"],
        "versions": VERSIONS[:2]}


def test_hidden_object_is_not_found(server: Running) -> None:
    col = shared(server, "CORE1")
    with pytest.raises(requests.HTTPError) as exc:
        col.get_object(RED_ID)
    assert exc.value.response.status_code == 404
    with pytest.raises(requests.HTTPError):
        col.object_versions(RED_ID)


# -- add objects and status -----------------------------------------------------------
def test_add_objects_is_idempotent_and_reports_status(server: Running) -> None:
    col = shared(server, "ana")
    new = [indicator(500 + i, "green") for i in range(3)]
    status = col.add_objects({"objects": new})
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (3, 3, 0)
    again = col.add_objects({"objects": new})
    assert again.success_count == 3 and again.failure_count == 0
    root = ApiRoot(server.root, user="ana", password=PASSWORD)
    fetched = root.get_status(status.id)
    assert fetched.success_count == 3 and fetched.id == status.id
    assert {o["id"] for o in all_objects(col, id=[o["id"] for o in new])} == \
        {o["id"] for o in new}
    changed = dict(new[0], name="different content, same version")
    bad = {"type": "indicator", "id": "not-an-id"}
    mixed = col.add_objects({"objects": [changed, bad, indicator(510, "green")]})
    assert (mixed.success_count, mixed.failure_count) == (1, 2)
    messages = " ".join(f["message"] for f in mixed.failures)
    assert "different content" in messages and "invalid STIX id" in messages


def test_partner_pushes_to_inbox_not_shared(server: Running) -> None:
    inbox = Collection(server.collection_url("inbox"), user="CORE1", password=PASSWORD)
    status = inbox.add_objects({"objects": [indicator(600, "green")]})
    assert status.success_count == 1
    with pytest.raises(requests.HTTPError) as exc:
        requests.post(server.collection_url("shared") + "objects/",
                      data=json.dumps({"objects": [indicator(601, "green")]}),
                      auth=("CORE1", PASSWORD),
                      headers={"Accept": MEDIA, "Content-Type": MEDIA},
                      timeout=10).raise_for_status()
    assert exc.value.response.status_code == 403
    r = requests.get(server.collection_url("inbox") + "objects/", auth=("CORE1", PASSWORD),
                     headers={"Accept": MEDIA}, timeout=10)
    assert r.status_code == 403
    other = ApiRoot(server.root, user="ana", password=PASSWORD)
    with pytest.raises(requests.HTTPError) as exc2:
        other.get_status(status.id)  # a status is only its requester's
    assert exc2.value.response.status_code == 404


# -- delete ----------------------------------------------------------------------------
def test_delete_only_by_owning_users_with_a_role(server: Running) -> None:
    target = indicator(700, "green")
    shared(server, "ana").add_objects({"objects": [target]})
    for who in ("ana", "CORE1"):
        col = Collection(server.collection_url("inbox" if who == "CORE1" else "shared"),
                         user=who, password=PASSWORD)
        with pytest.raises(requests.HTTPError) as exc:
            col.delete_object(target["id"])
        assert exc.value.response.status_code in (403, 404)
    admin = shared(server, "root")
    admin.delete_object(target["id"])
    with pytest.raises(requests.HTTPError) as gone:
        admin.get_object(target["id"])
    assert gone.value.response.status_code == 404


def test_delete_one_version(server: Running) -> None:
    admin = shared(server, "root")
    objs = [indicator(710, "green", modified=v) for v in VERSIONS[:2]]
    admin.add_objects({"objects": objs})
    admin.delete_object(objs[0]["id"], version=VERSIONS[0])
    assert admin.object_versions(objs[0]["id"])["versions"] == [VERSIONS[1]]


# -- errors ----------------------------------------------------------------------------
def _get(url: str, **kw: Any) -> requests.Response:
    kw.setdefault("headers", {"Accept": MEDIA})
    return requests.get(url, timeout=10, **kw)


def test_error_codes(server: Running) -> None:
    objects = server.collection_url("shared") + "objects/"
    r = _get(objects)
    assert r.status_code == 401 and "Basic" in r.headers["WWW-Authenticate"]
    assert r.headers["Content-Type"] == MEDIA and r.json()["http_status"] == "401"
    assert _get(objects, auth=("ana", "wrong")).status_code == 401
    assert _get(objects, auth=("ana", PASSWORD),
                headers={"Accept": "application/json"}).status_code == 406
    assert _get(objects, auth=("ana", PASSWORD),
                headers={"Accept": "application/taxii+json;version=2.0"}).status_code == 406
    assert _get(server.root + "collections/nope/objects/",
                auth=("ana", PASSWORD)).status_code == 404
    assert _get(server.base + "/taxii2/nope/", auth=("ana", PASSWORD)).status_code == 404
    assert _get(objects, auth=("ana", PASSWORD),
                params={"added_after": "yesterday"}).status_code == 400
    assert _get(objects, auth=("ana", PASSWORD), params={"next": "garbage"}).status_code == 400
    post = {"auth": ("ana", PASSWORD), "timeout": 10}
    r = requests.post(objects, data=b"{}", headers={"Accept": MEDIA,
                                                    "Content-Type": "application/json"}, **post)
    assert r.status_code == 415
    r = requests.post(objects, data=b'{"not": "an envelope"}',
                      headers={"Accept": MEDIA, "Content-Type": MEDIA}, **post)
    assert r.status_code == 422 and r.json()["title"] == "Not an envelope"
    r = requests.post(objects, data=b"{broken", headers={"Accept": MEDIA, "Content-Type": MEDIA},
                      **post)
    assert r.status_code == 400
    r = requests.post(server.collection_url("inbox") + "objects/", data=b'{"objects": []}',
                      headers={"Accept": MEDIA, "Content-Type": MEDIA}, **post)
    assert r.status_code == 404  # a local user does not see the partners' inbox
    assert INBOX.alias == "inbox"


def test_wildcard_accept_is_served(server: Running) -> None:
    r = _get(server.discovery, auth=("ana", PASSWORD), headers={"Accept": "*/*"})
    assert r.status_code == 200 and r.headers["Content-Type"] == MEDIA
