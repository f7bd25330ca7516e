"""Output helpers shared by every CLI module (kept apart from ``cli.py`` to avoid import cycles)."""

from __future__ import annotations

import sys
from typing import Any

import orjson


def echo_json(data: Any) -> None:
    """Print JSON for scripts: indented, UTF-8, datetimes and other objects as strings."""
    sys.stdout.write(
        orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
                     default=str).decode() + "\n"
    )
