"""stix2's TAXIICollectionSource and TAXIICollectionSink against ``tearline serve``."""

from __future__ import annotations

import stix2
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource
from taxii2client.v21 import Collection

from .conftest import AMBER_CORE_ID, PASSWORD, RED_ID, VERSIONED_ID, VERSIONS
from .conftest import Server as Running


def _col(server: Running, alias: str, user: str) -> Collection:
    return Collection(server.collection_url(alias), user=user, password=PASSWORD)


def test_source_query_get_and_all_versions(server: Running) -> None:
    src = TAXIICollectionSource(_col(server, "shared", "ana"), allow_custom=True)
    indicators = src.query([Filter("type", "=", "indicator")])
    assert indicators and {o.type for o in indicators} == {"indicator"}
    got = src.get(VERSIONED_ID)
    assert got is not None and got.modified == stix2.utils.parse_into_datetime(VERSIONS[-1])
    assert len(src.all_versions(VERSIONED_ID)) == len(VERSIONS)
    one = src.query([Filter("id", "=", AMBER_CORE_ID)])
    assert [o.id for o in one] == [AMBER_CORE_ID]


def test_source_as_partner_respects_policy(server: Running) -> None:
    src = TAXIICollectionSource(_col(server, "shared", "CORE1"), allow_custom=True)
    assert src.get(RED_ID) is None
    assert src.get(AMBER_CORE_ID) is not None


def test_sink_adds_to_shared_and_inbox(server: Running) -> None:
    ind = stix2.Indicator(name="sink test", pattern="[ipv4-addr:value = '192.0.2.9']",
                          pattern_type="stix",
                          object_marking_refs=[stix2.TLP_GREEN])
    TAXIICollectionSink(_col(server, "shared", "ana")).add(ind)
    src = TAXIICollectionSource(_col(server, "shared", "ana"))
    assert src.get(ind.id).name == "sink test"
    pushed = stix2.Indicator(name="from a partner", pattern="[ipv4-addr:value = '192.0.2.10']",
                             pattern_type="stix", object_marking_refs=[stix2.TLP_GREEN])
    TAXIICollectionSink(_col(server, "inbox", "CORE1")).add(pushed)
    assert src.get(pushed.id).name == "from a partner"
