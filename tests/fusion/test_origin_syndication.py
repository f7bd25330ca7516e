"""The syndication benchmark's copy transforms, one at a time, on a synthetic article.

Session 4 looked for the transform that loses copies on the tuning split and
found none: a copy joins its source whatever was done to it, as long as some
of the source's prose survives the cut, and the misses that remain are ECB+
articles the answer key joins by its own wire-group rule (``docs/
benchmarks-fusion.md``). These tests keep that so: each transform alone and
all of them together must leave the copy in its source's origin in both
arrival orders, and the same wire credit on an unrelated article must not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tearline.fusion.boilerplate import clean_fragment
from tearline.fusion.origins import OriginIndex
from tearline.model.fragment import Fragment

T0 = datetime(2025, 6, 2, 8, tzinfo=UTC)

ARTICLE = [
    "Flood water from the Arden River broke through a levee outside Millbrook on Sunday night, "
    "forcing about four hundred households to leave their homes before dawn.",
    "Emergency crews from three counties worked with sandbags along the northern embankment, "
    "where the breach first opened behind the old grain terminal.",
    "County engineer Harriet Vale said the levee had been inspected in March and showed no sign "
    "of the seepage that crews found along its base on Saturday afternoon.",
    "The regional hospital moved patients from its ground floor as a precaution, and two schools "
    "on Canal Street were opened as shelters for families without relatives nearby.",
    "Power was cut to the riverside district shortly after midnight when water reached a "
    "substation, leaving roughly six thousand customers without electricity.",
    "Farmers to the south of the town reported fields of young maize under a metre of water, "
    "and the agriculture office began a survey of damaged land on Monday morning.",
    "Rail services between Millbrook and Easton were suspended because the line runs along the "
    "embankment, and the operator said buses would replace trains for at least a week.",
    "Forecasters expect the river to crest on Tuesday evening, after further rain upstream in "
    "the hill country where several tributaries were already running high.",
    "The mayor asked residents who stayed behind to register with the town hall so that rescue "
    "boats could be directed to houses where people needed help leaving.",
    "Insurance assessors are due to arrive once the water recedes, and the county has set up a "
    "telephone line for owners of flooded businesses along the waterfront.",
]
UNRELATED = (
    "A new ferry timetable for the northern islands starts next month, adding an evening "
    "crossing on weekdays and a second boat during the summer festival weeks, the port said.\n"
    "The harbour authority expects passenger numbers to rise by a tenth this year after the "
    "terminal reopened with a larger waiting hall and a covered walkway to the car park.\n"
    "Fares for island residents stay the same, while visitors will pay slightly more at peak "
    "times to cover the cost of the extra sailings and new staff on the quay."
)
CREDIT = "PORTSIDE (Harbour Wire) -"
FOOTER = [
    "Home | News | Weather | Sport | Business | Opinion",
    "Sign up for our morning newsletter in your inbox.",
    "Copyright 2025 The Valley Courier. All rights reserved.",
]


def _fragment(fid: str, body: str, title: str, hours: int, outlet: str) -> Fragment:
    at = T0 + timedelta(hours=hours)
    return Fragment(
        id=fid, title=title, body=body, reported_at=at, received_at=at, originator=outlet,
        source_name=outlet, source_kind="news", source_agency="test", reliability="C",
        credibility=3, outlet=outlet,
    )  # fmt: skip


def _cut(paras: list[str]) -> list[str]:
    return paras[: round(len(paras) * 0.4)]


def _lower_names(paras: list[str]) -> list[str]:
    return [re.sub(r"(?<=[a-z,;] )([A-Z][a-z]+)", lambda m: m.group(1).lower(), p) for p in paras]


def _reorder(paras: list[str]) -> list[str]:
    out = list(paras)
    out[1], out[-1] = out[-1], out[1]
    return out


def _footer(paras: list[str]) -> list[str]:
    return [FOOTER[0], *paras, *FOOTER[1:]]


def _credit(paras: list[str]) -> list[str]:
    return [f"{CREDIT} {paras[0]}", *paras[1:]]


TRANSFORMS: dict[str, list[Callable[[list[str]], list[str]]]] = {
    "cut to 40 %": [_cut],
    "names lower-cased": [_lower_names],
    "paragraphs reordered": [_reorder],
    "outlet footer": [_footer],
    "wire credit": [_credit],
    "all, cut last": [_lower_names, _reorder, _footer, _credit, _cut],
    "all, cut first": [_cut, _lower_names, _reorder, _credit, _footer],
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("copy_first", [False, True])
def test_a_syndicated_copy_joins_its_source(name: str, copy_first: bool) -> None:
    paras = list(ARTICLE)
    for step in TRANSFORMS[name]:
        paras = step(paras)
    source = _fragment("src", "\n\n".join(ARTICLE), "Levee breach floods Millbrook", 0, "Gazette")
    headline = "UPDATE: floods Millbrook - Levee breach"
    copy = _fragment("copy", "\n\n".join(paras), headline, 2, "Valley Courier")
    index = OriginIndex()
    for f in (copy, source) if copy_first else (source, copy):
        index.add(clean_fragment(f))
    assert index.cluster_of("copy") == index.cluster_of("src")
    assert index.reasons("copy"), "the link keeps its evidence"


@pytest.mark.parametrize("copy_first", [False, True])
def test_the_same_wire_credit_alone_does_not_merge(copy_first: bool) -> None:
    copy = _fragment("copy", "\n\n".join(_credit(_cut(ARTICLE))), "Floods", 2, "Valley Courier")
    other = _fragment("other", f"{CREDIT} {UNRELATED}", "Ferries", 1, "Island Post")
    index = OriginIndex()
    for f in (copy, other) if copy_first else (other, copy):
        index.add(clean_fragment(f))
    assert index.cluster_of("copy") != index.cluster_of("other")
