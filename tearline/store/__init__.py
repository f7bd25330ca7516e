"""Storage: schema, migrations, the batched writer and the read-only views."""

from tearline.store.db import ensure_current, make_engine, upgrade

__all__ = ["ensure_current", "make_engine", "upgrade"]
