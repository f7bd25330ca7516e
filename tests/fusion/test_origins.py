"""Origin clusters: near-duplicates, attribution links, order independence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.origins import (
    LinkReason,
    OriginIndex,
    normalize_text,
    parse_attributions,
)
from tearline.model.fragment import Fragment

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)

STORY = [
    "Security forces in the northern province intercepted a truck carrying explosives "
    "near the border crossing late on Tuesday evening, officials in the provincial capital said.",
    "The driver and two passengers were detained after a brief chase along the coastal road, "
    "and investigators are examining phones recovered from the cab of the vehicle.",
    "Local residents described hearing gunfire shortly before midnight as soldiers closed "
    "the checkpoint and diverted traffic towards the old market district.",
    "The interior ministry has raised the alert level for public gatherings across the region "
    "until the end of the month, citing a continuing risk to crowded venues.",
]
OTHER = (
    "Farmers in the valley expect a record harvest of apricots this summer after "
    "an unusually wet spring, and cooperatives are hiring seasonal workers to cope."
)


def frag(fid: str, body: str, title: str = "Report", at: datetime = T0, **kw: object) -> Fragment:
    return Fragment(
        id=fid,
        title=title,
        body=body,
        reported_at=at,
        received_at=at,
        originator="test",
        source_name="test",
        source_kind="news",
        source_agency="test",
        reliability="C",
        credibility=3,
        **kw,  # type: ignore[arg-type]
    )


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


VARIANTS = {
    "identical": body(STORY),
    "new headline only": body(STORY),
    "upper case": body(STORY).upper(),
    "punctuation changed": body(STORY).replace(",", "").replace(".", " ;"),
    "paragraph cut": body(STORY[:3]),
    "paragraph added": body([*STORY, OTHER]),
    "middle paragraph cut": body([STORY[0], STORY[1], STORY[3]]),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_near_duplicate_variants_share_an_origin(name: str) -> None:
    index = OriginIndex()
    index.add(frag("a", body(STORY), title="Truck of explosives seized"))
    links = index.add(frag("b", VARIANTS[name], title="Border arrests after chase"))
    assert index.cluster_of("b") == index.cluster_of("a") == "a"
    assert links and links[0].kind is LinkReason.NEAR_DUPLICATE
    assert links[0].other == "a" and links[0].score >= index.duplicate_jaccard
    assert links[0].passage is None or links[0].passage in VARIANTS[name]
    assert index.independent_origins(["a", "b"]) == 1


def test_unrelated_text_stays_separate() -> None:
    index = OriginIndex()
    index.add(frag("a", body(STORY)))
    assert index.add(frag("b", OTHER * 3)) == []
    assert index.independent_origins(["a", "b"]) == 2


@pytest.mark.parametrize(
    ("text", "key", "kind"),
    [
        (
            "The plot was foiled, according to the Interior Ministry.",
            "interior ministry",
            "according_to",
        ),
        ("A senior official told Reuters on Monday.", "reuters", "told"),
        ("KABUL (Reuters) - A car bomb exploded.", "reuters", "dateline"),
        (
            "A memo reviewed by The Washington Post shows the plan.",
            "washington post",
            "reviewed_by",
        ),
        ("Al Jazeera reported that the group had regrouped.", "al jazeera", "reported"),
        ("citing a statement from the Ministry of Defence", "ministry of defence", "citing"),
        ("Photo\nCredit: Associated Press", "ap", "credit"),
        ("According to Le Monde's sources, the cell was small.", "le monde", "according_to"),
    ],
)
def test_attribution_phrases(text: str, key: str, kind: str) -> None:
    found = parse_attributions(text)
    assert [(a.key, a.kind) for a in found] == [(key, kind)]


@pytest.mark.parametrize(
    "text",
    ["Police said two men were held.", "according to officials", "he told reporters", ""],
)
def test_unnamed_sources_are_not_attributions(text: str) -> None:
    assert parse_attributions(text) == []


def test_own_outlet_is_never_a_claimed_source() -> None:
    # Cause 1 of issue 11: the outlet field counted as the fragment's source,
    # so any two stories of one outlet within a week were one origin.
    assert parse_attributions("text", outlet="Agence France-Presse") == []
    own = "PARIS (AFP) - A strike closed the port. A minister told Reuters it would end."
    assert [a.key for a in parse_attributions(own, outlet="Agence France-Presse")] == ["reuters"]


def test_two_stories_of_one_outlet_are_two_origins() -> None:
    index = OriginIndex()
    index.add(frag("a", REWRITE_A, outlet="Northern Ledger"))
    index.add(frag("b", OTHER * 2, at=T0 + timedelta(hours=2), outlet="Northern Ledger"))
    assert index.independent_origins(["a", "b"]) == 2


# Two independently written reports of one event, both resting on Reuters.
REWRITE_A = (
    "Gunmen stormed a police station in Kandahar overnight and killed four officers, "
    "a provincial official told Reuters. The attackers escaped on motorcycles towards "
    "the mountains, and the Taliban denied any involvement in the Kandahar raid."
)
REWRITE_B = (
    "Four police officers died when armed men attacked their station in Kandahar during "
    "the night, according to Reuters. Witnesses saw the attackers flee on motorcycles; "
    "the Taliban rejected responsibility for the raid on the police station."
)


# Same wire, same city, same day, another story: what Reuters is said to have
# reported differs, and no sentence is shared.
AIRPORT = (
    "Kandahar airport will reopen next week once repairs to its runway are finished, "
    "Reuters reported. Police officers guarded the terminal overnight while engineers "
    "from the provincial government inspected the damage to the control tower."
)


def test_naming_one_source_without_a_shared_passage_is_not_a_merge() -> None:
    # Cause 2 of issue 11: same-topic stories naming one wire were one origin.
    index = OriginIndex()
    index.add(frag("a", REWRITE_A))
    assert index.add(frag("b", AIRPORT, at=T0 + timedelta(hours=5))) == []
    assert index.independent_origins(["a", "b"]) == 2
    # The claimed source stays visible on each fragment.
    assert [a.key for a in index.attributions("b")] == ["reuters"]


def test_rewrites_of_one_attributed_report_share_an_origin() -> None:
    # No sentence in common, but what each says Reuters reported agrees.
    index = OriginIndex()
    index.add(frag("a", REWRITE_A))
    links = index.add(frag("b", REWRITE_B, at=T0 + timedelta(hours=5)))
    assert [(lk.kind, lk.key) for lk in links] == [(LinkReason.ATTRIBUTION, "reuters")]
    assert links[0].passage is not None and "according to Reuters" in links[0].passage
    assert index.independent_origins(["a", "b"]) == 1


def test_a_wire_credit_alone_is_not_a_merge() -> None:
    index = OriginIndex()
    index.add(frag("a", "KANDAHAR (Reuters) - " + REWRITE_A.split(", a provincial")[0] + "."))
    text = "KANDAHAR (Reuters) - Four police officers died in an attack on their Kandahar station."
    assert index.add(frag("b", text, at=T0 + timedelta(hours=5))) == []


SHARED_WIRE = (
    "The attackers escaped on motorcycles towards the mountains after the raid, witnesses said."
)


def test_shared_attribution_with_a_shared_passage_links_rewrites() -> None:
    index = OriginIndex()
    index.add(frag("a", REWRITE_A + " " + SHARED_WIRE))
    links = index.add(frag("b", REWRITE_B + " " + SHARED_WIRE, at=T0 + timedelta(hours=5)))
    assert [(lk.kind, lk.key) for lk in links] == [(LinkReason.ATTRIBUTION, "reuters")]
    assert links[0].phrase == "according to Reuters"
    assert links[0].other_phrase == "told Reuters"
    assert links[0].passage == SHARED_WIRE and links[0].score == 1.0
    back = index.reasons("a")
    assert back[0].other == "b" and back[0].phrase == "told Reuters"
    assert index.independent_origins(["a", "b"]) == 1


def test_a_shared_quote_is_not_a_shared_passage() -> None:
    quote = '"We will find every person involved in this crime," the minister said on Saturday.'
    index = OriginIndex()
    index.add(frag("a", REWRITE_A + " " + quote))
    assert index.add(frag("b", AIRPORT + " " + quote, at=T0 + timedelta(hours=5))) == []


LONG_STORY = [
    "The convoy of grain lorries reached the northern checkpoint shortly before dawn on Monday.",
    "Border guards stopped eleven vehicles and ordered their drivers to open the cargo doors.",
    "Customs officers said forged permits were found in three cabs during the inspection.",
    "A spokesman for the transport union called the searches an unlawful act of harassment.",
    "Drivers waited for nine hours in freezing rain while dogs were brought from the capital.",
    "Traders in the market town complained that bread prices had doubled since the autumn.",
    "The ministry promised compensation to hauliers whose perishable goods were spoiled.",
    "Two lawmakers from the opposition demanded a parliamentary hearing on the incident.",
    "Satellite images published by a research group showed queues stretching for kilometres.",
    "Officials in the neighbouring province said they would reopen a second crossing soon.",
]


def test_a_shortened_copy_is_contained_in_its_source() -> None:
    # The syndicated copy: half the story, names lower-cased, another
    # headline. Its shingle Jaccard is far below the near-duplicate threshold.
    index = OriginIndex()
    index.add(frag("src", body(LONG_STORY), title="Convoy stopped at border"))
    cut = [p.lower() for p in LONG_STORY[:5]]
    cut[1], cut[3] = cut[3], cut[1]
    links = index.add(frag("copy", "(Capital Wire) - " + body(cut), title="Trucks held"))
    assert index.cluster_of("src") == index.cluster_of("copy")
    assert [lk.kind for lk in links] == [LinkReason.CONTAINMENT]
    passage = links[0].passage or ""
    assert links[0].score == 1.0 and any(passage.endswith(p.lower()) for p in LONG_STORY)
    data = links[0].to_dict()
    assert {"kind", "score", "passage"} <= data.keys()


def test_attribution_needs_time_proximity_and_shared_content() -> None:
    index = OriginIndex()
    index.add(frag("a", REWRITE_A))
    # Same wire, weeks later: a different story.
    assert index.add(frag("late", REWRITE_B, at=T0 + timedelta(days=30))) == []
    # Same wire, same day, unrelated content.
    assert index.add(frag("other", OTHER + " The figures were reported by Reuters.")) == []
    assert index.independent_origins(["a", "late", "other"]) == 3


def test_readding_is_idempotent_and_unknown_ids_fail_clearly() -> None:
    index = OriginIndex()
    index.add(frag("a", body(STORY)))
    assert index.add(frag("a", body(STORY))) == []
    assert len(index) == 1
    with pytest.raises(KeyError, match="'zz'"):
        index.cluster_of("zz")


def test_normalize_text_ignores_case_and_punctuation() -> None:
    assert normalize_text("  Hello, WORLD!  It's—fine. ") == "hello world it s fine"


def _corpus() -> list[Fragment]:
    frs = [
        frag("a", body(STORY)),
        frag("b", body(STORY[:3])),
        frag("c", body([*STORY[1:], OTHER])),
        frag("d", REWRITE_A + " " + SHARED_WIRE),
        frag("e", REWRITE_B + " " + SHARED_WIRE, at=T0 + timedelta(hours=3)),
        frag("f", OTHER * 2),
        frag("g", REWRITE_B, at=T0 + timedelta(days=20)),
        frag("h", "Short note."),
    ]
    return frs


def _partition(index: OriginIndex, ids: list[str]) -> dict[str, str]:
    return {fid: index.cluster_of(fid) for fid in ids}


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(8)))
def test_any_insertion_order_gives_the_same_clusters(order: list[int]) -> None:
    corpus = _corpus()
    ids = [f.id for f in corpus]
    reference = OriginIndex()
    for f in corpus:
        reference.add(f)
    shuffled = OriginIndex()
    for i in order:
        shuffled.add(corpus[i])
    assert _partition(shuffled, ids) == _partition(reference, ids)
    assert _partition(reference, ids)["b"] == "a"
    assert _partition(reference, ids)["e"] == "d"


def test_round_trip_keeps_clusters_and_stays_incremental() -> None:
    corpus = _corpus()
    index = OriginIndex()
    for f in corpus[:6]:
        index.add(f)
    restored = OriginIndex.from_dict(index.to_dict())
    ids = [f.id for f in corpus[:6]]
    assert _partition(restored, ids) == _partition(index, ids)
    assert restored.reasons("b") == index.reasons("b")
    # The restored index keeps its LSH buckets: a new copy still finds its origin.
    restored.add(frag("z", body(STORY).upper()))
    assert restored.cluster_of("z") == "a"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=30)))
def test_parsers_never_crash(text: str, outlet: str | None) -> None:
    for a in parse_attributions(text, outlet=outlet):
        assert a.key and a.key == a.key.strip()
    index = OriginIndex()
    index.add(frag("x", text or "x", title=text[:20] or "t"))
    assert index.independent_origins(["x"]) == 1


def test_crowded_buckets_stay_bounded_and_copies_still_cluster() -> None:
    from tearline.fusion.origins import BUCKET_CAP

    index = OriginIndex()
    body = "\n".join(STORY)
    for i in range(BUCKET_CAP * 3):
        index.add(frag(f"copy-{i}", body, at=T0 + timedelta(minutes=i)))
    sizes = [len(v) for v in index._shingle_buckets.values() if isinstance(v, list)]
    assert sizes and max(sizes) <= BUCKET_CAP
    assert index.independent_origins([f"copy-{i}" for i in range(BUCKET_CAP * 3)]) == 1


@pytest.mark.parametrize("text", [*STORY, OTHER, "\n".join(STORY), "one", "Ünïcode — “quotes” 123"])
def test_fast_signatures_equal_datasketch_bit_for_bit(text: str) -> None:
    import numpy as np

    from tearline.fusion.origins import signature_arrays, text_signature

    slow, fast = text_signature(text), signature_arrays(text)
    for mh, arr in zip(slow, fast, strict=True):
        assert (mh is None) == (arr is None)
        if mh is not None:
            assert np.array_equal(mh.hashvalues, arr)


@pytest.mark.parametrize(("num_perm", "seed"), [(64, 1), (32, 2), (7, 12345)])
def test_own_permutations_and_mix_equal_datasketch(num_perm: int, seed: int) -> None:
    """The hot path draws datasketch's affine32 permutations itself (no datasketch import)."""
    import numpy as np
    from datasketch import MinHash
    from datasketch.minhash import _fmix as their_fmix

    from tearline.fusion import signatures

    a, b = signatures._permutations(num_perm, seed)
    theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    assert np.array_equal(a, theirs.permutations[0]) and a.dtype == theirs.permutations[0].dtype
    assert np.array_equal(b, theirs.permutations[1]) and b.dtype == theirs.permutations[1].dtype
    values = np.random.default_rng(seed).integers(0, 1 << 32, 5000, dtype=np.uint64)
    values = values.astype(np.uint32)
    assert np.array_equal(signatures._fmix(values), their_fmix(values, 32))


