"""``sanitize_for_partner``: the one form any stored object takes when it crosses to a partner."""

from __future__ import annotations

from typing import Any

from tearline.share.remark import WITHHELD_IDENTITY_ID, own_identity_id, remark_for_partner
from tearline.warn.sanitize import Sensitive, squash
from tearline.warn.sanitize_stix import sanitize_for_partner

AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
NRD = "identity--0d2c3b4a-1e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _report(**extra: Any) -> dict[str, Any]:
    return {"type": "report", "spec_version": "2.1",
            "id": "report--5db947d6-52a5-5a58-90b5-55cafae9e0a3",
            "created": "2025-02-26T18:00:00.000Z", "modified": "2025-02-26T18:00:00.000Z",
            "published": "2025-02-26T18:00:00.000Z", "name": "Almaty: four-man cell",
            "description": "Lantern reports that four men rented a flat (case file M-4410); "
                           "see https://x.example/Case%20File%20M%2D4410.",
            "object_refs": [NRD], "created_by_ref": NRD, "object_marking_refs": [AMBER, RED],
            "x_tearline_source": "LANTERN", "x_tearline_source_kind": "humint",
            "x_tearline_classification": "SECRET", "x_tearline_caveats": ["NTK:ORCHID"],
            "x_tearline_releasability": ["NRD", "ALB"],
            "x_tearline_external_id": "MJIC-HUM-2025-0226", **extra}


def _cross(obj: dict[str, Any], sensitive: Sensitive = Sensitive()) -> dict[str, Any]:
    out, _ = sanitize_for_partner(obj, "ALB", sensitive, own_identity_id=own_identity_id(),
                                  withheld_identity_id=WITHHELD_IDENTITY_ID)
    return out


def test_a_stored_report_crosses_re_marked_and_without_its_source_or_protected_values() -> None:
    out = _cross(_report(), Sensitive(protected=("case file M-4410",)))
    for key in ("x_tearline_source", "x_tearline_source_kind", "x_tearline_classification",
                "x_tearline_caveats"):
        assert key not in out
    assert out["x_tearline_releasability"] == ["ALB"]
    assert out["object_marking_refs"] == [RED]  # the most restrictive of the two
    assert out["created_by_ref"] == WITHHELD_IDENTITY_ID and out["object_refs"] == [
        WITHHELD_IDENTITY_ID]
    text = out["description"].lower()
    assert "lantern" not in text
    assert squash("case file M-4410") not in squash(text)  # nor percent-encoded in the URL
    assert "four men rented a flat" in text  # the report still says what it says
    # ids, times and the originator's reference number cross unchanged
    for key in ("id", "created", "modified", "published", "x_tearline_external_id"):
        assert out[key] == _report()[key]


def test_a_public_outlet_keeps_its_name_and_plain_objects_pass_unchanged() -> None:
    news = _report(x_tearline_source="Steppe Observer", x_tearline_source_kind="osint",
                   description="The Steppe Observer reported a cell in Almaty.")
    assert "Steppe Observer" in _cross(news)["description"]
    indicator = {"type": "indicator", "spec_version": "2.1",
                 "id": "indicator--1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
                 "created": "2025-03-01T00:00:00Z", "modified": "2025-03-01T00:00:00Z",
                 "name": "C2", "pattern": "[ipv4-addr:value = '198.51.100.7']",
                 "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z"}
    assert _cross(indicator) == indicator
    assert remark_for_partner(indicator, "ALB") == indicator


def test_remark_for_partner_is_the_sanitizer() -> None:
    """share.remark is a shell: the same object, the same result."""
    sens = Sensitive(protected=("case file M-4410",))
    assert remark_for_partner(_report(), "ALB", sens) == _cross(_report(), sens)
