"""Tearline: intelligence fusion and warning sharing.

The chain runs one way: ``ingest`` → ``fusion`` → ``assess`` → ``warn`` /
``share``; ``store`` and ``web`` are the edges. See ARCHITECTURE.md.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
