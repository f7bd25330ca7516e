"""Points checked against the TAXII 2.1 OS text itself (sections 5.3, 5.6, 5.8), real server.

* 5.3.1: every manifest-record has id, date_added, version (the STIX
  ``modified``, else ``created``) and a media_type listed on the collection;
  an empty manifest omits ``objects``.
* 5.6 / 5.4: an object that exists but whose filters leave nothing is an empty
  envelope, not an error; 200 answers carry the X-TAXII-Date-Added headers.
* 5.8.1: likewise an empty versions resource omits ``versions``; 404 stays
  for an object that is not there — which, for a caller, includes one it may
  not see (nothing may confirm that a hidden object exists).
* 5.3: the manifest endpoint accepts the Accept list the section shows.
"""

from __future__ import annotations

from typing import Any

import requests

from .conftest import PASSWORD, RED_ID, TLP, VERSIONED_ID, VERSIONS, Server

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
FUTURE = "2999-01-01T00:00:00.000Z"


def _get(server: Server, path: str, who: str = "CORE1", accept: str = TAXII,
         **params: str) -> requests.Response:
    return requests.get(server.collection_url("shared") + path, params=params,
                        headers={"Accept": accept}, auth=(who, PASSWORD), timeout=30)


def _ok(r: requests.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/taxii+json")
    body: dict[str, Any] = r.json()
    return body


def test_manifest_records_carry_the_required_fields(server: Server) -> None:
    media = requests.get(server.collection_url("shared"), headers={"Accept": TAXII},
                         auth=("CORE1", PASSWORD), timeout=30).json()["media_types"]
    body = _ok(_get(server, "manifest/", **{"match[version]": "all"}))
    objects = {o["id"]: o for o in _ok(_get(server, "objects/",
                                            **{"match[version]": "all"}))["objects"]}
    for rec in body["objects"]:
        assert set(rec) == {"id", "date_added", "version", "media_type"}, rec
        assert rec["media_type"] in media
        if rec["id"] in objects and rec["id"] != VERSIONED_ID:
            obj = objects[rec["id"]]
            assert rec["version"] == obj.get("modified", obj.get("created"))
    versions = sorted(r["version"] for r in body["objects"] if r["id"] == VERSIONED_ID)
    assert versions == VERSIONS


def test_an_empty_manifest_omits_objects(server: Server) -> None:
    assert _ok(_get(server, "manifest/", added_after=FUTURE)) == {"more": False}


def test_filters_that_leave_nothing_give_an_empty_envelope(server: Server) -> None:
    body = _ok(_get(server, f"objects/{VERSIONED_ID}/",
                    **{"match[version]": "2000-01-01T00:00:00.000Z"}))
    assert "objects" not in body
    body = _ok(_get(server, f"objects/{VERSIONED_ID}/versions/", added_after=FUTURE))
    assert "versions" not in body


def test_absent_and_hidden_objects_stay_404_under_any_filter(server: Server) -> None:
    absent = "indicator--99999999-9999-4999-8999-999999999999"
    for oid in (absent, RED_ID):  # RED_ID exists, but CORE1 may not see it
        for path, params in ((f"objects/{oid}/", {}),
                             (f"objects/{oid}/", {"match[version]": "all"}),
                             (f"objects/{oid}/versions/", {"added_after": FUTURE})):
            r = _get(server, path, **params)
            assert r.status_code == 404, (oid, path, r.status_code)
            assert r.headers["content-type"].startswith("application/taxii+json")


def test_a_200_carries_the_date_added_headers(server: Server) -> None:
    for path in (f"objects/{VERSIONED_ID}/", f"objects/{VERSIONED_ID}/versions/",
                 "manifest/", "objects/", f"objects/{TLP['green']}/"):
        r = _get(server, path)
        _ok(r)
        assert r.headers["X-TAXII-Date-Added-First"].endswith("Z"), path
        assert r.headers["X-TAXII-Date-Added-Last"].endswith("Z"), path


def test_manifest_accepts_the_combined_accept_list(server: Server) -> None:
    _ok(_get(server, "manifest/", accept=f"{TAXII},{STIX}"))


def _walk(server: Server, path: str, key: str, **params: str) -> list[Any]:
    """Every page of a paged resource (§3.4): ``more`` and ``next`` together, then neither."""
    out: list[Any] = []
    while True:
        r = _get(server, path, **params)
        body = _ok(r)
        assert ("next" in body) == bool(body.get("more")), body
        out += body.get(key, [])
        first, last = r.headers["X-TAXII-Date-Added-First"], r.headers["X-TAXII-Date-Added-Last"]
        assert first <= last, (first, last)
        if not body.get("more"):
            return out
        params = {**params, "next": body["next"]}


def test_versions_and_manifest_page_with_limit_and_next(server: Server) -> None:
    """§5.6 and §5.8 take ``limit`` and ``next`` like get objects; pages join up exactly."""
    assert _walk(server, f"objects/{VERSIONED_ID}/versions/", "versions", limit="1") == VERSIONS
    whole = _ok(_get(server, "manifest/", **{"match[version]": "all"}))["objects"]
    paged = _walk(server, "manifest/", "objects", limit="2", **{"match[version]": "all"})
    assert paged == whole and len(whole) > 2
    dates = [m["date_added"] for m in paged]
    assert dates == sorted(dates)  # ordered by date_added, as the envelope's headers say


def test_versions_take_added_after(server: Server) -> None:
    """§5.8 lists ``added_after`` for the versions endpoint: versions added later only."""
    body = _ok(_get(server, f"objects/{VERSIONED_ID}/versions/", **{"added_after": FUTURE}))
    assert "versions" not in body and body.get("more") is not True
    assert _ok(_get(server, f"objects/{VERSIONED_ID}/versions/",
                    added_after="2000-01-01T00:00:00Z"))["versions"] == VERSIONS
