"""The import rule: each layer imports only the layers below it.

    base      settings, errors
    model     the shared vocabulary (fragments, mentions, principals, markings)
    store     schema, migrations, engine, unit of work, row-level reads
    security  audit log, users, credentials
    ingest    parsers, drafts, the ingest writer
    fusion    extraction, catalog, origins, threads
    assess    judgement over fused threads
    share     policy, releases, partners, STIX export and sync; warn (duty to warn)
    pipeline  the fusion run: fusion, assessment versions and the duty-to-warn scan
              in one unit of work
    read      ``*/query.py``: what interfaces read, policy-cut and audited
    interface web, cli, ``*/cli.py``, cli_output, cli_params, demo_run

Every ``import`` counts, including those inside functions (a lazy import is
still a dependency). ``store`` and ``model`` may import nothing above them,
without exception. Anything else that breaks the rule today is listed in
``KNOWN`` with the reason; the list may only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tearline

ROOT = Path(tearline.__file__).parent
ORDER = ["base", "model", "store", "security", "ingest", "fusion", "assess", "share",
         "pipeline", "read", "interface"]
_TOP = {"settings": "base", "errors": "base", "model": "model", "store": "store",
        "security": "security", "ingest": "ingest", "fusion": "fusion", "assess": "assess",
        "pipeline": "pipeline", "share": "share", "warn": "share", "web": "interface",
        "cli": "interface", "cli_output": "interface", "cli_params": "interface",
        "cli_text": "interface", "demo_run": "interface", "demo": "interface",
        "config": "base", "schemas": "base", "__init__": "base"}

#: Other (importing module, imported module) pairs that break the rule today, and why.
KNOWN: dict[tuple[str, str], str] = {
}


#: Programs and load drivers that sit in a stage's folder but drive the stack: interfaces.
TOOLS = {
    "tearline.assess.calibrate": "prints the calibration table behind assess.toml",
}


def layer_of(module: str) -> str:
    if module in TOOLS:
        return "interface"
    parts = module.split(".")[1:] or ["__init__"]
    if parts[-1] == "query":
        return "read"
    if parts[-1] == "cli" or parts[-1].startswith("cli_"):
        return "interface"
    return _TOP.get(parts[0], "interface")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tearline")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "tearline":  # ``from tearline import settings``
                found |= {f"tearline.{a.name}" for a in node.names}
            elif target.startswith("tearline"):
                found.add(target)
    return found


def violations() -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        mine = ORDER.index(layer_of(module))
        for target in _imports(path, module):
            theirs = ORDER.index(layer_of(target))
            if theirs > mine:
                out[(module, target)] = f"{layer_of(module)} imports {layer_of(target)}"
    return out


def test_store_and_model_import_no_stage() -> None:
    low = {k: v for k, v in violations().items()
           if layer_of(k[0]) in ("base", "model", "store")}
    assert low == {}


def test_no_new_upward_imports() -> None:
    new = {k: v for k, v in violations().items() if k not in KNOWN}
    assert new == {}, "a layer imports one above it; move the shared name down instead"


def test_known_exceptions_are_still_needed() -> None:
    gone = sorted(set(KNOWN) - set(violations()))
    assert gone == [], f"fixed, so remove from KNOWN: {gone}"


def test_the_checker_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from tearline.share.policy import decide\n"
                   "from ..web import app\n", encoding="utf-8")
    assert _imports(src, "tearline.store.m") == {"tearline.share.policy", "tearline.web"}
