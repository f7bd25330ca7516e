"""Assessment settings, read from one documented TOML file.

Every threshold and weight the assess stage uses lives in
``tearline/config/assess.toml`` so that a reviewer can see, in one place, what
turns evidence into a likelihood word. ``TEARLINE_ASSESS_CONFIG`` points at
another file; keys it leaves out keep the packaged defaults, so a deployment
overrides only what it disagrees with.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tearline import settings
from tearline.settings import PACKAGE_DIR

__all__ = ["DEFAULT_CONFIG_PATH", "AssessConfig", "load_config"]

DEFAULT_CONFIG_PATH = PACKAGE_DIR / "config" / "assess.toml"


@dataclass(frozen=True)
class AssessConfig:
    """The parsed settings, one mapping per TOML table."""

    credibility: dict[str, Any]
    specificity: dict[str, Any]
    imminence: dict[str, Any]
    likelihood: dict[str, Any]
    confidence: dict[str, Any]
    ach: dict[str, Any]
    alarms: dict[str, Any]

    def reliability_weight(self, grade: str) -> float:
        """Weight of an Admiralty reliability letter; unknown letters count as F."""
        table = self.credibility["reliability"]
        return float(table.get(grade.upper(), table["F"]))

    def information_weight(self, grade: int | str) -> float:
        """Weight of an Admiralty information credibility digit; unknown counts as 6."""
        table = self.credibility["information"]
        return float(table.get(str(grade), table["6"]))

    def grade_weight(self, reliability: str, information: int | str) -> float:
        """Combined weight of a grade such as B2, used for clusters and ACH items."""
        return self.reliability_weight(reliability) * self.information_weight(information)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=8)
def _load(path: str | None) -> AssessConfig:
    data = _read(DEFAULT_CONFIG_PATH)
    if path:
        data = _merge(data, _read(Path(path)))
    return AssessConfig(**{k: data[k] for k in AssessConfig.__dataclass_fields__})


def load_config(path: str | Path | None = None) -> AssessConfig:
    """The packaged defaults overlaid with ``path`` or ``TEARLINE_ASSESS_CONFIG``."""
    chosen = path if path is not None else settings.assess_config_path()
    return _load(str(chosen) if chosen else None)
