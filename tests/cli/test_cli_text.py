"""The shared terminal helpers: wrapped alarm tables, one time order, clean text."""

from __future__ import annotations

from datetime import UTC, datetime

from tearline.cli_text import AlarmRow, Column, alarm_table, by_time, clean, make_table, safe


def test_by_time_puts_newest_first_across_text_forms() -> None:
    items = [{"raised_at": "2025-03-01T10:00:00+00:00", "n": 1},
             {"raised_at": datetime(2025, 3, 5, tzinfo=UTC), "n": 2},
             {"raised_at": "2025-03-03T09:00:00", "n": 3},  # naive: read as UTC
             {"raised_at": "2025-03-03T10:00:00+02:00", "n": 4},  # 08:00 UTC
             {"raised_at": "not a time", "n": 5}]
    assert [i["n"] for i in by_time(items)] == [2, 3, 4, 1, 5]


def test_alarm_table_wraps_the_text_and_keeps_80_columns() -> None:
    text = ("Possible disinformation: CSP-STM-2025-0316 attributes to Kyrgyz special services "
            "(\"the handwriting of the services\"); supported by 0 other origin(s), "
            "contradicted by 7")
    table = alarm_table("2 alarm(s)", [
        AlarmRow("2025-03-16T14:00:00+00:00", "disinformation", text,
                 "thread:report--a3ad4324-e880-53d7-93af-288454209398"),
        AlarmRow("2025-03-09T08:00:00+01:00", "warning_fatigue", "short", None)])
    lines = table.lines(80)
    assert all(len(line) <= 80 for line in lines)
    assert lines[3].startswith("2025-03-16 14:00 a3ad4324 disinformation")
    # every word of the evidence is there, none cut off with an ellipsis
    body = " ".join(line[lines[3].index("Possible"):] for line in lines[3:-1]).split()
    assert " ".join(body) == text and "…" not in "".join(lines)
    assert lines[-1].startswith("2025-03-09 07:00 —        warning fatigue")


def test_fixed_columns_never_cut_and_text_is_neutralised() -> None:
    table = make_table(None, [Column("id"), Column("title", fixed=False)])
    long_id = "NOR-EMB-ALERT-2025-03-05"
    table.add_row(long_id, "x" * 200 + "\x1b[31m")
    line = table.lines(40)[-1]
    assert line.startswith(long_id) and line.endswith("…") and len(line) == 40
    assert clean("a\x1b]8;;http://evil\x1b\\b\x07c") == "abc"
    assert safe("[red]x[/red]") == "\\[red]x\\[/red]"
