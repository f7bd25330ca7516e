"""Every read path, as one table: ``READ_PATHS``.

Each entry asks one way of reading (REST, TAXII under one filter, export,
CLI, what ``sync`` would push) what it returns to one principal, and says which
of the allowed object versions it should return. The property test
(``test_every_read_path``) checks them all against ``policy.decide`` applied
to markings the test computes itself from what it generated. A new read path
(a console page, say) is one more ``ReadPath`` appended here.

Results are sets of ``(id, version)``; native reports have one version, so
their version is left out (``""``) on every path.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import requests
from click.testing import CliRunner
from sqlalchemy import Engine

from tearline.cli import main
from tearline.share.definitions import partner_definitions
from tearline.share.policy import Marking, Principal, decide
from tearline.share.sync import push_batch, push_query
from tearline.web.taxii import SHARED

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TAXII = "application/taxii+json;version=2.1"
Key = tuple[str, str]


@dataclass(frozen=True)
class Version:
    """One stored version and what the test knows about it (never read back from the store)."""

    id: str
    version: str  # "" for a native report
    stamp: datetime | None  # the version as a time (None for a report)
    type: str
    marking: Marking
    added_at: datetime | None = None  # when the store added it (from the store: not policy)
    #: Ids it references (a relationship's source then target, a report's object_refs).
    links: tuple[str, ...] = ()


@dataclass
class Example:
    """What one Hypothesis example stored."""

    versions: list[Version] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    added_after: datetime | None = None
    warnings: dict[str, str] = field(default_factory=dict)
    """Duty-to-warn case id -> the version whose marking its case file carries."""

    @property
    def ids(self) -> set[str]:
        return {v.id for v in self.versions}

    def allowed(self, who: Principal) -> list[Version]:
        return [v for v in self.versions if decide(who, v.marking)]

    def hidden(self, who: Principal) -> set[str]:
        """Stored ids of which ``decide`` lets ``who`` see no version."""
        return self.ids - {v.id for v in self.allowed(who)}

    def shareable(self, who: Principal) -> list[Version]:
        """The allowed versions less those withheld for a hidden reference (finding 10).

        Stated from STIX 2.1, not from the code: a relationship needs both
        endpoints, a grouping (like a report) a non-empty ``object_refs``; a
        reference to an object never stored hides nothing.
        """
        hidden = self.hidden(who)
        out = []
        for v in self.allowed(who):
            if v.links and v.type == "relationship" and {v.links[0], v.links[-1]} & hidden:
                continue
            if v.links and v.type == "grouping" and not set(v.links) - hidden:
                continue
            out.append(v)
        return out


@dataclass
class World:
    """How to reach one instance: in process, through the CLI, and one real server."""

    engine: Engine
    db: str
    client: TestClient
    live: str | None
    tokens: dict[str, str]
    principals: dict[str, Principal]
    cli_as: dict[str, str]


def key(v: Version) -> Key:
    return (v.id, v.version)


def norm(oid: str, version: str) -> Key:
    return (oid, "" if oid.startswith("report--") else version)


# -- what each path should return, from the allowed versions ---------------------------------
Select = Callable[[Example, list[Version]], set[Key]]


def every(_: Example, vs: list[Version]) -> set[Key]:
    return {key(v) for v in vs}


def reports_only(_: Example, vs: list[Version]) -> set[Key]:
    """Native reports (no version): REST and the CLI list those, not STIX report objects."""
    return {key(v) for v in vs if v.type == "report" and not v.version}


def _extreme(vs: list[Version], pick: Callable[[Iterable[datetime]], datetime]) -> set[Key]:
    out: set[Key] = set()
    for oid in {v.id for v in vs}:
        mine = [v for v in vs if v.id == oid]
        if mine[0].stamp is None:
            out |= {key(v) for v in mine}
            continue
        best = pick(v.stamp for v in mine if v.stamp is not None)
        out |= {key(v) for v in mine if v.stamp == best}
    return out


def latest(_: Example, vs: list[Version]) -> set[Key]:
    return _extreme(vs, max)


def earliest(_: Example, vs: list[Version]) -> set[Key]:
    return _extreme(vs, min)


def added_after(ex: Example, vs: list[Version]) -> set[Key]:
    t = ex.added_after
    return {k for k in latest(ex, vs)
            if t is None or any(key(v) == k and v.added_at and v.added_at > t for v in vs)}


def warning_cases(ex: Example, vs: list[Version]) -> set[Key]:
    """The cases whose case-file marking (that of one version) the principal may see."""
    return {key(v) for v in vs if ex.warnings.get(v.id) == v.version}


def of_type(kind: str, pick: Select = latest) -> Select:
    return lambda ex, vs: pick(ex, [v for v in vs if v.type == kind])


def one_id(pick: Select) -> Select:
    return lambda ex, vs: pick(ex, [v for v in vs if v.id == first_id(ex)])


def one_stamp(ex: Example, vs: list[Version]) -> set[Key]:
    stamp = first_stamp(ex)
    return {key(v) for v in vs if v.version and v.stamp == stamp[1]}


def first_id(ex: Example) -> str:
    return sorted(ex.ids)[0]


def first_stamp(ex: Example) -> tuple[str, datetime | None]:
    dated = sorted((v for v in ex.versions if v.stamp), key=lambda v: (v.id, v.version))
    return (dated[0].version, dated[0].stamp) if dated else ("", None)


# -- how each path is asked -------------------------------------------------------------------
Ask = Callable[[World, str, Example], set[Key]]


def _taxii_get(world: World, who: str, path: str, params: dict[str, str],
               live: bool = False) -> list[dict[str, Any]]:
    """Every page of one TAXII read, following ``next``; 404 is an empty answer."""
    url = f"/taxii2/api1/collections/{SHARED.id}/{path}"
    headers = {"Accept": TAXII, "Authorization": f"Bearer {world.tokens[who]}"}
    items: list[dict[str, Any]] = []
    params = dict(params)
    while True:
        if live:
            assert world.live is not None
            r: Any = requests.get(world.live + url, params=params, headers=headers, timeout=30)
        else:
            r = world.client.get(url, params=params, headers=headers)
        if r.status_code == 404:
            assert r.headers["content-type"].startswith("application/taxii+json")
            return items
        assert r.status_code == 200, (url, params, r.status_code, r.text[:300])
        body = r.json()
        items += body.get("objects", []) + [{"version": v} for v in body.get("versions", [])]
        if not body.get("more"):
            return items
        params["next"] = body["next"]


def no_hidden_refs(world: World, who: str, ex: Example,
                   objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``objects``, after checking none names an object ``decide`` hides from ``who``."""
    hidden = ex.hidden(world.principals[who])
    for o in objects:
        named = {v for k, v in o.items() if k.endswith("_ref") and k != "created_by_ref"}
        named |= {r for k, v in o.items() if k.endswith("_refs") and k != "object_marking_refs"
                  and isinstance(v, list) for r in v}
        assert not named & hidden, f"{o['id']} names hidden {sorted(named & hidden)} for {who}"
    return objects


