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


def test_dismissals_and_denials_are_events() -> None:
    body = "The Kremlin dismissed the embassy warning as too vague to act upon."
    kinds = {e[0] for e in fragment_events(_fragment(body), []).events}
    assert "denial" in kinds


def test_casualties_of_older_incidents_are_not_compared() -> None:
    from datetime import date

    from tearline.fusion.discrepancies import casualty_values

    body = (
        "Gunmen killed 137 people at the hall on Friday. "
        "The Beslan siege of 2004 ended with 333 people killed. "
        "On 28 February police killed two suspects in a raid."
    )
    text = "\n\n" + body

    def killed(n: int, word: str) -> Mention:
        start = text.index(word)
        value = {"kind": "killed", "count": n}
        return Mention(MentionKind.CASUALTIES, word, start, start + len(word), value)

    feb = _date("28 February", body, "2025-02-28")
    mentions = [killed(137, "killed 137"), killed(333, "333 people killed"),
                killed(2, "killed two"), feb]  # fmt: skip
    assert casualty_values(mentions, text, date(2025, 3, 14)) == [("killed", "137")]
    assert len(casualty_values(mentions)) == 3  # without the event date nothing is dropped


def test_timeline_events_show_their_anchor() -> None:
    from tearline.fusion.timeline import build_timeline

    body = "Gunmen attacked the hall last Friday. Officials issued a statement."
    frag = _fragment(body)
    events = fragment_events(frag, [_date("last Friday", body, "2025-03-14")])
    timeline = {e.kind.value: e.to_dict() for e in build_timeline({"f": events})}
    assert timeline["attack"]["anchors"] == ["last Friday"]
    assert timeline["attack"]["date"] == "2025-03-14"
    assert timeline["statement"]["anchors"] == ["report date"]
