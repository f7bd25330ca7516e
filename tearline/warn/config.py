"""Duty-to-warn settings, read from ``tearline/config/warn.toml``.

Thresholds carry the measurement that chose them in the TOML file itself;
``TEARLINE_WARN_CONFIG`` names a file whose keys override the packaged ones,
so an agency changes only what its own implementing rules say differently
(the waiver justifications above all). The loading itself is the one shared
``model.toml_config.load_tables`` (the assess stage uses it too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tearline.model.toml_config import load_tables
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


@lru_cache(maxsize=4)
def _load(override: str | None) -> WarnConfig:
    return load_tables(WarnConfig, DEFAULT_WARN_CONFIG, override,
                       what="duty-to-warn settings",
                       hint="fix the file or unset TEARLINE_WARN_CONFIG")


def load_warn_config() -> WarnConfig:
    """The packaged settings, with ``TEARLINE_WARN_CONFIG`` laid over them."""
    return _load(os.environ.get("TEARLINE_WARN_CONFIG") or None)
