"""Sharing: the one policy function, releases, partners, STIX export and sync."""

__all__: list[str] = []
