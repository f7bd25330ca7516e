"""Packaged TOML settings with a deployment's overlay: the one loader for stage configs.

``assess.toml`` and ``warn.toml`` work the same way: the packaged file holds
every key with the measurement that chose it, and a deployment names a second
file that overrides only the keys it disagrees with (tables merge key by key,
anything else replaces). Both stages build a frozen dataclass with one mapping
per top-level table from the merged data. The loader sits in ``model`` so both
stages import it from below; it reads files only, never the environment (the
path of the overlay comes from ``settings``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from tearline.errors import ConfigError

__all__ = ["load_tables", "merge_tables", "read_toml"]

ConfigT = TypeVar("ConfigT")


def merge_tables(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on it: nested tables merge, other values replace."""
    out = dict(base)
    for key, value in over.items():
        out[key] = (merge_tables(out[key], value)
                    if isinstance(value, dict) and isinstance(out.get(key), dict) else value)
    return out


def read_toml(path: Path, what: str, hint: str) -> dict[str, Any]:
    """Parse one TOML file; a missing or broken file is a ``ConfigError`` saying what to fix."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc}; {hint}") from exc


def load_tables(cls: Callable[..., ConfigT], default: Path, overlay: str | Path | None, *,
                what: str, hint: str) -> ConfigT:
    """Build ``cls`` (a dataclass with one mapping field per table) from default + overlay.

    A table the files leave out becomes an empty mapping, so a missing table is
    caught where a key is looked up, with the key's name.
    """
    data = read_toml(default, what, hint)
    if overlay:
        data = merge_tables(data, read_toml(Path(overlay), what, hint))
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    return cls(**{name: dict(data.get(name) or {}) for name in names})
