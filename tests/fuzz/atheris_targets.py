"""Coverage-guided fuzzing (atheris / libFuzzer) of every parser of untrusted input.

    PYTHONPATH=$PWD python tests/fuzz/atheris_targets.py TARGET [libFuzzer flags]

TARGET is one of ``article``, ``native``, ``stix-object``, ``stix-stream``,
``taxii-params``, or ``all`` (each input's first byte picks one of them). A
target may refuse its input only with the parser's own error (``IngestError``,
or ``TaxiiError`` for TAXII parameters); anything else
(a ``KeyError``, ``RecursionError``, ``MemoryError``, …) is a crash, which
libFuzzer reports with the input that caused it and a non-zero exit.
``tests/fuzz/test_atheris.py`` runs ``all`` for a bounded number of runs
in the suite; run one longer by hand with ``-max_total_time=600``.
Hypothesis (``tests/ingest/test_parsers_never_crash.py``) covers the same
parsers where atheris does not install.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["tearline"]):
    from starlette.datastructures import QueryParams

    from tearline.errors import IngestError
    from tearline.ingest.article import parse_article
    from tearline.ingest.limits import check_stream_depth
    from tearline.ingest.native import parse_json, parse_jsonl
    from tearline.ingest.stix import (
        check_bundle_header,
        check_object,
        iter_bundle,
        looks_like_bundle,
    )
    from tearline.web.taxii._media import TaxiiError
    from tearline.web.taxii._query import parse_filters

import orjson


def _text(data: bytes) -> str:
    return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


def article(data: bytes) -> None:
    try:
        draft = parse_article(_text(data), "a.md")
    except IngestError:
        return
    assert draft.title and draft.body, "an accepted article has a title and a body"


def native(data: bytes) -> None:
    text = _text(data)
    for parse in (parse_json, parse_jsonl):
        with contextlib.suppress(IngestError):
            parse(text, "r.json")


def stix_object(data: bytes) -> None:
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return
    try:
        row = check_object(obj, "objects[0]", "b.json")
    except IngestError:
        return
    assert orjson.loads(row.json) == obj, "the stored JSON is the object as sent"


def stix_stream(data: bytes) -> None:
    # The steps ``ingest.run`` takes on a bundle file, in its order.
    looks_like_bundle(data[:4096])
    fh = io.BytesIO(data)
    try:
        check_stream_depth(fh, "b.json")
        check_bundle_header(fh, "b.json")
        fh.seek(0)
        for index, obj in iter_bundle(fh, "b.json"):
            check_object(obj, f"objects[{index}]", "b.json")
    except IngestError:
        pass


def taxii_params(data: bytes) -> None:
    # As a request would carry them: a raw query string, decoded by Starlette.
    with contextlib.suppress(TaxiiError):
        parse_filters(QueryParams(_text(data)))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "article": article, "native": native, "stix-object": stix_object,
    "stix-stream": stix_stream, "taxii-params": taxii_params,
}
_EACH = list(TARGETS)


def every(data: bytes) -> None:
    """All targets in one process (one instrumented import): the first byte picks one."""
    if data:
        TARGETS[_EACH[data[0] % len(_EACH)]](data[1:])


TARGETS["all"] = every


SCENARIO = Path(__file__).resolve().parents[2] / "tearline" / "demo" / "scenario"


def seeds(name: str) -> list[bytes]:
    """Well-formed inputs to start from (the bundled demo scenario), so mutation reaches deep."""
    if name == "all":
        return [bytes([i]) + seed for i, each in enumerate(_EACH) for seed in seeds(each)]
    if name == "article":
        return [p.read_bytes() for p in sorted((SCENARIO / "news").glob("*.md"))[:4]]
    if name == "native":
        lines = (SCENARIO / "agencies" / "nrd.jsonl").read_bytes().splitlines()
        return [lines[0], b"[" + lines[0] + b"]", b"\n".join(lines[:3])]
    bundle = (SCENARIO / "liaison" / "partner-note.stix.json").read_bytes()
    if name == "stix-stream":
        return [bundle]
    if name == "stix-object":
        return [orjson.dumps(o) for o in orjson.loads(bundle)["objects"]]
    return [b"match[type]=indicator,report&match[version]=all&limit=5",
            b"added_after=2025-03-01T00:00:00.000Z&match[id]=indicator--1&next=MTIzfDQ1",
            b"match[spec_version]=2.1&match[version]=2025-03-01T00:00:00Z,first&limit=0"]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: atheris_targets.py {{{','.join(TARGETS)}}} [libFuzzer flags]")
    name, flags = sys.argv[1], sys.argv[2:]
    if not any(not f.startswith("-") for f in flags):  # no corpus given: start from seeds
        corpus = Path(tempfile.mkdtemp(prefix=f"tl-fuzz-{name}-"))
        for i, seed in enumerate(seeds(name)):
            (corpus / f"seed{i}").write_bytes(seed)
        flags.append(str(corpus))
    atheris.Setup([sys.argv[0], *flags], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