def taxii_objects(params: dict[str, str], live: bool = False) -> Ask:
    def ask(world: World, who: str, ex: Example) -> set[Key]:
        p = _fill(params, ex)
        return {norm(o["id"], o.get("modified", "")) for o in
                no_hidden_refs(world, who, ex, _taxii_get(world, who, "objects/", p, live))}
    return ask


def taxii_manifest(params: dict[str, str]) -> Ask:
    def ask(world: World, who: str, ex: Example) -> set[Key]:
        return {norm(o["id"], o["version"]) for o in
                _taxii_get(world, who, "manifest/", _fill(params, ex))}
    return ask


def taxii_object(params: dict[str, str]) -> Ask:
    def ask(world: World, who: str, ex: Example) -> set[Key]:
        got: set[Key] = set()
        for oid in sorted(ex.ids):
            got |= {norm(o["id"], o.get("modified", "")) for o in no_hidden_refs(
                world, who, ex, _taxii_get(world, who, f"objects/{oid}/", _fill(params, ex)))}
        return got
    return ask


def taxii_versions(world: World, who: str, ex: Example) -> set[Key]:
    got: set[Key] = set()
    for oid in sorted(ex.ids):
        got |= {norm(oid, o["version"]) for o in
                _taxii_get(world, who, f"objects/{oid}/versions/", {})}
    return got


def _fill(params: dict[str, str], ex: Example) -> dict[str, str]:
    """Placeholders in a filter: the example's first id, first version, added_after."""
    out = {}
    for k, v in params.items():
        if v == "{id}":
            v = first_id(ex)
        elif v == "{ids}":
            v = ",".join(sorted(ex.ids))
        elif v == "{stamp}":
            v = first_stamp(ex)[0] or "2000-01-01T00:00:00Z"
        elif v == "{added_after}":
            assert ex.added_after is not None
            v = ex.added_after.isoformat().replace("+00:00", "Z")
        out[k] = v
    return out


