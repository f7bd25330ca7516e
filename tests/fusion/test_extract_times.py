"""Dates and windows resolved against the fragment's date (Sunday 24 March 2024)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tearline.fusion.extract import find_times
from tearline.model.mention import MentionKind

ANCHOR = datetime(2024, 3, 24, 9, 0, tzinfo=UTC)  # a Sunday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It happened on March 7.", "2024-03-07"),
        ("It happened on 7 March 2024.", "2024-03-07"),
        ("Filed 2025-03-07 by the desk.", "2025-03-07"),
        ("On December 30 the cell met.", "2023-12-30"),
        ("It happened yesterday.", "2024-03-23"),
        ("Gunmen attacked last Friday.", "2024-03-22"),
        ("Gunmen attacked on Tuesday.", "2024-03-19"),
        ("They will strike on Tuesday.", "2024-03-26"),
        ("He left two days ago.", "2024-03-22"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    dates = [m for m in find_times(text, ANCHOR) if m.kind is MentionKind.DATE]
    assert [m.value for m in dates] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The attack was on March 22. Three days later, arrests followed.",
            ["2024-03-22", "2024-03-25"],
        ),
        (
            "Police raided a flat on March 22. The day before, a car was stolen.",
            ["2024-03-22", "2024-03-21"],
        ),
        ("Nothing known. The following day, a claim appeared.", ["2024-03-25"]),
    ],
)
def test_relative_to_previous_date(text: str, expected: list[str]) -> None:
    assert [m.value for m in find_times(text, ANCHOR) if m.kind is MentionKind.DATE] == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        (
            "An attack is expected within the next 48 hours.",
            "2024-03-24T09:00:00+00:00",
            "2024-03-26T09:00:00+00:00",
        ),
        ("Attacks are possible in the coming days.", "2024-03-24", "2024-03-31"),
        ("The group planned it in early March.", "2024-03-01", "2024-03-10"),
        ("Plotting took place in late February.", "2024-02-21", "2024-02-29"),
        ("The cell has been active since November.", "2023-11-01", "2024-03-24"),
        ("Leaflets appeared over the weekend.", "2024-03-23", "2024-03-24"),
        ("Chatter rose last week.", "2024-03-11", "2024-03-17"),
        ("The plot was hatched in January.", "2024-01-01", "2024-01-31"),
        ("Watch the venue within the next 3 days.", "2024-03-24", "2024-03-27"),
    ],
)
def test_windows(text: str, start: str, end: str) -> None:
    windows = [m for m in find_times(text, ANCHOR) if m.kind is MentionKind.WINDOW]
    assert [m.value for m in windows] == [{"start": start, "end": end}]


def test_spans_point_at_text() -> None:
    text = "On 7 March 2024, and again yesterday, within the next 48 hours."
    for m in find_times(text, ANCHOR):
        assert text[m.start : m.end] == m.text
