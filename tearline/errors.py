"""Tearline's exception hierarchy.

    TearlineError
    ├── ConfigError        a setting or argument is unusable; the run cannot start
    ├── StoreError         the database refused or is at the wrong schema version
    ├── IngestError        one input file is unusable; carries path, location and reason
    ├── PolicyError        a principal asked for something it may not see
    ├── NotFoundError      a reference (thread, report, …) names nothing the caller may see
    ├── DecisionError      an actor decision names an actor or alias the catalog lacks
    │                      (also a ``ValueError``)
    ├── AchError           an ACH edit names an unknown hypothesis, item or rating
    └── SyncError          a TAXII partner refused or kept failing; names the call and why

Each class lives here, so the whole tree is in one file; the stage modules
that raise them re-export them under their old names.

Callers catch ``TearlineError`` at the edges (CLI, API) and show ``str(err)``,
which is always a sentence saying what was wrong and what to do.
"""

from __future__ import annotations


class TearlineError(Exception):
    """Root of every error Tearline raises on purpose."""


class ConfigError(TearlineError):
    """A setting or argument cannot be used."""


class StoreError(TearlineError):
    """The database cannot do what was asked."""


class PolicyError(TearlineError):
    """A read or write is not allowed for this principal."""


class NotFoundError(TearlineError):
    """Nothing matches the reference given (or nothing the caller may see)."""


class DecisionError(TearlineError, ValueError):
    """A decision refers to an actor or alias the catalog does not have."""


class AchError(TearlineError):
    """An ACH operation named an unknown hypothesis, item or rating."""


class SyncError(TearlineError):
    """The remote refused or kept failing; the message says which call and why."""


class IngestError(TearlineError):
    """An input file was rejected whole.

    ``where`` is a line number (``line 12``), a JSON path (``objects[3].id``) or
    a field name, so the user can open the file at the fault.
    """

    def __init__(self, path: str, where: str | None, reason: str) -> None:
        self.path = path
        self.where = where
        self.reason = reason
        loc = f" ({where})" if where else ""
        super().__init__(f"{path}{loc}: {reason}")
