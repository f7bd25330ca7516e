"""Duty-to-warn settings, read from ``tearline/config/warn.toml``.

Thresholds carry the measurement that chose them in the TOML file itself;
``TEARLINE_WARN_CONFIG`` names a file whose keys override the packaged ones,
so an agency changes only what its own implementing rules say differently
(the waiver justifications above all).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tearline.errors import ConfigError
from tearline.settings import PACKAGE_DIR

__all__ = ["DEFAULT_WARN_CONFIG", "WarnConfig", "load_warn_config"]

DEFAULT_WARN_CONFIG = PACKAGE_DIR / "config" / "warn.toml"


@dataclass(frozen=True)
class WarnConfig:
    """The parsed settings, one mapping per TOML table."""

    trigger: dict[str, Any]
    deadlines: dict[str, Any]
    recipients: dict[str, Any]
    sanitize: dict[str, Any]
    waiver: dict[str, Any]

    @property
    def justifications(self) -> dict[str, str]:
        """Waiver justification key -> its wording."""
        return dict(self.waiver.get("justifications", {}))

    def precision(self, tier: str) -> dict[str, str]:
        """Facet precision for a recipient tier (the strictest one for an unknown tier)."""
        table = self.sanitize.get("precision", {})
        return dict(table.get(tier) or table.get("warning-only") or {"place": "city",
                                                                      "time": "day"})


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (_merge(out[key], value)
                    if isinstance(value, dict) and isinstance(out.get(key), dict) else value)
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the duty-to-warn settings {path}: {exc}; "
                          "fix the file or unset TEARLINE_WARN_CONFIG") from exc


@lru_cache(maxsize=4)
def _load(override: str | None) -> WarnConfig:
    data = _read(DEFAULT_WARN_CONFIG)
    if override:
        data = _merge(data, _read(Path(override)))
    return WarnConfig(**{k: dict(data.get(k, {})) for k in
                         ("trigger", "deadlines", "recipients", "sanitize", "waiver")})


def load_warn_config() -> WarnConfig:
    """The packaged settings, with ``TEARLINE_WARN_CONFIG`` laid over them."""
    return _load(os.environ.get("TEARLINE_WARN_CONFIG") or None)