@pytest.mark.parametrize("enough", [4, 10, 50])
def test_signatures_left_out_for_a_long_sample_are_the_only_difference(enough: int) -> None:
    """``sample_enough`` skips the shingle MinHash of a long-sampled text, changing nothing else."""
    import numpy as np

    from tearline.fusion.signatures import all_signatures

    texts = [*STORY, OTHER, "\n".join(STORY), "one", "two words", "", " ".join(LONG_STORY),
             "Ünïcode — “quotes” 123 " * 9]
    skipped = kept = 0
    for text in texts:
        sig, usig, sample = all_signatures(text)
        fsig, fusig, fsample = all_signatures(text, sample_enough=enough)
        assert np.array_equal(sample, fsample)
        assert (usig is None and fusig is None) or np.array_equal(usig, fusig)
        if len(sample) >= enough:
            assert fsig is None
            skipped += sig is not None
        else:
            assert (sig is None and fsig is None) or np.array_equal(sig, fsig)
            kept += fsig is not None
    assert skipped and kept


def test_hot_path_does_not_import_datasketch() -> None:
    """The fork server and the writer import the origin modules; datasketch pulls in scipy."""
    import subprocess
    import sys

    code = ("import sys; import tearline.fusion.threads, tearline.fusion.origins; "
            "from tearline.fusion.signatures import all_signatures; all_signatures('a b c d e'); "
            "print('datasketch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_one_stock_sentence_and_a_shared_credit_are_not_one_origin() -> None:
    """A claimed source lowers the bar for a copy; it does not make one sentence enough."""
    stock = "Paramedics rushed the injured to the county medical center where two later died."
    a = [f"(Capital Wire) - {LONG_STORY[0]}", *STORY, stock]
    b = [f"(Capital Wire) - {OTHER}", *[p.replace("the", "a") for p in LONG_STORY[1:]], stock]
    index = OriginIndex()
    index.add(frag("a", body(a)))
    index.add(frag("b", body(b)))
    assert index.independent_origins(["a", "b"]) == 2


def _random_sentences(seed: int, n: int, words: int) -> list[list[str]]:
    import random

    rng = random.Random(seed)
    vocab = [f"w{k}{'abcdefghij'[k % 10]}" for k in range(3000)]
    return [[rng.choice(vocab) for _ in range(words)] for _ in range(n)]


def _edited(sentences: list[list[str]], every: int) -> str:
    """One word in ``every`` replaced: no sentence fingerprint survives, most shingles do."""
    out = []
    for s in sentences:
        out.append(" ".join("edited" if k % every == every // 2 else w for k, w in enumerate(s)))
    return ". ".join(out) + "."


def test_shortened_copy_of_a_very_long_text_is_contained() -> None:
    """Both samples are capped at their smallest values: compare them where both are complete.

    A 6,000-word source keeps its sample's smallest values only, so its cut-off
    sits low; a copy of a third of it, lightly edited in every sentence, once
    counted its own larger values as missing from the source.
    """
    source = _random_sentences(1, 200, 30)
    index = OriginIndex()
    index.add(frag("src", ". ".join(" ".join(s) for s in source) + "."))
    index.add(frag("copy", _edited(source[130:], 30), at=T0 + timedelta(hours=2)))
    links = index.reasons("copy")
    assert index.independent_origins(["src", "copy"]) == 1
    assert [lk.kind for lk in links] == [LinkReason.CONTAINMENT]
    assert links[0].score >= 0.6


def test_an_index_saved_with_sparser_samples_still_finds_edited_copies() -> None:
    """Version-3 indexes kept one shingle in four: new samples are compared on that class."""
    import numpy as np

    from tearline.fusion.signatures import LEGACY_MOD

    source = _random_sentences(2, 30, 15)
    old = OriginIndex()
    old.add(frag("src", ". ".join(" ".join(s) for s in source) + "."))
    data = old.to_dict()
    data["version"] = 3
    row = data["fragments"][0]
    row["sample"] = [v for v in row["sample"] if v % LEGACY_MOD == 0]
    restored = OriginIndex.from_dict(data)
    restored.add(frag("copy", _edited(source[18:], 15), at=T0 + timedelta(hours=1)))
    assert restored.independent_origins(["src", "copy"]) == 1
    assert np.all(np.asarray(restored.to_dict()["fragments"][0]["sample"]) % LEGACY_MOD == 0)


LEAD = (
    "Investigators in the harbour town said on Monday that the warehouse fire which destroyed "
    "the old cannery had started in a storage room at the back of the building."
)


@pytest.mark.parametrize("source_first", [True, False])
def test_copy_cut_to_its_lead_joins_a_long_source_in_either_order(source_first: bool) -> None:
    """The source's smallest shingles are not in its lead: the shared sentence finds the pair."""
    pair = [frag("src", body([LEAD, *LONG_STORY])),
            frag("copy", f"(Capital Wire) - {LEAD}", at=T0 + timedelta(hours=1))]  # fmt: skip
    index = OriginIndex()
    for f in pair if source_first else pair[::-1]:
        index.add(f)
    assert index.independent_origins(["src", "copy"]) == 1
    assert [lk.kind for lk in index.reasons("copy")] == [LinkReason.CONTAINMENT]


def test_short_copy_printed_whole_in_a_long_source_is_one_origin() -> None:
    """Too few sampled shingles for a ratio: contained whole, with a shared plain sentence."""
    from tearline.fusion.origins import SHINGLE_MIN_SAMPLE, SHORT_MIN_SAMPLE
    from tearline.fusion.signatures import shingle_sample

    short = (
        "Investigators said the warehouse fire that destroyed the old cannery on the quay "
        "began late at night in a storage room."
    )

    assert SHORT_MIN_SAMPLE <= len(shingle_sample(short)) < SHINGLE_MIN_SAMPLE
    index = OriginIndex()
    index.add(frag("src", body([short, *LONG_STORY])))
    index.add(frag("copy", short, at=T0 + timedelta(hours=1)))
    assert index.independent_origins(["src", "copy"]) == 1
    assert [lk.kind for lk in index.reasons("copy")] == [LinkReason.CONTAINMENT]


def test_short_text_sharing_only_a_quote_or_a_paraphrase_stays_apart() -> None:
    """Whole containment needs a shared sentence that is not a quotation."""
    quote = (
        '"We will find those responsible and bring them to justice," the minister told reporters.'
    )
    paraphrase = (
        "Investigators in the harbour town said Monday the fire that destroyed the old cannery "
        "began in a back storage room."
    )
    index = OriginIndex()
    index.add(frag("src", body([quote, *LONG_STORY])))
    index.add(frag("q", quote, at=T0 + timedelta(hours=1)))
    index.add(frag("p", paraphrase, at=T0 + timedelta(hours=1)))
    assert index.independent_origins(["src", "q"]) == 2
    assert index.independent_origins(["src", "p"]) == 2


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 2**32 - 1), max_size=260), st.sets(st.integers(0, 2**32 - 1),
                                                               max_size=260),
       st.sets(st.integers(0, 2**32 - 1), max_size=120))
def test_common_counts_what_intersect1d_shares(a: set[int], b: set[int], both: set[int]) -> None:
    """``_common`` on sorted unique hashes, short (sets) and long (merged pairs) alike."""
    import numpy as np

    from tearline.fusion.origins import _common
    from tearline.fusion.passages import shared

    x = np.array(sorted(a | both), dtype=np.uint32)
    y = np.array(sorted(b | both), dtype=np.uint32)
    assert _common(x, y) == len(shared(x, y)) == len((a | both) & (b | both))
