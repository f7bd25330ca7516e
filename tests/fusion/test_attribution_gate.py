"""The literal gate in front of each attribution pattern never changes what is found.

``attribution.parse_attributions`` runs a pattern only on a text that holds
one of the literals every match of it contains (``_NEEDS``). These tests
parse the same texts with the gate open (every pattern run) and closed,
over all of ECB+ and phrasings written for the purpose.
"""

from __future__ import annotations

import json

import pytest

from tearline.fusion import attribution
from tearline.fusion.catalog import shared_data_dir

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"

WRITTEN = [
    "According to Reuters, the convoy was hit at dawn.",
    "according to a report by the Ministry of the Interior, two died.",
    "The mayor told the Steppe Observer that the bridge was closed.",
    "A memo seen by Al Jazeera names the cell; a cable obtained by the BBC agrees.",
    "The figures were reviewed by Human Rights Watch.",
    "Citing the statement from the Defence Ministry, the paper said 12 died.",
    "citing Interfax, the agency wrote that the plant was shut.",
    "The Kyiv Independent first reported the strike. Ukrainska Pravda reports more.",
    "KABUL (Reuters) - A blast hit the market.\nCredit: Associated Press",
    "Source: Agence France-Presse\nVia: AFP",
    "Police said nothing. Officials told reporters little. Sources reported calm.",
    "REPORTED BY NOBODY: the word in capitals is not the pattern's literal.",
    "",
]


def _open_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attribution, "_NEEDS", {k: ("",) for k in attribution._NEEDS})


def _texts() -> list[str]:
    texts = list(WRITTEN)
    if ECB.is_file():
        texts += [json.loads(line)["text"] for line in ECB.read_text("utf-8").splitlines()]
    return texts


def test_every_pattern_has_its_literals() -> None:
    assert set(attribution._NEEDS) == {kind for kind, _ in attribution._PATTERNS}


def test_gated_parse_equals_the_full_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    gated = [attribution.parse_attributions(t) for t in texts]
    skipped = sum(
        1 for t in texts for kind in attribution._NEEDS
        if not any(lit in t for lit in attribution._NEEDS[kind])
    )  # fmt: skip
    _open_gate(monkeypatch)
    full = [attribution.parse_attributions(t) for t in texts]
    assert gated == full
    assert skipped > len(texts)  # the gate did skip patterns
    assert sum(map(len, full)) >= 10  # and the texts do name sources


@pytest.mark.parametrize("text", WRITTEN)
def test_written_phrasings_with_and_without_the_gate(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gated = attribution.parse_attributions(text, outlet="BBC")
    _open_gate(monkeypatch)
    assert attribution.parse_attributions(text, outlet="BBC") == gated
