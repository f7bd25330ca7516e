"""Fusion: extraction, the actor catalog, origin clusters, threads and their reads.

Submodules are the surface: ``extract``, ``catalog``, ``origins``, ``threads``,
``timeline``, ``query`` (what interfaces read).
"""

__all__: list[str] = []
