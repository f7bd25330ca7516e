"""Timeline dates come from the explicit date nearest the cue (issue 11, cause 5)."""

from __future__ import annotations

from datetime import UTC, datetime

from tearline.fusion.timeline import fragment_events
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

AT = datetime(2025, 3, 17, 9, tzinfo=UTC)


def _fragment(body: str) -> Fragment:
    return Fragment(
        id="f", title="", body=body, reported_at=AT, received_at=AT, originator="t",
        source_name="t", source_kind="news", source_agency="t", reliability="C", credibility=3,
    )  # fmt: skip


def _date(text: str, body: str, iso: str) -> Mention:
    start = ("\n\n" + body).index(text)  # Fragment.text puts "\n\n" after the empty title
    return Mention(MentionKind.DATE, text, start, start + len(text), iso)


def test_the_date_nearest_the_cue_wins_and_is_recorded() -> None:
    body = (
        "Three days after he spoke on Monday, the minister said gunmen attacked the hall "
        "last Friday."
    )
    frag = _fragment(body)
    mentions = [_date("on Monday", body, "2025-03-10"), _date("last Friday", body, "2025-03-14")]
    events = fragment_events(frag, mentions).events
    attack = [e for e in events if e[0] == "attack"]
    assert [(e[1], e[3]) for e in attack] == [("2025-03-14", True)]
    assert "[last Friday]" in attack[0][2]
