"""Hypothesis: the policy never leaks upward, and its SQL twin agrees row for row.

Markings, principals and releases are generated, including malformed values
(odd case, empty strings, LIKE wildcards, bars in codes), because those are
where a Python rule and a SQL rule drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select

from tearline import settings as tl_settings
from tearline.share.policy import (
    CLASSIFICATION_ORDER,
    TLP_ORDER,
    Marking,
    Principal,
    Tier,
    decide,
    format_rel_to,
    parse_rel_to,
)
from tearline.share.releases import load_index, marking_for_stix_row, visible_stix_filter
from tearline.store.schema import Partner, Release, StixObject, Warning

CODES = ["NRD", "ALB", "CORE-1", "VST"]
WEIRD_CODES = ["nrd", "N_D", "N%", "A|B", "", "X"]
TLPS = st.sampled_from([*TLP_ORDER, None, "", "AMBER", "white", "Green"])
CLASSIFICATIONS = st.sampled_from([*CLASSIFICATION_ORDER, None, "", "secret", "COSMIC"])
codes = st.sampled_from(CODES + WEIRD_CODES)
rel_lists = st.frozensets(codes, max_size=4)
caveats = st.frozensets(st.sampled_from(["NTK:ORCHID", "NTK:BIRCH", "NOFORN"]), max_size=2)
tiers = st.sampled_from(list(Tier))

markings = st.builds(Marking, tlp=TLPS, classification=CLASSIFICATIONS, releasability=rel_lists,
                     caveats=caveats, released_to=rel_lists, is_warning=st.booleans())
partners = st.builds(Principal.partner, codes, tiers)
users = st.builds(lambda c, comp: Principal.user("u", c, comp),
                  st.sampled_from([*CLASSIFICATION_ORDER, "secret", ""]),
                  st.frozensets(st.sampled_from(["NTK:ORCHID", "NTK:BIRCH"])))
TIER_ORDER = [Tier.WARNING_ONLY, Tier.SELECTIVE, Tier.ASSOCIATE, Tier.CORE]


def _level(m: Marking) -> str | None:
    return tl_settings.DEFAULT_TLP if m.tlp is None else m.tlp


@given(partners, markings)
def test_no_partner_sees_above_its_tier(p: Principal, m: Marking) -> None:
    if not decide(p, m):
        return
    released = p.id in m.released_to
    if p.tier is Tier.WARNING_ONLY:
        assert released and m.is_warning
    elif p.tier is Tier.SELECTIVE:
        assert released
    elif not released:
        level = _level(m)
        assert level in TLP_ORDER
        assert not m.compartments
        assert level != "red"
        if p.tier is Tier.ASSOCIATE:
            assert level != "amber+strict"
        community = level in ("clear", "green") and (m.classification or "UNCLASSIFIED") == \
            "UNCLASSIFIED" and m.classification != ""
        assert community or p.id in m.releasability


@given(codes, markings)
def test_a_higher_tier_sees_at_least_what_a_lower_one_does(code: str, m: Marking) -> None:
    seen = [bool(decide(Principal.partner(code, t), m)) for t in TIER_ORDER]
    assert seen == sorted(seen)


@given(users, markings)
def test_users_need_clearance_and_compartments(u: Principal, m: Marking) -> None:
    if decide(u, m):
        cls = "UNCLASSIFIED" if m.classification is None else m.classification
        assert CLASSIFICATION_ORDER.index(cls) <= CLASSIFICATION_ORDER.index(u.clearance)
        assert m.compartments <= u.compartments


@given(st.text(alphabet="|AB-_%a", max_size=12), st.sampled_from(CODES + WEIRD_CODES))
def test_rel_to_parse_matches_substring_rule(rel_to: str, code: str) -> None:
    if code and "|" not in code:
        assert (code in parse_rel_to(rel_to)) == (f"|{code}|" in rel_to)


@given(st.frozensets(st.sampled_from(CODES)))
def test_rel_to_round_trips(codes_: frozenset[str]) -> None:
    assert parse_rel_to(format_rel_to(codes_)) == codes_


# -- decide vs SQL on a real database ------------------------------------------------
def _oid(i: int) -> str:
    return f"indicator--{i:08d}-0000-4000-8000-000000000000"


rel_strings = st.one_of(rel_lists.map(lambda s: format_rel_to(c for c in s if "|" not in c)),
                        st.text(alphabet="|NRDALBnrd_%-", max_size=14))
#: ``stix_objects.sender``: this agency, a partner, a warning's facet (of one of the
#: example's rows, which may or may not be a warning or released) or a malformed mark.
senders = st.one_of(st.just(""), st.integers(0, 11).map(lambda j: f"warning:{_oid(j)}"),
                    st.sampled_from(["warning:", "WARNING:" + "x", "warning:report--gone",
                                     "partner:NRD", " warning:x"]))
rows = st.lists(st.tuples(TLPS, CLASSIFICATIONS, rel_strings, st.sets(st.sampled_from(CODES)),
                          st.booleans(), st.booleans(), senders), min_size=1, max_size=12)
principals = st.one_of(partners, users)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows, who=st.lists(principals, min_size=1, max_size=4))
def test_sql_twin_agrees_with_decide(engine: Engine, data: list[tuple[Any, ...]],
                                     who: list[Principal]) -> None:
    _agree(engine, data, who)


#: Rows that are mostly facets of the first few (often warnings, released to well-formed
#: codes), asked by partners with those codes: where facet rules could drift apart.
facet_rows = st.lists(st.tuples(TLPS, CLASSIFICATIONS, rel_strings,
                                st.sets(st.sampled_from(CODES), min_size=1),
                                st.booleans(), st.booleans(),
                                st.one_of(st.integers(0, 2).map(lambda j: f"warning:{_oid(j)}"),
                                          st.just(""))), min_size=2, max_size=8)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=facet_rows, who=st.lists(st.builds(Principal.partner, st.sampled_from(CODES), tiers),
                                     min_size=1, max_size=4))
def test_sql_twin_agrees_on_warning_facets(engine: Engine, data: list[tuple[Any, ...]],
                                           who: list[Principal]) -> None:
    _agree(engine, data, who)


def _agree(engine: Engine, data: list[tuple[Any, ...]], who: list[Principal]) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for table in (Release, Warning, StixObject, Partner):
            conn.execute(delete(table))
        conn.execute(insert(Partner), [{"code": c, "name": c, "tier": "core", "channels": {},
                                        "credentials": {}, "created_at": now} for c in CODES])
        for i, (tlp, cls, rel, released, revoked, warn, sender) in enumerate(data):
            oid = _oid(i)
            conn.execute(insert(StixObject).values(
                id=oid, version="v", type="indicator", spec_version="2.1", content_hash="h",
                tlp=tlp, rel_to=rel, classification=cls, added_seq=i, added_at=now, json="{}",
                sender=sender))
            for code in released:
                conn.execute(insert(Release).values(object_id=oid, partner_code=code,
                                                    approved_by="t", at=now,
                                                    revoked_at=now if revoked else None))
            if warn:
                conn.execute(insert(Warning).values(id=oid, state="s", created_at=now,
                                                    updated_at=now, payload={}))
    with engine.connect() as conn:
        index = load_index(conn)
        stored = conn.execute(select(StixObject)).all()
        for p in who:
            by_sql = set(conn.execute(select(StixObject.id)
                                      .where(visible_stix_filter(p))).scalars())
            by_decide = {r.id for r in stored if decide(p, marking_for_stix_row(r, index))}
            assert by_sql == by_decide, p
