"""``releases.has_live_release`` and the release-free visibility it allows.

A partner with no live release gets the TAXII page statement without the
release EXISTS terms (``visible_stix_filter(any_release=False)``); that is only
sound if "no live release" is read exactly: a revoked release is none, a live
one for another partner is none, and one live release for this partner means
the full condition. Every read path is held to ``policy.decide`` with and
without releases by ``test_every_read_path``; this pins the switch itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.sql.elements import False_

from tearline.model.principal import Principal
from tearline.share.partners import create_partner
from tearline.share.releases import has_live_release, visible_stix_filter
from tearline.store.schema import Release, StixObject


def _release(conn: object, oid: str, code: str) -> int:
    row = conn.execute(
        insert(Release)
        .values(  # type: ignore[attr-defined]
            object_id=oid,
            partner_code=code,
            approved_by="root",
            at=datetime.now(UTC),
            revoked_at=None,
        )
        .returning(Release.id)
    )
    return int(row.scalar_one())


def test_only_a_live_release_to_this_partner_counts(engine: Engine) -> None:
    core = Principal.partner("CORE1", "core")
    with engine.begin() as conn:
        create_partner(conn, "CORE1", "Core one", "core", actor="test")
        create_partner(conn, "SEL1", "Selective one", "selective", actor="test")
        assert has_live_release(conn, core) is False
        _release(conn, "indicator--1", "SEL1")  # someone else's release
        assert has_live_release(conn, core) is False
        rid = _release(conn, "indicator--2", "CORE1")
        assert has_live_release(conn, core) is True
        conn.execute(update(Release).where(Release.id == rid).values(revoked_at=datetime.now(UTC)))
        assert has_live_release(conn, core) is False  # revoked: nothing live
        assert has_live_release(conn, Principal.user("u", "SECRET")) is True


def test_the_release_free_condition_drops_only_the_release_terms(engine: Engine) -> None:
    core = Principal.partner("CORE1", "core")
    full = str(select(StixObject.id).where(visible_stix_filter(core)))
    bare = str(select(StixObject.id).where(visible_stix_filter(core, any_release=False)))
    assert "releases" in full and "releases" not in bare
    assert "rel_to" in bare and "tlp" in bare  # the marking tests stay
    # A selective partner sees only what is released to it: with no live
    # release, the condition is the constant "nothing", whatever the row.
    selective = Principal.partner("SEL1", "selective")
    assert isinstance(visible_stix_filter(selective, any_release=False), False_)
    assert not isinstance(visible_stix_filter(selective), False_)