def rest_list(world: World, who: str, ex: Example) -> set[Key]:
    got: set[Key] = set()
    offset: int | None = 0
    while offset is not None:
        r = world.client.get("/api/v1/reports", params={"limit": 500, "offset": offset},
                             headers={"Authorization": f"Bearer {world.tokens[who]}"})
        assert r.status_code == 200, r.text[:300]
        body = r.json()
        got |= {(i["id"], "") for i in body["items"]}
        offset = body["next_offset"]
    return got


def rest_get(world: World, who: str, ex: Example) -> set[Key]:
    got: set[Key] = set()
    for rid in ex.reports:
        r = world.client.get(f"/api/v1/reports/{rid}",
                             headers={"Authorization": f"Bearer {world.tokens[who]}"})
        assert r.status_code in (200, 404), r.text[:300]
        if r.status_code == 200:
            got.add((r.json()["item"]["id"], ""))
        else:
            assert r.json()["ok"] is False
    return got


def rest_warnings(world: World, who: str, ex: Example) -> set[Key]:
    r = world.client.get("/api/v1/warnings",
                         headers={"Authorization": f"Bearer {world.tokens[who]}"})
    assert r.status_code == 200, r.text[:300]
    return {(i["id"], ex.warnings.get(i["id"], "")) for i in r.json()["items"]}


def rest_warning(world: World, who: str, ex: Example) -> set[Key]:
    got: set[Key] = set()
    for wid, version in sorted(ex.warnings.items()):
        r = world.client.get(f"/api/v1/warnings/{wid}",
                             headers={"Authorization": f"Bearer {world.tokens[who]}"})
        assert r.status_code in (200, 404), r.text[:300]
        if r.status_code == 200:
            assert r.json()["item"]["id"] == wid
            got.add((wid, version))
        else:
            assert r.json()["ok"] is False
    return got


_ADMIN_ENV: dict[str, dict[str, str]] = {}


def _cli(world: World, *args: str) -> Any:
    # The world has users, so the CLI acts through a token (issue 14); an admin's,
    # since `--as` needs approver or admin and the check is what `--as` shows.
    if world.db not in _ADMIN_ENV:
        from tests.conftest import admin_env

        _ADMIN_ENV[world.db] = admin_env(world.db)
    return CliRunner().invoke(main, ["--db", world.db, *args], env=_ADMIN_ENV[world.db])


def cli_reports(world: World, who: str, ex: Example) -> set[Key]:
    res = _cli(world, "reports", "--json", "--limit", "1000", "--as", world.cli_as[who])
    assert res.exit_code == 0, res.output
    return {(r["id"], "") for r in orjson.loads(res.output)}


def cli_show(world: World, who: str, ex: Example) -> set[Key]:
    got: set[Key] = set()
    for rid in ex.reports:
        res = _cli(world, "show", rid, "--json", "--as", world.cli_as[who])
        if res.exit_code == 0:
            got.add((orjson.loads(res.output)["id"], ""))
        else:
            assert "no report matches" in res.output, res.output
    return got


def cli_export(world: World, who: str, ex: Example) -> set[Key]:
    res = _cli(world, "export", "--stix", "--as", world.cli_as[who])
    assert res.exit_code == 0, res.output
    return {norm(o["id"], o.get("modified", "")) for o in
            no_hidden_refs(world, who, ex, orjson.loads(res.output)["objects"])}


def sync_push(world: World, who: str, ex: Example) -> set[Key]:
    """What ``tearline sync`` would push to this partner on a first run."""
    p = world.principals[who]
    if p.kind.value != "partner":
        return set(every(ex, ex.shareable(p)))  # only partners are pushed to: nothing to check
    with world.engine.connect() as conn:
        texts = [t for t, _, _ in conn.execute(push_query(p, None, None))]
        sent = [t for t in push_batch(conn, p, partner_definitions(conn, p), texts)
                if t is not None]
    return {norm(o["id"], o.get("modified", "")) for o in
            no_hidden_refs(world, who, ex, list(map(orjson.loads, sent)))}


# -- console pages (issue 13): local users through a session; partners have no console --------
_CONSOLE: dict[tuple[int, str], TestClient] = {}
_CASE_ROW = re.compile(r'<tr data-case="([^"]+)">')


def _console(world: World, who: str) -> TestClient:
    """A console session of ``who`` (a session cookie, as the sign-in form would set it)."""
    from tearline.web.console.sessions import SESSION_COOKIE, new_session

    if (id(world), who) not in _CONSOLE:
        c = TestClient(world.client.app, base_url="https://testserver", follow_redirects=False)
        c.cookies.set(SESSION_COOKIE, new_session(who)[1])
        _CONSOLE[(id(world), who)] = c
    return _CONSOLE[(id(world), who)]


