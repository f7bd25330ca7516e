"""Security: the hash-chained audit log, local users and credentials."""

__all__: list[str] = []
