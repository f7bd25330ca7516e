"""Assessment settings, read from one documented TOML file.

Every threshold and weight the assess stage uses lives in
``tearline/config/assess.toml`` so that a reviewer can see, in one place, what
turns evidence into a likelihood word. ``TEARLINE_ASSESS_CONFIG`` points at
another file; keys it leaves out keep the packaged defaults, so a deployment
overrides only what it disagrees with (the loader is the shared
``model.toml_config.load_tables``, as for ``warn.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tearline import settings
from tearline.model.toml_config import load_tables
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


@lru_cache(maxsize=8)
def _load(path: str | None) -> AssessConfig:
    return load_tables(AssessConfig, DEFAULT_CONFIG_PATH, path,
                       what="assessment settings",
                       hint="fix the file or unset TEARLINE_ASSESS_CONFIG")


def load_config(path: str | Path | None = None) -> AssessConfig:
    """The packaged defaults overlaid with ``path`` or ``TEARLINE_ASSESS_CONFIG``."""
    chosen = path if path is not None else settings.assess_config_path()
    return _load(str(chosen) if chosen else None)