def case_pages_expect(ex: Example, vs: list[Version]) -> set[Key]:
    """Cases (warnings filed under a STIX id) every stored version of which the user may see.

    A case page is marked as the most restrictive of its own marking (TLP:AMBER,
    unclassified here), every STIX version stored under its id and its thread
    (none here), so all versions must be allowed.
    """
    ok = {key(v) for v in vs}
    out: set[Key] = set()
    # The cases themselves: a warning's facet is judged as a warning but is no case.
    for oid in {v.id for v in ex.versions if v.id in ex.warnings and v.type != "report"}:
        mine = {key(v) for v in ex.versions if v.id == oid}
        if mine <= ok:
            out |= mine
    return out


def console_cases(world: World, who: str, ex: Example) -> set[Key]:
    """The console's case list, and each case page, as one user sees them."""
    p = world.principals[who]
    if p.kind.value != "user":
        # No partner signs in to the console: without a session the page is the sign-in.
        r = world.client.get("/console/cases", follow_redirects=False)
        assert r.status_code == 303 and "/console/login" in r.headers["location"]
        return case_pages_expect(ex, ex.shareable(p))  # nothing a partner could see: no check
    c = _console(world, who)
    r = c.get("/console/cases")
    assert r.status_code == 200, r.text[-300:]
    listed = set(_CASE_ROW.findall(r.text))
    for oid in sorted({v.id for v in ex.versions if v.type != "report"}):
        page = c.get(f"/console/cases/{oid}")
        assert page.status_code in (200, 404), page.text[-300:]
        assert (page.status_code == 200) == (oid in listed), (oid, page.status_code)
    return {key(v) for v in ex.versions if v.id in listed}


@dataclass(frozen=True)
class ReadPath:
    name: str
    ask: Ask
    expect: Select


READ_PATHS: list[ReadPath] = [
    ReadPath("rest list", rest_list, reports_only),
    ReadPath("rest get", rest_get, reports_only),
    ReadPath("taxii objects", taxii_objects({}), latest),
    ReadPath("taxii objects version=all", taxii_objects({"match[version]": "all"}), every),
    ReadPath("taxii objects version=first", taxii_objects({"match[version]": "first"}),
             earliest),
    ReadPath("taxii objects version=last,first",
             taxii_objects({"match[version]": "last,first"}),
             lambda ex, vs: latest(ex, vs) | earliest(ex, vs)),
    ReadPath("taxii objects version=<stamp>", taxii_objects({"match[version]": "{stamp}"}),
             one_stamp),
    ReadPath("taxii objects added_after", taxii_objects({"added_after": "{added_after}"}),
             added_after),
    ReadPath("taxii objects type=indicator", taxii_objects({"match[type]": "indicator"}),
             of_type("indicator")),
    ReadPath("taxii objects type=report", taxii_objects({"match[type]": "report"}),
             of_type("report")),
    ReadPath("taxii objects id=<id> version=all",
             taxii_objects({"match[id]": "{id}", "match[version]": "all"}), one_id(every)),
    ReadPath("taxii objects limit=1 (paged)",
             taxii_objects({"match[id]": "{ids}", "limit": "1"}), latest),
    ReadPath("taxii manifest", taxii_manifest({}), latest),
    ReadPath("taxii manifest version=all", taxii_manifest({"match[version]": "all"}), every),
    ReadPath("taxii manifest added_after", taxii_manifest({"added_after": "{added_after}"}),
             added_after),
    ReadPath("taxii object", taxii_object({}), latest),
    ReadPath("taxii object version=all", taxii_object({"match[version]": "all"}), every),
    ReadPath("taxii object version=first", taxii_object({"match[version]": "first"}), earliest),
    ReadPath("taxii versions", taxii_versions, every),
    ReadPath("taxii objects (real server)", taxii_objects({}, live=True), latest),
    ReadPath("taxii objects version=all (real server)",
             taxii_objects({"match[version]": "all"}, live=True), every),
    ReadPath("cli reports --as", cli_reports, reports_only),
    ReadPath("cli show --as", cli_show, reports_only),
    ReadPath("export --stix --as", cli_export, every),
    ReadPath("sync push", sync_push, every),
    ReadPath("console cases (list and pages)", console_cases, case_pages_expect),
    ReadPath("rest warnings", rest_warnings, warning_cases),
    ReadPath("rest warning", rest_warning, warning_cases),
]
