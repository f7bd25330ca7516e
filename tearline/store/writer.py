"""Old home of the ingest writer; kept so existing imports keep working.

``Writer`` now lives in ``tearline.ingest.writer`` (only ingest writes reports
and STIX objects) and ``insert_ignore`` in ``tearline.store.rows``. The lazy
``__getattr__`` below is the store's one sanctioned upward import, listed in
``tests/test_layers.py``; import from the new homes in new code.
"""

from __future__ import annotations

from typing import Any

from tearline.store.rows import insert_ignore

__all__ = ["insert_ignore"]  # and, lazily, Writer


def __getattr__(name: str) -> Any:
    if name == "Writer":
        from tearline.ingest.writer import Writer  # compat shim (tests/test_layers.py)

        return Writer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
