"""Actor mentions, candidates, claims and attributions, and the extract() entry point."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tearline.fusion.catalog import Actor, Catalog, load_catalog, shared_data_dir
from tearline.fusion.catalog.build import ATTACK_FILE, CANADA_FILE, UN_FILE
from tearline.fusion.extract import extract, extract_text, find_actors, find_claims
from tearline.model.fragment import Fragment
from tearline.model.mention import MentionKind

_HAVE_DATA = all((shared_data_dir() / f).is_file() for f in (ATTACK_FILE, UN_FILE, CANADA_FILE))

SMALL = Catalog(
    [
        Actor("ca:36", "Islamic State", ("ISIS", "ISIL", "Daesh"), ("ca:36",)),
        Actor("ca:37", "Islamic State Khorasan Province", ("ISIS-K", "ISKP"), ("ca:37",)),
        Actor("ca:30", "Hizballah", ("Hezbollah",), ("ca:30",)),
        Actor("ca:2", "Abu Nidal Organization", ("ANO",), ("ca:2",)),
        Actor("ca:540", "The Base", (), ("ca:540",)),
    ]
)
ANCHOR = datetime(2024, 3, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ISIS-K claimed the attack.", ["ca:37"]),
        ("Fighters loyal to ISKP and the Islamic State group.", ["ca:37", "ca:36"]),
        ("Daesh and Hezbollah were named.", ["ca:36", "ca:30"]),
        ("IS fighters were seen.", ["ca:36"]),
        ("THIS IS A HEADLINE IN CAPITALS.", []),
        ("the youth of the base were bored", []),
        ("The Base recruited online.", ["ca:540"]),
        ("The ANO claimed the attack.", ["ca:2"]),
        ("The ANO was active.", []),  # an acronym alone, with nothing about attacks
    ],
)
def test_known_actors(text: str, expected: list[str]) -> None:
    assert [m.value for m in find_actors(text, SMALL) if not m.detail.get("candidate")] == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The Black Lion Brigade threatened attacks.", "Black Lion Brigade"),
        ("A statement by the Sons of Liberty Front appeared.", "Sons of Liberty Front"),
        ("Members of the Northern Shield Battalion were arrested.", "Northern Shield Battalion"),
    ],
)
def test_candidate_actors(text: str, name: str) -> None:
    (cand,) = [m for m in find_actors(text, SMALL) if m.detail.get("candidate")]
    assert cand.text == name and cand.confidence < 0.5 and cand.value.startswith("candidate:")


@pytest.mark.parametrize(
    "text", ["The Syrian Army advanced.", "The Red Army choir sang.", "The National Front won."]
)
def test_state_forces_are_not_candidates(text: str) -> None:
    assert [m for m in find_actors(text, SMALL) if m.detail.get("candidate")] == []


@pytest.mark.parametrize(
    ("text", "kind", "actor", "no_evidence"),
    [
        ("Islamic State claimed responsibility for the attack.", "claim", "ca:36", False),
        ("Responsibility was claimed by ISIS-K on Telegram.", "claim", "ca:37", False),
        ("Islamic State's Amaq news agency said its fighters attacked.", "claim", "ca:36", False),
        ("Russian officials blamed Ukraine without providing evidence.", "attribution", None, True),
        ("Officials blamed Hezbollah for the blast.", "attribution", "ca:30", False),
        (
            "President Vladimir Putin said Ukraine was behind the attack, without evidence.",
            "attribution",
            None,
            True,
        ),
    ],
)
def test_claims(text: str, kind: str, actor: str | None, no_evidence: bool) -> None:
    (claim,) = find_claims(text, SMALL)
    assert claim.value["type"] == kind
    assert claim.value["actor"] == actor
    assert claim.value["without_evidence"] is no_evidence


def _fragment(title: str, body: str) -> Fragment:
    return Fragment(
        id="f",
        title=title,
        body=body,
        reported_at=ANCHOR,
        received_at=ANCHOR,
        originator="o",
        source_name="s",
        source_kind="k",
        source_agency="a",
        reliability="B",
        credibility=2,
    )


def test_extract_sorts_and_resolves_overlaps() -> None:
    body = (
        "Gunmen opened fire at Crocus City Hall near Moscow on Friday, killing at least 143 people. "  # noqa: E501
        "ISIS-K claimed responsibility. President Vladimir Putin blamed Ukraine without evidence."
    )
    mentions = extract(_fragment("Moscow attack", body), SMALL)
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    kinds = {m.kind for m in mentions}
    assert {
        MentionKind.ACTOR,
        MentionKind.PLACE,
        MentionKind.VENUE,
        MentionKind.MODALITY,
        MentionKind.DATE,
        MentionKind.CASUALTIES,
        MentionKind.CLAIM,
        MentionKind.PERSON,
    } <= kinds
    people = [m.value for m in mentions if m.kind is MentionKind.PERSON]
    assert people == ["Vladimir Putin"]
    assert not any(m.kind is MentionKind.PLACE and m.text == "Vladimir" for m in mentions)


@pytest.mark.skipif(
    not _HAVE_DATA, reason=f"shared actor lists not found under {shared_data_dir()}"
)
def test_extract_with_seeded_catalog() -> None:
    catalog = load_catalog()
    text = (
        "Islamic State Khorasan Province, also called ISIS-K or ISKP, is distinct from ISIS-Sinai."
    )
    actors = [m for m in find_actors(text, catalog) if not m.detail.get("candidate")]
    ids = [m.value for m in actors]
    assert ids[0] == ids[1] == ids[2] != ids[3]


_PIECES = [
    *"abcXYZ ISKP-’'.,;:\n0123456789",
    "killed",
    "March ",
    "at least ",
    "ISIS",
    " Brigade",
    "claimed responsibility",
    "President ",
    "Moscow",
    "yesterday ",
    "the day before ",
    "Hall",
]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT | st.text(max_size=200))
def test_extraction_never_crashes_and_spans_are_exact(text: str) -> None:
    for m in extract_text(text, ANCHOR, SMALL):
        assert 0 <= m.start <= m.end <= len(text)
        assert text[m.start : m.end] == m.text


CODENAMES = Catalog(
    [
        Actor("attack:G0091", "Silence", ("Whisper Spider",), ("attack:G0091",), "intrusion-set"),
        Actor("attack:G1004", "Lapsus$", ("DEV-0537",), ("attack:G1004",), "intrusion-set"),
        Actor("ca:30", "Hizballah", ("Hezbollah",), ("ca:30",)),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Silence of this kind has preceded earlier operations.", []),
        ("Lapse of the 48-hour window does not end the threat.", []),  # skeleton of Lapsus
        ("ALMATY CELL GOES QUIET\nSilence followed.", []),
        ("Analysts tied the bank thefts to Silence last year.", ["attack:G0091"]),
        ("Lapsus$ leaked the source code.", ["attack:G1004"]),
        ("Hezbollah fired rockets.", ["ca:30"]),  # listed entities need no case evidence
    ],
)
def test_codenames_that_are_ordinary_words_need_case_evidence(
    text: str, expected: list[str]
) -> None:
    assert [m.value for m in find_actors(text, CODENAMES)] == expected


def test_branch_mentions_record_their_parent_group() -> None:
    (branch,) = find_actors("ISIS-K claimed the attack.", SMALL)
    assert branch.detail["parent"] == "ca:36"
    (core,) = find_actors("Daesh claimed the attack.", SMALL)
    assert "parent" not in core.detail
