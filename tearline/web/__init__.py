"""The web edge: the REST API under /api/v1 and the TAXII 2.1 server."""

__all__: list[str] = []
